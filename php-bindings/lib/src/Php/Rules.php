<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * Observations into findings for the pure-PHP mode, after the core's rules
 * (ext/probe/probe_rules.cpp) but only where PHP's evidence suffices.
 *
 * @internal
 */
final class Rules
{
    /**
     * @param array<string, mixed> $r a probe result
     * @return list<array<string, mixed>>
     */
    public static function probe(array $r, ?Reach $reach = null): array
    {
        $out = [];
        $host = (string) $r['host'];
        /** @var array{status: string, error: ?string} $dns */
        $dns = $r['dns'];
        if ($dns['status'] === 'error') {
            $out[] = Catalog::finding('dns_error', ['host' => $host, 'error' => $dns['error']], ['host' => $host, 'status' => 'error']);
        } elseif ($dns['status'] === 'no_address') {
            $out[] = Catalog::finding('dns_no_address', ['host' => $host, 'families' => 'IPv4 or IPv6'], ['host' => $host]);
        }
        /** @var list<array<string, mixed>> $ports */
        $ports = $r['ports'];
        if ($ports === []) {
            return $out;
        }
        $open = [];
        foreach ($ports as $p) {
            $implicit = ($p['tls']['mode'] ?? null) === 'implicit';
            if ($p['state'] !== 'open' || ($p['smtp']['banner_code'] ?? null) !== 220 || (is_array($p['tls']) && !$p['tls']['ok'])) {
                continue;
            }
            if (!in_array($p['port'], array_column($open, 0), true)) {
                $open[] = [(int) $p['port'], $implicit];
            }
        }
        $seen = $working = [];
        foreach ($ports as $p) {
            $seen[$p['family']] = true;
            if ($p['state'] === 'open' || $p['state'] === 'refused') {
                $working[$p['family']] = true;
            }
        }
        $v6Broken = isset($seen['ipv6'], $seen['ipv4'], $working['ipv4']) && !isset($working['ipv6']);

        /** @var array<string, array{addresses: list<string>, first: array<string, mixed>, code: string}> $groups */
        $groups = [];
        foreach ($ports as $p) {
            if ($v6Broken && $p['family'] === 'ipv6') {
                continue;
            }
            $code = self::portCode($p);
            if ($code === null) {
                continue;
            }
            $key = $code . '/' . $p['port'];
            $groups[$key] ??= ['addresses' => [], 'first' => $p, 'code' => $code];
            $groups[$key]['addresses'][] = (string) $p['address'];
        }
        foreach ($groups as $g) {
            $p = $g['first'];
            $others = array_values(array_filter($open, static fn (array $o): bool => $o[0] !== $p['port']));
            $smtp = is_array($p['smtp']) ? $p['smtp'] : [];
            $tls = is_array($p['tls']) ? $p['tls'] : [];
            $params = ['host' => $host, 'address' => implode(', ', $g['addresses']), 'port' => $p['port'],
                'ms' => (int) ($smtp === [] ? $p['connect_ms'] : ($smtp['banner_ms'] ?? $p['connect_ms'])),
                'errno' => $p['errno'] ?? 'unknown errno', 'alternatives' => Catalog::alternatives($others),
                'code' => $smtp['banner_code'] ?? null, 'text' => $smtp['banner'] ?? null,
                'error' => $tls['error'] ?? $smtp['error'] ?? null, 'mode' => $tls['mode'] ?? null,
                'why' => ($smtp['error_code'] ?? null) === 'starttls_refused' ? ' (it refused: ' . $smtp['error'] . ')' : ''];
            if ($g['code'] === 'greeting_timeout' || $g['code'] === 'port_filtered') {
                $params['ms'] = (int) round(((float) ($r['elapsed_ms'] ?? 0)));
            }
            $ev = ['port' => (int) $p['port'], 'addresses' => implode(', ', $g['addresses']), 'state' => (string) $p['state'],
                'errno' => (string) ($p['errno'] ?? '')];
            if (($smtp['banner_code'] ?? null) !== null) {
                $ev['banner'] = (string) $smtp['banner'];
            }
            if (($smtp['error_code'] ?? null) !== null) {
                $ev['error'] = (string) $smtp['error'];
            }
            if ($reach !== null && $reach->wasEarly((string) $p['address'], (int) $p['port'])) {
                $ev += self::earlyEvidence($reach, (string) $p['address']);
            }
            $out[] = Catalog::finding($g['code'], $params, $ev);
        }
        if ($v6Broken) {
            $states = $v6 = [];
            $v4 = '';
            foreach ($ports as $p) {
                if ($p['family'] === 'ipv6') {
                    $states[$p['state']] = true;
                    $v6[$p['address']] = true;
                } elseif ($v4 === '' && $p['state'] === 'open') {
                    $v4 = (string) $p['address'];
                }
            }
            $ev = ['ipv6_addresses' => implode(', ', array_keys($v6)), 'ipv6_states' => implode(', ', array_keys($states)), 'ipv4_address' => $v4];
            foreach ($ports as $p) {
                if ($reach !== null && $p['family'] === 'ipv6' && $reach->wasEarly((string) $p['address'], (int) $p['port'])) {
                    $ev['gave_up_early'] = true;
                    break;
                }
            }
            $out[] = Catalog::finding('ipv6_unreachable', ['host' => $host, 'v6_states' => implode(', ', array_keys($states)), 'v4_address' => $v4], $ev);
        }
        $anyOpen = $anyBlocked = false;
        foreach ($ports as $p) {
            $anyOpen = $anyOpen || $p['state'] === 'open';
            $anyBlocked = $anyBlocked || in_array($p['state'], ['filtered', 'blocked_local', 'blocked_upstream'], true);
        }
        if (!$anyOpen && $anyBlocked) {
            $list = implode(', ', array_values(array_unique(array_map(static fn (array $p): string => (string) $p['port'], $ports))));
            array_unshift($out, Catalog::finding('all_smtp_ports_blocked', ['host' => $host, 'ports' => $list], ['ports' => $list]));
        }
        return Catalog::sort($out);
    }

