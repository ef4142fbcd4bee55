/* Reading the mail settings ($config) and the message arrays shared by
 * smtpdiag_send_test() and smtpdiag_diagnose(): every field validated
 * before any I/O, never echoing a value. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "mail_config.h"

#include <cstring>
#include <strings.h>

#include "options.h"

namespace smtpdiag_php {

namespace {

bool control_free(const std::string &s, bool allow_tab)
{
	for (unsigned char c : s) {
		if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) return false;
	}
	return true;
}

bool is_loopback_host(const std::string &host)
{
	if (strcasecmp(host.c_str(), "localhost") == 0 || strcasecmp(host.c_str(), "localhost.") == 0) return true;
	auto a = smtpdiag::IpAddress::parse(host);
	return a && a->is_loopback();
}

bool read_address(uint32_t arg, const char *key, zval *v, smtpdiag::MailAddress *out)
{
	if (Z_TYPE_P(v) != IS_STRING) {
		zend_argument_type_error(arg, "\"%s\" must contain strings, %s given", key, zend_zval_type_name(v));
		return false;
	}
	std::string s(Z_STRVAL_P(v), Z_STRLEN_P(v));
	if (!control_free(s, false)) {
		zend_argument_value_error(arg, "\"%s\" must not contain control characters (CR, LF, NUL...)", key);
		return false;
	}
	std::string why;
	if (!smtpdiag::parse_mail_address(s, out, &why)) {
		zend_argument_value_error(arg, "\"%s\" %s", key, why.c_str());
		return false;
	}
	return true;
}

} // namespace

bool read_mail_config(uint32_t arg, HashTable *ht, std::string *host_out, uint16_t *port_out,
	smtpdiag::SendSessionOptions *session, std::string *from)
{
	smtpdiag_php::OptionReader r(arg, ht);
	if (!r.only({"host", "port", "encryption", "auto_tls", "auth", "verify_peer", "allow_insecure_auth", "from"})) return false;
	struct Shim { smtpdiag::ProbeConfig net; uint16_t port = 587; smtpdiag::SendSessionOptions session; } shim;
	auto *cfg = &shim;
	zval *host = zend_hash_str_find_deref(ht, "host", 4);
	if (!host || Z_TYPE_P(host) != IS_STRING) {
		zend_argument_value_error(arg, "must have a \"host\" string");
		return false;
	}
	const char *why = nullptr;
	if (!smtpdiag_php::valid_host(std::string(Z_STRVAL_P(host), Z_STRLEN_P(host)), &cfg->net.host, &why)) {
		zend_argument_value_error(arg, "\"host\" %s", why);
		return false;
	}
	zval *port = zend_hash_str_find_deref(ht, "port", 4);
	if (port && Z_TYPE_P(port) != IS_NULL) {
		if (Z_TYPE_P(port) != IS_LONG) {
			zend_argument_type_error(arg, "\"port\" must be of type int, %s given", zend_zval_type_name(port));
			return false;
		}
		if (Z_LVAL_P(port) < 1 || Z_LVAL_P(port) > 65535) {
			zend_argument_value_error(arg, "\"port\" must be between 1 and 65535");
			return false;
		}
		cfg->port = static_cast<uint16_t>(Z_LVAL_P(port));
	}
	std::string enc = cfg->port == 465 ? "tls" : "starttls";
	if (!r.choice("encryption", {"none", "starttls", "tls"}, &enc)) return false;
	cfg->session.encryption = enc == "none" ? smtpdiag::Encryption::None
		: enc == "tls" ? smtpdiag::Encryption::Tls : smtpdiag::Encryption::StartTls;
	if (!r.boolean("auto_tls", &cfg->session.auto_tls) || !r.boolean("verify_peer", &cfg->session.verify_peer)
		|| !r.boolean("allow_insecure_auth", &cfg->session.allow_insecure_auth)) return false;
	if (cfg->session.allow_insecure_auth && !is_loopback_host(cfg->net.host)) {
		zend_argument_value_error(arg, "\"allow_insecure_auth\" is only allowed for a loopback host (localhost, 127.0.0.1, ::1)");
		return false;
	}
	zval *auth = zend_hash_str_find_deref(ht, "auth", 4);
	if (auth && Z_TYPE_P(auth) != IS_NULL) {
		if (Z_TYPE_P(auth) != IS_ARRAY) {
			zend_argument_type_error(arg, "\"auth\" must be of type ?array, %s given", zend_zval_type_name(auth));
			return false;
		}
		smtpdiag_php::OptionReader ar(arg, Z_ARRVAL_P(auth));
		if (!ar.only({"username", "password", "token", "mechanism"})) return false;
		smtpdiag::AuthSettings a;
		std::string mech = "auto";
		if (!ar.choice("mechanism", {"auto", "plain", "login", "xoauth2"}, &mech)) return false;
		a.mechanism = mech;
		struct Field { const char *key; size_t max; smtpdiag::Secret *dest; };
		zval *user = zend_hash_str_find_deref(Z_ARRVAL_P(auth), "username", 8);
		zval *pass = zend_hash_str_find_deref(Z_ARRVAL_P(auth), "password", 8);
		zval *token = zend_hash_str_find_deref(Z_ARRVAL_P(auth), "token", 5);
		if (mech == "xoauth2" && !token) token = pass;
		const Field fields[] = {{"username", 1024, &a.username}, {mech == "xoauth2" ? "token" : "password", mech == "xoauth2" ? 16384u : 1024u, &a.secret}};
		zval *values[] = {user, mech == "xoauth2" ? token : pass};
		for (int i = 0; i < 2; ++i) {
			zval *v = values[i];
			if (!v || Z_TYPE_P(v) != IS_STRING || Z_STRLEN_P(v) == 0) {
				zend_argument_value_error(arg, "\"auth\" must have a non-empty \"%s\" string", fields[i].key);
				return false;
			}
			if (Z_STRLEN_P(v) > fields[i].max) {
				zend_argument_value_error(arg, "\"auth\" \"%s\" must be at most %zu bytes", fields[i].key, fields[i].max);
				return false;
			}
			smtpdiag::Secret value(std::string(Z_STRVAL_P(v), Z_STRLEN_P(v)));
			if (!control_free(value.reveal(), false)) {
				zend_argument_value_error(arg, "\"auth\" \"%s\" must not contain control characters (CR, LF, NUL...)", fields[i].key);
				return false;
			}
			*fields[i].dest = std::move(value);
		}
		cfg->session.auth = std::move(a);
	}
	if (from) {
		zval *f = zend_hash_str_find_deref(ht, "from", 4);
		if (f && Z_TYPE_P(f) != IS_NULL) {
			smtpdiag::MailAddress addr;
			if (!read_address(arg, "from", f, &addr)) return false;
			*from = addr.address;
		}
	}
	*host_out = cfg->net.host;
	*port_out = cfg->port;
	*session = std::move(cfg->session);
	return true;
}

bool read_message(uint32_t arg, HashTable *ht, smtpdiag::MessageSpec *m)
{
	smtpdiag_php::OptionReader r(arg, ht);
	if (!r.only({"from", "to", "subject", "body", "headers"})) return false;
	zval *from = zend_hash_str_find_deref(ht, "from", 4);
	if (!from) {
		zend_argument_value_error(arg, "must have a \"from\" address");
		return false;
	}
	if (!read_address(arg, "from", from, &m->from)) return false;
	zval *to = zend_hash_str_find_deref(ht, "to", 2);
	if (!to) {
		zend_argument_value_error(arg, "must have a \"to\" address or list of addresses");
		return false;
	}
	if (Z_TYPE_P(to) == IS_ARRAY) {
		if (zend_hash_num_elements(Z_ARRVAL_P(to)) == 0 || zend_hash_num_elements(Z_ARRVAL_P(to)) > 100) {
			zend_argument_value_error(arg, "\"to\" must list 1 to 100 addresses");
			return false;
		}
		zval *item;
		ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(to), item) {
			ZVAL_DEREF(item);
			smtpdiag::MailAddress a;
			if (!read_address(arg, "to", item, &a)) return false;
			m->to.push_back(a);
		} ZEND_HASH_FOREACH_END();
	} else {
		smtpdiag::MailAddress a;
		if (!read_address(arg, "to", to, &a)) return false;
		m->to.push_back(a);
	}
	m->subject = "smtpdiag test message";
	if (!r.string("subject", &m->subject, 900)) return false;
	zval *body = zend_hash_str_find_deref(ht, "body", 4);
	m->body = "This is a test message sent by smtpdiag to check that this site can send mail.\n";
	if (body && Z_TYPE_P(body) != IS_NULL) {
		if (Z_TYPE_P(body) != IS_STRING) {
			zend_argument_type_error(arg, "\"body\" must be of type string, %s given", zend_zval_type_name(body));
			return false;
		}
		if (Z_STRLEN_P(body) > 10 * 1024 * 1024 || memchr(Z_STRVAL_P(body), '\0', Z_STRLEN_P(body))) {
			zend_argument_value_error(arg, "\"body\" must be at most 10 MiB and contain no NUL byte");
			return false;
		}
		m->body.assign(Z_STRVAL_P(body), Z_STRLEN_P(body));
	}
	zval *headers = zend_hash_str_find_deref(ht, "headers", 7);
	if (headers && Z_TYPE_P(headers) != IS_NULL) {
		if (Z_TYPE_P(headers) != IS_ARRAY) {
			zend_argument_type_error(arg, "\"headers\" must be of type array, %s given", zend_zval_type_name(headers));
			return false;
		}
		static const char *const reserved[] = {"date", "from", "to", "subject", "message-id", "mime-version",
			"content-type", "content-transfer-encoding", "bcc", "cc"};
		zend_string *name;
		zval *value;
		ZEND_HASH_FOREACH_STR_KEY_VAL(Z_ARRVAL_P(headers), name, value) {
			ZVAL_DEREF(value);
			if (!name || ZSTR_LEN(name) == 0 || ZSTR_LEN(name) > 76) {
				zend_argument_value_error(arg, "\"headers\" must map header names (1 to 76 characters) to values");
				return false;
			}
			for (size_t i = 0; i < ZSTR_LEN(name); ++i) {
				const unsigned char c = static_cast<unsigned char>(ZSTR_VAL(name)[i]);
				if (c <= 32 || c >= 127 || c == ':') {
					zend_argument_value_error(arg, "\"headers\" names must be printable ASCII without spaces or ':'");
					return false;
				}
			}
			for (const char *res : reserved) {
				if (strcasecmp(ZSTR_VAL(name), res) == 0) {
					zend_argument_value_error(arg, "\"headers\" must not set %s: smtpdiag writes it", res);
					return false;
				}
			}
			if (Z_TYPE_P(value) != IS_STRING) {
				zend_argument_type_error(arg, "\"headers\" values must be strings, %s given", zend_zval_type_name(value));
				return false;
			}
			std::string v(Z_STRVAL_P(value), Z_STRLEN_P(value));
			if (!control_free(v, true) || v.size() > 900) {
				zend_argument_value_error(arg, "\"headers\" values must be at most 900 bytes without control characters (CR, LF, NUL...)");
				return false;
			}
			m->headers.emplace_back(std::string(ZSTR_VAL(name), ZSTR_LEN(name)), v);
		} ZEND_HASH_FOREACH_END();
	}
	if (!control_free(m->subject, true)) {
		zend_argument_value_error(arg, "\"subject\" must not contain control characters (CR, LF, NUL...)");
		return false;
	}
	return true;
}


} // namespace smtpdiag_php
