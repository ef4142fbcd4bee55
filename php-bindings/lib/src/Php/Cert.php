<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * Certificates through ext/openssl: the details (openssl_x509_parse) in
 * the extension's shape, and the judgement PHP itself can make:
 * openssl_x509_checkpurpose() against PHP's CA and against the system
 * store, the validity dates, the names, key sizes and signature hashes.
 * PHP gives no OpenSSL verify code, and cannot verify a chain outside its
 * validity period: those stay unjudged rather than guessed.
 *
 * @internal
 */
final class Cert
{
    /**
     * @return array{subject: string, issuer: string, san: list<string>, not_before: string, not_after: string, days_left: int, serial: string, fingerprint_sha256: string, key: array{type: string, bits: int}, signature_algorithm: string}
     */
    public static function info(\OpenSSLCertificate $c): array
    {
        $p = openssl_x509_parse($c, false) ?: [];
        $from = is_int($p['validFrom_time_t'] ?? null) ? $p['validFrom_time_t'] : 0;
        $to = is_int($p['validTo_time_t'] ?? null) ? $p['validTo_time_t'] : 0;
        $fp = (string) openssl_x509_fingerprint($c, 'sha256');
        $key = ['type' => 'unknown', 'bits' => 0];
        $pub = @openssl_pkey_get_public($c);
        if ($pub !== false) {
            $d = openssl_pkey_get_details($pub) ?: [];
            $types = [OPENSSL_KEYTYPE_RSA => 'RSA', OPENSSL_KEYTYPE_DSA => 'DSA', OPENSSL_KEYTYPE_DH => 'DH', OPENSSL_KEYTYPE_EC => 'EC'];
            $t = $d['type'] ?? -1;
            $key = ['type' => $types[$t] ?? 'unknown', 'bits' => is_int($d['bits'] ?? null) ? $d['bits'] : 0];
        }
        $serial = $p['serialNumberHex'] ?? '';
        return [
            'subject' => self::dn(openssl_x509_parse($c, true)['subject'] ?? []),
            'issuer' => self::dn(openssl_x509_parse($c, true)['issuer'] ?? []),
            'san' => self::san($p),
            'not_before' => gmdate('Y-m-d\TH:i:s\Z', $from),
            'not_after' => gmdate('Y-m-d\TH:i:s\Z', $to),
            'days_left' => intdiv($to - time(), 86400),
            'serial' => is_string($serial) ? strtoupper(ltrim($serial, '0')) ?: '0' : '0',
            'fingerprint_sha256' => strtoupper(implode(':', str_split($fp, 2))),
            'key' => $key,
            'signature_algorithm' => is_string($p['signatureTypeLN'] ?? null) ? $p['signatureTypeLN'] : '',
        ];
    }

    /**
     * A distinguished name as RFC 2253 prints it (last RDN first).
     *
     * @param mixed $parts
     */
    private static function dn(mixed $parts): string
    {
        if (!is_array($parts)) {
            return '';
        }
        $out = [];
        foreach ($parts as $k => $v) {
            foreach (is_array($v) ? $v : [$v] as $one) {
                $out[] = $k . '=' . addcslashes((string) $one, ',+"\\<>;');
            }
        }
        return implode(',', array_reverse($out));
    }

    /**
     * @param array<array-key, mixed> $p
     * @return list<string>
     */
    private static function san(array $p): array
    {
        $ext = $p['extensions']['subjectAltName'] ?? null;
        if (!is_string($ext) || $ext === '') {
            return [];
        }
        $out = [];
        foreach (explode(',', $ext) as $item) {
            $item = trim($item);
            if (str_starts_with($item, 'DNS:')) {
                $out[] = 'DNS:' . substr($item, 4);
            } elseif (str_starts_with($item, 'IP Address:')) {
                $out[] = 'IP:' . strtolower(substr($item, 11));
            } elseif ($item !== '') {
                $out[] = $item;
            }
        }
        return $out;
    }

    /**
     * The names a certificate covers, as used for host checks.
     *
     * @return array{dns: list<string>, ip: list<string>, cn: list<string>}
     */
    public static function names(\OpenSSLCertificate $c): array
    {
        $p = openssl_x509_parse($c, false) ?: [];
        $dns = $ip = [];
        foreach (self::san($p) as $s) {
            if (str_starts_with($s, 'DNS:')) {
                $dns[] = strtolower(substr($s, 4));
            } elseif (str_starts_with($s, 'IP:')) {
                $ip[] = (string) inet_ntop((string) inet_pton(substr($s, 3)));
            }
        }
        $cn = $p['subject']['commonName'] ?? [];
        return ['dns' => $dns, 'ip' => $ip, 'cn' => array_values(array_map('strtolower', array_map('strval', is_array($cn) ? $cn : [$cn])))];
    }

