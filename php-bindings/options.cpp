#include "options.h"

extern "C" {
#include "zend_ini.h"
}

#include <cmath>
#include <cstring>

#include "net/address.h"

namespace smtpdiag_php {

namespace {

/* An option key safe to print: printable ASCII only, at most 40 bytes. */
std::string printable_key(const zend_string *key)
{
	std::string out;
	for (size_t i = 0; i < ZSTR_LEN(key) && out.size() < 40; ++i) {
		const unsigned char c = static_cast<unsigned char>(ZSTR_VAL(key)[i]);
		out += (c >= 0x20 && c < 0x7f && c != '"') ? static_cast<char>(c) : '?';
	}
	return out;
}

bool has_control_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; ++i) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		if (c < 0x20 || c == 0x7f) return true;
	}
	return false;
}

} // namespace

zval *OptionReader::find(const char *key)
{
	zval *v = zend_hash_str_find(ht_, key, strlen(key));
	if (v) ZVAL_DEREF(v);
	if (v && Z_TYPE_P(v) == IS_NULL) return nullptr; /* null means "default" */
	return v;
}

bool OptionReader::only(std::initializer_list<const char *> allowed)
{
	zend_string *key;
	zend_ulong idx;
	ZEND_HASH_FOREACH_KEY(ht_, idx, key) {
		if (!key) {
			zend_argument_value_error(arg_, "must have string keys, found integer key " ZEND_ULONG_FMT, idx);
			return false;
		}
		bool known = false;
		for (const char *a : allowed) {
			if (ZSTR_LEN(key) == strlen(a) && memcmp(ZSTR_VAL(key), a, ZSTR_LEN(key)) == 0) {
				known = true;
				break;
			}
		}
		if (!known) {
			const std::string k = printable_key(key);
			zend_argument_value_error(arg_, "contains unknown option \"%s\"", k.c_str());
			return false;
		}
	} ZEND_HASH_FOREACH_END();
	return true;
}

bool OptionReader::integer(const char *key, long *out, long min, long max)
{
	zval *v = find(key);
	if (!v) return true;
	if (Z_TYPE_P(v) != IS_LONG) {
		zend_argument_type_error(arg_, "option \"%s\" must be of type int, %s given", key, zend_zval_type_name(v));
		return false;
	}
	if (Z_LVAL_P(v) < min || Z_LVAL_P(v) > max) {
		zend_argument_value_error(arg_, "option \"%s\" must be between %ld and %ld", key, min, max);
		return false;
	}
	*out = static_cast<long>(Z_LVAL_P(v));
	return true;
}

bool OptionReader::number(const char *key, double *out, double min, double max, const char *unit)
{
	zval *v = find(key);
	if (!v) return true;
	double d;
	if (Z_TYPE_P(v) == IS_LONG) {
		d = static_cast<double>(Z_LVAL_P(v));
	} else if (Z_TYPE_P(v) == IS_DOUBLE) {
		d = Z_DVAL_P(v);
	} else {
		zend_argument_type_error(arg_, "option \"%s\" must be of type float, %s given", key, zend_zval_type_name(v));
		return false;
	}
	if (!std::isfinite(d) || d < min || d > max) {
		zend_argument_value_error(arg_, "option \"%s\" must be between %g and %g%s%s", key, min, max, *unit ? " " : "", unit);
		return false;
	}
	*out = d;
	return true;
}

bool OptionReader::boolean(const char *key, bool *out)
{
	zval *v = find(key);
	if (!v) return true;
	if (Z_TYPE_P(v) != IS_TRUE && Z_TYPE_P(v) != IS_FALSE) {
		zend_argument_type_error(arg_, "option \"%s\" must be of type bool, %s given", key, zend_zval_type_name(v));
		return false;
	}
	*out = Z_TYPE_P(v) == IS_TRUE;
	return true;
}

bool OptionReader::string(const char *key, std::string *out, size_t max_len)
{
	zval *v = find(key);
	if (!v) return true;
	if (Z_TYPE_P(v) != IS_STRING) {
		zend_argument_type_error(arg_, "option \"%s\" must be of type string, %s given", key, zend_zval_type_name(v));
		return false;
	}
	if (Z_STRLEN_P(v) > max_len) {
		zend_argument_value_error(arg_, "option \"%s\" must be at most %zu bytes", key, max_len);
		return false;
	}
	if (has_control_bytes(Z_STRVAL_P(v), Z_STRLEN_P(v))) {
		zend_argument_value_error(arg_, "option \"%s\" must not contain control characters (CR, LF, NUL...)", key);
		return false;
	}
	out->assign(Z_STRVAL_P(v), Z_STRLEN_P(v));
	return true;
}

