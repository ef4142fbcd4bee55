/* smtpdiag_check_domain(): validate, run smtpdiag::run_domain_check()
 * (ext/mailauth/domain_check.cpp), convert. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_smtpdiag.h"

extern "C" {
#include "zend_exceptions.h"
}

#include <exception>

#include "convert.h"
#include "options.h"
#include "mailauth/domain_check.h"

PHP_FUNCTION(smtpdiag_check_domain)
{
	zend_string *domain;
	HashTable *options = nullptr;

	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_STR(domain)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	smtpdiag::DomainCheckConfig cfg;
	const char *why = nullptr;
	std::string norm;
	if (!smtpdiag_php::valid_host(std::string(ZSTR_VAL(domain), ZSTR_LEN(domain)), &norm, &why)) {
		zend_argument_value_error(1, "%s", why);
		RETURN_THROWS();
	}
	if (smtpdiag::IpAddress::parse(norm) || norm.find('.') == std::string::npos) {
		zend_argument_value_error(1, "must be a domain name such as example.com");
		RETURN_THROWS();
	}
	cfg.domain = norm;

	HashTable empty;
	zend_hash_init(&empty, 0, nullptr, nullptr, 0);
	smtpdiag_php::OptionReader r(2, options ? options : &empty);
	std::string sending_ip, relay_host, mail_from_domain, dkim_domain;
	double relay_port = 587;
	const bool ok = r.only({"timeout", "connect_timeout", "family", "dns_servers", "ca_file", "ehlo_name", "sending_ip",
			"relay_host", "relay_port", "mail_from_domain", "dkim_domain", "dkim_selectors", "dnsbl_zones", "mta_sts"})
		&& smtpdiag_php::read_common_options(r, &cfg.net)
		&& r.string("sending_ip", &sending_ip, 64)
		&& r.string("relay_host", &relay_host, 253)
		&& r.number("relay_port", &relay_port, 1, 65535, "")
		&& r.string("mail_from_domain", &mail_from_domain, 253)
		&& r.string("dkim_domain", &dkim_domain, 253)
		&& r.string_list("dkim_selectors", &cfg.dkim_selectors, 32)
		&& r.string_list("dnsbl_zones", &cfg.dnsbl_zones, 16)
		&& r.boolean("mta_sts", &cfg.mta_sts);
	const bool zones_given = options && zend_hash_str_find(options, "dnsbl_zones", sizeof("dnsbl_zones") - 1);
	zend_hash_destroy(&empty);
	if (!ok) RETURN_THROWS();
	if (!sending_ip.empty()) {
		auto a = smtpdiag::IpAddress::parse(sending_ip);
		if (!a) {
			zend_argument_value_error(2, "option \"sending_ip\" must be an IPv4 or IPv6 address");
			RETURN_THROWS();
		}
		cfg.sending_ip = a;
	}
	auto check_name = [&](const char *key, const std::string &value, std::string *dest) {
		if (value.empty()) return true;
		std::string n;
		const char *w = nullptr;
		if (!smtpdiag_php::valid_host(value, &n, &w)) {
			zend_argument_value_error(2, "option \"%s\" %s", key, w);
			return false;
		}
		*dest = n;
		return true;
	};
	if (!check_name("relay_host", relay_host, &cfg.relay_host) || !check_name("mail_from_domain", mail_from_domain, &cfg.mail_from_domain)
		|| !check_name("dkim_domain", dkim_domain, &cfg.dkim_domain)) {
		RETURN_THROWS();
	}
	for (const std::string &s : cfg.dkim_selectors) {
		std::string n;
		const char *w = nullptr;
		if (s.empty() || !smtpdiag_php::valid_host(s, &n, &w)) {
			zend_argument_value_error(2, "option \"dkim_selectors\" must contain selector names (letters, digits, '-', '.')");
			RETURN_THROWS();
		}
	}
	for (const std::string &z : cfg.dnsbl_zones) {
		std::string n;
		const char *w = nullptr;
		if (!smtpdiag_php::valid_host(z, &n, &w) || z.find('.') == std::string::npos) {
			zend_argument_value_error(2, "option \"dnsbl_zones\" must contain zone names such as zen.spamhaus.org");
			RETURN_THROWS();
		}
	}
	if (!zones_given) cfg.dnsbl_zones = smtpdiag::default_dnsbl_zones();
	cfg.relay_port = static_cast<uint16_t>(relay_port);

	smtpdiag::DomainReport report;
	try {
		report = smtpdiag::run_domain_check(cfg);
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_check_domain(): internal error: %s", e.what());
		RETURN_THROWS();
	}
	smtpdiag_php::domain_report_to_zval(report, return_value);
}
