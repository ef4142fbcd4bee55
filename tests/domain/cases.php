<?php
/*
 * The cases of tests/domain/run.sh: smtpdiag_check_domain() against the
 * zones of zones.yaml (domain_dns_server.py), MTA-STS policies
 * (https_policy_server.py) and a relay (relay_smtp_server.py), all on
 * 127.0.0.1. One group per process:
 *
 *   php -d extension=smtpdiag.so cases.php GROUP     ("--list": the groups)
 *
 * Prints "ok - NAME" or "not ok - NAME: got ..., want ..." per assertion.
 * The environment comes from run.sh (DOMAIN_* variables, SSL_CERT_FILE).
 */
declare(strict_types=1);

const GROUPS = ['mx', 'spf', 'dmarc', 'dkim', 'mta_sts', 'ptr', 'dnsbl', 'faults', 'relay', 'input', 'dedup'];

if (($argv[1] ?? '') === '--list') {
    echo implode("\n", GROUPS), "\n";
    exit(0);
}
$group = $argv[1] ?? '';
if (!in_array($group, GROUPS, true)) {
    echo "not ok - cases.php: unknown group '$group'\n";
    exit(1);
}
if (!function_exists('smtpdiag_check_domain')) {
    echo "not ok - $group: the smtpdiag extension is not loaded\n";
    exit(1);
}

$PORTS = json_decode((string)getenv('DOMAIN_DNS_PORTS'), true);
$QLOG = (string)getenv('DOMAIN_QUERY_LOG');
$HLOG = (string)getenv('DOMAIN_HTTPS_LOG');
$SLOG = (string)getenv('DOMAIN_SMTP_LOG');
$RELAY_PORT = (int)getenv('DOMAIN_RELAY_PORT');
$VARS = json_decode((string)@file_get_contents((string)getenv('DOMAIN_VARS')), true);
if (!is_array($PORTS) || !is_array($VARS) || !$RELAY_PORT) {
    echo "not ok - $group: run me through tests/domain/run.sh\n";
    exit(1);
}
$FAILED = 0;

// --- reporting -----------------------------------------------------------------

function show(mixed $v): string
{
    $s = json_encode($v, JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR);
    return strlen($s) > 400 ? substr($s, 0, 400) . '...' : $s;
}

function ok(bool $cond, string $name, mixed $got = null, mixed $want = null, bool $show_want = true): bool
{
    global $FAILED;
    if ($cond) {
        echo "ok - $name\n";
    } else {
        $FAILED++;
        echo "not ok - $name: got ", show($got), $show_want ? ', want ' . show($want) : '', "\n";
    }
    return $cond;
}

function eq(mixed $got, mixed $want, string $name): bool
{
    return ok($got === $want, $name, $got, $want);
}

function has(?string $hay, string $needle, string $name): bool
{
    return ok($hay !== null && str_contains($hay, $needle), $name, $hay, "a text containing $needle");
}

function codes(array $r): array
{
    return array_column($r['findings'], 'code');
}

/** The findings with $code. */
function findings(array $r, string $code): array
{
    return array_values(array_filter($r['findings'], fn($f) => $f['code'] === $code));
}

function has_code(array $r, string $code, string $name): ?array
{
    $f = findings($r, $code);
    ok(count($f) > 0, "$name: finding $code", codes($r), "codes including $code");
    return $f[0] ?? null;
}

function no_code(array $r, string $code, string $name): void
{
    ok(!in_array($code, codes($r), true), "$name: no $code finding", codes($r), "no $code");
}

// --- the call and what the servers saw -------------------------------------------

function log_lines(string $path, int $from): array
{
    clearstatcache();
    $data = (string)@file_get_contents($path, false, null, $from);
    return array_values(array_filter(explode("\n", $data), 'strlen'));
}

/** smtpdiag_check_domain() against zone set $set; adds _ms, _queries [[proto, name, type, id]], _https. */
function check(string $domain, array $opts = [], string $set = 'main'): array
{
    global $PORTS, $QLOG, $HLOG;
    $opts += ['dns_servers' => ['127.0.0.1:' . $PORTS[$set]], 'dnsbl_zones' => [], 'timeout' => 5.0];
    clearstatcache();
    $q0 = filesize($QLOG);
    $h0 = filesize($HLOG);
    $t = hrtime(true);
    $r = smtpdiag_check_domain($domain, $opts);
    $r['_ms'] = (hrtime(true) - $t) / 1e6;
    $r['_queries'] = [];
    foreach (log_lines($QLOG, $q0) as $l) {
        [$port, $proto, $name, $type, $id] = explode("\t", $l) + [null, null, null, null, null];
        if ((int)$port === $PORTS[$set]) $r['_queries'][] = [$proto, $name, $type, $id];
    }
    $r['_https'] = array_map(fn($l) => explode("\t", $l), log_lines($HLOG, $h0));
    return $r;
}

