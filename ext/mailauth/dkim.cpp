#include "mailauth/dkim.h"
#include "util/text.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <sstream>

#include "smtp/sasl.h"

namespace smtpdiag {

namespace {

}  // namespace

const std::vector<std::string>& common_dkim_selectors() {
  static const std::vector<std::string> list = {
      "default", "google", "selector1", "selector2", "k1", "k2", "k3", "s1", "s2",
      "mail", "dkim", "smtp", "mandrill", "mxvault", "pm", "smtpapi", "sendgrid",
      "mailjet", "zoho", "protonmail", "amazonses", "sib", "mta", "email"};
  return list;
}

DkimKey parse_dkim(const std::string& txt) {
  DkimKey k;
  std::stringstream ss(txt);
  std::string tag;
  std::string p;
  bool have_p = false;
  bool first = true;
  while (std::getline(ss, tag, ';')) {
    tag = trim(tag);
    if (tag.empty()) continue;
    const auto eq = tag.find('=');
    if (eq == std::string::npos) {
      k.error = "a tag without '='";
      return k;
    }
    std::string name = trim(tag.substr(0, eq));
    std::string value = trim(tag.substr(eq + 1));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "v") {
      if (!first || value != "DKIM1") {
        k.error = "v= must be DKIM1 and come first";
        return k;
      }
    } else if (name == "k") {
      k.key_type = value;
      for (char& c : k.key_type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (name == "p") {
      have_p = true;
      for (char c : value)
        if (!std::isspace(static_cast<unsigned char>(c))) p += c;
    } else if (name == "t") {
      for (const char* f = value.c_str(); *f; ++f)
        if (*f == 'y') k.testing = true;
    }
    first = false;
  }
  if (!have_p) {
    k.error = "no p= tag";
    return k;
  }
  if (p.empty()) {
    k.revoked = true;
    k.valid = true;
    return k;
  }
  while (p.size() % 4 != 0) p += '=';
  std::string der;
  if (!base64_decode(p, &der)) {
    k.error = "p= is not valid base64";
    return k;
  }
  if (k.key_type == "ed25519") {
    k.key_bits = der.size() == 32 ? 256 : 0;
    k.valid = der.size() == 32;
    if (!k.valid) k.error = "an ed25519 key must be 32 bytes";
    return k;
  }
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &data, static_cast<long>(der.size()));
  if (!key) {
    // Some publish a bare RSAPublicKey instead of SubjectPublicKeyInfo.
    data = reinterpret_cast<const unsigned char*>(der.data());
    key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &data, static_cast<long>(der.size()));
  }
  if (!key) {
    k.error = "p= does not hold a public key";
    return k;
  }
  k.key_bits = EVP_PKEY_get_bits(key);
  EVP_PKEY_free(key);
  k.valid = true;
  return k;
}

}  // namespace smtpdiag
