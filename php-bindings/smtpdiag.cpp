/* Module entry, INI defaults, MINFO and smtpdiag_version(). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_smtpdiag.h"

extern "C" {
#include "ext/standard/info.h"
#include "zend_attributes.h"
#include "zend_exceptions.h"
}

#include <string>

/* gen_stub.php writes C: its register_smtpdiag_symbols() passes the void*
 * of zend_hash_str_find_ptr() where a zend_function* is expected, which C++
 * refuses. Cast it, for the generated header only. */
#define zend_hash_str_find_ptr(ht, str, len) \
	static_cast<zend_function *>((zend_hash_str_find_ptr)((ht), (str), (len)))
#include "smtpdiag_arginfo.h"
#undef zend_hash_str_find_ptr
#include "smtpdiag_core.h"
#include "tls/trust_cache.h"

ZEND_DECLARE_MODULE_GLOBALS(smtpdiag)

zend_class_entry *smtpdiag_exception_ce = nullptr;

static ZEND_INI_MH(OnUpdateTimeout)
{
	double value = zend_strtod(ZSTR_VAL(new_value), nullptr);
	if (!(value > 0) || value > 3600) {
		return FAILURE;
	}
	return OnUpdateReal(entry, new_value, mh_arg1, mh_arg2, mh_arg3, stage);
}

PHP_INI_BEGIN()
	STD_PHP_INI_ENTRY("smtpdiag.timeout", "10", PHP_INI_ALL, OnUpdateTimeout, timeout,
		zend_smtpdiag_globals, smtpdiag_globals)
	STD_PHP_INI_ENTRY("smtpdiag.ca_file", "", PHP_INI_ALL, OnUpdateString, ca_file,
		zend_smtpdiag_globals, smtpdiag_globals)
	STD_PHP_INI_ENTRY("smtpdiag.dns_servers", "", PHP_INI_ALL, OnUpdateString, dns_servers,
		zend_smtpdiag_globals, smtpdiag_globals)
PHP_INI_END()

static PHP_GINIT_FUNCTION(smtpdiag)
{
#if defined(COMPILE_DL_SMTPDIAG) && defined(ZTS)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	smtpdiag_globals->timeout = 10.0;
	smtpdiag_globals->ca_file = nullptr;
	smtpdiag_globals->dns_servers = nullptr;
	smtpdiag_globals->trust = new smtpdiag::TrustCache();
}

static PHP_GSHUTDOWN_FUNCTION(smtpdiag)
{
	delete smtpdiag_globals->trust;
	smtpdiag_globals->trust = nullptr;
}

static PHP_MINIT_FUNCTION(smtpdiag)
{
	REGISTER_INI_ENTRIES();
	register_smtpdiag_symbols(module_number);
	smtpdiag_exception_ce = register_class_SmtpDiag_Exception(zend_ce_exception);
	std::string error;
	if (!smtpdiag::global_init(&error)) {
		php_error_docref(nullptr, E_WARNING, "smtpdiag: %s", error.c_str());
		return FAILURE;
	}
	return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(smtpdiag)
{
	smtpdiag::global_shutdown();
	UNREGISTER_INI_ENTRIES();
	return SUCCESS;
}

static PHP_MINFO_FUNCTION(smtpdiag)
{
	const smtpdiag::Versions v = smtpdiag::versions();
	php_info_print_table_start();
	php_info_print_table_row(2, "smtpdiag support", "enabled");
	php_info_print_table_row(2, "smtpdiag version", v.extension.c_str());
	php_info_print_table_row(2, "OpenSSL", v.openssl.c_str());
	php_info_print_table_row(2, "c-ares", v.cares.c_str());
	php_info_print_table_end();
	DISPLAY_INI_ENTRIES();
}

PHP_FUNCTION(smtpdiag_version)
{
	ZEND_PARSE_PARAMETERS_NONE();
	const smtpdiag::Versions v = smtpdiag::versions();
	array_init(return_value);
	add_assoc_stringl(return_value, "extension", v.extension.data(), v.extension.size());
	add_assoc_stringl(return_value, "openssl", v.openssl.data(), v.openssl.size());
	add_assoc_stringl(return_value, "cares", v.cares.data(), v.cares.size());
}

zend_module_entry smtpdiag_module_entry = {
	STANDARD_MODULE_HEADER,
	"smtpdiag",
	ext_functions,
	PHP_MINIT(smtpdiag),
	PHP_MSHUTDOWN(smtpdiag),
	nullptr,
	nullptr,
	PHP_MINFO(smtpdiag),
	PHP_SMTPDIAG_VERSION,
	PHP_MODULE_GLOBALS(smtpdiag),
	PHP_GINIT(smtpdiag),
	PHP_GSHUTDOWN(smtpdiag),
	nullptr,
	STANDARD_MODULE_PROPERTIES_EX
};

#ifdef COMPILE_DL_SMTPDIAG
#ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
#endif
extern "C" {
ZEND_GET_MODULE(smtpdiag)
}
#endif