/** How many lookups of $name/$type reached the server (over $proto, or any): distinct DNS ids. */
function asked(array $r, string $name, string $type, ?string $proto = null): int
{
    $ids = [];
    foreach ($r['_queries'] as [$p, $qn, $qt, $id]) {
        if ($qn === strtolower($name) && $qt === $type && ($proto === null || $p === $proto)) $ids[$id] = true;
    }
    return count($ids);
}

function spf_by_ip(array $r): array
{
    $out = [];
    foreach ($r['spf']['results'] as $s) $out[$s['ip']] = [$s['source'], $s['result']];
    ksort($out);
    return $out;
}

function dkim_by_selector(array $r): array
{
    $out = [];
    foreach ($r['dkim'] as $d) $out[$d['selector']] = $d;
    return $out;
}

// --- the groups ------------------------------------------------------------------

function group_mx(): void
{
    $r = check('mx.test');
    eq(array_column($r['mx']['records'], 'host'), ['mx1.mx.test', 'mx2.mx.test', 'mx3.mx.test'], 'mx: exchangers sorted by preference');
    eq(array_column($r['mx']['records'], 'preference'), [10, 20, 30], 'mx: preferences');
    $addr = array_map(function ($h) { $a = $h['addresses']; sort($a); return $a; }, $r['mx']['records']);
    eq($addr, [['192.0.2.1', '2001:db8::1'], ['192.0.2.2', '192.0.2.3'], ['2001:db8::3']], 'mx: A and AAAA of each exchanger');
    eq([$r['mx']['status'], $r['mx']['null_mx']], ['ok', false], 'mx: status ok, not a null MX');
    no_code($r, 'mx_missing', 'mx');

    $r = check('nullmx.test');
    eq([$r['mx']['null_mx'], $r['mx']['records']], [true, []], 'null mx: null_mx true, no exchangers');
    $f = has_code($r, 'mx_missing', 'null mx');
    has($f['detail'] ?? null, 'RFC 7505', 'null mx: mx_missing says it is a null MX');

    $r = check('nomx.test');
    eq([$r['mx']['null_mx'], $r['mx']['records']], [false, []], 'no mx: no exchangers, not a null MX');
    has_code($r, 'mx_missing', 'no mx');
}

function group_spf(): void
{
    // The sending IP and every address of the relay, resolved through the same DNS.
    $r = check('spf.test', ['sending_ip' => '192.0.2.10', 'relay_host' => 'relay.spf.test']);
    eq($r['spf']['record'], 'v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 -all', 'spf: the v=spf1 record among other TXT');
    eq(spf_by_ip($r), [
        '192.0.2.10' => ['sending_ip', 'pass'],
        '192.0.2.20' => ['relay', 'pass'],
        '192.0.2.21' => ['relay', 'fail'],
        '2001:db8::20' => ['relay', 'fail'],
    ], 'spf: pass/fail for the sending IP and each relay address');
    eq($r['spf']['result'], 'pass', 'spf: result is the sending IP\'s');
    $fails = findings($r, 'spf_fail');
    $ips = array_map(fn($f) => $f['evidence']['ip'] ?? null, $fails);
    sort($ips);
    eq($ips, ['192.0.2.21', '2001:db8::20'], 'spf: one spf_fail per uncovered address');
    foreach ($fails as $f) {
        if (($f['evidence']['ip'] ?? '') === '192.0.2.21') {
            eq($f['fix'], 'Add 192.0.2.21 to the SPF record of spf.test: v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 ip4:192.0.2.21 -all',
                'spf_fail (IPv4): the fix names the address and the record to publish');
            has($f['detail'], 'relay.spf.test', 'spf_fail (IPv4): the detail names the relay');
        } else {
            has($f['fix'], 'v=spf1 ip4:192.0.2.10 ip4:192.0.2.20 ip6:2001:db8::20 -all', 'spf_fail (IPv6): the record with ip6:');
        }
    }
    no_code($r, 'spf_missing', 'spf');

    $r = check('nospf.test', ['sending_ip' => '192.0.2.10']);
    eq([$r['spf']['record'], $r['spf']['result']], [null, 'none'], 'no spf: record null, result none');
    $f = has_code($r, 'spf_missing', 'no spf');
    has($f['fix'] ?? null, 'v=spf1 ip4:192.0.2.10 ~all', 'spf_missing: suggests a record with the sending IP');
    no_code($r, 'spf_fail', 'no spf');

    // Lookups and the include chain.
    $r = check('chain.test', ['sending_ip' => '192.0.2.10']);
    $s = $r['spf']['results'][0] ?? [];
    eq([$s['result'] ?? null, $s['mechanism'] ?? null], ['pass', 'include:_b.chain.test'], 'spf chain: pass through the second include');
    eq([$r['spf']['lookups'], $s['lookups'] ?? null], [3, 3], 'spf chain: 3 lookups (include, include, a)');
    eq($s['chain'] ?? null, ['chain.test', '_a.chain.test', '_b.chain.test'], 'spf chain: the domains evaluated');

    // More than 10 lookups: 12 nested includes.
    $r = check('many.test', ['sending_ip' => '192.0.2.10']);
    $s = $r['spf']['results'][0] ?? [];
    eq($s['result'] ?? null, 'permerror', 'spf 12 nested includes: permerror');
    ok(($s['lookups'] ?? 0) > 10, 'spf 12 nested includes: lookups counted past 10', $s['lookups'] ?? null, '> 10');
    $want = ['many.test'];
    for ($i = 1; $i <= 10; $i++) $want[] = "l$i.many.test";
    eq(array_slice($s['chain'] ?? [], 0, 11), $want, 'spf 12 nested includes: chain many.test, l1 ... l10');
    has_code($r, 'spf_too_many_lookups', 'spf 12 nested includes');
    no_code($r, 'spf_fail', 'spf 12 nested includes');

    // a includes b includes a.
    $r = check('loopa.test', ['sending_ip' => '192.0.2.10']);
    eq($r['spf']['result'], 'permerror', 'spf include loop: permerror');
    ok($r['_ms'] < 2000, 'spf include loop: bounded time', $r['_ms'], '< 2000 ms');
    ok((bool)array_intersect(codes($r), ['spf_too_many_lookups', 'spf_permerror']), 'spf include loop: reported as a broken record', codes($r), 'spf_too_many_lookups or spf_permerror');
    eq([asked($r, 'loopa.test', 'TXT'), asked($r, 'loopb.test', 'TXT')], [1, 1], 'spf include loop: each record fetched once');

    // 10,000 characters, only over TCP.
    global $VARS;
    $rss = getrusage()['ru_maxrss'];
    $r = check('big.test', ['sending_ip' => '192.0.2.10']);
    $grown = getrusage()['ru_maxrss'] - $rss;
    ok(in_array($r['spf']['result'], ['pass', 'permerror'], true), 'spf 10,000-character record: parsed (pass) or permerror, not a DNS error', $r['spf']['result'], 'pass|permerror');
    if ($r['spf']['result'] === 'pass') {
        eq(strlen((string)$r['spf']['record']), 10000, 'spf 10,000-character record: read whole');
        eq($r['spf']['record'], $VARS['BIG_SPF'], 'spf 10,000-character record: read exactly');
    }
    ok(asked($r, 'big.test', 'TXT', 'udp') >= 1 && asked($r, 'big.test', 'TXT', 'tcp') >= 1, 'spf 10,000-character record: truncated over UDP, retried over TCP', $r['_queries'], null, false);
    ok($r['_ms'] < 3000, 'spf 10,000-character record: bounded time', $r['_ms'], '< 3000 ms');
    ok($grown < 65536, 'spf 10,000-character record: bounded memory', "$grown KiB", '< 64 MiB more');
}

