<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * The mail settings of send_test and diagnose, validated.
 *
 * @internal
 */
final class MailConfig
{
    /**
     * @param array{username: string, secret: string, mechanism: string}|null $auth
     */
    public function __construct(
        public readonly string $host,
        public readonly int $port,
        public readonly string $encryption,
        public readonly bool $autoTls,
        public readonly bool $verifyPeer,
        public readonly bool $allowInsecureAuth,
        #[\SensitiveParameter]
        public readonly ?array $auth,
        public readonly ?string $from,
    ) {
    }
}
