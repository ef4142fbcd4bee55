// The words of every finding, apart from the rules that raise them, so they
// can be reviewed, translated and documented (README's catalog is checked
// against this table by tests/core/catalog_test.cpp).
#include <algorithm>
#include <cmath>

#include "diagnose/finding.h"

namespace smtpdiag {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Critical: return "critical";
    case Severity::Warning: return "warning";
    case Severity::Info: return "info";
    case Severity::Ok: return "ok";
  }
  return "info";
}

const std::vector<CatalogEntry>& finding_catalog() {
  static const std::vector<CatalogEntry> table = {
      {"dns_nxdomain", Severity::Critical, "The mail server's name does not exist",
       "DNS says {host} does not exist (NXDOMAIN) when asked through {resolver}.",
       "Check the SMTP host setting for a typo; it must be the name your mail provider gives, such as smtp.example.com.",
       "Both A and AAAA lookups of the host answer NXDOMAIN."},
      {"dns_timeout", Severity::Critical, "DNS did not answer",
       "No answer for {host} from {resolver} within {ms} ms ({status}).",
       "Check this server's resolver (/etc/resolv.conf or the dns_servers setting): it must be reachable on UDP and TCP port 53.",
       "The A/AAAA lookups timed out, or the DNS server was unreachable."},
      {"dns_error", Severity::Critical, "DNS refused to answer",
       "The DNS server answered {status} for {host}.",
       "The resolver is failing for this name (SERVFAIL/REFUSED): check the resolver configuration or the domain's name servers.",
       "The lookups ended in SERVFAIL, REFUSED or another resolver error."},
      {"dns_no_address", Severity::Critical, "The mail server's name has no address",
       "{host} exists but has no {families} address.",
       "Use the host name your provider documents; this name has no A/AAAA record{family_hint}.",
       "The name exists but has no A/AAAA record in the families asked for."},
      {"port_filtered", Severity::Critical, "A port is silently dropped",
       "Connections to {address} port {port} get no answer at all ({silence}){where}.",
       "Something between this server and {address} drops port {port}. {alternatives}",
       "A connect times out with no ICMP answer and the drop is not placed on this host or a router before the destination."},
      {"port_refused", Severity::Warning, "A port is closed",
       "{address} answered port {port} with a reset (ECONNREFUSED): nothing listens there.",
       "Use a port the server listens on. {alternatives}",
       "The destination itself answers the SYN with a RST."},
      {"port_blocked_local", Severity::Critical, "This server blocks outgoing mail on a port",
       "This host refused to send to {address} port {port}: {how}.",
       "A firewall on this server (a security plugin's iptables/nftables rule, CSF/cPanel SMTP restrictions, SELinux's httpd_can_sendmail/httpd_can_network_connect) blocks port {port}. Allow it, or ask your host to. {alternatives}",
       "EPERM/EACCES from connect, an ICMP reject sent by this host, a RST forged locally, or a silent drop located at hop 0."},
      {"port_blocked_upstream", Severity::Critical, "A router on the way blocks the port",
       "Port {port} to {address} is blocked {at}{how}.",
       "Your hosting provider or network blocks outgoing port {port}. Ask them to open it, or use another port. {alternatives}",
       "ICMP administratively prohibited (or unreachable) from a router, a RST or a silent drop located at a router before the destination."},
      {"host_unreachable", Severity::Critical, "The mail server cannot be reached",
       "{address} is unreachable from here ({errno}{icmp}).",
       "This server has no working route to {address}: check its network configuration, or the host name.",
       "ENETUNREACH/EHOSTUNREACH or ICMP network/host unreachable."},
      {"ipv6_unreachable", Severity::Critical, "IPv6 to the mail server is broken while IPv4 works",
       "Every IPv6 address of {host} fails ({v6_states}) while IPv4 {v4_address} works. PHP's stream connect (what PHPMailer uses) tries the AAAA address first and spends its whole timeout there.",
       "Fix this server's IPv6 route, or make PHP use IPv4: set the SMTP host to {v4_address} or to a name with only an A record.",
       "All addresses of one family fail while the other family connects."},
      {"all_smtp_ports_blocked", Severity::Critical, "Every SMTP port is blocked",
       "None of ports {ports} on {host} can be reached from this server.",
       "Outgoing SMTP is blocked here. Ask your host to open port 587, or send through your mail provider's HTTPS API instead of SMTP{api}.",
       "No probed port on any address is open."},
      {"greeting_timeout", Severity::Critical, "The server accepted the connection but never greeted",
       "{address} port {port} accepted TCP but sent no SMTP greeting within {ms} ms.",
       "A greeting that never comes usually means implicit TLS is expected (port 465), a proxy or firewall holds the connection, or the server is overloaded.",
       "TCP connected but no 220 arrived before the deadline."},
      {"greeting_rejected", Severity::Critical, "The server refused the session",
       "{address} port {port} greeted with {code}: {text}",
       "The server does not accept connections from this host; the reply says why (often a blocklist or an access rule).",
       "The greeting is a 5xx (or another non-220) reply."},
      {"server_busy", Severity::Warning, "The server is busy",
       "{address} port {port} answered 421: {text}",
       "The server is closing connections (overload or rate limiting). Try again later; if it persists, ask the provider.",
       "The greeting is 421."},
      {"starttls_unavailable", Severity::Warning, "STARTTLS is not offered",
       "{address} port {port} does not offer STARTTLS{why}.",
       "Without TLS the password would travel in clear text. Use port 465 with implicit TLS, or a server that offers STARTTLS.",
       "EHLO on a submission port lists no STARTTLS, or STARTTLS is refused."},
      {"tls_handshake_failed", Severity::Critical, "The TLS handshake failed",
       "TLS to {address} port {port} ({mode}) failed: {error}",
       "Check the encryption setting for this port and that the server's TLS configuration is valid.",
       "The TLS handshake failed, or a STARTTLS server pipelined bytes before TLS."},
      {"encryption_expects_starttls", Severity::Critical, "This port wants STARTTLS, not implicit TLS",
       "{address} port {port} answered the TLS handshake with a plain SMTP greeting.",
       "Set encryption to STARTTLS (\"TLS\" in many plugins) for port {port}, or use port 465 for SSL/implicit TLS.",
       "Implicit TLS met a clear-text 220 greeting."},
      {"encryption_expects_implicit_tls", Severity::Critical, "This port wants implicit TLS (SSL)",
       "{address} port {port} sent no greeting in clear text but completes an implicit TLS handshake.",
       "Set encryption to SSL/implicit TLS for port {port}, or use port 587 with STARTTLS.",
       "No clear-text greeting while implicit TLS on the same port works."},
      {"smtp_redirected", Severity::Critical, "Another server answers for your mail host",
       "Connecting to {host} port {port} ({address}) reached {answered}: its greeting and its certificate ({names}) name that server, not {host}.",
       "Your hosting provider intercepts outgoing SMTP and sends it to its own server. Ask the host to stop redirecting port {port}, use another port, or use the host's own relay as the SMTP server.",
       "The greeting's name and the certificate's names agree with each other but not with the host asked for."},
      {"cert_expired", Severity::Critical, "The server's certificate has expired",
       "The certificate of {host} ({subject}) expired on {not_after}, {days_ago} day(s) ago.",
       "The mail server's administrator must renew the certificate; until then PHPMailer refuses the connection.",
       "A certificate in the chain is past its notAfter."},
      {"cert_not_yet_valid", Severity::Critical, "The server's certificate is not valid yet",
       "The certificate of {host} ({subject}) is valid only from {not_before}.",
       "Check this server's clock (timedatectl); if it is right, the mail server installed a certificate too early.",
       "A certificate in the chain is before its notBefore."},
      {"cert_expiring_soon", Severity::Warning, "The server's certificate expires soon",
       "The certificate of {host} expires on {not_after}, in {days_left} day(s).",
       "Renew the certificate (or make sure automatic renewal works) before {not_after}.",
       "The leaf expires within warn_days."},
      {"cert_hostname_mismatch", Severity::Critical, "The certificate is for another name",
       "The certificate presented for {host} covers {names}, not {host}.",
       "Set the SMTP host to one of the names the certificate covers ({names}), or have the server's certificate include {host}.",
       "OpenSSL's host check (SAN first, wildcards, IP SANs) fails for the host asked."},
      {"cert_self_signed", Severity::Critical, "The certificate is self-signed",
       "{host} presented a self-signed certificate ({subject}).",
       "Install a certificate from a public CA on the mail server; do not turn off verification in WordPress.",
       "The chain is a single self-issued certificate no store trusts."},
      {"cert_untrusted", Severity::Critical, "The certificate's root is not trusted",
       "The chain of {host} ends at a CA this server does not trust ({verify_error}; issuer {issuer}).",
       "The mail server uses a private or unknown CA. Use a certificate from a public CA, or add that CA to the bundle PHP uses ({php_ca}).",
       "No path to a trusted root (not a stale PHP bundle, not a missing intermediate)."},
      {"cert_incomplete_chain", Severity::Critical, "The server does not send its intermediate certificate",
       "{host} sent only its own certificate; its issuer ({issuer}) was not sent, so the chain cannot be built.{intermediate}",
       "The mail server must be configured with the full chain (certificate plus intermediate, e.g. fullchain.pem).",
       "Only the leaf was sent and its issuer is not in the store. The intermediate named by the leaf's AIA caIssuers URI is fetched (plain HTTP) and the chain verified again with it."},
      {"cert_weak_key", Severity::Critical, "The certificate's key is too weak",
       "A certificate of {host} uses {key}.",
       "Replace it with a certificate with an RSA key of at least 2048 bits (or ECDSA P-256); OpenSSL's default security level refuses it.",
       "An RSA/DSA key under 2048 bits or an EC key under 224 bits in the chain."},
      {"cert_weak_signature", Severity::Critical, "The certificate has a weak signature",
       "A certificate of {host} is signed with {signature}.",
       "Reissue the certificate with SHA-256; SHA-1 and MD5 signatures are refused by current OpenSSL.",
       "A leaf or intermediate signed with SHA-1 or MD5."},
      {"ca_bundle_stale", Severity::Critical, "PHP's CA bundle is out of date",
       "The server's chain is fine (it verifies against the system store) but PHP's CA bundle {php_ca} does not contain its root ({php_error}).",
       "Update or replace the bundle PHP uses ({php_ca}): set openssl.cafile to the system bundle (/etc/ssl/certs/ca-certificates.crt on Debian) or update the file.",
       "The chain verifies against the system store but not against PHP's openssl.cafile/capath."},
      {"tls_protocol_mismatch", Severity::Critical, "The server only speaks old TLS",
       "{host} port {port} speaks only {versions}; TLS 1.2 or newer is required by current OpenSSL and PHP.",
       "The mail server must enable TLS 1.2 or 1.3.",
       "The best version the server agreed to is below TLS 1.2; each older version is then tried alone to name all it speaks."},
      {"auth_failed", Severity::Critical, "The server rejected the username or password",
       "AUTH {mechanism} to {host} port {port} was refused: {reply}.{hint}",
       "Check the SMTP username and password in your mail settings (the username is usually the full address). If the account uses two-factor authentication, create an app password.",
       "AUTH ends in 535, or 534 5.7.9 (app password required), or another non-235 reply."},
      {"auth_requires_tls", Severity::Critical, "Authentication needs encryption first",
       "{host} port {port}: {error} ({reply}).",
       "Set encryption to STARTTLS (port 587) or SSL/TLS (port 465) so the password is never sent in clear text, and keep certificate verification on.",
       "AUTH attempted without verified TLS (refused by smtpdiag, nothing sent), or 538 / 530 STARTTLS from the server."},
      {"auth_mechanism_unsupported", Severity::Critical, "No common AUTH mechanism",
       "{host} port {port}: {error}.",
       "Choose an authentication type the server offers (PLAIN or LOGIN for passwords, XOAUTH2 with an OAuth token).",
       "None of the mechanisms we may use is offered, or the server answers 504."},
      {"auth_not_offered", Severity::Critical, "The server offers no authentication",
       "{host} port {port} lists no AUTH mechanism (after TLS).",
       "This port does not accept logins: use the provider's submission port (587 or 465), or turn authentication off if this is a relay that trusts this host.",
       "EHLO after TLS lists no AUTH."},
      {"sender_rejected", Severity::Critical, "The server refused the sender address",
       "MAIL FROM was refused by {host}: {reply}.",
       "Use a From address the account may send as (usually the account's own address or a verified alias).",
       "MAIL FROM answered with a non-250 reply."},
      {"recipient_rejected", Severity::Critical, "The server refused a recipient",
       "RCPT TO was refused: {recipients}.",
       "Check the recipient address; if it is right, the receiving side refuses it (unknown user, full mailbox or policy).",
       "RCPT TO answered with a non-250 reply, not a relay refusal."},
      {"relay_denied", Severity::Critical, "The server will not relay your mail",
       "{host} refused to relay: {recipients}.",
       "The server only relays for authenticated users: turn on authentication with the account's username and password, or use the provider's submission port 587.",
       "RCPT TO refused with 5.7.1 or a reply that says relaying is denied."},
      {"message_rejected", Severity::Critical, "The server refused the message",
       "The message was not accepted at {stage} ({error}). The server's last reply: {reply}.",
       "The reply says why (content, size or policy): fix what it names, or ask the provider.",
       "DATA or the end of the message answered with a non-250/354 reply."},
      {"ehlo_rejected", Severity::Critical, "The server refused our EHLO and HELO",
       "{host} port {port} refused EHLO/HELO: {reply}.",
       "The server dislikes the name this host introduces itself with: set a fully qualified host name (the ehlo_name option, or the server's hostname).",
       "EHLO and the HELO fallback both refused."},
      {"smtp_timeout", Severity::Critical, "The server stopped answering",
       "{host} port {port} did not answer in time during {stage} ({error}).",
       "The server or a middlebox stalls the session: try again, try another port, or ask the provider; a firewall that lets the connection open but drops data looks like this.",
       "A reply did not arrive within its phase's time or the call's deadline."},
      {"connection_lost", Severity::Critical, "The server closed the connection",
       "{host} port {port} closed the connection during {stage}: {error}.",
       "The server dropped the session (policy, overload, or a TLS/port mismatch): the stage says where; check the server's logs or try the other port.",
       "EOF or a socket error before the conversation ended."},
      {"mx_missing", Severity::Warning, "The domain has no usable MX record",
       "{domain} has no MX record{why}.",
       "Publish an MX record for {domain} (your mail host's inbound server) so replies and bounces can arrive; some receivers refuse mail from domains that cannot receive.",
       "No MX record, or a null MX (RFC 7505)."},
      {"spf_missing", Severity::Warning, "The domain has no SPF record",
       "{domain} publishes no SPF record (a TXT record starting with v=spf1).",
       "Publish a TXT record on {domain}: {suggestion} (add your mail provider's include: as it documents).",
       "The TXT lookup found no v=spf1 record."},
      {"spf_fail", Severity::Critical, "SPF does not allow this sender",
       "SPF of {domain} gives {result} for {source} {address}; the record is: {record}",
       "Add {address} to the SPF record of {domain}: {suggestion}",
       "check_host() gives fail, softfail or neutral for the sending IP or a relay address."},
      {"spf_too_many_lookups", Severity::Critical, "The SPF record needs too many DNS lookups",
       "Evaluating SPF of {domain} needs more than 10 DNS-querying terms (or more than 2 void lookups): receivers answer permerror. Record: {record}",
       "Flatten the record: replace include:s you do not use, or nested includes, with ip4:/ip6: ranges so that at most 10 lookups remain.",
       "permerror from the 10-lookup or 2-void-lookup limit (RFC 7208 4.6.4)."},
      {"spf_permerror", Severity::Critical, "The SPF record is invalid",
       "The SPF record of {domain} is invalid ({error}): receivers answer permerror. Record: {record}",
       "Fix the record's syntax; only one v=spf1 TXT record may exist.",
       "Any other permerror: syntax, several records, a bad include."},
      {"dmarc_missing", Severity::Warning, "The domain has no DMARC record",
       "No DMARC record at {where}.",
       "Publish a TXT record at _dmarc.{org_domain}: v=DMARC1; p=none; rua=mailto:postmaster@{org_domain} (then tighten p= once reports look right). Gmail and Yahoo require one for bulk senders.",
       "No v=DMARC1 record at the From domain or its organizational domain."},
      {"dmarc_invalid", Severity::Warning, "The DMARC record is invalid",
       "The DMARC record of {domain} is not valid: {error}.",
       "Correct the record at _dmarc.{org_domain}; receivers ignore an invalid one.",
       "A v=DMARC1 record that does not parse, or more than one."},
      {"dmarc_misaligned", Severity::Critical, "Mail from this site will fail DMARC",
       "{domain} has DMARC p={policy}, but neither SPF (for {spf_domain}) passes for the sending address nor a DKIM key for {dkim_domain} is aligned with it.",
       "Make one aligned path pass: add the sending address to the SPF record of {spf_domain}, or set up DKIM signing with d={domain} at your mail provider and publish its key.",
       "A DMARC record exists and neither SPF nor DKIM is aligned and passing."},
      {"dkim_missing", Severity::Warning, "No DKIM key found",
       "No DKIM key was found for {dkim_domain} under {selectors}.",
       "Turn on DKIM signing at your mail provider and publish the key it gives you (a TXT record at SELECTOR._domainkey.{dkim_domain}); pass the selector to check it.",
       "None of the selectors tried has a usable key."},
      {"dkim_weak_key", Severity::Warning, "The DKIM key is too short",
       "The DKIM key at {selector}._domainkey.{domain} has only {bits} bits.",
       "Publish a 2048-bit RSA key; receivers ignore keys under 1024 bits.",
       "An RSA key under 1024 bits."},
      {"mta_sts_invalid", Severity::Warning, "The MTA-STS policy cannot be used",
       "{domain} announces MTA-STS but: {error}.",
       "Serve the policy at https://mta-sts.{domain}/.well-known/mta-sts.txt with a valid certificate, or remove the _mta-sts record.",
       "An _mta-sts record whose HTTPS policy is missing, unverified or invalid."},
      {"ptr_mismatch", Severity::Warning, "The sending address has no matching reverse DNS",
       "{ip} reverse-resolves to {names}, which does not resolve back to {ip}.",
       "Ask whoever owns {ip} (your host) to set its PTR to a name that resolves back to it; many receivers distrust mail without it.",
       "No PTR, or no PTR name whose A/AAAA includes the address."},
      {"ip_blocklisted", Severity::Critical, "The sending address is on a blocklist",
       "{ip} is listed in {zone} ({codes}).",
       "Find out why on the list's web site and request removal; if the address is shared hosting, send through your mail provider instead.",
       "A DNSBL answers 127.0.0.x for the address."},
      {"dnsbl_refused", Severity::Info, "A blocklist refused to answer",
       "{zone} answered {codes} for {ip}: it refuses queries from this resolver (a public or unregistered resolver), which is not a listing.",
       "Check blocklists from a resolver the list accepts, or ignore this result.",
       "A DNSBL answers 127.255.255.x."},
      {"php_function_disabled", Severity::Critical, "PHP cannot open network connections",
       "{function}() is listed in PHP's disable_functions: PHPMailer (and so WordPress) cannot connect to {host} at all.",
       "Remove {function} from disable_functions in php.ini (or ask your host to); it is needed to send mail over SMTP.",
       "disable_functions lists stream_socket_client, fsockopen or stream_socket_enable_crypto."},
      {"php_openssl_missing", Severity::Critical, "PHP has no OpenSSL",
       "The openssl extension is not loaded, so PHP cannot speak TLS: encryption {encryption} on {host} port {port} cannot work.",
       "Install or enable PHP's openssl extension (extension=openssl).",
       "ext/openssl is not loaded and the settings use TLS."},
      {"selinux_denies_network", Severity::Critical, "SELinux forbids the web server to connect out",
       "SELinux is enforcing and httpd_can_network_connect is off: PHP under the web server may not open connections to {host} port {port}.",
       "Run: setsebool -P httpd_can_network_connect 1 (or httpd_can_sendmail 1 for ports 25/465/587 only).",
       "A local block while SELinux enforces with httpd_can_network_connect off."},
      {"smtp_ok", Severity::Ok, "Mail can leave",
       "{host} port {port} answers SMTP{tls}{auth}; nothing on this path stops mail.",
       "Nothing to fix on this path.",
       "No rule found a root cause."},
      {"smtp_protocol_error", Severity::Critical, "The server's replies are not valid SMTP",
       "{address} port {port}: {error}",
       "Whatever answers on this port is not a well-behaved SMTP server (a proxy, a captive portal, or a broken server). Check the host and port.",
       "A reply that breaks RFC 5321's format or the reader's bounds."},
  };
  return table;
}