function group_dmarc(): void
{
    $r = check('dmarc.test', ['sending_ip' => '192.0.2.10']);
    eq([$r['dmarc']['found_at'], $r['dmarc']['policy'], $r['dmarc']['pct']], ['_dmarc.dmarc.test', 'quarantine', 50], 'dmarc: found at the From domain, p= and pct= parsed');
    eq($r['dmarc']['rua'], ['mailto:agg@dmarc.test', 'mailto:agg@reports.test'], 'dmarc: rua= list parsed');
    eq([$r['dmarc']['aligned'], $r['dmarc']['spf_aligned']], [true, true], 'dmarc: SPF passes for the From domain: aligned');
    foreach (['dmarc_missing', 'dmarc_invalid', 'dmarc_misaligned'] as $c) no_code($r, $c, 'dmarc');

    // A subdomain of a domain under co.uk: the organizational domain by the PSL.
    $r = check('news.example.co.uk', ['sending_ip' => '192.0.2.10']);
    eq($r['org_domain'], 'example.co.uk', 'dmarc psl: org domain of news.example.co.uk is example.co.uk');
    eq([$r['dmarc']['found_at'], $r['dmarc']['policy'], $r['dmarc']['subdomain_policy'], $r['dmarc']['pct']],
        ['_dmarc.example.co.uk', 'reject', 'quarantine', 100], 'dmarc psl: the organizational domain\'s record');
    eq([asked($r, '_dmarc.news.example.co.uk', 'TXT'), asked($r, '_dmarc.example.co.uk', 'TXT'), asked($r, '_dmarc.co.uk', 'TXT')],
        [1, 1, 0], 'dmarc psl: asked the From domain, then the org domain, never the public suffix');
    no_code($r, 'dmarc_missing', 'dmarc psl');

    // Alignment, relaxed (default) and strict, with a subdomain as MAIL FROM.
    $r = check('example.co.uk', ['sending_ip' => '192.0.2.10', 'mail_from_domain' => 'bounce.example.co.uk']);
    eq([$r['spf']['result'], $r['dmarc']['spf_aligned']], ['pass', true], 'dmarc relaxed: bounce.example.co.uk aligns with example.co.uk');
    no_code($r, 'dmarc_misaligned', 'dmarc relaxed');
    $r = check('example.co.uk', ['sending_ip' => '192.0.2.10', 'mail_from_domain' => 'example2.co.uk']);
    eq([$r['spf']['result'], $r['dmarc']['spf_aligned']], ['pass', false], 'dmarc psl: example2.co.uk does not align with example.co.uk');
    has_code($r, 'dmarc_misaligned', 'dmarc psl different org domains');
    $r = check('relaxed.test', ['sending_ip' => '192.0.2.10', 'mail_from_domain' => 'bounce.relaxed.test']);
    eq([$r['spf']['result'], $r['dmarc']['spf_aligned'], $r['dmarc']['aligned']], ['pass', true, true], 'dmarc aspf=r: a subdomain MAIL FROM aligns');
    no_code($r, 'dmarc_misaligned', 'dmarc aspf=r');
    $r = check('strict.test', ['sending_ip' => '192.0.2.10', 'mail_from_domain' => 'bounce.strict.test']);
    eq([$r['spf']['result'], $r['dmarc']['spf_aligned'], $r['dmarc']['aligned']], ['pass', false, false], 'dmarc aspf=s: a subdomain MAIL FROM does not align');
    $f = has_code($r, 'dmarc_misaligned', 'dmarc aspf=s');
    eq([$f['evidence']['spf_aligned'] ?? null, $f['evidence']['dkim_aligned'] ?? null], [false, false], 'dmarc_misaligned: evidence says neither aligns');
    $r = check('strict.test', ['sending_ip' => '192.0.2.10']);
    eq($r['dmarc']['spf_aligned'], true, 'dmarc aspf=s: the same domain aligns');
    $r = check('relaxed.test', ['sending_ip' => '192.0.2.10', 'mail_from_domain' => 'other.test']);
    eq([$r['spf']['result'], $r['dmarc']['aligned']], ['pass', false], 'dmarc: SPF passes for an unrelated MAIL FROM: not aligned');
    $f = has_code($r, 'dmarc_misaligned', 'dmarc unrelated MAIL FROM');
    has($f['detail'] ?? null, 'other.test', 'dmarc_misaligned: names the SPF domain');
    // DKIM alone can align.
    $r = check('dkimalign.test', ['sending_ip' => '192.0.2.10', 'dkim_selectors' => ['sel']]);
    eq([$r['spf']['result'], $r['dmarc']['dkim_aligned'], $r['dmarc']['aligned']], ['fail', true, true], 'dmarc: SPF fails, DKIM d= aligned: aligned');
    no_code($r, 'dmarc_misaligned', 'dmarc dkim aligned');
    $r = check('dkimalign.test', ['sending_ip' => '192.0.2.10', 'dkim_selectors' => ['sel'], 'dkim_domain' => 'other.test']);
    eq([$r['dmarc']['dkim_aligned'], $r['dmarc']['aligned']], [false, false], 'dmarc: DKIM key under another d=: not aligned');
    has_code($r, 'dmarc_misaligned', 'dmarc dkim other d=');

    // Invalid and missing records.
    $r = check('badv.test', ['sending_ip' => '192.0.2.10']);
    $f = has_code($r, 'dmarc_invalid', 'dmarc record not starting with v=DMARC1');
    has($f['detail'] ?? null, 'v=DMARC1', 'dmarc_invalid: says the record must start with v=DMARC1');
    no_code($r, 'dmarc_missing', 'dmarc record not starting with v=DMARC1');
    $r = check('badp.test', ['sending_ip' => '192.0.2.10']);
    $f = has_code($r, 'dmarc_invalid', 'dmarc bad p=');
    has($r['dmarc']['errors'][0] ?? null, 'p=', 'dmarc bad p=: the error names p=');
    eq($r['dmarc']['policy'], null, 'dmarc bad p=: no policy');
    $r = check('tcp.test', ['sending_ip' => '192.0.2.10']);
    eq([$r['dmarc']['record'], asked($r, '_dmarc.tcp.test', 'TXT', 'tcp')], ['v=DMARC1; p=none; rua=mailto:d@tcp.test', 1], 'dmarc: a truncated answer is retried over TCP');
    $r = check('nodmarc.test', ['sending_ip' => '192.0.2.10']);
    eq($r['dmarc']['record'], null, 'dmarc missing: record null');
    $f = has_code($r, 'dmarc_missing', 'dmarc missing');
    has($f['detail'] ?? null, '_dmarc.nodmarc.test', 'dmarc_missing: names where it looked');
    no_code($r, 'dmarc_misaligned', 'dmarc missing');
    $r = check('sub.nodmarc.test', ['sending_ip' => '192.0.2.10']);
    $f = has_code($r, 'dmarc_missing', 'dmarc missing for a subdomain');
    has($f['detail'] ?? null, '_dmarc.sub.nodmarc.test nor _dmarc.nodmarc.test', 'dmarc_missing (subdomain): names both places');
}