bool OptionReader::choice(const char *key, std::initializer_list<const char *> values, std::string *out)
{
	std::string s;
	if (!string(key, &s, 64)) return false;
	if (!find(key)) return true;
	std::string list;
	for (const char *c : values) {
		if (s == c) {
			*out = s;
			return true;
		}
		if (!list.empty()) list += ", ";
		list += std::string("'") + c + "'";
	}
	zend_argument_value_error(arg_, "option \"%s\" must be one of %s", key, list.c_str());
	return false;
}

bool OptionReader::ports(const char *key, std::vector<uint16_t> *out, bool allow_empty)
{
	zval *v = find(key);
	if (!v) return true;
	if (Z_TYPE_P(v) != IS_ARRAY) {
		zend_argument_type_error(arg_, "option \"%s\" must be of type array, %s given", key, zend_zval_type_name(v));
		return false;
	}
	const uint32_t n = zend_hash_num_elements(Z_ARRVAL_P(v));
	if ((n == 0 && !allow_empty) || n > 32) {
		zend_argument_value_error(arg_, "option \"%s\" must list %d to 32 ports", key, allow_empty ? 0 : 1);
		return false;
	}
	std::vector<uint16_t> ports;
	zval *item;
	ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(v), item) {
		ZVAL_DEREF(item);
		if (Z_TYPE_P(item) != IS_LONG) {
			zend_argument_type_error(arg_, "option \"%s\" must contain only integers, %s given", key, zend_zval_type_name(item));
			return false;
		}
		if (Z_LVAL_P(item) < 1 || Z_LVAL_P(item) > 65535) {
			zend_argument_value_error(arg_, "option \"%s\" must contain ports between 1 and 65535", key);
			return false;
		}
		const auto p = static_cast<uint16_t>(Z_LVAL_P(item));
		bool dup = false;
		for (uint16_t q : ports) dup = dup || q == p;
		if (!dup) ports.push_back(p);
	} ZEND_HASH_FOREACH_END();
	*out = ports;
	return true;
}

bool OptionReader::string_list(const char *key, std::vector<std::string> *out, size_t max_items)
{
	zval *v = find(key);
	if (!v) return true;
	if (Z_TYPE_P(v) != IS_ARRAY) {
		zend_argument_type_error(arg_, "option \"%s\" must be of type array, %s given", key, zend_zval_type_name(v));
		return false;
	}
	if (zend_hash_num_elements(Z_ARRVAL_P(v)) > max_items) {
		zend_argument_value_error(arg_, "option \"%s\" must have at most %zu entries", key, max_items);
		return false;
	}
	std::vector<std::string> items;
	zval *item;
	ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(v), item) {
		ZVAL_DEREF(item);
		if (Z_TYPE_P(item) != IS_STRING) {
			zend_argument_type_error(arg_, "option \"%s\" must contain only strings, %s given", key, zend_zval_type_name(item));
			return false;
		}
		if (Z_STRLEN_P(item) > 255 || has_control_bytes(Z_STRVAL_P(item), Z_STRLEN_P(item))) {
			zend_argument_value_error(arg_, "option \"%s\" must contain strings of at most 255 bytes without control characters", key);
			return false;
		}
		items.emplace_back(Z_STRVAL_P(item), Z_STRLEN_P(item));
	} ZEND_HASH_FOREACH_END();
	*out = items;
	return true;
}

bool OptionReader::reject(const char *key, const char *message)
{
	zend_argument_value_error(arg_, "option \"%s\" %s", key, message);
	return false;
}

bool valid_host(const std::string &host, std::string *normalized, const char **why)
{
	if (host.empty()) {
		*why = "must not be empty";
		return false;
	}
	if (host.size() > 253 + 2) {
		*why = "must be at most 253 characters";
		return false;
	}
	for (unsigned char c : host) {
		if (c < 0x20 || c == 0x7f) {
			*why = "must not contain control characters (CR, LF, NUL...)";
			return false;
		}
		if (c >= 0x80) {
			*why = "must be an ASCII host name (give an internationalised name in its xn-- form)";
			return false;
		}
		if (c == ' ') {
			*why = "must not contain spaces";
			return false;
		}
	}
	std::string h = host;
	if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
	if (smtpdiag::IpAddress::parse(h)) {
		*normalized = h;
		return true;
	}
	if (host.front() == '[') {
		*why = "must be a host name or an IP address";
		return false;
	}
	std::string name = host;
	if (name.back() == '.') name.pop_back();
	if (name.empty() || name.size() > 253) {
		*why = "must be a host name of at most 253 characters";
		return false;
	}
	size_t label = 0;
	for (size_t i = 0; i <= name.size(); ++i) {
		if (i == name.size() || name[i] == '.') {
			if (label == 0 || label > 63) {
				*why = "must be a host name with labels of 1 to 63 characters";
				return false;
			}
			label = 0;
			continue;
		}
		const char c = name[i];
		const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok) {
			*why = "must be a host name (letters, digits, '-', '.') or an IP address";
			return false;
		}
		++label;
	}
	*normalized = host;
	return true;
}

