<?php

declare(strict_types=1);

namespace SmtpDiag\Php;

/**
 * The words of the findings the pure-PHP mode raises: the same codes and
 * severities as the core's catalog (ext/diagnose/catalog.cpp; a test holds
 * them to README's table), worded for what this mode can observe.
 *
 * @internal
 */
final class Catalog
{
    /** @var array<string, array{string, string, string, string}> code => [severity, title, detail, fix] */
    private const T = [
        'dns_error' => ['critical', 'DNS did not answer for the mail server',
            "PHP's resolver reported a failure for {host} ({error}); the PHP mode cannot tell a timeout from a refusal.",
            'Check this server\'s resolver (/etc/resolv.conf): it must answer for {host}.'],
        'dns_no_address' => ['critical', "The mail server's name has no address",
            "PHP's resolver found no {families} address for {host} (the PHP mode cannot tell a name that does not exist from one without addresses).",
            'Check the SMTP host setting for a typo; use the host name your provider documents.'],
        'port_filtered' => ['critical', 'A port is silently dropped',
            'Connections to {address} port {port} got no answer within {ms} ms. The PHP mode cannot see where they are dropped (a firewall on this server, a router, or the destination); the smtpdiag extension locates the drop.',
            'Something between this server and {address} drops port {port}: check this server\'s firewall (security plugins, CSF) and ask your host whether outgoing port {port} is blocked. {alternatives}'],
        'port_refused' => ['warning', 'A port is closed',
            'Connecting to {address} port {port} was refused (ECONNREFUSED). The PHP mode cannot see who refused it: usually the server (nothing listens there), but a local firewall REJECT rule looks the same from PHP.',
            'Use a port the server listens on. {alternatives}'],
        'port_blocked_local' => ['critical', 'This server blocks outgoing mail on a port',
            'This host refused to send to {address} port {port}: connect() failed with {errno} (a local firewall verdict).',
            'A firewall on this server (a security plugin\'s iptables/nftables rule, CSF/cPanel SMTP restrictions) blocks port {port}. Allow it, or ask your host to. {alternatives}'],
        'host_unreachable' => ['critical', 'The mail server cannot be reached',
            '{address} is unreachable from here ({errno}). The PHP mode cannot see which router answered.',
            'This server has no working route to {address}: check its network configuration, or the host name.'],
        'ipv6_unreachable' => ['critical', 'IPv6 to the mail server is broken while IPv4 works',
            'Every IPv6 address of {host} fails ({v6_states}) while IPv4 {v4_address} works. PHP\'s stream connect tries the AAAA address first and spends its whole timeout there.',
            'Fix this server\'s IPv6 route, or make PHP use IPv4: set the SMTP host to {v4_address} or to a name with only an A record.'],
        'all_smtp_ports_blocked' => ['critical', 'No SMTP port can be reached',
            'None of the ports {ports} of {host} could be opened from here.',
            'Outgoing SMTP is blocked here. Ask your host to open port 587, or send through your mail provider\'s HTTPS API instead of SMTP.'],
        'greeting_timeout' => ['critical', 'The server accepted the connection but never greeted',
            '{address} port {port} accepted TCP but sent no SMTP greeting within {ms} ms.',
            'A greeting that never comes usually means implicit TLS is expected (port 465), a proxy or firewall holds the connection, or the server is overloaded.'],
        'greeting_rejected' => ['critical', 'The server refuses this host',
            '{address} port {port} greeted with {code}: {text}',
            'The server does not accept connections from this host; the reply says why (often a blocklist or an access rule).'],
        'server_busy' => ['warning', 'The server is busy',
            '{address} port {port} answered {code}: {text}',
            'The server is closing connections (overload or rate limiting). Try again later; if it persists, ask the provider.'],
        'starttls_unavailable' => ['warning', 'The server offers no STARTTLS',
            '{address} port {port} does not offer STARTTLS{why}.',
            'Without TLS the password would travel in clear text. Use port 465 with implicit TLS, or a server that offers STARTTLS.'],
        'tls_handshake_failed' => ['critical', 'The TLS handshake failed',
            'TLS ({mode}) with {address} port {port} failed: {error}',
            'Check the encryption setting for this port and that the server\'s TLS configuration is valid.'],
        'encryption_expects_starttls' => ['critical', 'This port speaks STARTTLS, not implicit TLS',
            '{address} port {port} sent a clear-text SMTP greeting where implicit TLS was tried.',
            'Set encryption to STARTTLS ("TLS" in many plugins) for port {port}, or use port 465 for SSL/implicit TLS.'],
        'encryption_expects_implicit_tls' => ['critical', 'This port expects implicit TLS',
            '{host} port {port} sent no clear-text greeting, while implicit TLS on the same port works.',
            'Set encryption to SSL/implicit TLS for port {port}, or use port 587 with STARTTLS.'],
        'cert_expired' => ['critical', "The server's certificate has expired",
            'The certificate of {host} ({subject}) expired on {not_after}.',
            'The mail server\'s administrator must renew the certificate; until then PHPMailer refuses the connection.'],
        'cert_not_yet_valid' => ['critical', "The server's certificate is not valid yet",
            'The certificate of {host} ({subject}) is valid only from {not_before}.',
            'Check this server\'s clock (timedatectl); if it is right, the mail server installed a certificate too early.'],
        'cert_expiring_soon' => ['warning', "The server's certificate expires soon",
            'The certificate of {host} expires on {not_after}, in {days_left} day(s).',
            'Renew the certificate (or make sure automatic renewal works) before {not_after}.'],
        'cert_hostname_mismatch' => ['critical', 'The certificate is for another name',
            'The certificate presented for {host} covers {names}, not {host}.',
            'Set the SMTP host to one of the names the certificate covers ({names}), or have the server\'s certificate include {host}.'],
        'cert_self_signed' => ['critical', 'The certificate is self-signed',
            '{host} presented a self-signed certificate ({subject}).',
            'Install a certificate from a public CA on the mail server; do not turn off verification in WordPress.'],
        'cert_untrusted' => ['critical', 'The certificate is not trusted',
            'The certificate chain of {host} does not lead to a CA that {php_ca} trusts.',
            'The mail server uses a private or unknown CA. Use a certificate from a public CA, or add that CA to the bundle PHP uses ({php_ca}).'],
        'cert_incomplete_chain' => ['critical', 'The server sends an incomplete chain',
            '{host} sent only its own certificate (issued by {issuer}), and that issuer is not in {php_ca}.',
            'The mail server must be configured with the full chain (certificate plus intermediate, e.g. fullchain.pem).'],
        'cert_weak_key' => ['critical', 'The certificate\'s key is too weak',
            'A certificate in the chain of {host} has a {key_type} key of {key_bits} bits.',
            'Replace it with a certificate with an RSA key of at least 2048 bits (or ECDSA P-256); OpenSSL\'s default security level refuses it.'],
        'cert_weak_signature' => ['critical', 'The certificate is signed with a broken hash',
            'A certificate in the chain of {host} is signed with {signature_algorithm}.',
            'Reissue the certificate with SHA-256; SHA-1 and MD5 signatures are refused by current OpenSSL.'],
        'ca_bundle_stale' => ['critical', "PHP's CA bundle is the problem",
            'The chain of {host} verifies against the system store but not against the bundle PHP uses ({php_ca}).',
            'Update or replace the bundle PHP uses ({php_ca}): set openssl.cafile to the system bundle (/etc/ssl/certs/ca-certificates.crt on Debian) or update the file.'],
        'tls_protocol_mismatch' => ['critical', 'The server only speaks an old TLS version',
            '{host} port {port} agreed to {protocol} at best.',
            'The mail server must enable TLS 1.2 or 1.3.'],
        'auth_failed' => ['critical', 'The login was refused',
            '{host} port {port} refused the login: {reply}',
            'Check the SMTP username and password in your mail settings (the username is usually the full address). If the account uses two-factor authentication, create an app password.'],
        'auth_requires_tls' => ['critical', 'Authentication needs encryption first',
            '{host} port {port}: {why}',
            'Set encryption to STARTTLS (port 587) or SSL/TLS (port 465) so the password is never sent in clear text, and keep certificate verification on.'],
        'auth_mechanism_unsupported' => ['critical', 'No usable authentication mechanism',
            '{host} port {port} offers AUTH {offered}; {why}',
            'Choose an authentication type the server offers (PLAIN or LOGIN for passwords, XOAUTH2 with an OAuth token).'],
        'auth_not_offered' => ['critical', 'The server does not offer logins on this port',
            '{host} port {port} lists no AUTH in its EHLO reply.',
            'This port does not accept logins: use the provider\'s submission port (587 or 465), or turn authentication off if this is a relay that trusts this host.'],
        'sender_rejected' => ['critical', 'The sender address was refused',
            'MAIL FROM:<{address}> was answered {reply}',
            'Use a From address the account may send as (usually the account\'s own address or a verified alias).'],
        'recipient_rejected' => ['critical', 'A recipient was refused',
            'RCPT TO:<{address}> was answered {reply}',
            'Check the recipient address; if it is right, the receiving side refuses it (unknown user, full mailbox or policy).'],
        'relay_denied' => ['critical', 'The server refuses to relay',
            'RCPT TO:<{address}> was answered {reply}',
            'The server only relays for authenticated users: turn on authentication with the account\'s username and password, or use the provider\'s submission port 587.'],
        'message_rejected' => ['critical', 'The message was refused',
            'The server answered {reply} at the {stage} stage.',
            'The reply says why (content, size or policy): fix what it names, or ask the provider.'],
        'ehlo_rejected' => ['critical', 'The server refuses this host\'s name',
            'EHLO and HELO {name} were both refused: {reply}',
            'The server dislikes the name this host introduces itself with: set a fully qualified host name (the ehlo_name option, or the server\'s hostname).'],
        'smtp_timeout' => ['critical', 'The server stopped answering',
            '{host} port {port} did not answer at the {stage} stage before the deadline.',
            'The server or a middlebox stalls the session: try again, try another port, or ask the provider; a firewall that lets the connection open but drops data looks like this.'],
        'connection_lost' => ['critical', 'The server closed the connection',
            '{host} port {port} closed the connection at the {stage} stage.',
            'The server dropped the session (policy, overload, or a TLS/port mismatch): the stage says where; check the server\'s logs or try the other port.'],
        'smtp_protocol_error' => ['critical', 'Whatever answers is not a well-behaved SMTP server',
            '{address} port {port}: {error}',
            'Whatever answers on this port is not a well-behaved SMTP server (a proxy, a captive portal, or a broken server). Check the host and port.'],
        'mx_missing' => ['warning', 'The domain cannot receive mail',
            '{domain} has no MX record{null}.',
            'Publish an MX record for {domain} (your mail host\'s inbound server) so replies and bounces can arrive; some receivers refuse mail from domains that cannot receive.'],
        'spf_missing' => ['warning', 'The domain publishes no SPF record',
            'No TXT record starting with v=spf1 at {domain}.',
            'Publish a TXT record on {domain} such as "v=spf1 mx -all" (add your mail provider\'s include: as it documents).'],
        'spf_permerror' => ['critical', 'The SPF record is broken',
            '{domain} publishes {count} v=spf1 records; receivers treat that as a permanent error.',
            'Fix the record\'s syntax; only one v=spf1 TXT record may exist.'],
        'dmarc_missing' => ['warning', 'The domain publishes no DMARC record',
            'No v=DMARC1 record at {names}.',
            'Publish a TXT record at _dmarc.{domain}: v=DMARC1; p=none (then tighten p= once reports look right). Gmail and Yahoo require one for bulk senders.'],
        'dkim_missing' => ['warning', 'No DKIM key found',
            'None of the selectors {selectors} has a DKIM key at {domain}.',
            'Turn on DKIM signing at your mail provider and publish the key it gives you (a TXT record at SELECTOR._domainkey.{domain}); pass the selector to check it.'],
        'dkim_weak_key' => ['warning', 'A DKIM key is too short',
            'The DKIM key of selector {selector} has {bits} bits.',
            'Publish a 2048-bit RSA key; receivers ignore keys under 1024 bits.'],
        'ptr_mismatch' => ['warning', 'The sending address has no matching reverse DNS',
            '{ip}: {why}',
            'Ask whoever owns {ip} (your host) to set its PTR to a name that resolves back to it; many receivers distrust mail without it.'],
        'php_function_disabled' => ['critical', 'PHP cannot open network connections',
            '{function}() is listed in PHP\'s disable_functions: PHPMailer (and so WordPress) cannot connect to {host} at all.',
            'Remove {function} from disable_functions in php.ini (or ask your host to); it is needed to send mail over SMTP.'],
        'php_openssl_missing' => ['critical', 'PHP has no OpenSSL',
            'The openssl extension is not loaded, so PHP cannot speak TLS: encryption {encryption} on {host} port {port} cannot work.',
            'Install or enable PHP\'s openssl extension (extension=openssl).'],
        'smtp_ok' => ['ok', 'Mail can leave',
            '{host} port {port} answers SMTP{tls}{auth}; nothing this mode can observe stops mail.',
            'Nothing to fix on this path.'],
    ];