function group_dkim(): void
{
    $sels = ['rsa2048', 'rsa1024', 'revoked', 'testing', 'ed', 'malformed', 'weak', 'absent'];
    $r = check('dkim.test', ['dkim_selectors' => $sels]);
    eq(array_slice(array_column($r['dkim'], 'selector'), 0, 8), $sels, 'dkim: the caller\'s selectors first, in order, found or not');
    $d = dkim_by_selector($r);
    $pick = fn($s) => [$d[$s]['found'] ?? null, $d[$s]['key_type'] ?? null, $d[$s]['key_bits'] ?? null, $d[$s]['revoked'] ?? null, $d[$s]['testing'] ?? null];
    eq($pick('rsa2048'), [true, 'rsa', 2048, false, false], 'dkim: RSA 2048 key');
    eq($pick('rsa1024'), [true, 'rsa', 1024, false, false], 'dkim: RSA 1024 key');
    eq($pick('revoked'), [true, 'rsa', null, true, false], 'dkim: empty p= is revoked');
    eq($pick('testing'), [true, 'rsa', 1024, false, true], 'dkim: t=y is testing');
    eq($pick('ed'), [true, 'ed25519', 256, false, false], 'dkim: ed25519 32-byte key is 256 bits');
    eq([$d['malformed']['found'] ?? null, array_key_exists('key_bits', $d['malformed'] ?? []) ? $d['malformed']['key_bits'] : 'absent'], [true, null], 'dkim: malformed p= found, no key size');
    ok(($d['malformed']['error'] ?? null) !== null, 'dkim: malformed p= has an error', $d['malformed'] ?? null, null, false);
    eq([$d['absent']['found'] ?? null, array_key_exists('key_bits', $d['absent'] ?? []) ? $d['absent']['key_bits'] : 'absent'], [false, null], 'dkim: a selector with no record: not found');
    eq($d['weak']['key_bits'] ?? null, 512, 'dkim: RSA 512 key');
    $f = has_code($r, 'dkim_weak_key', 'dkim 512');
    has($f['detail'] ?? null, 'weak._domainkey', 'dkim_weak_key: names the selector');
    no_code($r, 'dkim_missing', 'dkim');

    $r = check('nodkim.test', ['dkim_selectors' => ['nosuch', 'old']]);
    $d = dkim_by_selector($r);
    eq([$d['nosuch']['found'] ?? null, $d['old']['found'] ?? null, $d['old']['revoked'] ?? null], [false, true, true], 'dkim: missing selector, revoked selector');
    $f = has_code($r, 'dkim_missing', 'dkim none usable');
    has($f['detail'] ?? null, 'nosuch', 'dkim_missing: names the selectors tried');
}