    /** OpenSSL's host rules: SAN first (CN only without DNS SANs), one leftmost wildcard label. */
    public static function matchesHost(\OpenSSLCertificate $c, string $host): bool
    {
        $n = self::names($c);
        $host = strtolower(rtrim(trim($host, '[]'), '.'));
        if (filter_var($host, FILTER_VALIDATE_IP) !== false) {
            return in_array((string) inet_ntop((string) inet_pton($host)), $n['ip'], true);
        }
        $candidates = $n['dns'] !== [] ? $n['dns'] : $n['cn'];
        foreach ($candidates as $pattern) {
            if ($pattern === $host) {
                return true;
            }
            if (str_starts_with($pattern, '*.') && substr_count($pattern, '.') >= 2) {
                $dot = strpos($host, '.');
                if ($dot !== false && $dot > 0 && substr($host, $dot) === substr($pattern, 1)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** "CN:a, DNS:b" for messages, as the core lists names. */
    public static function nameList(\OpenSSLCertificate $c): string
    {
        $n = self::names($c);
        $out = array_merge(array_map(static fn (string $d): string => "DNS:$d", $n['dns']),
            array_map(static fn (string $d): string => "IP:$d", $n['ip']));
        if ($out === []) {
            $out = array_map(static fn (string $d): string => "CN:$d", $n['cn']);
        }
        return implode(', ', $out);
    }

    /**
     * Whether the chain verifies (purpose: TLS server) against $cainfo
     * ([] = OpenSSL's default store, which honours SSL_CERT_FILE).
     *
     * @param list<\OpenSSLCertificate> $chain
     * @param list<string> $cainfo
     */
    public static function verifies(array $chain, array $cainfo): bool
    {
        if ($chain === []) {
            return false;
        }
        $untrusted = null;
        if (count($chain) > 1) {
            $pem = '';
            foreach (array_slice($chain, 1) as $c) {
                openssl_x509_export($c, $out);
                $pem .= $out;
            }
            $untrusted = tempnam(sys_get_temp_dir(), 'smtpdiag-chain');
            if ($untrusted === false) {
                return false;
            }
            file_put_contents($untrusted, $pem);
        }
        try {
            $r = @openssl_x509_checkpurpose($chain[0], X509_PURPOSE_SSL_SERVER, $cainfo, $untrusted);
        } finally {
            if ($untrusted !== null) {
                @unlink($untrusted);
            }
        }
        return $r === true;
    }

    /**
     * The errors (codes without "cert_") PHP can establish for $chain
     * presented for $host, sorted; and the verify error text of the first.
     *
     * @param list<\OpenSSLCertificate> $chain
     * @param array{cainfo: list<string>, label: string, default: bool} $phpCa
     * @return array{errors: list<string>, verified: bool, php_verified: bool, verify_error: ?string, self_issued: bool}
     */
    public static function judge(array $chain, string $host, array $phpCa, int $warnDays): array
    {
        $errors = [];
        $leaf = $chain[0];
        $infos = array_map([self::class, 'info'], $chain);
        $now = time();
        $datesOk = true;
        foreach ($chain as $i => $c) {
            $p = openssl_x509_parse($c, false) ?: [];
            $from = (int) ($p['validFrom_time_t'] ?? 0);
            $to = (int) ($p['validTo_time_t'] ?? 0);
            if ($to < $now) {
                $errors['expired'] = true;
                $datesOk = false;
            }
            if ($from > $now) {
                $errors['not_yet_valid'] = true;
                $datesOk = false;
            }
        }
        if (!isset($errors['expired']) && $infos[0]['days_left'] < $warnDays) {
            $errors['expiring_soon'] = true;
        }
        $hostOk = self::matchesHost($leaf, $host);
        if (!$hostOk) {
            $errors['hostname_mismatch'] = true;
        }
        $selfIssued = count($chain) === 1 && $infos[0]['subject'] === $infos[0]['issuer'];
        $phpChain = self::verifies($chain, $phpCa['cainfo']);
        $systemChain = $phpCa['default'] ? $phpChain : self::verifies($chain, []);
        if ($datesOk && !$phpChain) {
            if ($systemChain) {
                $errors['ca_bundle_stale'] = true;
            } elseif ($selfIssued) {
                $errors['self_signed'] = true;
            } elseif (count($chain) === 1) {
                $errors['incomplete_chain'] = true;
            } else {
                $errors['untrusted'] = true;
            }
        }
        foreach ($infos as $i => $info) {
            $k = $info['key'];
            if ((in_array($k['type'], ['RSA', 'DSA'], true) && $k['bits'] > 0 && $k['bits'] < 2048) || ($k['type'] === 'EC' && $k['bits'] > 0 && $k['bits'] < 224)) {
                $errors['weak_key'] = true;
            }
            $selfSignedRoot = $info['subject'] === $info['issuer'] && $i > 0;
            if (!$selfSignedRoot && preg_match('/^(sha1|md5|md2|md4)/i', $info['signature_algorithm']) === 1) {
                $errors['weak_signature'] = true;
            }
        }
        $verifyError = match (true) {
            isset($errors['expired']) => 'certificate has expired',
            isset($errors['not_yet_valid']) => 'certificate is not yet valid',
            isset($errors['self_signed']) => 'self-signed certificate',
            isset($errors['incomplete_chain']), isset($errors['untrusted']), isset($errors['ca_bundle_stale']) => 'unable to get local issuer certificate',
            !$hostOk => 'hostname mismatch',
            default => null,
        };
        $list = array_keys($errors);
        sort($list);
        // PHP's streams run at OpenSSL's default security level: weak keys and hashes fail there.
        $weak = isset($errors['weak_key']) || isset($errors['weak_signature']);
        return ['errors' => $list, 'verified' => $datesOk && $systemChain && $hostOk, 'php_verified' => $datesOk && $phpChain && $hostOk && !$weak,
            'verify_error' => $verifyError, 'self_issued' => $selfIssued];
    }
}
