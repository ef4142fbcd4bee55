<?php

/**
 * IDE and static-analysis stubs for the smtpdiag extension, with the
 * shapes of the arrays it returns (DESIGN.md's contract plus the keys the
 * extension adds). Checked against php-bindings/smtpdiag.stub.php by
 * php-bindings/lib/bin/check-stubs: every function there must be here
 * with the same signature.
 *
 * @phpstan-type SmtpdiagFinding array{code: string, severity: 'critical'|'warning'|'info'|'ok', title: string, detail: string, fix: string, evidence: array<string, scalar>}
 * @phpstan-type SmtpdiagCertificate array{subject: string, issuer: string, san: list<string>, not_before: string, not_after: string, days_left: int, serial: string, fingerprint_sha256: string, key: array{type: string, bits: int}, signature_algorithm: string}
 * @phpstan-type SmtpdiagSmtp array{banner_code: int|null, banner: string|null, banner_ms: float|null, extensions: list<string>, starttls: bool, auth: list<string>, size: int|null, ehlo_domain: string|null, seen_ip: string|null, helo_fallback: bool, stage: string, error_code: string|null, error: string|null}
 * @phpstan-type SmtpdiagTls array{mode: 'starttls'|'implicit', ok: bool, protocol: string|null, cipher: string|null, handshake_ms: float, error: string|null, verified: bool, verify_error: string|null, certificate: SmtpdiagCertificate|null}
 * @phpstan-type SmtpdiagPort array{port: int, address: string, family: 'ipv4'|'ipv6', state: 'open'|'refused'|'filtered'|'blocked_local'|'blocked_upstream'|'unreachable'|'error', errno: string|null, icmp: array{type: int, code: int, from: string|null}|null, blocked_at: array{hop: int, address: string|null, local: bool}|null, connect_ms: float, smtp: SmtpdiagSmtp|null, tls: SmtpdiagTls|null}
 * @phpstan-type SmtpdiagProbe array{host: string, addresses: list<array{address: string, family: 'ipv4'|'ipv6'}>, dns: array{status: string, error: string|null, ms: float, resolver: string}, ports: list<SmtpdiagPort>, findings: list<SmtpdiagFinding>, elapsed_ms: float}
 * @phpstan-type SmtpdiagCertificateCheck array{ok: bool, errors: list<string>, protocol: string|null, cipher: string|null, certificate: SmtpdiagCertificate|null, chain: list<SmtpdiagCertificate>, findings: list<SmtpdiagFinding>, host: string, address: string|null, mode: string, verified: bool, verify_error: string|null, php_verified: bool, php_accepts: bool, php_ca: string, greeting_name: string|null, tls_versions: list<string>, intermediate: array{url: string|null, fetched: bool, subject: string|null, verifies: bool, error: string|null}|null, error: string|null, elapsed_ms: float}
 * @phpstan-type SmtpdiagDomain array{domain: string, org_domain: string|null, mx: array{status: string, null_mx: bool, records: list<array{preference: int, host: string, addresses: list<string>}>}, spf: array{record: string|null, result: string, lookups: int|null, errors: list<string>, results: list<array<string, mixed>>}, dmarc: array{record: string|null, found_at: string|null, policy: string|null, subdomain_policy: string|null, pct: int|null, rua: list<string>, aligned: bool|null, spf_aligned: bool|null, dkim_aligned: bool|null, errors: list<string>}, dkim: list<array{selector: string, found: bool, key_bits: int|null, key_type: string|null, revoked: bool, testing: bool, error: string|null}>, mta_sts: array{record: string|null, id: string|null, policy_fetched: bool, mode: string|null, mx: list<string>, max_age: int|null, error: string|null}, tls_rpt: array{record: string|null}, ptr: array{ip: string|null, ip_source: string, note: string|null, names: list<string>, fcrdns: bool, status: string|null}, blocklists: list<array{zone: string, listed: bool, refused: bool, codes: list<string>, status: string}>, findings: list<SmtpdiagFinding>, dns_queries: int, timed_out: bool, elapsed_ms: float}
 * @phpstan-type SmtpdiagSend array{ok: bool, stage: 'dns'|'connect'|'banner'|'ehlo'|'starttls'|'auth'|'mail_from'|'rcpt_to'|'data'|'quit'|'done', reply: array{code: int, enhanced: string|null, text: string}|null, transcript: list<array{dir: 'C'|'S'|'*', text: string, t_ms: float}>, timings: array<string, float>, message_id: string|null, findings: list<SmtpdiagFinding>, recipients: list<array{address: string, accepted: bool, code: int, enhanced: string|null, text: string}>, address: string|null, tls: array{mode: string, ok: bool, protocol: string|null, cipher: string|null, verified: bool, verify_error: string|null}|null, auth_mechanism: string|null, error: string|null, elapsed_ms: float}
 * @phpstan-type SmtpdiagDiagnosis array{ok: bool, root_cause: string|null, findings: list<SmtpdiagFinding>, probe: SmtpdiagProbe, certificate: SmtpdiagCertificateCheck|null, domain: SmtpdiagDomain|null, auth: SmtpdiagSend|null, send: SmtpdiagSend|null, environment: array<string, mixed>, https: list<array<string, mixed>>, elapsed_ms: float}
 */

