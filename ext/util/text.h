// Small ASCII text helpers shared by the parsers and the rules.
#pragma once

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace smtpdiag {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lower case without the trailing dot(s): how names are compared.
inline std::string normalize_domain(std::string_view s) {
  std::string out = ascii_lower(s);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// Without leading and trailing white space (space, tab, CR, LF).
inline std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

inline std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace smtpdiag
