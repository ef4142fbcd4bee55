// DKIM key records (RFC 6376 3.6.1) at <selector>._domainkey.<domain>:
// found, key type and size, revoked (empty p=), testing (t=y).
#pragma once

#include <string>
#include <vector>

namespace smtpdiag {

struct DkimKey {
  bool valid = false;
  std::string error;
  std::string key_type = "rsa";  // k=
  int key_bits = 0;
  bool revoked = false;          // p= empty
  bool testing = false;          // t=y
};

DkimKey parse_dkim(const std::string& txt);

// Selectors worth trying when the caller names none (providers' defaults).
const std::vector<std::string>& common_dkim_selectors();

}  // namespace smtpdiag