namespace {
    /**
     * @return array{extension: string, openssl: string, cares: string}
     */
    function smtpdiag_version(): array {}

    /**
     * Probes every SMTP port of $host on every address at once.
     *
     * @param array{timeout?: float, connect_timeout?: float, family?: 'any'|'ipv4'|'ipv6', dns_servers?: list<string>, ca_file?: string, ehlo_name?: string, ports?: list<int>, implicit_tls_ports?: list<int>, tls?: bool, trace?: bool} $options
     * @return SmtpdiagProbe
     * @throws \ValueError|\TypeError on bad input, before any I/O
     */
    function smtpdiag_probe(string $host, array $options = []): array {}

    /**
     * Checks the TLS certificate of $host:$port and says whose fault a failure is.
     *
     * @param array{timeout?: float, connect_timeout?: float, family?: 'any'|'ipv4'|'ipv6', dns_servers?: list<string>, ca_file?: string, ehlo_name?: string, mode?: 'auto'|'starttls'|'implicit', sni?: string, warn_days?: int|float} $options
     * @return SmtpdiagCertificateCheck
     */
    function smtpdiag_check_certificate(string $host, int $port, array $options = []): array {}

    /**
     * MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, PTR and blocklists of $domain, evaluated here.
     *
     * @param array{timeout?: float, connect_timeout?: float, family?: 'any'|'ipv4'|'ipv6', dns_servers?: list<string>, ca_file?: string, ehlo_name?: string, sending_ip?: string, relay_host?: string, relay_port?: int, mail_from_domain?: string, dkim_domain?: string, dkim_selectors?: list<string>, dnsbl_zones?: list<string>, mta_sts?: bool} $options
     * @return SmtpdiagDomain
     */
    function smtpdiag_check_domain(string $domain, array $options = []): array {}

    /**
     * Everything at once under one deadline: the root cause of why mail from $config fails, with its fix.
     *
     * @param array{host: string, port?: int, encryption?: 'none'|'starttls'|'tls', auto_tls?: bool, auth?: array{username: string, password?: string, token?: string, mechanism?: 'auto'|'plain'|'login'|'xoauth2'}|null, verify_peer?: bool, allow_insecure_auth?: bool, from?: string} $config
     * @param array{timeout?: float, connect_timeout?: float, family?: 'any'|'ipv4'|'ipv6', dns_servers?: list<string>, ca_file?: string, ehlo_name?: string, send?: array<string, mixed>|null, api_hosts?: list<string>, warn_days?: int|float, dkim_selectors?: list<string>, check_domain?: bool} $options
     * @return SmtpdiagDiagnosis
     */
    function smtpdiag_diagnose(#[\SensitiveParameter] array $config, array $options = []): array {}

    /**
     * Many configurations on one loop, `concurrency` at a time; results in input order.
     *
     * @param list<array<string, mixed>> $configs each as smtpdiag_diagnose()'s $config
     * @param array<string, mixed> $options smtpdiag_diagnose()'s, plus concurrency (default 32)
     * @return list<SmtpdiagDiagnosis>
     */
    function smtpdiag_diagnose_many(#[\SensitiveParameter] array $configs, array $options = []): array {}

    /**
     * Evaluates SPF (RFC 7208 check_host) for $ip sending as $sender.
     *
     * @param array{timeout?: float, dns_servers?: list<string>, helo?: string, receiver?: string} $options
     * @return array{result: 'pass'|'fail'|'softfail'|'neutral'|'none'|'temperror'|'permerror', record: string|null, mechanism: string|null, explanation: string|null, error: string|null, lookups: int, void_lookups: int, chain: list<string>, queries: int, elapsed_ms: float}
     */
    function smtpdiag_check_spf(string $ip, string $sender, array $options = []): array {}

    /**
     * Sends one real message through $config's server and reports every stage.
     *
     * @param array{host: string, port?: int, encryption?: 'none'|'starttls'|'tls', auto_tls?: bool, auth?: array{username: string, password?: string, token?: string, mechanism?: 'auto'|'plain'|'login'|'xoauth2'}|null, verify_peer?: bool, allow_insecure_auth?: bool} $config
     * @param array{from: string, to: string|list<string>, subject?: string, body?: string, headers?: array<string, string>} $message
     * @param array{timeout?: float, connect_timeout?: float, family?: 'any'|'ipv4'|'ipv6', dns_servers?: list<string>, ca_file?: string, ehlo_name?: string, phase_timeout?: float} $options
     * @return SmtpdiagSend
     */
    function smtpdiag_send_test(#[\SensitiveParameter] array $config, array $message, array $options = []): array {}
}

namespace SmtpDiag {
    /** Internal failures of the extension (never network outcomes). */
    class Exception extends \Exception {}
}
