/* smtpdiag_send_test(): validate every field before any I/O (a CR, LF,
 * NUL or other control byte in an address, header, EHLO name or AUTH
 * field is a ValueError that never echoes the value), run
 * smtpdiag::run_send_test() (ext/smtp/send_test.cpp), convert.
 * $config is #[\SensitiveParameter]: backtraces never show the password. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_smtpdiag.h"

extern "C" {
#include "zend_exceptions.h"
}

#include <cstring>
#include <exception>
#include <strings.h>

#include "convert.h"
#include "mail_config.h"
#include "options.h"
#include "smtp/send_test.h"


PHP_FUNCTION(smtpdiag_send_test)
{
	HashTable *config_ht, *message_ht, *options = nullptr;

	ZEND_PARSE_PARAMETERS_START(2, 3)
		Z_PARAM_ARRAY_HT(config_ht)
		Z_PARAM_ARRAY_HT(message_ht)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	smtpdiag::SendConfig cfg;
	if (!smtpdiag_php::read_mail_config(1, config_ht, &cfg.net.host, &cfg.port, &cfg.session, nullptr)
		|| !smtpdiag_php::read_message(2, message_ht, &cfg.message)) RETURN_THROWS();

	HashTable empty;
	zend_hash_init(&empty, 0, nullptr, nullptr, 0);
	smtpdiag_php::OptionReader reader(3, options ? options : &empty);
	double phase_timeout = 0;
	const bool ok = reader.only({"timeout", "connect_timeout", "family", "dns_servers", "ca_file", "ehlo_name", "phase_timeout"})
		&& smtpdiag_php::read_common_options(reader, &cfg.net)
		&& reader.number("phase_timeout", &phase_timeout, 0.001, 3600);
	zend_hash_destroy(&empty);
	if (!ok) RETURN_THROWS();
	cfg.session.phase_timeout = phase_timeout;

	smtpdiag::SendResult result;
	try {
		result = smtpdiag::run_send_test(std::move(cfg));
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_send_test(): internal error: %s", e.what());
		RETURN_THROWS();
	}
	smtpdiag_php::send_result_to_zval(result, return_value);
}
