/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 8aecaf408045c6675655e08ae2f2aae133326607 */

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


ZEND_FUNCTION(smtpdiag_version);
ZEND_FUNCTION(smtpdiag_probe);
ZEND_FUNCTION(smtpdiag_check_certificate);


static const zend_function_entry ext_functions[] = {
	ZEND_FE(smtpdiag_version, arginfo_smtpdiag_version)
	ZEND_FE(smtpdiag_probe, arginfo_smtpdiag_probe)
	ZEND_FE(smtpdiag_check_certificate, arginfo_smtpdiag_check_certificate)
	ZEND_FE_END
};


static const zend_function_entry class_SmtpDiag_Exception_methods[] = {
	ZEND_FE_END
};

static zend_class_entry *register_class_SmtpDiag_Exception(zend_class_entry *class_entry_Exception)
{
	zend_class_entry ce, *class_entry;

	INIT_NS_CLASS_ENTRY(ce, "SmtpDiag", "Exception", class_SmtpDiag_Exception_methods);
	class_entry = zend_register_internal_class_ex(&ce, class_entry_Exception);

	return class_entry;
}
