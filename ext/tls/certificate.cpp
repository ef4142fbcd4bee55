#include "tls/certificate.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>

#include "net/address.h"
#include "tls/trust_cache.h"

namespace smtpdiag {

namespace {

struct BioDeleter { void operator()(BIO* b) const { BIO_free(b); } };
struct StoreCtxDeleter { void operator()(X509_STORE_CTX* s) const { X509_STORE_CTX_free(s); } };
struct StackDeleter { void operator()(STACK_OF(X509)* s) const { sk_X509_free(s); } };

std::string name_line(const X509_NAME* name) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || !name) return {};
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string iso8601(const ASN1_TIME* t) {
  tm out{};
  if (!t || ASN1_TIME_to_tm(t, &out) != 1) return {};
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", out.tm_year + 1900,
                out.tm_mon + 1, out.tm_mday, out.tm_hour, out.tm_min, out.tm_sec);
  return buf;
}

std::string hex(const unsigned char* p, size_t n, bool colons) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (colons && i) out += ':';
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

}  // namespace

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
      if (g->type == GEN_DNS) {
        const ASN1_IA5STRING* s = g->d.dNSName;
        out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                           static_cast<size_t>(ASN1_STRING_length(s))));
      } else if (g->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* s = g->d.iPAddress;
        IpAddress a;
        const int len = ASN1_STRING_length(s);
        if (len == 4 || len == 16) {
          a.family = len == 4 ? Family::V4 : Family::V6;
          std::copy(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + len, a.bytes);
          out.push_back("IP:" + a.to_string());
        }
      }
    }
    GENERAL_NAMES_free(names);
  }
  return out;
}

std::vector<std::string> covered_names(X509* cert) {
  std::vector<std::string> out = certificate_names(cert);
  if (out.empty()) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn - 1) > 0)
      out.push_back(std::string("CN:") + cn);
  }
  return out;
}

std::vector<std::string> ca_issuer_urls(X509* cert) {
  std::vector<std::string> out;
  auto* aia = static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr));
  if (!aia) return out;
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); ++i) {
    const ACCESS_DESCRIPTION* d = sk_ACCESS_DESCRIPTION_value(aia, i);
    if (OBJ_obj2nid(d->method) != NID_ad_ca_issuers || d->location->type != GEN_URI) continue;
    const ASN1_IA5STRING* u = d->location->d.uniformResourceIdentifier;
    std::string url(reinterpret_cast<const char*>(ASN1_STRING_get0_data(u)), static_cast<size_t>(ASN1_STRING_length(u)));
    // Printable ASCII only: this ends up in a request line and in findings.
    bool clean = !url.empty() && url.size() <= 2048;
    for (unsigned char c : url) clean = clean && c > 0x20 && c < 0x7f;
    if (clean) out.push_back(std::move(url));
  }
  AUTHORITY_INFO_ACCESS_free(aia);
  return out;
}

std::vector<X509Ptr> parse_certificates(const std::string& bytes) {
  std::vector<X509Ptr> out;
  if (bytes.empty() || bytes.size() > 1024 * 1024) return out;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const long len = static_cast<long>(bytes.size());
  {
    const unsigned char* q = p;
    if (X509* x = d2i_X509(nullptr, &q, len)) {
      out.emplace_back(x);
      return out;
    }
  }
  {
    const unsigned char* q = p;
    if (PKCS7* p7 = d2i_PKCS7(nullptr, &q, len)) {
      if (PKCS7_type_is_signed(p7) && p7->d.sign && p7->d.sign->cert) {
        STACK_OF(X509)* certs = p7->d.sign->cert;
        for (int i = 0; i < sk_X509_num(certs); ++i) {
          X509* x = sk_X509_value(certs, i);
          X509_up_ref(x);
          out.emplace_back(x);
        }
      }
      PKCS7_free(p7);
      if (!out.empty()) return out;
    }
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
  while (bio) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!x) break;
    out.emplace_back(x);
  }
  ERR_clear_error();
  return out;
}

