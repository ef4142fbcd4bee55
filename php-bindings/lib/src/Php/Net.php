<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * The common options, validated.
 *
 * @internal
 */
final class Net
{
    /**
     * @param list<string> $dnsServers
     */
    public function __construct(
        public readonly float $timeout,
        public readonly float $connectTimeout,
        public readonly string $family,
        public readonly array $dnsServers,
        public readonly ?string $caFile,
        public readonly ?string $ehloName,
    ) {
        $this->reach = new Reach();
    }

    /** The call's board of answers (Reach); null: early verdicts off (option early_verdict). */
    public ?Reach $reach;

    public function ehlo(): string
    {
        if ($this->ehloName !== null) {
            return $this->ehloName;
        }
        $h = gethostname();
        return is_string($h) && $h !== '' && Args::host($h)[0] !== null ? $h : 'localhost';
    }

    /**
     * The CA PHP's streams use (what PHPMailer trusts): the ca_file option,
     * else openssl.cafile / openssl.capath, else OpenSSL's default store.
     *
     * @return array{cainfo: list<string>, label: string, default: bool}
     */
    public function phpCa(): array
    {
        if ($this->caFile !== null) {
            return ['cainfo' => [$this->caFile], 'label' => $this->caFile, 'default' => false];
        }
        $file = (string) ini_get('openssl.cafile');
        $path = (string) ini_get('openssl.capath');
        $info = array_values(array_filter([$file, $path], static fn (string $s): bool => $s !== ''));
        if ($info !== []) {
            return ['cainfo' => $info, 'label' => implode(', ', $info), 'default' => false];
        }
        $loc = openssl_get_cert_locations();
        $def = $loc['default_cert_file'] ?? 'default';
        return ['cainfo' => [], 'label' => "OpenSSL default ($def)", 'default' => true];
    }
}
