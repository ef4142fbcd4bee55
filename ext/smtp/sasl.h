// SASL initial responses for SMTP AUTH (RFC 4954): PLAIN (RFC 4616),
// LOGIN (draft-murchison-sasl-login), XOAUTH2 (Google/Microsoft bearer
// tokens). Every result is a Secret.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/secret.h"

namespace smtpdiag {

std::string base64_encode(std::string_view in);
// Strict decoding of a server challenge; false on bad input.
bool base64_decode(std::string_view in, std::string* out);

Secret sasl_plain(const Secret& user, const Secret& password);
Secret sasl_login_step(const Secret& value);  // base64 of the username or password
Secret sasl_xoauth2(const Secret& user, const Secret& token);

// "auto" picks among what the server offers and we support; empty when
// nothing fits. PLAIN before LOGIN (one round trip, same strength).
std::string choose_mechanism(const std::string& wanted, const std::vector<std::string>& offered);

}  // namespace smtpdiag