CertificateInfo inspect_certificate(X509* cert, time_t now) {
  CertificateInfo c;
  if (!cert) return c;
  c.subject = name_line(X509_get_subject_name(cert));
  c.issuer = name_line(X509_get_issuer_name(cert));
  c.san = certificate_names(cert);
  c.not_before = iso8601(X509_get0_notBefore(cert));
  c.not_after = iso8601(X509_get0_notAfter(cert));
  int days = 0, secs = 0;
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> at(ASN1_TIME_set(nullptr, now), ASN1_TIME_free);
  if (at && ASN1_TIME_diff(&days, &secs, at.get(), X509_get0_notAfter(cert)) == 1) {
    c.days_left = days;
    if (days == 0 && secs < 0) c.days_left = -1;  // expired within the last day
  }
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
    if (bn) {
      char* h = BN_bn2hex(bn);
      if (h) c.serial = h;
      OPENSSL_free(h);
      BN_free(bn);
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1) c.fingerprint_sha256 = hex(md, mdlen, true);
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    const int id = EVP_PKEY_get_base_id(key);
    switch (id) {
      case EVP_PKEY_RSA: c.key_type = "RSA"; break;
      case EVP_PKEY_EC: c.key_type = "EC"; break;
      case EVP_PKEY_DSA: c.key_type = "DSA"; break;
      case EVP_PKEY_ED25519: c.key_type = "ED25519"; break;
      case EVP_PKEY_ED448: c.key_type = "ED448"; break;
      default: c.key_type = OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "unknown";
    }
    c.key_bits = EVP_PKEY_get_bits(key);
  }
  const int sig = X509_get_signature_nid(cert);
  c.signature_algorithm = OBJ_nid2ln(sig) ? OBJ_nid2ln(sig) : "unknown";
  c.self_issued = X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0;
  return c;
}

ChainVerdict verify_chain(const std::vector<X509Ptr>& chain, const std::string& host,
                          const VerifyStore& store, time_t now) {
  ChainVerdict v;
  if (chain.empty()) {
    v.error = "the server sent no certificate";
    return v;
  }
  std::string load_error;
  X509StorePtr st = store.cache ? store.cache->store(store.ca_file, store.ca_path, &load_error)
                                : load_trust_store(store.ca_file, store.ca_path, &load_error);
  if (!st) {
    v.error = "cannot load the CA store";
    return v;
  }
  std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i].get());

  auto run = [&](bool with_name, long* code) {
    std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), st.get(), chain[0].get(), untrusted.get());
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, now);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (store.auth_level >= 0) X509_VERIFY_PARAM_set_auth_level(param, store.auth_level);
    if (with_name && !host.empty()) {
      if (auto ip = IpAddress::parse(host)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
      } else {
        std::string name = host;
        if (name.back() == '.') name.pop_back();
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
      }
    }
    const int ok = X509_verify_cert(ctx.get());
    *code = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx.get());
    return ok == 1;
  };
  long without_name = 0;
  v.chain_ok = run(false, &without_name);
  long code = 0;
  v.verified = run(true, &code);
  v.code = v.verified ? X509_V_OK : (v.chain_ok ? code : without_name);
  // The name is matched when it is the only thing that failed, or nothing did.
  if (host.empty()) {
    v.name_matched = true;
  } else if (auto ip = IpAddress::parse(host)) {
    v.name_matched = X509_check_ip_asc(chain[0].get(), host.c_str(), 0) == 1;
  } else {
    std::string name = host;
    if (name.back() == '.') name.pop_back();
    v.name_matched = X509_check_host(chain[0].get(), name.c_str(), name.size(),
                                     X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1;
  }
  if (!v.verified) v.error = X509_verify_cert_error_string(v.code);
  return v;
}

int default_security_level(TrustCache* cache) {
  if (cache) {
    // The cached default context (plain settings, the system store), not
    // a new SSL_CTX per check.
    TlsClientOptions o;
    o.allow_legacy = false;
    std::string error;
    if (SslCtxPtr ctx = cache->context(o, &error)) return SSL_CTX_get_security_level(ctx.get());
  }
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  return ctx ? SSL_CTX_get_security_level(ctx.get()) : 1;
}

}  // namespace smtpdiag