function group_mta_sts(): void
{
    $r = check('sts.test');
    $s = $r['mta_sts'];
    eq([$s['record'], $s['id']], ['v=STSv1; id=20260101T000000;', '20260101T000000'], 'mta-sts: record and id');
    eq([$s['policy_fetched'], $s['mode'], $s['mx'], $s['max_age'], $s['error']],
        [true, 'enforce', ['mx1.sts.test', '*.backup.sts.test'], 604800, null], 'mta-sts: policy fetched over HTTPS and parsed');
    eq($r['tls_rpt']['record'], 'v=TLSRPTv1; rua=mailto:tlsrpt@sts.test', 'tls-rpt: record reported');
    eq(array_map(fn($h) => [$h[0], $h[1], $h[2]], $r['_https']), [['mta-sts.sts.test', 'mta-sts.sts.test', '/.well-known/mta-sts.txt']],
        'mta-sts: one GET of /.well-known/mta-sts.txt with SNI and Host mta-sts.sts.test');
    no_code($r, 'mta_sts_invalid', 'mta-sts');

    $r = check('untrusted.test');
    eq([$r['mta_sts']['policy_fetched'], $r['mta_sts']['mode']], [false, null], 'mta-sts untrusted certificate: policy not used');
    $f = has_code($r, 'mta_sts_invalid', 'mta-sts untrusted certificate');
    has($f['detail'] ?? null, 'certificate did not verify', 'mta_sts_invalid: names the verification');
    has($f['detail'] ?? null, 'issuer', 'mta_sts_invalid: says why (unknown issuer)');
    eq(count($r['_https']), 0, 'mta-sts untrusted certificate: no request sent after the handshake');

    $r = check('wrongname.test');
    $f = has_code($r, 'mta_sts_invalid', 'mta-sts certificate for another name');
    has($f['detail'] ?? null, 'certificate did not verify', 'mta_sts_invalid (name): names the verification');

    $r = check('nopolicy.test');
    eq($r['mta_sts']['policy_fetched'], false, 'mta-sts 404: not fetched');
    $f = has_code($r, 'mta_sts_invalid', 'mta-sts 404');
    has($f['detail'] ?? null, '404', 'mta_sts_invalid (404): names the HTTP status');

    $r = check('sts.test', ['mta_sts' => false]);
    eq([$r['mta_sts']['id'], $r['mta_sts']['policy_fetched'], count($r['_https'])], ['20260101T000000', false, 0], 'mta-sts off: record only, no HTTPS request');
}

