<?php

declare(strict_types=1);

namespace SmtpDiag;

/*
 * The extension defines SmtpDiag\Exception itself; this file is only
 * autoloaded when it is not loaded, so callers can catch the same class
 * whichever engine answers.
 */
if (!class_exists(Exception::class, false)) {
    /** Internal failures (never network outcomes, which are data). */
    class Exception extends \Exception
    {
    }
}