    private const ORDER = ['critical' => 0, 'warning' => 1, 'info' => 2, 'ok' => 3];

    /** @return list<string> */
    public static function codes(): array
    {
        return array_keys(self::T);
    }

    public static function severity(string $code): string
    {
        return self::T[$code][0] ?? 'info';
    }

    /**
     * @param array<string, scalar|null> $params
     * @param array<string, scalar> $evidence
     * @return array{code: string, severity: string, title: string, detail: string, fix: string, evidence: array<string, scalar>}
     */
    public static function finding(string $code, array $params, array $evidence = []): array
    {
        [$severity, $title, $detail, $fix] = self::T[$code] ?? ['info', $code, '', ''];
        $fill = static function (string $t) use ($params): string {
            $out = preg_replace_callback('/\{([a-z_0-9]+)\}/', static function (array $m) use ($params): string {
                $v = $params[$m[1]] ?? '';
                return is_bool($v) ? ($v ? 'yes' : 'no') : (string) $v;
            }, $t);
            return trim((string) preg_replace('/ {2,}/', ' ', (string) $out));
        };
        return ['code' => $code, 'severity' => $severity, 'title' => $title, 'detail' => $fill($detail),
            'fix' => $fill($fix), 'evidence' => $evidence];
    }

    /**
     * Most severe first; stable within a severity.
     *
     * @param list<array<string, mixed>> $findings
     * @return list<array<string, mixed>>
     */
    public static function sort(array $findings): array
    {
        $keyed = [];
        foreach ($findings as $i => $f) {
            $keyed[] = [self::ORDER[is_string($f['severity'] ?? null) ? $f['severity'] : 'info'] ?? 2, $i, $f];
        }
        usort($keyed, static fn (array $a, array $b): int => [$a[0], $a[1]] <=> [$b[0], $b[1]]);
        return array_map(static fn (array $k): array => $k[2], $keyed);
    }

    /**
     * "Port N is open: switch to it (...)" advice, as the core words it.
     *
     * @param list<array{int, bool}> $open [port, implicit TLS]
     */
    public static function alternatives(array $open): string
    {
        if ($open === []) {
            return 'No other SMTP port answers either.';
        }
        $out = [];
        foreach ($open as [$port, $implicit]) {
            $out[] = "Port $port is open: switch to it (" . ($implicit ? 'SSL/implicit TLS' : 'STARTTLS') . ').';
        }
        return implode(' ', $out);
    }
}
