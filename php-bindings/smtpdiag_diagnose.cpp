/* smtpdiag_diagnose() and smtpdiag_diagnose_many(): validate, add what
 * only PHP knows about its environment, run smtpdiag::run_diagnose() /
 * run_diagnose_many() (ext/diagnose/diagnose.cpp), convert.
 * $config/$configs are #[\SensitiveParameter] (they carry passwords). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_smtpdiag.h"

extern "C" {
#include "SAPI.h"
#include "zend_exceptions.h"
#include "zend_ini.h"
}

#include <exception>
#include <sstream>

#include "convert.h"
#include "mail_config.h"
#include "options.h"
#include "diagnose/diagnose.h"

namespace {

std::string ini(const char *name)
{
	const char *v = zend_ini_string_ex(const_cast<char *>(name), strlen(name), 0, nullptr);
	return v ? std::string(v) : std::string();
}

void php_environment(smtpdiag::EnvironmentInfo *env)
{
	env->php_version = PHP_VERSION;
	env->sapi = sapi_module.name ? sapi_module.name : "";
	std::stringstream ss(ini("disable_functions"));
	std::string fn;
	static const char *const relevant[] = {"fsockopen", "pfsockopen", "stream_socket_client", "stream_socket_enable_crypto",
		"stream_select", "proc_open", "mail", "dns_get_record", "gethostbyname", "openssl_x509_parse"};
	while (std::getline(ss, fn, ',')) {
		while (!fn.empty() && (fn.front() == ' ' || fn.front() == '\t')) fn.erase(0, 1);
		while (!fn.empty() && (fn.back() == ' ' || fn.back() == '\t')) fn.pop_back();
		for (const char *r : relevant)
			if (fn == r) env->disabled_functions.push_back(fn);
	}
	env->openssl_loaded = zend_hash_str_exists(&module_registry, "openssl", sizeof("openssl") - 1);
	env->php_ca_file = ini("openssl.cafile");
	env->php_ca_path = ini("openssl.capath");
}

/* One $config plus the shared $options into a core config. */
bool read_diagnose(uint32_t config_arg, HashTable *config, uint32_t options_arg, HashTable *options,
	smtpdiag::DiagnoseConfig *out, bool many, long *concurrency)
{
	if (!smtpdiag_php::read_mail_config(config_arg, config, &out->net.host, &out->port, &out->session, &out->from))
		return false;
	HashTable empty;
	zend_hash_init(&empty, 0, nullptr, nullptr, 0);
	smtpdiag_php::OptionReader r(options_arg, options ? options : &empty);
	double warn_days = 14;
	std::vector<std::string> api_hosts;
	bool ok = r.only(many
			? std::initializer_list<const char *>{"timeout", "connect_timeout", "family", "dns_servers", "ca_file", "ehlo_name", "send", "api_hosts", "warn_days", "dkim_selectors", "check_domain", "early_verdict", "concurrency"}
			: std::initializer_list<const char *>{"timeout", "connect_timeout", "family", "dns_servers", "ca_file", "ehlo_name", "send", "api_hosts", "warn_days", "dkim_selectors", "check_domain", "early_verdict"})
		&& smtpdiag_php::read_common_options(r, &out->net)
		&& r.string_list("api_hosts", &api_hosts, 32)
		&& r.number("warn_days", &warn_days, 0, 3650, "")
		&& r.string_list("dkim_selectors", &out->dkim_selectors, 32)
		&& r.boolean("check_domain", &out->check_domain)
		&& r.boolean("early_verdict", &out->net.early_verdict)
		&& (!many || r.integer("concurrency", concurrency, 1, 256));
	zval *send = ok && options ? zend_hash_str_find_deref(options, "send", 4) : nullptr;
	zval *api = ok && options ? zend_hash_str_find_deref(options, "api_hosts", 9) : nullptr;
	zend_hash_destroy(&empty);
	if (!ok) return false;
	for (const std::string &h : api_hosts) {
		std::string n;
		const char *why = nullptr;
		if (!smtpdiag_php::valid_host(h, &n, &why)) {
			zend_argument_value_error(options_arg, "option \"api_hosts\" must contain host names");
			return false;
		}
	}
	out->api_hosts = api_hosts;
	out->api_hosts_given = api && Z_TYPE_P(api) != IS_NULL;
	out->warn_days = static_cast<int>(warn_days);
	if (send && Z_TYPE_P(send) != IS_NULL) {
		if (Z_TYPE_P(send) != IS_ARRAY) {
			zend_argument_type_error(options_arg, "option \"send\" must be of type ?array, %s given", zend_zval_type_name(send));
			return false;
		}
		smtpdiag::MessageSpec m;
		if (!smtpdiag_php::read_message(options_arg, Z_ARRVAL_P(send), &m)) return false;
		out->send = std::move(m);
	}
	php_environment(&out->environment);
	return true;
}

} // namespace

PHP_FUNCTION(smtpdiag_diagnose)
{
	HashTable *config, *options = nullptr;
	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_ARRAY_HT(config)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	smtpdiag::DiagnoseConfig cfg;
	if (!read_diagnose(1, config, 2, options, &cfg, false, nullptr)) RETURN_THROWS();
	smtpdiag::DiagnoseResult result;
	try {
		result = smtpdiag::run_diagnose(std::move(cfg));
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_diagnose(): internal error: %s", e.what());
		RETURN_THROWS();
	}
	smtpdiag_php::diagnose_result_to_zval(result, return_value);
}

PHP_FUNCTION(smtpdiag_diagnose_many)
{
	HashTable *configs, *options = nullptr;
	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_ARRAY_HT(configs)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	const uint32_t n = zend_hash_num_elements(configs);
	if (n > 10000) {
		zend_argument_value_error(1, "must hold at most 10000 configurations");
		RETURN_THROWS();
	}
	std::vector<smtpdiag::DiagnoseConfig> list;
	list.reserve(n);
	long concurrency = 32;
	if (n == 0) {
		/* Nothing to run, but the options are still checked. */
		HashTable none;
		zend_hash_init(&none, 0, nullptr, ZVAL_PTR_DTOR, 0);
		zval host;
		ZVAL_STRING(&host, "localhost");
		zend_hash_str_update(&none, "host", 4, &host);
		smtpdiag::DiagnoseConfig probe_cfg;
		const bool ok = read_diagnose(1, &none, 2, options, &probe_cfg, true, &concurrency);
		zend_hash_destroy(&none);
		if (!ok) RETURN_THROWS();
		RETURN_EMPTY_ARRAY();
	}
	zval *item;
	ZEND_HASH_FOREACH_VAL(configs, item) {
		ZVAL_DEREF(item);
		if (Z_TYPE_P(item) != IS_ARRAY) {
			zend_argument_type_error(1, "must contain only arrays, %s given", zend_zval_type_name(item));
			RETURN_THROWS();
		}
		smtpdiag::DiagnoseConfig cfg;
		if (!read_diagnose(1, Z_ARRVAL_P(item), 2, options, &cfg, true, &concurrency)) RETURN_THROWS();
		list.push_back(std::move(cfg));
	} ZEND_HASH_FOREACH_END();

	std::vector<smtpdiag::DiagnoseResult> results;
	try {
		results = smtpdiag::run_diagnose_many(std::move(list), static_cast<int>(concurrency));
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_diagnose_many(): internal error: %s", e.what());
		RETURN_THROWS();
	}
	array_init_size(return_value, static_cast<uint32_t>(results.size()));
	for (const auto &r : results) {
		zval z;
		smtpdiag_php::diagnose_result_to_zval(r, &z);
		add_next_index_zval(return_value, &z);
	}
}