function group_ptr(): void
{
    $r = check('ptr.test', ['sending_ip' => '192.0.2.10']);
    eq([$r['ptr']['ip'], $r['ptr']['ip_source'], $r['ptr']['names'], $r['ptr']['fcrdns']], ['192.0.2.10', 'option', ['mail.ptr.test'], true], 'ptr: forward-confirmed');
    no_code($r, 'ptr_mismatch', 'ptr confirmed');

    $r = check('ptr.test', ['sending_ip' => '192.0.2.11']);
    eq([$r['ptr']['names'], $r['ptr']['fcrdns']], [['other.ptr.test'], false], 'ptr: name that resolves elsewhere');
    $f = has_code($r, 'ptr_mismatch', 'ptr not confirmed');
    has($f['detail'] ?? null, 'other.ptr.test', 'ptr_mismatch: names the PTR name');

    $r = check('ptr.test', ['sending_ip' => '192.0.2.12']);
    eq([$r['ptr']['names'], $r['ptr']['fcrdns'], $r['ptr']['status']], [[], false, 'nxdomain'], 'ptr: none');
    has_code($r, 'ptr_mismatch', 'ptr none');

    $r = check('ptr.test', ['sending_ip' => '2001:db8::10']);
    eq([$r['ptr']['names'], $r['ptr']['fcrdns']], [['v6.ptr.test'], true], 'ptr IPv6: forward-confirmed by AAAA');
    eq(asked($r, '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR'), 1, 'ptr IPv6: ip6.arpa nibble name');
    no_code($r, 'ptr_mismatch', 'ptr IPv6');
}

function group_dnsbl(): void
{
    $r = check('ptr.test', ['sending_ip' => '192.0.2.66', 'dnsbl_zones' => ['bl.test', 'refuse.test']]);
    $bl = array_map(fn($b) => [$b['zone'], $b['listed'], $b['refused'], $b['codes']], $r['blocklists']);
    eq($bl, [['bl.test', true, false, ['127.0.0.2']], ['refuse.test', false, true, ['127.255.255.254']]], 'dnsbl: listed in one, refused by the other');
    eq(asked($r, '66.2.0.192.bl.test', 'A'), 1, 'dnsbl: reversed IPv4 label');
    $f = findings($r, 'ip_blocklisted');
    eq(array_map(fn($x) => $x['evidence']['zone'] ?? null, $f), ['bl.test'], 'dnsbl: ip_blocklisted only for the listing zone');
    has($f[0]['detail'] ?? null, 'bl.test', 'ip_blocklisted: names the zone');
    has($f[0]['detail'] ?? null, '127.0.0.2', 'ip_blocklisted: names the answer');
    $f = findings($r, 'dnsbl_refused');
    eq(array_map(fn($x) => $x['evidence']['zone'] ?? null, $f), ['refuse.test'], 'dnsbl: 127.255.255.254 is dnsbl_refused, not a listing');

    $r = check('ptr.test', ['sending_ip' => '192.0.2.10', 'dnsbl_zones' => ['bl.test']]);
    eq(array_map(fn($b) => [$b['zone'], $b['listed'], $b['refused'], $b['status']], $r['blocklists']), [['bl.test', false, false, 'nxdomain']], 'dnsbl: NXDOMAIN is not listed');
    no_code($r, 'ip_blocklisted', 'dnsbl not listed');

    $r = check('ptr.test', ['sending_ip' => '2001:db8::66', 'dnsbl_zones' => ['bl.test']]);
    eq(asked($r, '6.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test', 'A'), 1, 'dnsbl IPv6: nibble-reversed label');
    eq(array_map(fn($b) => $b['listed'], $r['blocklists']), [true], 'dnsbl IPv6: listed');
    has_code($r, 'ip_blocklisted', 'dnsbl IPv6');
}

