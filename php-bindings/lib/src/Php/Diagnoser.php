<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * smtpdiag_diagnose() in PHP: the probe's ports, the certificate, the
 * configured session (AUTH, then QUIT) and the optional message run as
 * tasks of one loop under one deadline; the From domain and the PHP
 * environment around them. The root cause follows the core's rules
 * (ext/diagnose/rules.cpp) over what this mode observed.
 *
 * @internal
 */
final class Diagnoser
{
    private const CERT_PRIORITY = ['ca_bundle_stale', 'cert_expired', 'cert_not_yet_valid', 'cert_hostname_mismatch',
        'cert_self_signed', 'cert_incomplete_chain', 'cert_untrusted', 'cert_weak_key', 'cert_weak_signature', 'tls_protocol_mismatch'];

    /**
     * @param array{from: string, to: list<string>, subject: string, body: string, headers: array<string, string>}|null $send
     * @param list<string> $selectors
     * @return array<string, mixed> smtpdiag_diagnose()'s shape
     */
    public static function run(MailConfig $c, Net $net, ?array $send, int $warnDays, bool $checkDomain, array $selectors): array
    {
        $t0 = Sched::now();
        $deadline = $t0 + $net->timeout;
        $env = self::environment();
        $ports = array_values(array_unique([...[25, 465, 587, 2525], $c->port]));
        $implicit = $c->encryption === 'tls' ? array_values(array_unique([465, $c->port])) : [465];
        // The configured port gets as long to greet as the session (a connect
        // timeout), so a port that never greets is named when the session
        // gives up, not at the deadline (as the core does).
        [$tasks, $collect] = Prober::plan($c->host, $net, $ports, $implicit, true, $t0, $deadline, [$c->port]);
        // A non-standard port set without implicit TLS (2465, 8465, ...) is
        // also tried with implicit TLS at the same time, so that a port that
        // wants SSL is told apart from one that never greets (as the core does).
        $collectImplicit = null;
        if (!in_array($c->port, [25, 465, 587, 2525], true) && $c->encryption !== 'tls') {
            [$implicitTasks, $collectImplicit] = Prober::plan($c->host, $net, [$c->port], [$c->port], true, $t0, $deadline, [$c->port]);
            array_push($tasks, ...$implicitTasks);
        }
        /** @var \ArrayObject<string, array<string, mixed>|null> $out */
        $out = new \ArrayObject(['certificate' => null, 'auth' => null, 'send' => null, 'domain' => null]);
        if ($c->encryption !== 'none' && extension_loaded('openssl')) {
            $tasks[] = static function () use ($out, $c, $net, $warnDays): void {
                $out['certificate'] = CertChecker::run($c->host, $c->port, $net, $c->encryption === 'tls' ? 'implicit' : 'starttls', null, $warnDays,
                    $net->connectTimeout);
            };
        }
        $tasks[] = static function () use ($out, $c, $net): void {
            // A greeting that never comes is waited for as long as a connect (as the core does).
            $out['auth'] = Sender::run($c, null, $net, $net->connectTimeout);
        };
        if ($send !== null) {
            $tasks[] = static function () use ($out, $c, $net, $send): void {
                $out['send'] = Sender::run($c, $send, $net);
            };
        }
        if ($checkDomain && $c->from !== null) {
            // Blocking DNS: it runs while the connects above are already under way.
            $tasks[] = static function () use ($out, $c, $net, $selectors, $deadline): void {
                $out['domain'] = DomainChecker::run(substr((string) $c->from, (int) strrpos((string) $c->from, '@') + 1), $net, null, '', $selectors, $deadline);
            };
        }
        Sched::run($tasks, $deadline);
        $probe = $collect();
        if ($collectImplicit !== null) {
            $probe = self::adoptImplicitTls($probe, $collectImplicit(), $c->port, $net->reach);
        }
        /** @var array<string, mixed>|null $domain */
        $domain = $out['domain'] ?? null;
        /** @var array<string, mixed>|null $cert */
        $cert = $out['certificate'];
        /** @var array<string, mixed>|null $auth */
        $auth = $out['auth'];
        /** @var array<string, mixed>|null $sent */
        $sent = $out['send'];
        [$root, $findings] = self::rules($c, $env, $probe, $cert, $auth, $sent, $domain);
        return ['ok' => $root === null, 'root_cause' => $root, 'findings' => $findings, 'probe' => $probe, 'certificate' => $cert,
            'domain' => $domain, 'auth' => $auth, 'send' => $sent, 'environment' => $env, 'https' => [],
            'elapsed_ms' => round((Sched::now() - $t0) * 1000, 1)];
    }

