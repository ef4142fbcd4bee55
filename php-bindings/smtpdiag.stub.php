<?php

/**
 * The source of truth for smtpdiag's PHP API: smtpdiag_arginfo.h is
 * generated from this file by gen_stub.php (see .ci/gen-arginfo).
 *
 * @generate-class-entries
 */

namespace {
    function smtpdiag_version(): array {}

    /** Probes every SMTP port of $host on every address at once. */
    function smtpdiag_probe(string $host, array $options = []): array {}

    /** Checks the TLS certificate of $host:$port and says whose fault a failure is. */
    function smtpdiag_check_certificate(string $host, int $port, array $options = []): array {}

    /** MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, PTR and blocklists of $domain, evaluated here. */
    function smtpdiag_check_domain(string $domain, array $options = []): array {}

    /** Everything at once under one deadline: the root cause of why mail from $config fails, with its fix. */
    function smtpdiag_diagnose(#[\SensitiveParameter] array $config, array $options = []): array {}

    /** Many configurations on one loop, `concurrency` at a time; results in input order. */
    function smtpdiag_diagnose_many(#[\SensitiveParameter] array $configs, array $options = []): array {}

    /** Evaluates SPF (RFC 7208 check_host) for $ip sending as $sender. */
    function smtpdiag_check_spf(string $ip, string $sender, array $options = []): array {}

    /** Sends one real message through $config's server and reports every stage. */
    function smtpdiag_send_test(#[\SensitiveParameter] array $config, array $message, array $options = []): array {}
}

namespace SmtpDiag {
    /** Internal failures of the extension (never network outcomes). */
    class Exception extends \Exception {}
}
