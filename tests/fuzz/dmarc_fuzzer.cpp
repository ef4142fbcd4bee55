// Fuzzes DMARC record parsing and alignment (ext/mailauth/dmarc, RFC 7489),
// with the Public Suffix List lookups behind organizational_domain().
//
// Input: line 0 is the TXT record; lines 1 and 2 are two domains whose
// organizational domains and alignment are computed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.h"
#include "mailauth/dmarc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto lines = smtpdiag_fuzz::split_lines(text);
  const smtpdiag::DmarcRecord r = smtpdiag::parse_dmarc(lines[0]);
  if (r.valid) {
    if (r.policy != "none" && r.policy != "quarantine" && r.policy != "reject") std::abort();
    if (r.pct < 0 || r.pct > 100) std::abort();
    if ((r.adkim != 'r' && r.adkim != 's') || (r.aspf != 'r' && r.aspf != 's')) std::abort();
  } else if (r.error.empty()) {
    std::abort();
  }
  (void)smtpdiag::parse_dmarc(text);
  const std::string a = lines.size() > 1 ? lines[1] : lines[0];
  const std::string b = lines.size() > 2 ? lines[2] : a;
  (void)smtpdiag::organizational_domain(a);
  for (char mode : {'r', 's'}) {
    const bool ab = smtpdiag::dmarc_aligned(a, b, mode);
    if (ab != smtpdiag::dmarc_aligned(b, a, mode)) std::abort();  // symmetric
  }
  return 0;
}
