// What a certificate says (RFC 5280 fields a person needs to see) and what
// is wrong with a chain as a server sent it: verified against a CA store
// with OpenSSL's own path building and host matching (RFC 6125), at the
// security level the caller's clients will use.
#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "tls/tls_client.h"

namespace smtpdiag {

class TrustCache;  // tls/trust_cache.h

struct CertificateInfo {
  std::string subject;              // RFC 2253 one-line
  std::string issuer;
  std::vector<std::string> san;     // "DNS:mail.example.com", "IP:192.0.2.1"
  std::string not_before;           // ISO 8601 UTC, "2026-01-01T00:00:00Z"
  std::string not_after;
  long days_left = 0;               // whole days until not_after (negative once expired)
  std::string serial;               // hex
  std::string fingerprint_sha256;   // "AB:CD:..."
  std::string key_type;             // "RSA", "EC", "ED25519", "DSA"...
  int key_bits = 0;
  std::string signature_algorithm;  // "sha256WithRSAEncryption"
  bool self_issued = false;         // subject == issuer
};

CertificateInfo inspect_certificate(X509* cert, time_t now);

// Names the certificate covers, for "it is valid for ... instead".
std::vector<std::string> certificate_names(X509* cert);
// The same, or, for a certificate without SAN, its subject CN ("CN:...")
// that host matching then falls back to.
std::vector<std::string> covered_names(X509* cert);

// Where the issuer's certificate can be fetched (Authority Information
// Access, caIssuers: RFC 5280 4.2.2.1), the URIs in the order given.
std::vector<std::string> ca_issuer_urls(X509* cert);

// Certificates from bytes fetched at such a URI: DER, PEM, or a
// certs-only PKCS#7 (.p7c); empty when it is none of these.
std::vector<X509Ptr> parse_certificates(const std::string& bytes);

struct ChainVerdict {
  bool verified = false;        // a path to a trusted root, and the name matched
  long code = -1;               // X509_V_* of the first failure, 0 when verified
  std::string error;            // X509_verify_cert_error_string(code)
  bool name_matched = false;
  bool chain_ok = false;        // path and validity fine, whatever the name
};

struct VerifyStore {
  std::string ca_file;   // empty + empty ca_path: OpenSSL's default paths
  std::string ca_path;
  int auth_level = -1;   // -1: do not enforce key/signature strength
  TrustCache* cache = nullptr;  // where the loaded store is kept; null: load for this check
};

// Verifies `chain` (leaf first, as sent) for `host` (a DNS name, an IP
// literal, or empty: no name check) at time `now`.
ChainVerdict verify_chain(const std::vector<X509Ptr>& chain, const std::string& host,
                          const VerifyStore& store, time_t now);

// The security level a default OpenSSL client context gets from the
// system configuration (Debian: 2 in /etc/ssl/openssl.cnf). PHP's streams,
// and so PHPMailer, run at this level.
int default_security_level(TrustCache* cache = nullptr);

}  // namespace smtpdiag
