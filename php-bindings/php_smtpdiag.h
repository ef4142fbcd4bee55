/* smtpdiag: the Zend side of the extension (module entry, INI, globals). */
#ifndef PHP_SMTPDIAG_H
#define PHP_SMTPDIAG_H

extern "C" {
#include "php.h"
}

extern zend_module_entry smtpdiag_module_entry;
#define phpext_smtpdiag_ptr &smtpdiag_module_entry

#define PHP_SMTPDIAG_VERSION "0.1.0"

namespace smtpdiag { class TrustCache; }

ZEND_BEGIN_MODULE_GLOBALS(smtpdiag)
	double timeout;
	char *ca_file;
	char *dns_servers;
	/* CA stores and TLS contexts kept between calls: one per thread under
	 * ZTS, one per process otherwise (ext/tls/trust_cache.h). */
	smtpdiag::TrustCache *trust;
ZEND_END_MODULE_GLOBALS(smtpdiag)

ZEND_EXTERN_MODULE_GLOBALS(smtpdiag)
#define SMTPDIAG_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(smtpdiag, v)

#if defined(ZTS) && defined(COMPILE_DL_SMTPDIAG)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

/* SmtpDiag\Exception, for internal failures only. */
extern zend_class_entry *smtpdiag_exception_ce;

#endif