static std::string fill(const char* tmpl, const std::map<std::string, std::string>& params) {
  std::string out;
  for (const char* p = tmpl; *p; ++p) {
    if (*p == '{') {
      const char* end = p + 1;
      while (*end && *end != '}') ++end;
      if (*end == '}') {
        const std::string key(p + 1, end);
        auto it = params.find(key);
        if (it != params.end()) out += it->second;
        p = end;
        continue;
      }
    }
    out += *p;
  }
  // Collapse double spaces left by empty placeholders.
  std::string tidy;
  for (char c : out) {
    if (c == ' ' && !tidy.empty() && tidy.back() == ' ') continue;
    tidy += c;
  }
  while (!tidy.empty() && tidy.back() == ' ') tidy.pop_back();
  return tidy;
}

Finding make_finding(const std::string& code, const std::map<std::string, std::string>& params,
                     std::vector<std::pair<std::string, EvidenceValue>> evidence) {
  Finding f;
  f.code = code;
  f.evidence = std::move(evidence);
  for (const CatalogEntry& e : finding_catalog()) {
    if (code == e.code) {
      f.severity = e.severity;
      f.title = e.title;
      f.detail = fill(e.detail, params);
      f.fix = fill(e.fix, params);
      return f;
    }
  }
  f.title = code;
  return f;
}

