<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * smtpdiag_check_certificate() in PHP: one TLS session (STARTTLS or
 * implicit), the chain as sent, judged by Cert.
 *
 * @internal
 */
final class CertChecker
{
    /**
     * $firstAnswer: seconds the server has to greet or answer the implicit
     * handshake (diagnose's configured port); 0: until the deadline.
     *
     * @return array<string, mixed> smtpdiag_check_certificate()'s shape
     */
    public static function run(string $host, int $port, Net $net, string $mode, ?string $sni, int $warnDays,
        float $firstAnswer = 0.0): array
    {
        $t0 = Sched::now();
        $deadline = $t0 + $net->timeout;
        if ($mode === 'auto') {
            $mode = in_array($port, [25, 587, 2525], true) ? 'starttls' : 'implicit';
        }
        $dns = Dns::resolve($host, $net->family);
        $row = null;
        foreach ($dns['addresses'] as $a) {
            $row = Prober::port($a['address'], $a['family'], $port, $mode === 'implicit', true, $host, $sni ?? '', $net, $t0, $deadline, $firstAnswer);
            if ($row['state'] === 'open' || Sched::now() >= $deadline) {
                break;
            }
        }
        $phpCa = $net->phpCa();
        $out = ['ok' => false, 'errors' => [], 'protocol' => null, 'cipher' => null, 'certificate' => null, 'chain' => [],
            'findings' => [], 'host' => $host, 'address' => $row['address'] ?? null, 'mode' => $mode, 'verified' => false,
            'verify_error' => null, 'php_verified' => false, 'php_accepts' => false, 'php_ca' => $phpCa['label'],
            'greeting_name' => null, 'tls_versions' => [], 'intermediate' => null, 'error' => null, 'elapsed_ms' => 0.0];
        /** @var list<\OpenSSLCertificate> $chain */
        $chain = is_array($row) ? ($row['_chain'] ?? []) : [];
        $tls = is_array($row) && is_array($row['tls']) ? $row['tls'] : null;
        $smtp = is_array($row) && is_array($row['smtp']) ? $row['smtp'] : null;
        if ($smtp !== null && is_string($smtp['banner'])) {
            $out['greeting_name'] = explode(' ', $smtp['banner'])[0] ?: null;
        }
        if ($row === null) {
            $out['error'] = 'no address for ' . $host . ($dns['error'] !== null ? ' (' . $dns['error'] . ')' : '');
        } elseif ($row['state'] !== 'open') {
            $out['error'] = 'connect: ' . ($row['errno'] ?? $row['state']);
        } elseif ($tls === null || !$tls['ok'] || $chain === []) {
            $out['error'] = $tls['error'] ?? $smtp['error'] ?? 'no TLS session';
        }
        if ($tls !== null && $tls['ok'] && $chain !== []) {
            $name = $sni !== null && $sni !== '' ? $sni : $host;
            $j = Cert::judge($chain, $name, $phpCa, $warnDays);
            $infos = array_map([Cert::class, 'info'], $chain);
            $out['errors'] = $j['errors'];
            if (in_array($tls['protocol'], ['TLSv1', 'TLSv1.1', 'SSLv3'], true)) {
                $out['errors'][] = 'protocol_mismatch';
                sort($out['errors']);
            }
            $out['protocol'] = $tls['protocol'];
            $out['cipher'] = $tls['cipher'];
            $out['certificate'] = $infos[0];
            $out['chain'] = $infos;
            $out['findings'] = Rules::certificate($j['errors'], $infos[0], $infos, $host, $port, (string) $row['address'],
                Cert::nameList($chain[0]), $phpCa['label'], $tls['protocol']);
            $out['verified'] = $j['verified'];
            $out['verify_error'] = $j['verify_error'];
            $out['php_verified'] = $j['php_verified'];
            $out['php_accepts'] = $j['php_verified'] && !in_array($tls['protocol'], ['TLSv1', 'TLSv1.1', 'SSLv3'], true);
            $critical = array_filter($out['findings'], static fn (array $f): bool => $f['severity'] === 'critical');
            $out['ok'] = $critical === [];
        } elseif ($row !== null) {
            $probe = ['host' => $host, 'dns' => ['status' => 'ok', 'error' => null], 'ports' => [array_diff_key($row, ['_chain' => 1])],
                'elapsed_ms' => (Sched::now() - $t0) * 1000];
            $out['findings'] = array_values(array_filter(Rules::probe($probe), static fn (array $f): bool => $f['code'] !== 'all_smtp_ports_blocked'));
        } else {
            $probe = ['host' => $host, 'dns' => $dns, 'ports' => []];
            $out['findings'] = Rules::probe($probe);
        }
        $out['elapsed_ms'] = round((Sched::now() - $t0) * 1000, 1);
        return $out;
    }
}
