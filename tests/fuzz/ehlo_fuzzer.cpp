// Fuzzes EHLO reply parsing (ext/smtp/ehlo): the reply's lines as the
// reader would hand them over. Checks that AUTH mechanisms come out
// upper-case, unique and bounded, and that every line yields at most one
// extension entry.
//
// Input: the reply text, one line per '\n' (the first is the greeting line).
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.h"
#include "net/address.h"
#include "smtp/ehlo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  smtpdiag::SmtpReply reply;
  reply.code = 250;
  // Through sanitize_line() as the reader does, and raw as a stress test.
  for (int pass = 0; pass < 2; ++pass) {
    reply.lines.clear();
    for (const std::string& l : smtpdiag_fuzz::split_lines(text))
      reply.lines.push_back(pass == 0 ? smtpdiag::sanitize_line(l) : l);
    const smtpdiag::EhloInfo info = smtpdiag::parse_ehlo(reply);
    if (info.extensions.size() + 1 > reply.lines.size() + 1) std::abort();
    for (size_t i = 0; i < info.auth.size(); ++i) {
      const std::string& m = info.auth[i];
      if (m.empty() || m.size() > 40) std::abort();
      for (char c : m)
        if (std::islower(static_cast<unsigned char>(c))) std::abort();
      if (std::count(info.auth.begin(), info.auth.end(), m) != 1) std::abort();
    }
    if (info.seen_ip && !smtpdiag::IpAddress::parse(*info.seen_ip)) std::abort();
  }
  return 0;
}
