#include "convert.h"

#include <cmath>
#include <ctime>

namespace smtpdiag_php {

namespace {

void add_str(zval *arr, const char *key, const std::string &s)
{
	add_assoc_stringl(arr, key, s.data(), s.size());
}

void add_str_or_null(zval *arr, const char *key, const std::string &s)
{
	if (s.empty()) add_assoc_null(arr, key);
	else add_str(arr, key, s);
}

/* Milliseconds with 0.1 ms resolution: enough, and stable to print. */
void add_ms(zval *arr, const char *key, double ms)
{
	add_assoc_double(arr, key, std::round(ms * 10.0) / 10.0);
}

void evidence_to_zval(const std::vector<std::pair<std::string, smtpdiag::EvidenceValue>> &ev, zval *out)
{
	array_init(out);
	for (const auto &[k, v] : ev) {
		if (const auto *s = std::get_if<std::string>(&v)) add_assoc_stringl_ex(out, k.data(), k.size(), s->data(), s->size());
		else if (const auto *i = std::get_if<int64_t>(&v)) add_assoc_long_ex(out, k.data(), k.size(), static_cast<zend_long>(*i));
		else if (const auto *d = std::get_if<double>(&v)) add_assoc_double_ex(out, k.data(), k.size(), *d);
		else if (const auto *b = std::get_if<bool>(&v)) add_assoc_bool_ex(out, k.data(), k.size(), *b);
	}
}

void strings_to_zval(const std::vector<std::string> &v, zval *out)
{
	array_init_size(out, static_cast<uint32_t>(v.size()));
	for (const auto &s : v) add_next_index_stringl(out, s.data(), s.size());
}

void smtp_to_zval(const smtpdiag::SmtpObservation &s, zval *out)
{
	array_init(out);
	if (s.greeted) add_assoc_long(out, "banner_code", s.banner_code);
	else add_assoc_null(out, "banner_code");
	add_str_or_null(out, "banner", s.greeted ? s.banner : std::string());
	if (s.greeted) add_ms(out, "banner_ms", s.banner_ms);
	else add_assoc_null(out, "banner_ms");
	zval ext, auth;
	strings_to_zval(s.ehlo ? s.ehlo->extensions : std::vector<std::string>{}, &ext);
	add_assoc_zval(out, "extensions", &ext);
	add_assoc_bool(out, "starttls", s.starttls_offered);
	strings_to_zval(s.ehlo ? s.ehlo->auth : std::vector<std::string>{}, &auth);
	add_assoc_zval(out, "auth", &auth);
	if (s.ehlo && s.ehlo->size) add_assoc_long(out, "size", static_cast<zend_long>(*s.ehlo->size));
	else add_assoc_null(out, "size");
	add_str_or_null(out, "ehlo_domain", s.ehlo ? s.ehlo->domain : std::string());
	add_str_or_null(out, "seen_ip", s.ehlo && s.ehlo->seen_ip ? *s.ehlo->seen_ip : std::string());
	add_assoc_bool(out, "helo_fallback", s.helo_fallback);
	add_str(out, "stage", s.stage);
	add_str_or_null(out, "error_code", s.error_code);
	add_str_or_null(out, "error", s.error);
}

void tls_to_zval(const smtpdiag::TlsObservation &t, zval *out)
{
	array_init(out);
	add_str(out, "mode", t.mode);
	add_assoc_bool(out, "ok", t.ok);
	add_str_or_null(out, "protocol", t.protocol);
	add_str_or_null(out, "cipher", t.cipher);
	add_ms(out, "handshake_ms", t.handshake_ms);
	add_str_or_null(out, "error", t.error);
	add_assoc_bool(out, "verified", t.ok && t.verify_code == 0);
	add_str_or_null(out, "verify_error", t.verify_error);
	if (!t.chain.empty()) {
		zval cert;
		certificate_info_to_zval(smtpdiag::inspect_certificate(t.chain[0].get(), time(nullptr)), &cert);
		add_assoc_zval(out, "certificate", &cert);
	} else {
		add_assoc_null(out, "certificate");
	}
}

void port_to_zval(const smtpdiag::PortResult &p, zval *out)
{
	array_init(out);
	add_assoc_long(out, "port", p.port);
	add_str(out, "address", p.address.to_string());
	add_assoc_string(out, "family", smtpdiag::family_name(p.address.family));
	add_assoc_string(out, "state", smtpdiag::port_state_name(p.state));
	add_str_or_null(out, "errno", smtpdiag::errno_name(p.err));
	if (p.icmp && (p.icmp->origin == smtpdiag::IcmpInfo::Origin::Icmp || p.icmp->origin == smtpdiag::IcmpInfo::Origin::Icmp6)) {
		zval icmp;
		array_init(&icmp);
		add_assoc_long(&icmp, "type", p.icmp->type);
		add_assoc_long(&icmp, "code", p.icmp->code);
		add_str_or_null(&icmp, "from", p.icmp->from ? p.icmp->from->to_string() : std::string());
		add_assoc_zval(out, "icmp", &icmp);
	} else {
		add_assoc_null(out, "icmp");
	}
	if (p.blocked_at) {
		zval at;
		array_init(&at);
		add_assoc_long(&at, "hop", p.blocked_at->hop);
		add_str_or_null(&at, "address", p.blocked_at->address ? p.blocked_at->address->to_string() : std::string());
		add_assoc_bool(&at, "local", p.blocked_at->local);
		add_assoc_zval(out, "blocked_at", &at);
	} else {
		add_assoc_null(out, "blocked_at");
	}
	add_ms(out, "connect_ms", p.connect_ms);
	if (p.smtp) {
		zval smtp;
		smtp_to_zval(*p.smtp, &smtp);
		add_assoc_zval(out, "smtp", &smtp);
	} else {
		add_assoc_null(out, "smtp");
	}
	if (p.tls) {
		zval tls;
		tls_to_zval(*p.tls, &tls);
		add_assoc_zval(out, "tls", &tls);
	} else {
		add_assoc_null(out, "tls");
	}
}

} // namespace

void certificate_info_to_zval(const smtpdiag::CertificateInfo &c, zval *out)
{
	array_init(out);
	add_str(out, "subject", c.subject);
	add_str(out, "issuer", c.issuer);
	zval san, key;
	strings_to_zval(c.san, &san);
	add_assoc_zval(out, "san", &san);
	add_str(out, "not_before", c.not_before);
	add_str(out, "not_after", c.not_after);
	add_assoc_long(out, "days_left", c.days_left);
	add_str(out, "serial", c.serial);
	add_str(out, "fingerprint_sha256", c.fingerprint_sha256);
	array_init(&key);
	add_str(&key, "type", c.key_type);
	add_assoc_long(&key, "bits", c.key_bits);
	add_assoc_zval(out, "key", &key);
	add_str(out, "signature_algorithm", c.signature_algorithm);
}

void certificate_report_to_zval(const smtpdiag::CertificateReport &r, zval *out)
{
	array_init(out);
	add_assoc_bool(out, "ok", r.ok);
	zval errors, chain, findings;
	strings_to_zval(r.errors, &errors);
	add_assoc_zval(out, "errors", &errors);
	add_str_or_null(out, "protocol", r.protocol);
	add_str_or_null(out, "cipher", r.cipher);
	if (!r.chain.empty()) {
		zval leaf;
		certificate_info_to_zval(r.chain[0], &leaf);
		add_assoc_zval(out, "certificate", &leaf);
	} else {
		add_assoc_null(out, "certificate");
	}
	array_init(&chain);
	for (const auto &c : r.chain) {
		zval item;
		certificate_info_to_zval(c, &item);
		add_next_index_zval(&chain, &item);
	}
	add_assoc_zval(out, "chain", &chain);
	findings_to_zval(r.findings, &findings);
	add_assoc_zval(out, "findings", &findings);
	add_str(out, "host", r.probe.host);
	add_str_or_null(out, "address", r.address);
	add_str(out, "mode", r.mode);
	add_assoc_bool(out, "verified", r.connected && r.system.verified);
	add_str_or_null(out, "verify_error", r.connected ? r.system.error : std::string());
	add_assoc_bool(out, "php_verified", r.connected && r.php.verified);
	add_assoc_bool(out, "php_accepts", r.connected && r.php_accepts);
	add_str(out, "php_ca", r.php_ca);
	add_str_or_null(out, "greeting_name", r.greeting_name);
	zval versions;
	strings_to_zval(r.tls_versions, &versions);
	add_assoc_zval(out, "tls_versions", &versions);
	if (r.intermediate) {
		zval ic;
		array_init(&ic);
		add_str_or_null(&ic, "url", r.intermediate->url);
		add_assoc_bool(&ic, "fetched", r.intermediate->fetched);
		add_str_or_null(&ic, "subject", r.intermediate->subject);
		add_assoc_bool(&ic, "verifies", r.intermediate->verifies);
		add_str_or_null(&ic, "error", r.intermediate->error);
		add_assoc_zval(out, "intermediate", &ic);
	} else {
		add_assoc_null(out, "intermediate");
	}
	add_str_or_null(out, "error", r.error);
	add_ms(out, "elapsed_ms", r.probe.elapsed_ms);
}

void send_result_to_zval(const smtpdiag::SendResult &r, zval *out)
{
	const smtpdiag::SendObservation &s = r.session;
	array_init(out);
	add_assoc_bool(out, "ok", s.ok);
	add_str(out, "stage", s.stage);
	if (s.reply) {
		zval reply;
		array_init(&reply);
		add_assoc_long(&reply, "code", s.reply->code);
		add_str_or_null(&reply, "enhanced", s.reply->enhanced);
		add_str(&reply, "text", s.reply->text);
		add_assoc_zval(out, "reply", &reply);
	} else {
		add_assoc_null(out, "reply");
	}
	zval transcript, timings, recipients, findings;
	array_init_size(&transcript, static_cast<uint32_t>(s.transcript.size()));
	for (const auto &line : s.transcript) {
		zval item;
		array_init(&item);
		add_assoc_stringl(&item, "dir", &line.dir, 1);
		add_str(&item, "text", line.text);
		add_ms(&item, "t_ms", line.t_ms);
		add_next_index_zval(&transcript, &item);
	}
	add_assoc_zval(out, "transcript", &transcript);
	array_init(&timings);
	if (r.dns_status != "literal") add_ms(&timings, "dns", r.dns_ms);
	for (const auto &[stage, ms] : s.timings) add_ms(&timings, stage.c_str(), ms);
	add_assoc_zval(out, "timings", &timings);
	add_str_or_null(out, "message_id", s.ok ? s.message_id : std::string());
	findings_to_zval(r.findings, &findings);
	add_assoc_zval(out, "findings", &findings);
	array_init(&recipients);
	for (const auto &rr : s.recipients) {
		zval item;
		array_init(&item);
		add_str(&item, "address", rr.address);
		add_assoc_bool(&item, "accepted", rr.accepted);
		add_assoc_long(&item, "code", rr.reply.code);
		add_str_or_null(&item, "enhanced", rr.reply.enhanced);
		add_str(&item, "text", rr.reply.text);
		add_next_index_zval(&recipients, &item);
	}
	add_assoc_zval(out, "recipients", &recipients);
	add_str_or_null(out, "address", r.address);
	if (!s.tls_mode.empty()) {
		zval tls;
		array_init(&tls);
		add_str(&tls, "mode", s.tls_mode);
		add_assoc_bool(&tls, "ok", s.tls_ok);
		add_str_or_null(&tls, "protocol", s.tls_protocol);
		add_str_or_null(&tls, "cipher", s.tls_cipher);
		add_assoc_bool(&tls, "verified", s.tls_ok && s.verify_code == 0);
		add_str_or_null(&tls, "verify_error", s.verify_error);
		add_assoc_zval(out, "tls", &tls);
	} else {
		add_assoc_null(out, "tls");
	}
	add_str_or_null(out, "auth_mechanism", s.auth_mechanism);
	add_str_or_null(out, "error", s.error);
	add_ms(out, "elapsed_ms", r.elapsed_ms);
}

void domain_report_to_zval(const smtpdiag::DomainReport &r, zval *out)
{
	array_init(out);
	add_str(out, "domain", r.domain);
	add_str(out, "org_domain", r.org_domain);

	zval mx, records;
	array_init(&mx);
	add_str(&mx, "status", r.mx_status);
	add_assoc_bool(&mx, "null_mx", r.null_mx);
	array_init(&records);
	for (const auto &h : r.mx) {
		zval item, addrs;
		array_init(&item);
		add_assoc_long(&item, "preference", h.preference);
		add_str(&item, "host", h.host);
		array_init(&addrs);
		for (const auto &a : h.addresses) {
			const std::string s = a.to_string();
			add_next_index_stringl(&addrs, s.data(), s.size());
		}
		add_assoc_zval(&item, "addresses", &addrs);
		add_next_index_zval(&records, &item);
	}
	add_assoc_zval(&mx, "records", &records);
	add_assoc_zval(out, "mx", &mx);

	zval spf, results, errors;
	array_init(&spf);
	add_str_or_null(&spf, "record", r.spf_record);
	const smtpdiag::SpfOutcome *first = r.spf.empty() ? nullptr : &r.spf.front().outcome;
	if (first) add_assoc_string(&spf, "result", smtpdiag::spf_result_name(first->result));
	else add_assoc_string(&spf, "result", r.spf_record.empty() ? "none" : "unknown");
	add_assoc_long(&spf, "lookups", first ? first->lookups : 0);
	array_init(&errors);
	if (!r.spf_syntax_error.empty()) add_next_index_stringl(&errors, r.spf_syntax_error.data(), r.spf_syntax_error.size());
	array_init(&results);
	for (const auto &s : r.spf) {
		zval item, chain;
		array_init(&item);
		add_str(&item, "ip", s.ip.to_string());
		add_str(&item, "source", s.source);
		add_assoc_string(&item, "result", smtpdiag::spf_result_name(s.outcome.result));
		add_str_or_null(&item, "mechanism", s.outcome.mechanism);
		add_str_or_null(&item, "error", s.outcome.error);
		add_assoc_long(&item, "lookups", s.outcome.lookups);
		add_assoc_long(&item, "void_lookups", s.outcome.void_lookups);
		strings_to_zval(s.outcome.chain, &chain);
		add_assoc_zval(&item, "chain", &chain);
		add_next_index_zval(&results, &item);
		if (!s.outcome.error.empty()) add_next_index_stringl(&errors, s.outcome.error.data(), s.outcome.error.size());
	}
	add_assoc_zval(&spf, "errors", &errors);
	add_assoc_zval(&spf, "results", &results);
	add_assoc_zval(out, "spf", &spf);

	zval dmarc, derr, rua;
	array_init(&dmarc);
	add_str_or_null(&dmarc, "record", r.dmarc_record);
	add_str_or_null(&dmarc, "found_at", r.dmarc_found_at);
	add_str_or_null(&dmarc, "policy", r.dmarc.valid ? r.dmarc.policy : std::string());
	add_str_or_null(&dmarc, "subdomain_policy", r.dmarc.subdomain_policy);
	add_assoc_long(&dmarc, "pct", r.dmarc.pct);
	strings_to_zval(r.dmarc.rua, &rua);
	add_assoc_zval(&dmarc, "rua", &rua);
	add_assoc_bool(&dmarc, "aligned", r.spf_aligned || r.dkim_aligned);
	add_assoc_bool(&dmarc, "spf_aligned", r.spf_aligned);
	add_assoc_bool(&dmarc, "dkim_aligned", r.dkim_aligned);
	array_init(&derr);
	if (!r.dmarc.error.empty()) add_next_index_stringl(&derr, r.dmarc.error.data(), r.dmarc.error.size());
	add_assoc_zval(&dmarc, "errors", &derr);
	add_assoc_zval(out, "dmarc", &dmarc);

	zval dkim;
	array_init(&dkim);
	for (const auto &d : r.dkim) {
		zval item;
		array_init(&item);
		add_str(&item, "selector", d.selector);
		add_assoc_bool(&item, "found", d.found);
		if (d.found && d.key.key_bits) add_assoc_long(&item, "key_bits", d.key.key_bits);
		else add_assoc_null(&item, "key_bits");
		add_str_or_null(&item, "key_type", d.found ? d.key.key_type : std::string());
		add_assoc_bool(&item, "revoked", d.key.revoked);
		add_assoc_bool(&item, "testing", d.key.testing);
		add_str_or_null(&item, "error", d.key.error);
		add_next_index_zval(&dkim, &item);
	}
	add_assoc_zval(out, "dkim", &dkim);

	zval sts, mxs;
	array_init(&sts);
	add_str_or_null(&sts, "record", r.mta_sts_record);
	add_str_or_null(&sts, "id", r.mta_sts_id);
	add_assoc_bool(&sts, "policy_fetched", r.mta_sts_fetched);
	add_str_or_null(&sts, "mode", r.mta_sts_mode);
	strings_to_zval(r.mta_sts_mx, &mxs);
	add_assoc_zval(&sts, "mx", &mxs);
	if (r.mta_sts_max_age >= 0) add_assoc_long(&sts, "max_age", r.mta_sts_max_age);
	else add_assoc_null(&sts, "max_age");
	add_str_or_null(&sts, "error", r.mta_sts_error);
	add_assoc_zval(out, "mta_sts", &sts);

	zval rpt;
	array_init(&rpt);
	add_str_or_null(&rpt, "record", r.tls_rpt_record);
	add_assoc_zval(out, "tls_rpt", &rpt);

	zval ptr, names;
	array_init(&ptr);
	add_str_or_null(&ptr, "ip", r.sending_ip ? r.sending_ip->to_string() : std::string());
	add_str(&ptr, "ip_source", r.sending_ip_source);
	add_str_or_null(&ptr, "note", r.sending_ip_note);
	strings_to_zval(r.ptr_names, &names);
	add_assoc_zval(&ptr, "names", &names);
	add_assoc_bool(&ptr, "fcrdns", r.fcrdns);
	add_str_or_null(&ptr, "status", r.ptr_status);
	add_assoc_zval(out, "ptr", &ptr);

	zval bls;
	array_init(&bls);
	for (const auto &b : r.blocklists) {
		zval item, codes;
		array_init(&item);
		add_str(&item, "zone", b.zone);
		add_assoc_bool(&item, "listed", b.listed);
		add_assoc_bool(&item, "refused", b.refused);
		strings_to_zval(b.codes, &codes);
		add_assoc_zval(&item, "codes", &codes);
		add_str(&item, "status", b.status);
		add_next_index_zval(&bls, &item);
	}
	add_assoc_zval(out, "blocklists", &bls);

	zval findings;
	findings_to_zval(r.findings, &findings);
	add_assoc_zval(out, "findings", &findings);
	add_assoc_long(out, "dns_queries", static_cast<zend_long>(r.dns_queries));
	add_assoc_bool(out, "timed_out", r.timed_out);
	add_ms(out, "elapsed_ms", r.elapsed_ms);
}

void diagnose_result_to_zval(const smtpdiag::DiagnoseResult &r, zval *out)
{
	array_init(out);
	add_assoc_bool(out, "ok", r.ok);
	add_str_or_null(out, "root_cause", r.root_cause);
	zval findings, probe, env, https, disabled;
	findings_to_zval(r.findings, &findings);
	add_assoc_zval(out, "findings", &findings);
	probe_result_to_zval(r.probe, &probe);
	add_assoc_zval(out, "probe", &probe);
	if (r.certificate) {
		zval c;
		certificate_report_to_zval(*r.certificate, &c);
		add_assoc_zval(out, "certificate", &c);
	} else {
		add_assoc_null(out, "certificate");
	}
	if (r.domain) {
		zval d;
		domain_report_to_zval(*r.domain, &d);
		add_assoc_zval(out, "domain", &d);
	} else {
		add_assoc_null(out, "domain");
	}
	if (r.session) {
		zval a;
		send_result_to_zval(*r.session, &a);
		add_assoc_zval(out, "auth", &a);
	} else {
		add_assoc_null(out, "auth");
	}
	if (r.send) {
		zval s;
		send_result_to_zval(*r.send, &s);
		add_assoc_zval(out, "send", &s);
	} else {
		add_assoc_null(out, "send");
	}
	array_init(&env);
	const smtpdiag::EnvironmentInfo &e = r.environment;
	add_str(&env, "php_version", e.php_version);
	add_str(&env, "sapi", e.sapi);
	strings_to_zval(e.disabled_functions, &disabled);
	add_assoc_zval(&env, "disabled_functions", &disabled);
	add_assoc_bool(&env, "openssl", e.openssl_loaded);
	add_str_or_null(&env, "openssl_cafile", e.php_ca_file);
	add_str_or_null(&env, "openssl_capath", e.php_ca_path);
	add_str(&env, "default_ca_file", e.default_ca_file);
	add_assoc_bool(&env, "default_ca_file_exists", e.default_ca_file_exists);
	add_str(&env, "user", e.user);
	add_assoc_long(&env, "uid", e.uid);
	add_str(&env, "selinux", e.selinux);
	add_str_or_null(&env, "httpd_can_network_connect", e.httpd_can_network_connect);
	add_assoc_zval(out, "environment", &env);
	array_init(&https);
	for (const auto &h : r.https) {
		zval item;
		array_init(&item);
		add_str(&item, "host", h.host);
		add_str_or_null(&item, "provider", h.provider);
		add_assoc_bool(&item, "reachable", h.result.tls_ok);
		add_assoc_bool(&item, "verified", h.result.verified);
		add_str_or_null(&item, "address", h.result.address);
		add_assoc_string(&item, "state", smtpdiag::port_state_name(h.result.connect_state));
		add_ms(&item, "connect_ms", h.result.connect_ms);
		add_ms(&item, "tls_ms", h.result.tls_ms);
		add_str_or_null(&item, "error", h.result.error);
		add_next_index_zval(&https, &item);
	}
	add_assoc_zval(out, "https", &https);
	add_ms(out, "elapsed_ms", r.elapsed_ms);
}

void findings_to_zval(const std::vector<smtpdiag::Finding> &findings, zval *out)
{
	array_init_size(out, static_cast<uint32_t>(findings.size()));
	for (const auto &f : findings) {
		zval item, ev;
		array_init(&item);
		add_str(&item, "code", f.code);
		add_assoc_string(&item, "severity", smtpdiag::severity_name(f.severity));
		add_str(&item, "title", f.title);
		add_str(&item, "detail", f.detail);
		add_str(&item, "fix", f.fix);
		evidence_to_zval(f.evidence, &ev);
		add_assoc_zval(&item, "evidence", &ev);
		add_next_index_zval(out, &item);
	}
}

void probe_result_to_zval(const smtpdiag::ProbeResult &r, zval *out)
{
	array_init(out);
	add_str(out, "host", r.host);
	zval addrs, dns, ports, findings;
	array_init(&addrs);
	for (const auto &a : r.addresses) {
		zval item;
		array_init(&item);
		add_str(&item, "address", a.to_string());
		add_assoc_string(&item, "family", smtpdiag::family_name(a.family));
		add_next_index_zval(&addrs, &item);
	}
	add_assoc_zval(out, "addresses", &addrs);
	array_init(&dns);
	add_str(&dns, "status", r.dns.status);
	add_str_or_null(&dns, "error", r.dns.error);
	add_ms(&dns, "ms", r.dns.ms);
	add_str(&dns, "resolver", r.dns.resolver);
	add_assoc_zval(out, "dns", &dns);
	array_init_size(&ports, static_cast<uint32_t>(r.ports.size()));
	for (const auto &p : r.ports) {
		zval item;
		port_to_zval(p, &item);
		add_next_index_zval(&ports, &item);
	}
	add_assoc_zval(out, "ports", &ports);
	findings_to_zval(r.findings, &findings);
	add_assoc_zval(out, "findings", &findings);
	add_ms(out, "elapsed_ms", r.elapsed_ms);
}

} // namespace smtpdiag_php
