/* Reading and validating option arrays and arguments, before any I/O.
 * Every failure throws (ValueError/TypeError naming the argument and the
 * option) and returns false; values are never echoed back, so a bad value
 * cannot leak a secret or smuggle control bytes into a log. */
#ifndef SMTPDIAG_OPTIONS_H
#define SMTPDIAG_OPTIONS_H

#include "php_smtpdiag.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "probe/probe.h"

namespace smtpdiag_php {

class OptionReader {
public:
	OptionReader(uint32_t arg_num, HashTable *options) : arg_(arg_num), ht_(options) {}

	/* Throws for the first key that is not in `allowed`. */
	bool only(std::initializer_list<const char *> allowed);

	/* Each returns true when the key is absent (out untouched) or valid. */
	/* `unit` names what the number counts in the error ("seconds", "days"). */
	bool number(const char *key, double *out, double min, double max, const char *unit = "seconds");
	bool integer(const char *key, long *out, long min, long max);
	bool boolean(const char *key, bool *out);
	bool string(const char *key, std::string *out, size_t max_len);
	bool choice(const char *key, std::initializer_list<const char *> values, std::string *out);
	bool ports(const char *key, std::vector<uint16_t> *out, bool allow_empty = false);
	bool string_list(const char *key, std::vector<std::string> *out, size_t max_items);
	/* Throws "Argument #N ($options) option "key" <message>"; returns false. */
	bool reject(const char *key, const char *message);

private:
	zval *find(const char *key);
	uint32_t arg_;
	HashTable *ht_;
};

/* Host names and address literals as accepted by every function: ASCII
 * letters, digits, '-', '_' and '.', labels of 1..63, at most 253 in all;
 * or an IPv4/IPv6 literal (brackets allowed around IPv6). `why` says what
 * is wrong without quoting the input. */
bool valid_host(const std::string &host, std::string *normalized, const char **why);

/* The options shared by every function (DESIGN.md "Common options"),
 * applied over the INI defaults. */
bool read_common_options(OptionReader &reader, smtpdiag::ProbeConfig *config);

} // namespace smtpdiag_php

#endif
