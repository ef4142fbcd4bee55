// Fuzzes certificate inspection and name matching (ext/tls/certificate):
// certificate_names(), inspect_certificate() and verify_chain() with its
// RFC 6125 host check, on certificates the fuzzer shapes.
//
// Input: byte 0 picks the mode.
//   'D'  the rest is DER, parsed with d2i_X509 (a hostile server's bytes);
//        the host to match is "mail.example.test".
//   else lines: line 0 the host asked for, line 1 the subject CN, lines 2+
//        subjectAltName entries ("DNS:name", "IP:addr", "RAWIP:bytes"),
//        signed into a self-signed certificate.
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "tls/certificate.h"

namespace {

void exercise(X509* cert, const std::string& host) {
  (void)smtpdiag::certificate_names(cert);
  (void)smtpdiag::inspect_certificate(cert, 1700000000);
  std::vector<smtpdiag::X509Ptr> chain;
  X509_up_ref(cert);
  chain.emplace_back(cert);
  // An empty CA file: nothing is trusted, and no system store is read per input.
  smtpdiag::VerifyStore store;
  store.ca_path = "/nonexistent-smtpdiag-fuzz";
  store.auth_level = 1;
  const smtpdiag::ChainVerdict v = smtpdiag::verify_chain(chain, host, store, 1700000000);
  if (v.verified && !v.name_matched) std::abort();
  if (v.verified && v.code != X509_V_OK) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 32768) return 0;
  if (size == 0) return 0;
  if (data[0] == 'D') {
    const unsigned char* p = data + 1;
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(size - 1));
    if (cert) {
      exercise(cert, "mail.example.test");
      exercise(cert, "192.0.2.1");
      X509_free(cert);
    }
    return 0;
  }
  const auto lines = smtpdiag_fuzz::split_lines(
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  if (lines.size() > 64) return 0;
  const std::string host = lines[0];
  const std::string cn = lines.size() > 1 ? lines[1] : std::string();
  const std::vector<std::string> sans(lines.size() > 2 ? lines.begin() + 2 : lines.end(), lines.end());
  smtpdiag::X509Ptr cert = smtpdiag_fuzz::make_certificate(cn, sans);
  if (!cert) return 0;
  exercise(cert.get(), host);
  return 0;
}