    /**
     * Where the configured port gave no greeting in the clear but completed
     * an implicit-TLS handshake on the same address, that is what the port is.
     *
     * @param array<string, mixed> $probe
     * @param array<string, mixed> $implicit
     * @return array<string, mixed>
     */
    private static function adoptImplicitTls(array $probe, array $implicit, int $port, ?Reach $reach): array
    {
        foreach ($probe['ports'] as $i => $x) {
            if ($x['port'] !== $port || $x['state'] !== 'open' || $x['tls'] !== null || ($x['smtp']['banner_code'] ?? null) !== null) {
                continue;
            }
            foreach ($implicit['ports'] as $y) {
                if ($y['port'] === $port && $y['address'] === $x['address'] && ($y['tls']['ok'] ?? false) === true) {
                    $probe['ports'][$i]['smtp'] = $y['smtp'];
                    $probe['ports'][$i]['tls'] = $y['tls'];
                    break;
                }
            }
        }
        $probe['findings'] = Rules::probe($probe, $reach);
        return $probe;
    }

    /** @return array<string, mixed> */
    public static function environment(): array
    {
        $relevant = ['fsockopen', 'pfsockopen', 'stream_socket_client', 'stream_socket_enable_crypto', 'stream_select', 'proc_open',
            'mail', 'dns_get_record', 'gethostbyname', 'openssl_x509_parse'];
        $disabled = array_values(array_intersect($relevant, array_map('trim', explode(',', (string) ini_get('disable_functions')))));
        $loc = function_exists('openssl_get_cert_locations') ? openssl_get_cert_locations() : [];
        $def = is_string($loc['default_cert_file'] ?? null) ? $loc['default_cert_file'] : '';
        $uid = function_exists('posix_geteuid') ? posix_geteuid() : getmyuid();
        $user = function_exists('posix_getpwuid') && is_array($pw = posix_getpwuid((int) $uid)) ? (string) $pw['name'] : get_current_user();
        $selinux = 'disabled';
        $httpd = null;
        if (@is_dir('/sys/fs/selinux')) {
            $e = trim((string) @file_get_contents('/sys/fs/selinux/enforce'));
            $selinux = $e === '1' ? 'enforcing' : ($e === '0' ? 'permissive' : 'unknown');
            $b = (string) @file_get_contents('/sys/fs/selinux/booleans/httpd_can_network_connect');
            $httpd = $b === '' ? null : ($b[0] === '1' ? 'on' : 'off');
        }
        $cafile = (string) ini_get('openssl.cafile');
        $capath = (string) ini_get('openssl.capath');
        return ['php_version' => PHP_VERSION, 'sapi' => PHP_SAPI, 'disabled_functions' => $disabled,
            'openssl' => extension_loaded('openssl'), 'openssl_cafile' => $cafile === '' ? null : $cafile,
            'openssl_capath' => $capath === '' ? null : $capath, 'default_ca_file' => $def,
            'default_ca_file_exists' => $def !== '' && @is_file($def), 'user' => $user, 'uid' => (int) $uid,
            'selinux' => $selinux, 'httpd_can_network_connect' => $httpd];
    }