std::string silence_words(double ms, bool gave_up_early, int syns, std::optional<double> address_answered_ms) {
  const std::string waited = std::to_string(std::llround(ms)) + " ms";
  if (!gave_up_early) return "ETIMEDOUT after " + waited;
  // Not the kernel's ETIMEDOUT: say why the silence was called a drop.
  std::string why = syns > 0 ? std::to_string(syns) + " SYNs unanswered in " + waited : "no answer in " + waited;
  if (!address_answered_ms)
    why += ", while another address of the host answered";
  else if (*address_answered_ms < 1.0)
    why += ", while the same address answered another port in under 1 ms";
  else
    why += ", while the same address answered another port within " +
           std::to_string(std::llround(*address_answered_ms)) + " ms";
  return why + "; not waited out";
}

void add_early_evidence(std::vector<std::pair<std::string, EvidenceValue>>* evidence, int syns,
                        std::optional<double> address_answered_ms) {
  evidence->push_back({"gave_up_early", true});
  if (syns > 0) evidence->push_back({"syns_unanswered", static_cast<int64_t>(syns)});
  if (address_answered_ms)
    evidence->push_back({"address_answered_ms", static_cast<int64_t>(std::llround(*address_answered_ms))});
}

std::string blocked_by_router(const std::string& router) {
  return router.empty() ? "by a router on the way" : "by a router on the way (" + router + ")";
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return static_cast<int>(a.severity) < static_cast<int>(b.severity);
  });
}

}  // namespace smtpdiag

namespace smtpdiag {

std::string alternatives_text(const std::vector<std::pair<int, bool>>& ports) {
  if (ports.empty()) return "No other SMTP port answers either.";
  // Submission ports first (RFC 6409, RFC 8314); 25 is for server-to-server
  // mail and often needs no login or refuses relaying.
  auto rank = [](int p) { return p == 587 ? 0 : p == 465 ? 1 : p == 2525 ? 2 : p == 25 ? 4 : 3; };
  std::vector<std::pair<int, bool>> open_ports = ports;
  std::stable_sort(open_ports.begin(), open_ports.end(),
                   [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
  std::string out;
  for (const auto& [port, implicit] : open_ports) {
    if (!out.empty()) out += " ";
    out += "Port " + std::to_string(port) + " is open: switch to it (" +
           (implicit ? "SSL/implicit TLS" : "STARTTLS") + ").";
  }
  return out;
}

}  // namespace smtpdiag
