// Helpers shared by the fuzz targets: a cursor over the fuzzer's bytes and
// an in-memory self-signed certificate (EC P-256) for TLS server ends and
// certificate checks. Nothing here touches the network or the disk.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tls/tls_client.h"

namespace smtpdiag_fuzz {

// Reads the fuzzer's input front to back; every read is bounded by what is
// left, so a short input simply yields zeros and empty strings.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size) : p_(data), left_(size) {}
  bool empty() const { return left_ == 0; }
  size_t left() const { return left_; }
  uint8_t byte() {
    if (!left_) return 0;
    --left_;
    return *p_++;
  }
  uint16_t u16() { return static_cast<uint16_t>((byte() << 8) | byte()); }
  std::string bytes(size_t n) {
    n = n < left_ ? n : left_;
    std::string out(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    left_ -= n;
    return out;
  }
  std::string rest() { return bytes(left_); }

 private:
  const uint8_t* p_;
  size_t left_;
};

// Splits on '\n' (a trailing '\r' is kept: callers decide).
std::vector<std::string> split_lines(std::string_view text);

// One EC key and a self-signed certificate for `cn` with the given SANs
// ("DNS:name", "IP:addr", anything else is skipped). Built on demand; the
// key is made once per process (key generation dominates the cost).
EVP_PKEY* fuzz_key();
smtpdiag::X509Ptr make_certificate(const std::string& cn, const std::vector<std::string>& sans);

// A TLS server context holding fuzz_key() and a certificate for
// "fuzz.test"; made once per process.
SSL_CTX* server_context();

}  // namespace smtpdiag_fuzz
