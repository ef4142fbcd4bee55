/* smtpdiag_check_spf(): validate, run smtpdiag::run_spf_check()
 * (ext/mailauth/spf_check.cpp), convert. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php_smtpdiag.h"

extern "C" {
#include "zend_exceptions.h"
}

#include <ctime>
#include <exception>

#include "options.h"
#include "mailauth/spf_check.h"

PHP_FUNCTION(smtpdiag_check_spf)
{
	zend_string *ip, *sender;
	HashTable *options = nullptr;

	ZEND_PARSE_PARAMETERS_START(2, 3)
		Z_PARAM_STR(ip)
		Z_PARAM_STR(sender)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	smtpdiag::SpfCheckConfig cfg;
	auto addr = smtpdiag::IpAddress::parse(std::string(ZSTR_VAL(ip), ZSTR_LEN(ip)));
	if (!addr) {
		zend_argument_value_error(1, "must be an IPv4 or IPv6 address");
		RETURN_THROWS();
	}
	cfg.request.ip = *addr;
	cfg.request.sender.assign(ZSTR_VAL(sender), ZSTR_LEN(sender));
	for (unsigned char c : cfg.request.sender) {
		if (c < 0x20 || c == 0x7f) {
			zend_argument_value_error(2, "must not contain control characters (CR, LF, NUL...)");
			RETURN_THROWS();
		}
	}
	if (cfg.request.sender.size() > 512) {
		zend_argument_value_error(2, "must be at most 512 bytes");
		RETURN_THROWS();
	}

	HashTable empty;
	zend_hash_init(&empty, 0, nullptr, nullptr, 0);
	smtpdiag_php::OptionReader reader(3, options ? options : &empty);
	smtpdiag::ProbeConfig common;
	std::string receiver;
	const bool ok = reader.only({"timeout", "dns_servers", "helo", "receiver"})
		&& smtpdiag_php::read_common_options(reader, &common)
		&& reader.string("helo", &cfg.request.helo, 253)
		&& reader.string("receiver", &receiver, 253);
	zend_hash_destroy(&empty);
	if (!ok) RETURN_THROWS();
	if (!receiver.empty()) cfg.request.receiver = receiver;
	if (cfg.request.sender.empty() && cfg.request.helo.empty()) {
		zend_argument_value_error(2, "must not be empty unless option \"helo\" is given");
		RETURN_THROWS();
	}
	cfg.timeout = common.timeout;
	cfg.dns_servers = common.dns_servers;
	cfg.request.now = time(nullptr);

	smtpdiag::SpfCheckResult r;
	try {
		r = smtpdiag::run_spf_check(cfg);
	} catch (const std::exception &e) {
		zend_throw_exception_ex(smtpdiag_exception_ce, 0, "smtpdiag_check_spf(): internal error: %s", e.what());
		RETURN_THROWS();
	}
	const smtpdiag::SpfOutcome &o = r.outcome;
	array_init(return_value);
	add_assoc_string(return_value, "result", smtpdiag::spf_result_name(o.result));
	if (o.record.empty()) add_assoc_null(return_value, "record");
	else add_assoc_stringl(return_value, "record", o.record.data(), o.record.size());
	if (o.mechanism.empty()) add_assoc_null(return_value, "mechanism");
	else add_assoc_stringl(return_value, "mechanism", o.mechanism.data(), o.mechanism.size());
	if (o.explanation.empty()) add_assoc_null(return_value, "explanation");
	else add_assoc_stringl(return_value, "explanation", o.explanation.data(), o.explanation.size());
	if (o.error.empty()) add_assoc_null(return_value, "error");
	else add_assoc_stringl(return_value, "error", o.error.data(), o.error.size());
	add_assoc_long(return_value, "lookups", o.lookups);
	add_assoc_long(return_value, "void_lookups", o.void_lookups);
	zval chain;
	array_init(&chain);
	for (const auto &d : o.chain) add_next_index_stringl(&chain, d.data(), d.size());
	add_assoc_zval(return_value, "chain", &chain);
	add_assoc_long(return_value, "queries", static_cast<zend_long>(r.queries));
	add_assoc_double(return_value, "elapsed_ms", r.elapsed_ms);
}
