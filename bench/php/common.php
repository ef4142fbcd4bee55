<?php
/*
 * Shared settings of the benchmark scripts (bench/README.md). Everything
 * runs inside sd-client; the lab CA is the trust store of every client.
 */
declare(strict_types=1);

const LAB_HOST = 'mail.lab.test';
const LAB_USER = 'user@lab.test';
const LAB_PASS = 'labpass';
const EHLO_NAME = 'client.lab.test';
const FROM = 'user@ok.lab.test';

/* The CA every client trusts: the lab root, or BENCH_CA (comparison 3's
 * "system bundle" rows: Debian's bundle plus the lab root). */
function lab_ca(): string {
    return getenv('BENCH_CA') ?: (getenv('SMTPDIAG_LAB_DIR') ?: '/tmp/smtpdiag-lab') . '/certs/root.pem';
}

/* The site configuration of each case of comparison 1: [port, encryption]. */
function case_config(string $case): array {
    return match ($case) {
        'healthy', 'all_dropped', 'ipv6_blackhole' => [587, 'starttls'],
        'port_dropped' => [465, 'tls'],
        default => throw new ValueError("unknown case $case"),
    };
}

/* One line for the run's log (what the tool answered), if BENCH_LOG is set. */
function bench_log(string $tool, string $case, float $seconds, string $answer): void {
    $line = sprintf("%s\t%s\t%.3f\t%s\n", $tool, $case, $seconds, preg_replace('/\s+/', ' ', trim($answer)));
    $f = getenv('BENCH_LOG');
    if ($f) file_put_contents($f, $line, FILE_APPEND | LOCK_EX);
    else echo $line;
}

function rusage_s(): array {
    $r = getrusage();
    return [$r['ru_utime.tv_sec'] + $r['ru_utime.tv_usec'] / 1e6, $r['ru_stime.tv_sec'] + $r['ru_stime.tv_usec'] / 1e6];
}

/* Addresses a.b.c.X-Y as a list. */
function address_range(string $spec): array {
    if (!preg_match('/^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/', $spec, $m)) return [$spec];
    if ((int)$m[2] > (int)$m[3]) return [];  // an empty range (callgrind's baseline)
    return array_map(fn($i) => $m[1] . $i, range((int)$m[2], (int)$m[3]));
}