function group_faults(): void
{
    $r = check('servfail.test', ['sending_ip' => '192.0.2.10']);
    eq([$r['spf']['record'], $r['spf']['result']], [null, 'temperror'], 'SERVFAIL on the SPF TXT: temperror');
    no_code($r, 'spf_missing', 'SERVFAIL on the SPF TXT');
    eq($r['mx']['status'], 'ok', 'SERVFAIL on the SPF TXT: the MX still answered');

    no_code($r, 'dmarc_missing', 'SERVFAIL on the DMARC TXT');

    $r = check('blackhole.test', ['timeout' => 1.0, 'sending_ip' => '192.0.2.10'], 'blackhole');
    ok($r['_ms'] <= 1250, 'DNS never answers: returns within timeout + 250 ms', $r['_ms'], '<= 1250 ms');
    eq($r['timed_out'], true, 'DNS never answers: timed_out');
    has_code($r, 'dns_timeout', 'DNS never answers');
    // Nothing was learnt: no finding may claim a record is missing.
    foreach (['mx_missing', 'spf_missing', 'dmarc_missing', 'dkim_missing', 'ptr_mismatch'] as $c) no_code($r, $c, 'DNS never answers');

    $r = check('blackhole.test', ['timeout' => 3.0], 'blackhole');
    ok($r['_ms'] <= 3250, 'DNS never answers (3 s): returns within timeout + 250 ms', $r['_ms'], '<= 3250 ms');
    has_code($r, 'dns_timeout', 'DNS never answers (3 s)');

    foreach (['nxdomain.test' => 'absent from the zone', 'gone.test' => 'NXDOMAIN keyword'] as $d => $why) {
        $r = check($d);
        eq($r['mx']['status'], 'nxdomain', "NXDOMAIN domain ($why): mx status");
        $f = has_code($r, 'mx_missing', "NXDOMAIN domain ($why)");
        has($f['detail'] ?? null, 'does not exist', "NXDOMAIN domain ($why): mx_missing says the domain does not exist");
        eq($r['timed_out'], false, "NXDOMAIN domain ($why): not a timeout");
    }
}

function group_relay(): void
{
    global $RELAY_PORT, $SLOG;
    $s0 = filesize($SLOG);
    $r = check('ehlo.test', ['relay_host' => 'relay.ehlo.test', 'relay_port' => $RELAY_PORT, 'ehlo_name' => 'client.test']);
    eq([$r['ptr']['ip'], $r['ptr']['ip_source']], ['192.0.2.77', 'relay_ehlo'], 'relay EHLO "[ip]": the sending IP learned');
    eq(spf_by_ip($r), ['127.0.0.1' => ['relay', 'fail'], '192.0.2.77' => ['sending_ip', 'pass']], 'relay EHLO: SPF for the learned IP and the relay address');
    eq([$r['ptr']['names'], $r['ptr']['fcrdns']], [['client.ehlo.test'], true], 'relay EHLO: PTR of the learned IP');
    $cmds = log_lines($SLOG, $s0);
    eq($cmds[0] ?? null, 'EHLO client.test', 'relay EHLO: sent with the ehlo_name option');

    // A relay port that refuses: no IP, a note, no PTR guesses. Five times:
    // the refusal races the AAAA answer (a crash here once depended on it).
    $sock = stream_socket_server('tcp://127.0.0.1:0');
    $closed = (int)substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
    fclose($sock);
    $got = [];
    for ($i = 0; $i < 5; $i++) {
        $r = check('ehlo.test', ['relay_host' => 'relay.ehlo.test', 'relay_port' => $closed]);
        $got[] = [$r['ptr']['ip'], $r['ptr']['ip_source'], str_contains((string)$r['ptr']['note'], 'could not connect'),
            in_array('ptr_mismatch', codes($r), true)];
    }
    eq($got, array_fill(0, 5, [null, 'unknown', true, false]), 'relay refused (5 calls): sending IP unknown, a "could not connect" note, no ptr_mismatch');
}

