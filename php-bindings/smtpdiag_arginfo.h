/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: a2db4550585c2af95d3d7752192684e9b1c7c0ea */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_version, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_probe, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, host, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_check_certificate, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, host, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, port, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_check_domain, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, domain, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_diagnose, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, config, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_diagnose_many, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, configs, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_check_spf, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, ip, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, sender, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_smtpdiag_send_test, 0, 2, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, config, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, message, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, options, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()


ZEND_FUNCTION(smtpdiag_version);
ZEND_FUNCTION(smtpdiag_probe);
ZEND_FUNCTION(smtpdiag_check_certificate);
ZEND_FUNCTION(smtpdiag_check_domain);
ZEND_FUNCTION(smtpdiag_diagnose);
ZEND_FUNCTION(smtpdiag_diagnose_many);
ZEND_FUNCTION(smtpdiag_check_spf);
ZEND_FUNCTION(smtpdiag_send_test);


static const zend_function_entry ext_functions[] = {
	ZEND_FE(smtpdiag_version, arginfo_smtpdiag_version)
	ZEND_FE(smtpdiag_probe, arginfo_smtpdiag_probe)
	ZEND_FE(smtpdiag_check_certificate, arginfo_smtpdiag_check_certificate)
	ZEND_FE(smtpdiag_check_domain, arginfo_smtpdiag_check_domain)
	ZEND_FE(smtpdiag_diagnose, arginfo_smtpdiag_diagnose)
	ZEND_FE(smtpdiag_diagnose_many, arginfo_smtpdiag_diagnose_many)
	ZEND_FE(smtpdiag_check_spf, arginfo_smtpdiag_check_spf)
	ZEND_FE(smtpdiag_send_test, arginfo_smtpdiag_send_test)
	ZEND_FE_END
};


static const zend_function_entry class_SmtpDiag_Exception_methods[] = {
	ZEND_FE_END
};

static void register_smtpdiag_symbols(int module_number)
{

	zend_add_parameter_attribute(zend_hash_str_find_ptr(CG(function_table), "smtpdiag_diagnose", sizeof("smtpdiag_diagnose") - 1), 0, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);

	zend_add_parameter_attribute(zend_hash_str_find_ptr(CG(function_table), "smtpdiag_diagnose_many", sizeof("smtpdiag_diagnose_many") - 1), 0, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);

	zend_add_parameter_attribute(zend_hash_str_find_ptr(CG(function_table), "smtpdiag_send_test", sizeof("smtpdiag_send_test") - 1), 0, ZSTR_KNOWN(ZEND_STR_SENSITIVEPARAMETER), 0);
}

static zend_class_entry *register_class_SmtpDiag_Exception(zend_class_entry *class_entry_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpDiag", "Exception", class_SmtpDiag_Exception_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_Exception);

	return class_entry;
}
