/* smtpdiag_probe(): parse and validate, run smtpdiag::run_probe()
 * (ext/probe/probe.cpp), convert. Nothing else happens here. */
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
#include "probe/probe.h"

PHP_FUNCTION(smtpdiag_probe)
{
	zend_string *host;
	HashTable *options = nullptr;

	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_STR(host)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	smtpdiag::ProbeConfig config;
	const char *why = nullptr;
	if (!smtpdiag_php::valid_host(std::string(ZSTR_VAL(host), ZSTR_LEN(host)), &config.host, &why)) {
		zend_argument_value_error(1, "%s", why);
		RETURN_THROWS();
	}
	if (options) {
		smtpdiag_php::OptionReader reader(2, options);
		if (!reader.only({"timeout", "connect_timeout", "family", "dns_servers", "ca_file", "ehlo_name", "ports", "implicit_tls_ports", "tls", "trace", "early_verdict"})
			|| !smtpdiag_php::read_common_options(reader, &config)
			|| !reader.ports("ports", &config.ports)
			|| !reader.ports("implicit_tls_ports", &config.implicit_tls_ports, true)
			|| !reader.boolean("tls", &config.tls)
			|| !reader.boolean("trace", &config.trace)
			|| !reader.boolean("early_verdict", &config.early_verdict)) {
			RETURN_THROWS();
		}
	} else {
		HashTable empty;
		zend_hash_init(&empty, 0, nullptr, nullptr, 0);
		smtpdiag_php::OptionReader reader(2, &empty);
		const bool ok = smtpdiag_php::read_common_options(reader, &config);
		zend_hash_destroy(&empty);
		if (!ok) RETURN_THROWS();
	}

	smtpdiag::ProbeResult result;
	try {
		result = smtpdiag::run_probe(config);
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_probe(): internal error: %s", e.what());
		RETURN_THROWS();
	} catch (...) {
		zend_throw_exception(smtpdiag_exception_ce, "smtpdiag_probe(): internal error", 0);
		RETURN_THROWS();
	}
	smtpdiag_php::probe_result_to_zval(result, return_value);
}