function group_input(): void
{
    global $PORTS, $QLOG;
    $dns = ['dns_servers' => ['127.0.0.1:' . $PORTS['sentinel']], 'dnsbl_zones' => [], 'timeout' => 2.0];
    clearstatcache();
    $q0 = filesize($QLOG);
    $expect = function (string $name, string $domain, array $opts, string $class, array $needles) use ($dns): void {
        $t = hrtime(true);
        try {
            smtpdiag_check_domain($domain, $opts + $dns);
            ok(false, "bad input $name: throws $class", 'no exception', $class);
        } catch (Throwable $e) {
            $ms = (hrtime(true) - $t) / 1e6;
            $good = get_class($e) === $class;
            foreach ($needles as $n) $good = $good && str_contains($e->getMessage(), $n);
            ok($good && $ms < 500, "bad input $name: $class naming " . implode(' / ', $needles),
                get_class($e) . ': ' . $e->getMessage() . sprintf(' (%.1f ms)', $ms), "$class with " . implode(', ', $needles) . ' in < 500 ms');
        }
    };
    $d1 = '($domain)';
    $o2 = '($options)';
    $expect('empty domain', '', [], ValueError::class, [$d1]);
    $expect('empty label', 'a..sentinel.test', [], ValueError::class, [$d1, 'label']);
    $expect('64-character label', str_repeat('a', 64) . '.sentinel.test', [], ValueError::class, [$d1, '63']);
    $long = implode('.', [str_repeat('a', 63), str_repeat('b', 63), str_repeat('c', 63), str_repeat('d', 62)]);
    $expect('254-character domain (' . strlen($long) . ')', $long, [], ValueError::class, [$d1, '253']);
    $expect('non-ASCII domain', "b\u{fc}cher.test", [], ValueError::class, [$d1, 'xn--']);
    $expect('IPv4 as domain', '192.0.2.1', [], ValueError::class, [$d1, 'domain name']);
    $expect('IPv6 as domain', '2001:db8::1', [], ValueError::class, [$d1, 'domain name']);
    $expect('address literal as domain', '[192.0.2.1]', [], ValueError::class, [$d1, 'domain name']);
    $expect('CR LF in domain', "sentinel.test\r\nRCPT TO:<x@y>", [], ValueError::class, [$d1, 'control']);
    $expect('unknown option', 'sentinel.test', ['bogus' => 1], ValueError::class, [$o2, '"bogus"']);
    $expect('bad sending_ip', 'sentinel.test', ['sending_ip' => 'not-an-ip'], ValueError::class, [$o2, 'sending_ip']);
    $expect('sending_ip 192.0.2.300', 'sentinel.test', ['sending_ip' => '192.0.2.300'], ValueError::class, [$o2, 'sending_ip']);
    $expect('relay_port 0', 'sentinel.test', ['relay_port' => 0], ValueError::class, [$o2, 'relay_port']);
    $expect('relay_port 65536', 'sentinel.test', ['relay_port' => 65536], ValueError::class, [$o2, 'relay_port']);
    $expect('dkim selector with a space', 'sentinel.test', ['dkim_selectors' => ['a b']], ValueError::class, [$o2, 'dkim_selectors']);
    $expect('empty dkim selector', 'sentinel.test', ['dkim_selectors' => ['']], ValueError::class, [$o2, 'dkim_selectors']);
    $expect('dnsbl zone without a dot', 'sentinel.test', ['dnsbl_zones' => ['localhost']], ValueError::class, [$o2, 'dnsbl_zones']);
    $expect('mta_sts not a bool', 'sentinel.test', ['mta_sts' => 'yes'], TypeError::class, [$o2, 'mta_sts']);
    $crlf = "\r\nX-Injected: 1";
    foreach ([
        'sending_ip' => '192.0.2.10' . $crlf, 'relay_host' => 'relay.sentinel.test' . $crlf,
        'mail_from_domain' => 'sentinel.test' . $crlf, 'dkim_domain' => 'sentinel.test' . $crlf,
        'ehlo_name' => 'client.test' . $crlf, 'family' => 'any' . $crlf, 'ca_file' => '/etc/hosts' . $crlf,
    ] as $k => $v) {
        $expect("CR LF in $k", 'sentinel.test', [$k => $v], ValueError::class, [$o2, "\"$k\""]);
    }
    foreach (['dkim_selectors' => 'default', 'dnsbl_zones' => 'bl.test', 'dns_servers' => '127.0.0.1:' . $PORTS['sentinel']] as $k => $v) {
        $expect("CR LF in a $k entry", 'sentinel.test', [$k => [$v . $crlf]], ValueError::class, [$o2, "\"$k\""]);
        $expect("LF in a $k entry", 'sentinel.test', [$k => [$v . "\n"]], ValueError::class, [$o2, "\"$k\""]);
    }
    $expect('NUL in relay_host', 'sentinel.test', ['relay_host' => "relay.test\0x"], ValueError::class, [$o2, '"relay_host"']);
    $seen = array_filter(log_lines($QLOG, $q0), fn($l) => (int)explode("\t", $l)[0] === $PORTS['sentinel']);
    eq(array_values($seen), [], 'bad input: the DNS server saw no query (validation before any I/O)');
    // The control: the same call with good input does reach the server.
    $r = check('sentinel.test', ['timeout' => 2.0], 'sentinel');
    ok(count($r['_queries']) > 0, 'bad input control: a good call does query the sentinel server', count($r['_queries']), '> 0');
}

function group_dedup(): void
{
    $r = check('dedup.test', ['sending_ip' => '192.0.2.10', 'relay_host' => 'relay.dedup.test', 'dnsbl_zones' => ['bl.test'],
        'dkim_selectors' => ['default']], 'dedup');
    eq(spf_by_ip($r), ['192.0.2.10' => ['sending_ip', 'pass'], '192.0.2.30' => ['relay', 'pass']], 'dedup: SPF for the sending IP and the relay');
    // Lookups, not packets: a retransmission (a slow server) or the TCP
    // retry of a truncated answer keeps its DNS id.
    $ids = [];
    foreach ($r['_queries'] as [$p, $n, $t, $id]) $ids["$n/$t"][$id] = true;
    $count = array_map('count', $ids);
    $dups = array_filter($count, fn($c) => $c > 1);
    eq($dups, [], 'dedup: no name/type asked twice');
    eq([$count['_x.dedup.test/TXT'] ?? 0, $count['relay.dedup.test/A'] ?? 0, $count['default._domainkey.dedup.test/TXT'] ?? 0],
        [1, 1, 1], 'dedup: the include named twice, the relay A (SPF a:, mx, relay, PTR) and the selector named twice: once each');
    eq($r['dns_queries'], count($count), 'dedup: dns_queries counts each name/type once');
    eq($r['ptr']['fcrdns'], true, 'dedup: PTR confirmed from the shared A answer');
}

$t = hrtime(true);
('group_' . $group)();
exit($FAILED ? 1 : 0);
