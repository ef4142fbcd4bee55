#include "smtp/sasl.h"

#include <openssl/evp.h>

#include <algorithm>

namespace smtpdiag {

std::string base64_encode(std::string_view in) {
  std::string out;
  out.resize(4 * ((in.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

bool base64_decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0 || in.size() > 64 * 1024) return false;
  for (char c : in) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  std::string buf(in.size() / 4 * 3 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(&buf[0]),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes: drop them.
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() > 1 && in[in.size() - 2] == '=') --len;
  buf.resize(len);
  *out = std::move(buf);
  return true;
}

Secret sasl_plain(const Secret& user, const Secret& password) {
  std::string raw;
  raw.reserve(user.reveal().size() + password.reveal().size() + 2);
  raw += '\0';
  raw += user.reveal();
  raw += '\0';
  raw += password.reveal();
  Secret wiped(std::move(raw));  // wipes the clear form on return
  wipe_string(raw);              // a short one stayed in raw's inline buffer
  return Secret(base64_encode(wiped.reveal()));
}

Secret sasl_login_step(const Secret& value) { return Secret(base64_encode(value.reveal())); }

Secret sasl_xoauth2(const Secret& user, const Secret& token) {
  // Reserved up front: a chain of operator+ reallocates and frees copies
  // of the token without wiping them.
  std::string raw;
  raw.reserve(user.reveal().size() + token.reveal().size() + 20);
  raw += "user=";
  raw += user.reveal();
  raw += "\x01" "auth=Bearer ";
  raw += token.reveal();
  raw += "\x01\x01";
  Secret wiped(std::move(raw));
  wipe_string(raw);
  return Secret(base64_encode(wiped.reveal()));
}

std::string choose_mechanism(const std::string& wanted, const std::vector<std::string>& offered) {
  auto has = [&](const char* m) { return std::find(offered.begin(), offered.end(), m) != offered.end(); };
  if (wanted == "plain") return has("PLAIN") ? "PLAIN" : "";
  if (wanted == "login") return has("LOGIN") ? "LOGIN" : "";
  if (wanted == "xoauth2") return has("XOAUTH2") ? "XOAUTH2" : "";
  if (has("PLAIN")) return "PLAIN";
  if (has("LOGIN")) return "LOGIN";
  return "";
}

}  // namespace smtpdiag
