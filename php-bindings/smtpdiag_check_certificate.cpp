/* smtpdiag_check_certificate(): parse and validate, run
 * smtpdiag::run_certificate_check() (ext/tls/certificate_check.cpp),
 * convert. PHP's own CA settings are read here because only PHP knows them. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_smtpdiag.h"

extern "C" {
#include "zend_exceptions.h"
#include "zend_ini.h"
}

#include <exception>

#include "convert.h"
#include "options.h"
#include "tls/certificate_check.h"

PHP_FUNCTION(smtpdiag_check_certificate)
{
	zend_string *host;
	zend_long port;
	HashTable *options = nullptr;

	ZEND_PARSE_PARAMETERS_START(2, 3)
		Z_PARAM_STR(host)
		Z_PARAM_LONG(port)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	smtpdiag::CertificateCheckConfig config;
	const char *why = nullptr;
	if (!smtpdiag_php::valid_host(std::string(ZSTR_VAL(host), ZSTR_LEN(host)), &config.probe.host, &why)) {
		zend_argument_value_error(1, "%s", why);
		RETURN_THROWS();
	}
	if (port < 1 || port > 65535) {
		zend_argument_value_error(2, "must be between 1 and 65535");
		RETURN_THROWS();
	}
	config.port = static_cast<uint16_t>(port);

	HashTable empty;
	zend_hash_init(&empty, 0, nullptr, nullptr, 0);
	smtpdiag_php::OptionReader reader(3, options ? options : &empty);
	double warn_days = 14;
	std::string sni;
	const bool ok = reader.only({"timeout", "connect_timeout", "family", "dns_servers", "ca_file", "ehlo_name", "mode", "sni", "warn_days"})
		&& smtpdiag_php::read_common_options(reader, &config.probe)
		&& reader.choice("mode", {"auto", "starttls", "implicit"}, &config.mode)
		&& reader.string("sni", &sni, 253)
		&& reader.number("warn_days", &warn_days, 0, 3650, "");
	zval *sni_zv = options ? zend_hash_str_find_deref(options, "sni", 3) : nullptr;
	const bool has_sni = sni_zv && Z_TYPE_P(sni_zv) != IS_NULL;
	zend_hash_destroy(&empty);
	if (!ok) RETURN_THROWS();
	if (has_sni && !sni.empty()) {
		std::string norm;
		if (!smtpdiag_php::valid_host(sni, &norm, &why) || smtpdiag::IpAddress::parse(norm)) {
			zend_argument_value_error(3, "option \"sni\" must be a DNS host name (SNI never carries an IP address)");
			RETURN_THROWS();
		}
		if (norm.back() == '.') norm.pop_back();
		config.sni = norm;
	} else if (has_sni) {
		config.sni = std::string(); /* "" turns SNI off */
	}
	config.warn_days = static_cast<int>(warn_days);

	/* The CA PHP's streams (and so PHPMailer) use: the ca_file option, else
	 * openssl.cafile / openssl.capath, else OpenSSL's default store. */
	if (!config.probe.ca_file.empty()) {
		config.php_ca_file = config.probe.ca_file;
	} else {
		const char *cafile = zend_ini_string_ex(const_cast<char *>("openssl.cafile"), sizeof("openssl.cafile") - 1, 0, nullptr);
		const char *capath = zend_ini_string_ex(const_cast<char *>("openssl.capath"), sizeof("openssl.capath") - 1, 0, nullptr);
		if (cafile && *cafile) config.php_ca_file = cafile;
		if (capath && *capath) config.php_ca_path = capath;
	}

	smtpdiag::CertificateReport report;
	try {
		report = smtpdiag::run_certificate_check(config);
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_check_certificate(): internal error: %s", e.what());
		RETURN_THROWS();
	}
	smtpdiag_php::certificate_report_to_zval(report, return_value);
}
