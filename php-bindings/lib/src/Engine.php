<?php

declare(strict_types=1);

namespace SmtpDiag;

/** Which implementation answered: the smtpdiag extension, or the library's pure-PHP mode. */
enum Engine: string
{
    case Native = 'native';
    case Php = 'php';
}
