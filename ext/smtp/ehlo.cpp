#include "smtp/ehlo.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "net/address.h"

namespace smtpdiag {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

void add_auth(EhloInfo& info, const std::vector<std::string_view>& mechs, size_t from) {
  for (size_t k = from; k < mechs.size(); ++k) {
    std::string m = upper(mechs[k]);
    if (m.empty() || m.size() > 40) continue;
    if (std::find(info.auth.begin(), info.auth.end(), m) == info.auth.end())
      info.auth.push_back(std::move(m));
  }
}

}  // namespace

EhloInfo parse_ehlo(const SmtpReply& reply) {
  EhloInfo info;
  if (reply.lines.empty()) return info;
  const auto first = words(reply.lines[0]);
  if (!first.empty()) info.domain = std::string(first[0]);
  for (size_t k = 1; k < first.size(); ++k) {
    std::string_view w = first[k];
    // Postfix: "mail.example Hello [192.0.2.10]"; Exim: "Hello host [ip]".
    if (w.size() > 2 && w.front() == '[' && w.back() == ']') {
      std::string_view inner = w.substr(1, w.size() - 2);
      if (inner.substr(0, 5) == "IPv6:" || inner.substr(0, 5) == "ipv6:") inner = inner.substr(5);
      if (IpAddress::parse(inner)) info.seen_ip = std::string(inner);
    }
  }
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    const auto w = words(reply.lines[i]);
    if (w.empty()) continue;
    std::string keyword = upper(w[0]);
    // "AUTH=LOGIN PLAIN" is the pre-RFC form some servers still send.
    if (keyword.rfind("AUTH=", 0) == 0) {
      std::vector<std::string_view> mechs(w.begin(), w.end());
      mechs[0] = mechs[0].substr(5);
      add_auth(info, mechs, 0);
    } else if (keyword == "AUTH") {
      add_auth(info, w, 1);
    } else if (keyword == "STARTTLS") {
      info.starttls = true;
    } else if (keyword == "SMTPUTF8") {
      info.smtputf8 = true;
    } else if (keyword == "PIPELINING") {
      info.pipelining = true;
    } else if (keyword == "SIZE") {
      uint64_t v = 0;
      bool ok = true;
      if (w.size() > 1) {
        for (char c : w[1]) {
          if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) { ok = false; break; }
          v = v * 10 + static_cast<uint64_t>(c - '0');
        }
      }
      if (ok) info.size = v;
    }
    std::string line = keyword;
    for (size_t k = 1; k < w.size(); ++k) {
      line += ' ';
      line += w[k];
    }
    info.extensions.push_back(std::move(line));
  }
  return info;
}

}  // namespace smtpdiag
