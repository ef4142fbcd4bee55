// What an EHLO reply advertises (RFC 5321 4.1.1.1, RFC 3207 STARTTLS,
// RFC 4954 AUTH, RFC 1870 SIZE).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtp/reply_reader.h"

namespace smtpdiag {

struct EhloInfo {
  std::string domain;                    // the name the server gives itself
  std::optional<std::string> seen_ip;    // "[192.0.2.10]" style: our address as it sees it
  std::vector<std::string> extensions;   // keyword lines, as sent (sanitised), uppercased keyword
  bool starttls = false;
  bool smtputf8 = false;
  bool pipelining = false;
  std::vector<std::string> auth;         // mechanisms, uppercased, deduplicated
  std::optional<uint64_t> size;          // SIZE limit; 0 means "no fixed limit"
};

EhloInfo parse_ehlo(const SmtpReply& reply);

}  // namespace smtpdiag