    /**
     * @param array<string, mixed> $env
     * @param array<string, mixed> $probe
     * @param array<string, mixed>|null $cert
     * @param array<string, mixed>|null $auth
     * @param array<string, mixed>|null $send
     * @param array<string, mixed>|null $domain
     * @return array{?string, list<array<string, mixed>>}
     */
    private static function rules(MailConfig $c, array $env, array $probe, ?array $cert, ?array $auth, ?array $send, ?array $domain): array
    {
        $all = [];
        $root = null;
        $enc = ['tls' => 'SSL/TLS', 'starttls' => 'STARTTLS', 'none' => 'none'][$c->encryption];
        $base = ['host' => $c->host, 'port' => $c->port, 'encryption' => $enc];
        $has = static function (array $list, string $code): bool {
            foreach ($list as $f) {
                if ($f['code'] === $code) {
                    return true;
                }
            }
            return false;
        };
        /** @var list<string> $disabled */
        $disabled = $env['disabled_functions'];
        foreach (['stream_socket_client', 'fsockopen', 'stream_socket_enable_crypto'] as $fn) {
            if (in_array($fn, $disabled, true)) {
                $all[] = Catalog::finding('php_function_disabled', $base + ['function' => $fn], ['function' => $fn]);
                $root ??= 'php_function_disabled';
            }
        }
        if ($env['openssl'] !== true && $c->encryption !== 'none') {
            $all[] = Catalog::finding('php_openssl_missing', $base);
            $root ??= 'php_openssl_missing';
        }
        /** @var list<array<string, mixed>> $pf */
        $pf = $probe['findings'];
        foreach ($pf as $f) {
            if (str_starts_with((string) $f['code'], 'dns_')) {
                $all[] = $f;
                $root ??= (string) $f['code'];
            }
        }
        /** @var list<array<string, mixed>> $rows */
        $rows = $probe['ports'];
        $conf = array_values(array_filter($rows, static fn (array $p): bool => $p['port'] === $c->port));
        $confOpen = $v4Open = $v6Broken = $anyOpen = $anyBlocked = false;
        $blocked = ['filtered', 'blocked_local', 'blocked_upstream', 'unreachable'];
        foreach ($conf as $p) {
            $confOpen = $confOpen || $p['state'] === 'open';
            $v4Open = $v4Open || ($p['family'] === 'ipv4' && $p['state'] === 'open');
            $v6Broken = $v6Broken || ($p['family'] === 'ipv6' && in_array($p['state'], $blocked, true));
        }
        foreach ($rows as $p) {
            $anyOpen = $anyOpen || $p['state'] === 'open';
            $anyBlocked = $anyBlocked || in_array($p['state'], $blocked, true);
        }
        foreach ($pf as $f) {
            if (str_starts_with((string) $f['code'], 'dns_')) {
                continue;
            }
            $port = $f['evidence']['port'] ?? null;
            if (is_int($port) && $port !== $c->port && $f['severity'] !== 'ok') {
                $f['severity'] = 'info';
            }
            $all[] = $f;
        }
        if ($root === null && $conf !== []) {
            if (!$anyOpen && $anyBlocked) {
                $root = 'all_smtp_ports_blocked';
            } elseif ($v4Open && $v6Broken) {
                $root = 'ipv6_unreachable';
            } elseif (!$confOpen) {
                $x = $conf[0];
                foreach ($conf as $p) {
                    if ($p['family'] === 'ipv4') {
                        $x = $p;
                        break;
                    }
                }
                $root = ['blocked_local' => 'port_blocked_local', 'filtered' => 'port_filtered', 'refused' => 'port_refused',
                    'unreachable' => 'host_unreachable'][$x['state']] ?? null;
            }
        }
        /** @var list<array<string, mixed>> $certFindings */
        $certFindings = $cert['findings'] ?? [];
        if ($cert !== null && $cert['certificate'] !== null) {
            array_push($all, ...$certFindings);
        }
        if ($auth !== null) {
            /** @var list<array<string, mixed>> $af */
            $af = $auth['findings'];
            // The probe's finding for the configured port covers every address:
            // the session's own (one address) would say the same thing twice.
            $probeSaid = static function (string $code) use ($pf, $c): bool {
                foreach ($pf as $x) {
                    if ($x['code'] === $code && ($x['evidence']['port'] ?? null) === $c->port) {
                        return true;
                    }
                }
                return false;
            };
            $sessionFrom = count($all);
            foreach ($af as $f) {
                $code = (string) $f['code'];
                if (str_starts_with($code, 'port_') || $code === 'host_unreachable' || str_starts_with($code, 'dns_')
                    || $probeSaid($code)
                    || (str_starts_with($code, 'cert_') && $cert !== null && $cert['certificate'] !== null)) {
                    continue;
                }
                $all[] = $f;
            }
            $sessionTo = count($all);
            $sf = self::failure($auth);
            if ($root === null && $sf !== null) {
                $implicitWorks = false;
                foreach ($conf as $p) {
                    $implicitWorks = $implicitWorks || (($p['tls']['mode'] ?? null) === 'implicit' && ($p['tls']['ok'] ?? false) === true);
                }
                if (in_array($sf, ['greeting_timeout', 'connection_lost'], true) && $c->encryption !== 'tls' && $implicitWorks) {
                    $root = 'encryption_expects_implicit_tls';
                    // The session's silence is what this root cause looks like, not a second problem.
                    $all = array_values(array_filter($all, static fn (array $f, int $i): bool =>
                        $i < $sessionFrom || $i >= $sessionTo || $f['code'] !== $sf, ARRAY_FILTER_USE_BOTH));
                    $all[] = Catalog::finding($root, $base, ['port' => $c->port]);
                } elseif (str_starts_with($sf, 'cert_') || $sf === 'tls_handshake_failed' || $sf === 'tls_protocol_mismatch') {
                    $root = $sf;
                    foreach (self::CERT_PRIORITY as $code) {
                        if ($has($certFindings, $code)) {
                            $root = $code;
                            break;
                        }
                    }
                    if (!$has($all, $root)) {
                        foreach ($af as $f) {
                            if ($f['code'] === $sf) {
                                $all[] = $f;
                            }
                        }
                        if (!$has($all, $root)) {
                            $root = $sf;
                        }
                    }
                } else {
                    $root = $sf;
                }
            }
            if ($root === null && $cert !== null && $c->verifyPeer && $c->encryption !== 'none' && $cert['php_accepts'] !== true) {
                foreach (self::CERT_PRIORITY as $code) {
                    if ($has($certFindings, $code)) {
                        $root = $code;
                        break;
                    }
                }
            }
        }
        if ($send !== null) {
            /** @var list<array<string, mixed>> $sendFindings */
            $sendFindings = $send['findings'];
            foreach ($sendFindings as $f) {
                if (!$has($all, (string) $f['code'])) {
                    $all[] = $f;
                }
            }
            if ($root === null && $send['ok'] !== true) {
                $root = self::failure($send);
            }
        }
        if ($domain !== null) {
            /** @var list<array<string, mixed>> $df */
            $df = $domain['findings'];
            array_push($all, ...$df);
            if ($root === null && $has($df, 'spf_permerror')) {
                $root = 'spf_permerror';
            }
        }
        if ($root === null) {
            $tls = $auth['tls'] ?? null;
            $all[] = Catalog::finding('smtp_ok', $base + [
                'auth' => is_string($auth['auth_mechanism'] ?? null) && $auth['ok'] === true ? ', AUTH ' . $auth['auth_mechanism'] . ' accepted' : '',
                'tls' => is_array($tls) && $tls['ok'] === true ? ' over ' . $tls['protocol'] : ''], ['host' => $c->host, 'port' => $c->port]);
        }
        $seen = [];
        $unique = [];
        foreach ($all as $f) {
            $k = $f['code'] . "\0" . $f['detail'];
            if (!isset($seen[$k])) {
                $seen[$k] = true;
                $unique[] = $f;
            }
        }
        $sorted = Catalog::sort($unique);
        if ($root !== null) {
            $rf = null;
            foreach ($sorted as $i => $f) {
                if ($f['code'] === $root) {
                    $rf = $f;
                    unset($sorted[$i]);
                    break;
                }
            }
            // A root cause left out of the list above (a part's own finding set
            // aside as the probe's business): the part's words, else the catalog's.
            foreach ([$auth, $send, $domain] as $part) {
                foreach (is_array($part) ? $part['findings'] : [] as $f) {
                    if ($rf === null && $f['code'] === $root) {
                        $rf = $f;
                    }
                }
            }
            $rf ??= Catalog::finding($root, $base, ['port' => $c->port]);
            $rf['severity'] = 'critical';
            $sorted = [$rf, ...array_values($sorted)];
        }
        return [$root, array_values($sorted)];
    }

    /**
     * The code of the finding that stopped a session, if it stopped.
     *
     * @param array<string, mixed> $r a send result
     */
    private static function failure(array $r): ?string
    {
        if ($r['ok'] === true) {
            return null;
        }
        /** @var list<array<string, mixed>> $fs */
        $fs = $r['findings'];
        foreach ($fs as $f) {
            if (($f['evidence']['stage'] ?? null) === $r['stage']) {
                return (string) $f['code'];
            }
        }
        return isset($fs[0]) ? (string) $fs[0]['code'] : null;
    }
}
