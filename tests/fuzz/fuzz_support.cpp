#include "fuzz_support.h"

#include <openssl/ec.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdlib>

namespace smtpdiag_fuzz {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.emplace_back(text.substr(start));
      break;
    }
    out.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

EVP_PKEY* fuzz_key() {
  // Made once and kept for the life of the process (a fuzzer runs millions
  // of inputs; an EC key costs well under a millisecond, an RSA key seconds).
  static EVP_PKEY* key = [] {
    EVP_PKEY* k = EVP_EC_gen("P-256");
    if (!k) std::abort();
    return k;
  }();
  return key;
}

smtpdiag::X509Ptr make_certificate(const std::string& cn, const std::vector<std::string>& sans) {
  smtpdiag::X509Ptr cert(X509_new());
  if (!cert) return nullptr;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 30);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!cn.empty() && cn.size() <= 64) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
  }
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), fuzz_key());
  if (!sans.empty()) {
    GENERAL_NAMES* gens = sk_GENERAL_NAME_new_null();
    for (const std::string& s : sans) {
      GENERAL_NAME* g = nullptr;
      if (s.rfind("DNS:", 0) == 0 && s.size() > 4) {
        ASN1_IA5STRING* v = ASN1_IA5STRING_new();
        ASN1_STRING_set(v, s.data() + 4, static_cast<int>(s.size() - 4));
        g = GENERAL_NAME_new();
        GENERAL_NAME_set0_value(g, GEN_DNS, v);
      } else if (s.rfind("IP:", 0) == 0) {
        g = a2i_GENERAL_NAME(nullptr, nullptr, nullptr, GEN_IPADD, s.c_str() + 3, 0);
      } else if (s.rfind("RAWIP:", 0) == 0 && s.size() > 6) {
        // Any length of address bytes: certificate_names() must cope.
        ASN1_OCTET_STRING* v = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(v, reinterpret_cast<const unsigned char*>(s.data() + 6),
                              static_cast<int>(s.size() - 6));
        g = GENERAL_NAME_new();
        GENERAL_NAME_set0_value(g, GEN_IPADD, v);
      }
      if (g) sk_GENERAL_NAME_push(gens, g);
    }
    X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(gens);
  }
  if (X509_sign(cert.get(), fuzz_key(), EVP_sha256()) <= 0) return nullptr;
  return cert;
}

SSL_CTX* server_context() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_server_method());
    if (!c) std::abort();
    smtpdiag::X509Ptr cert = make_certificate("fuzz.test", {"DNS:fuzz.test"});
    if (!cert || SSL_CTX_use_certificate(c, cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(c, fuzz_key()) != 1) {
      std::abort();
    }
    // Tickets and session caching only add noise between inputs.
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    return c;
  }();
  return ctx;
}

}  // namespace smtpdiag_fuzz
