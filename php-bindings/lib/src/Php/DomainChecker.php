<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * smtpdiag_check_domain() in PHP: what dns_get_record() can show. MX (with
 * addresses), whether SPF/DMARC/MTA-STS/TLS-RPT records exist, DKIM keys
 * and their size, PTR with forward confirmation. Not SPF evaluation, DMARC
 * alignment, the organizational domain (no public suffix list), the
 * MTA-STS policy or blocklists: those are `unavailable` and left null.
 *
 * @internal
 */
final class DomainChecker
{
    public const COMMON_SELECTORS = ['default', 'google', 'selector1', 'selector2', 'k1', 'k2', 'k3', 's1', 's2',
        'mail', 'dkim', 'smtp', 'mandrill', 'mxvault', 'pm', 'smtpapi', 'sendgrid',
        'mailjet', 'zoho', 'protonmail', 'amazonses', 'sib', 'mta', 'email'];

    /**
     * @param list<string> $selectors
     * @return array<string, mixed> smtpdiag_check_domain()'s shape
     */
    public static function run(string $domain, Net $net, ?string $sendingIp, string $dkimDomain, array $selectors, ?float $deadline = null): array
    {
        $t0 = Sched::now();
        $deadline ??= $t0 + $net->timeout;
        $late = static fn (): bool => Sched::now() >= $deadline;
        $domain = strtolower(rtrim($domain, '.'));
        $findings = [];
        $queries = 0;

        // MX (RFC 5321 5.1; RFC 7505 null MX).
        [$recs, $err] = Dns::query($domain, DNS_MX);
        ++$queries;
        // PHP's resolver cannot tell NXDOMAIN from NODATA: an empty answer is "no_records".
        $mx = ['status' => $recs === null ? 'error' : ($recs === [] ? 'no_records' : 'ok'), 'null_mx' => false, 'records' => []];
        foreach ($recs ?? [] as $r) {
            $target = is_string($r['target'] ?? null) ? rtrim($r['target'], '.') : '';
            $pref = is_int($r['pri'] ?? null) ? $r['pri'] : 0;
            if ($target === '' && $pref === 0) {
                $mx['null_mx'] = true;
                continue;
            }
            $addrs = [];
            if (count($mx['records']) < 5) {
                $found = Dns::resolve($target, 'any')['addresses'];
                // IPv4 first, as the core lists them.
                usort($found, static fn (array $x, array $y): int => strcmp($x['family'], $y['family']));
                $addrs = array_column($found, 'address');
                $queries += 2;
            }
            $mx['records'][] = ['preference' => $pref, 'host' => $target, 'addresses' => $addrs];
        }
        usort($mx['records'], static fn (array $a, array $b): int => $a['preference'] <=> $b['preference']);
        if ($mx['null_mx'] || ($recs !== null && $mx['records'] === [])) {
            $findings[] = Catalog::finding('mx_missing', ['domain' => $domain, 'null' => $mx['null_mx'] ? ' (a null MX, RFC 7505: it accepts no mail)' : ''],
                ['domain' => $domain]);
        }

        // SPF: the record only (RFC 7208 4.5: more than one is a permerror).
        $txt = Dns::txt($domain);
        ++$queries;
        $spfRecords = array_values(array_filter($txt ?? [], static fn (string $t): bool => preg_match('/^v=spf1(\s|$)/i', $t) === 1));
        $spf = ['record' => $spfRecords[0] ?? null, 'result' => $txt === null ? 'unknown' : ($spfRecords === [] ? 'none' : 'unknown'),
            'lookups' => null, 'errors' => [], 'results' => []];
        if ($txt !== null && $spfRecords === []) {
            $findings[] = Catalog::finding('spf_missing', ['domain' => $domain], ['domain' => $domain]);
        } elseif (count($spfRecords) > 1) {
            $spf['result'] = 'permerror';
            $spf['errors'][] = 'more than one v=spf1 record';
            $findings[] = Catalog::finding('spf_permerror', ['domain' => $domain, 'count' => count($spfRecords)], ['domain' => $domain]);
        }

        // DMARC: the domain, then its parents (one of them is the organizational domain).
        $dmarc = ['record' => null, 'found_at' => null, 'policy' => null, 'subdomain_policy' => null, 'pct' => null, 'rua' => [],
            'aligned' => null, 'spf_aligned' => null, 'dkim_aligned' => null, 'errors' => []];
        $labels = explode('.', $domain);
        $tried = [];
        $failed = false;
        for ($i = 0; $i < count($labels) - 1; ++$i) {
            $name = '_dmarc.' . implode('.', array_slice($labels, $i));
            $tried[] = $name;
            $t = Dns::txt($name);
            ++$queries;
            $failed = $failed || $t === null;
            $rec = array_values(array_filter($t ?? [], static fn (string $s): bool => preg_match('/^v=DMARC1\s*(;|$)/i', $s) === 1));
            if ($rec !== []) {
                $dmarc['record'] = $rec[0];
                $dmarc['found_at'] = substr($name, 7);
                $tags = [];
                foreach (explode(';', $rec[0]) as $tag) {
                    $kv = explode('=', trim($tag), 2);
                    if (count($kv) === 2) {
                        $tags[strtolower(trim($kv[0]))] = trim($kv[1]);
                    }
                }
                $dmarc['policy'] = $tags['p'] ?? null;
                $dmarc['subdomain_policy'] = $tags['sp'] ?? null;
                $dmarc['pct'] = isset($tags['pct']) && preg_match('/^\d+$/', $tags['pct']) === 1 ? (int) $tags['pct'] : 100;
                $dmarc['rua'] = isset($tags['rua']) ? array_map('trim', explode(',', $tags['rua'])) : [];
                break;
            }
        }
        if ($dmarc['record'] === null && !$failed) {
            $findings[] = Catalog::finding('dmarc_missing', ['names' => implode(', ', $tried), 'domain' => $domain], ['domain' => $domain]);
        }

        // DKIM: the selectors asked for, then the common ones (reported when found).
        $dkimDomain = $dkimDomain !== '' ? $dkimDomain : $domain;
        $dkim = [];
        $anyKey = false;
        foreach (array_values(array_unique([...$selectors, ...self::COMMON_SELECTORS])) as $sel) {
            if ($late() && !in_array($sel, $selectors, true)) {
                break;
            }
            $t = Dns::txt("$sel._domainkey.$dkimDomain");
            ++$queries;
            $row = ['selector' => $sel, 'found' => false, 'key_bits' => null, 'key_type' => null, 'revoked' => false, 'testing' => false, 'error' => null];
            foreach ($t ?? [] as $rec) {
                if (!str_contains($rec, 'p=') && stripos($rec, 'v=DKIM1') === false) {
                    continue;
                }
                $row['found'] = true;
                $tags = [];
                foreach (explode(';', $rec) as $tag) {
                    $kv = explode('=', trim($tag), 2);
                    if (count($kv) === 2) {
                        $tags[strtolower(trim($kv[0]))] = (string) preg_replace('/\s+/', '', $kv[1]);
                    }
                }
                $row['key_type'] = strtolower($tags['k'] ?? 'rsa');
                $row['testing'] = str_contains($tags['t'] ?? '', 'y');
                $p = $tags['p'] ?? '';
                if ($p === '') {
                    $row['revoked'] = true;
                } elseif ($row['key_type'] === 'rsa') {
                    $pem = "-----BEGIN PUBLIC KEY-----\n" . chunk_split($p, 64, "\n") . "-----END PUBLIC KEY-----\n";
                    $key = @openssl_pkey_get_public($pem);
                    $d = $key === false ? false : openssl_pkey_get_details($key);
                    $row['key_bits'] = is_array($d) && is_int($d['bits'] ?? null) ? $d['bits'] : null;
                    if ($row['key_bits'] === null) {
                        $row['error'] = 'the p= key does not parse';
                    }
                } elseif ($row['key_type'] === 'ed25519') {
                    $row['key_bits'] = 256;
                }
                break;
            }
            $anyKey = $anyKey || ($row['found'] && !$row['revoked'] && $row['error'] === null);
            if ($row['found'] || in_array($sel, $selectors, true)) {
                $dkim[] = $row;
            }
            if ($row['found'] && $row['key_type'] === 'rsa' && is_int($row['key_bits']) && $row['key_bits'] < 1024) {
                $findings[] = Catalog::finding('dkim_weak_key', ['selector' => $sel, 'bits' => $row['key_bits']], ['selector' => $sel, 'key_bits' => $row['key_bits']]);
            }
        }
        if (!$anyKey && !$late()) {
            $findings[] = Catalog::finding('dkim_missing', ['selectors' => $selectors === [] ? 'the common selectors (default, google, selector1, selector2, k1, s1, ...)'
                : implode(', ', $selectors), 'domain' => $dkimDomain], ['domain' => $dkimDomain]);
        }

        $stsTxt = Dns::txt("_mta-sts.$domain");
        $rptTxt = Dns::txt("_smtp._tls.$domain");
        $queries += 2;
        $sts = array_values(array_filter($stsTxt ?? [], static fn (string $s): bool => stripos($s, 'v=STSv1') === 0));
        $rpt = array_values(array_filter($rptTxt ?? [], static fn (string $s): bool => stripos($s, 'v=TLSRPTv1') === 0));
        $stsId = $sts !== [] && preg_match('/id=([A-Za-z0-9]+)/', $sts[0], $m) === 1 ? $m[1] : null;

        // PTR of the sending address, confirmed forward (FCrDNS).
        $ptr = ['ip' => $sendingIp, 'ip_source' => $sendingIp !== null ? 'option' : 'unknown', 'note' => null, 'names' => [], 'fcrdns' => false, 'status' => null];
        if ($sendingIp !== null) {
            [$recs] = Dns::query(self::reverse($sendingIp), DNS_PTR);
            ++$queries;
            $ptr['status'] = $recs === null ? 'error' : ($recs === [] ? 'no_address' : 'ok');
            foreach ($recs ?? [] as $r) {
                $name = is_string($r['target'] ?? null) ? rtrim($r['target'], '.') : '';
                if ($name === '') {
                    continue;
                }
                $ptr['names'][] = $name;
                $fwd = array_column(Dns::resolve($name, 'any')['addresses'], 'address');
                $queries += 2;
                $norm = static fn (string $a): string => (string) inet_ntop((string) inet_pton($a));
                if (in_array($norm($sendingIp), array_map($norm, $fwd), true)) {
                    $ptr['fcrdns'] = true;
                }
            }
            if ($recs !== null && ($ptr['names'] === [] || !$ptr['fcrdns'])) {
                $why = $ptr['names'] === [] ? 'no PTR record' : 'its PTR names (' . implode(', ', $ptr['names']) . ') do not resolve back to it';
                $findings[] = Catalog::finding('ptr_mismatch', ['ip' => $sendingIp, 'why' => $why], ['ip' => $sendingIp]);
            }
        }

        return [
            'domain' => $domain,
            'org_domain' => null,
            'mx' => $mx,
            'spf' => $spf,
            'dmarc' => $dmarc,
            'dkim' => $dkim,
            'mta_sts' => ['record' => $sts[0] ?? null, 'id' => $stsId, 'policy_fetched' => false, 'mode' => null, 'mx' => [],
                'max_age' => null, 'error' => null],
            'tls_rpt' => ['record' => $rpt[0] ?? null],
            'ptr' => $ptr,
            'blocklists' => [],
            'findings' => Catalog::sort($findings),
            'dns_queries' => $queries,
            'timed_out' => $late(),
            'elapsed_ms' => round((Sched::now() - $t0) * 1000, 1),
        ];
    }

    private static function reverse(string $ip): string
    {
        $bin = (string) inet_pton($ip);
        if (strlen($bin) === 4) {
            return implode('.', array_reverse(explode('.', $ip))) . '.in-addr.arpa';
        }
        $hex = bin2hex($bin);
        return implode('.', array_reverse(str_split($hex))) . '.ip6.arpa';
    }
}