    /**
     * What ext/probe/probe_rules.cpp adds for a port given up early; the SYN
     * count (TCP_INFO) is the extension's alone.
     *
     * @return array<string, bool|int>
     */
    public static function earlyEvidence(Reach $reach, string $address): array
    {
        $ev = ['gave_up_early' => true];
        $ms = $reach->answerMs($address);
        if ($ms !== null) {
            $ev['address_answered_ms'] = (int) round($ms);
        }
        return $ev;
    }

    /** @param array<string, mixed> $p */
    private static function portCode(array $p): ?string
    {
        switch ($p['state']) {
            case 'filtered': return 'port_filtered';
            case 'refused': return 'port_refused';
            case 'blocked_local': return 'port_blocked_local';
            case 'unreachable': return 'host_unreachable';
            case 'open': break;
            default: return null;
        }
        if (!is_array($p['smtp'])) {
            return null;
        }
        $s = $p['smtp'];
        $t = is_array($p['tls']) ? $p['tls'] : null;
        $e = $s['error_code'];
        $implicit = ($t['mode'] ?? null) === 'implicit';
        return match (true) {
            $e === 'tls_plaintext_reply' => 'encryption_expects_starttls',
            $e === 'greeting_timeout' => 'greeting_timeout',
            $e === 'server_busy' => 'server_busy',
            $e === 'greeting_rejected' => 'greeting_rejected',
            $e === 'bad_reply', $e === 'starttls_injection' => 'smtp_protocol_error',
            $e === 'closed' && $s['banner_code'] === null && !($t !== null && !$t['ok']) => 'smtp_protocol_error',
            $t !== null && !$t['ok'] && in_array($e, ['tls_failed', 'closed', 'io_error'], true) => 'tls_handshake_failed',
            !$implicit && $s['ehlo_domain'] !== null && !$s['starttls'] && $p['port'] !== 25 => 'starttls_unavailable',
            !$implicit && $e === 'starttls_refused' => 'starttls_unavailable',
            default => null,
        };
    }

    /**
     * Certificate findings for the errors Cert::judge() established.
     *
     * @param list<string> $errors
     * @param array<string, mixed> $leaf Cert::info() of the leaf
     * @param list<array<string, mixed>> $infos the chain
     * @return list<array<string, mixed>>
     */
    public static function certificate(array $errors, array $leaf, array $infos, string $host, int $port, string $address,
        string $names, string $phpCa, ?string $protocol): array
    {
        $params = ['host' => $host, 'port' => $port, 'subject' => $leaf['subject'], 'issuer' => $leaf['issuer'],
            'not_before' => $leaf['not_before'], 'not_after' => $leaf['not_after'], 'days_left' => $leaf['days_left'],
            'names' => $names, 'php_ca' => $phpCa, 'protocol' => $protocol];
        $ev = ['host' => $host, 'port' => $port, 'address' => $address, 'subject' => (string) $leaf['subject'],
            'issuer' => (string) $leaf['issuer'], 'not_after' => (string) $leaf['not_after'], 'days_left' => (int) $leaf['days_left'],
            'names' => $names, 'php_ca' => $phpCa];
        foreach ($infos as $info) {
            if (in_array($info['key']['type'] ?? '', ['RSA', 'DSA', 'EC'], true) && !isset($params['key_bits'])) {
                $weak = ($info['key']['type'] === 'EC' && $info['key']['bits'] < 224) || ($info['key']['type'] !== 'EC' && $info['key']['bits'] < 2048);
                if ($weak) {
                    $params['key_type'] = $info['key']['type'];
                    $params['key_bits'] = $info['key']['bits'];
                }
            }
            if (preg_match('/^(sha1|md5)/i', (string) $info['signature_algorithm']) === 1 && !isset($params['signature_algorithm'])) {
                $params['signature_algorithm'] = $info['signature_algorithm'];
            }
        }
        $out = [];
        foreach ($errors as $e) {
            $out[] = Catalog::finding($e === 'ca_bundle_stale' ? $e : "cert_$e", $params, $ev);
        }
        if ($protocol !== null && in_array($protocol, ['TLSv1', 'TLSv1.0', 'TLSv1.1', 'SSLv3'], true)) {
            $out[] = Catalog::finding('tls_protocol_mismatch', $params, ['host' => $host, 'port' => $port, 'protocol' => $protocol]);
        }
        return Catalog::sort($out);
    }
}