namespace {

bool parse_dns_servers(const std::string &csv_or_item, std::vector<std::pair<smtpdiag::IpAddress, uint16_t>> *out)
{
	size_t start = 0;
	while (start <= csv_or_item.size()) {
		size_t comma = csv_or_item.find(',', start);
		if (comma == std::string::npos) comma = csv_or_item.size();
		std::string item = csv_or_item.substr(start, comma - start);
		while (!item.empty() && item.front() == ' ') item.erase(0, 1);
		while (!item.empty() && item.back() == ' ') item.pop_back();
		if (!item.empty()) {
			smtpdiag::IpAddress a;
			uint16_t port = 0;
			if (!smtpdiag::parse_address_port(item, &a, &port)) return false;
			out->emplace_back(a, port);
		}
		start = comma + 1;
	}
	return true;
}

} // namespace

bool read_common_options(OptionReader &r, smtpdiag::ProbeConfig *c)
{
	/* INI defaults first; options override. */
	c->timeout = SMTPDIAG_G(timeout) > 0 ? SMTPDIAG_G(timeout) : 10.0;
	c->trust = SMTPDIAG_G(trust);
	if (SMTPDIAG_G(ca_file) && *SMTPDIAG_G(ca_file)) c->ca_file = SMTPDIAG_G(ca_file);
	if (SMTPDIAG_G(dns_servers) && *SMTPDIAG_G(dns_servers)) {
		if (!parse_dns_servers(SMTPDIAG_G(dns_servers), &c->dns_servers)) {
			zend_value_error("smtpdiag.dns_servers INI setting must be a comma-separated list of 'ip[:port]'");
			return false;
		}
	}

	if (!r.number("timeout", &c->timeout, 0.001, 3600)) return false;
	double connect_timeout = -1;
	if (!r.number("connect_timeout", &connect_timeout, 0.001, 3600)) return false;
	c->connect_timeout = connect_timeout > 0 ? connect_timeout : std::min(5.0, c->timeout);

	std::string family;
	if (!r.choice("family", {"any", "ipv4", "ipv6"}, &family)) return false;
	if (family == "ipv4") c->family = smtpdiag::FamilyPref::V4;
	else if (family == "ipv6") c->family = smtpdiag::FamilyPref::V6;

	std::vector<std::string> servers;
	if (!r.string_list("dns_servers", &servers, 8)) return false;
	if (!servers.empty()) c->dns_servers.clear();
	for (const std::string &s : servers) {
		std::vector<std::pair<smtpdiag::IpAddress, uint16_t>> one;
		if (!parse_dns_servers(s, &one) || one.size() != 1) {
			return r.reject("dns_servers", "must contain 'ip' or 'ip:port' entries ('[v6]:port' for IPv6 with a port)");
		}
		c->dns_servers.push_back(one[0]);
	}

	if (!r.string("ca_file", &c->ca_file, 4096)) return false;
	if (c->ca_file.empty()) {
		/* DESIGN: the CA is PHP's own (openssl.cafile / openssl.capath),
		 * else the system store: what PHPMailer's stream TLS verifies with. */
		const char *cafile = zend_ini_string_ex(const_cast<char *>("openssl.cafile"), sizeof("openssl.cafile") - 1, 0, nullptr);
		const char *capath = zend_ini_string_ex(const_cast<char *>("openssl.capath"), sizeof("openssl.capath") - 1, 0, nullptr);
		if (cafile && *cafile) c->ca_file = cafile;
		if (capath && *capath) c->ca_path = capath;
	}
	if (!c->ca_file.empty() && VCWD_ACCESS(c->ca_file.c_str(), R_OK) != 0) {
		return r.reject("ca_file", "must name a readable PEM file");
	}

	std::string ehlo;
	if (!r.string("ehlo_name", &ehlo, 255)) return false;
	if (!ehlo.empty()) {
		std::string norm;
		const char *why = nullptr;
		const bool literal = ehlo.size() > 2 && ehlo.front() == '[' && ehlo.back() == ']';
		if (!valid_host(ehlo, &norm, &why) && !literal) {
			return r.reject("ehlo_name", why ? why : "must be a host name or an address literal");
		}
		c->ehlo_name = ehlo;
	}
	return true;
}

} // namespace smtpdiag_php
