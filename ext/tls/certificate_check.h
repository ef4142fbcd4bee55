// smtpdiag_check_certificate(): one TLS session to host:port (STARTTLS or
// implicit), the chain judged twice, against the system store and against
// the CA bundle PHP uses, so a finding can say whose fault it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "probe/probe.h"
#include "tls/certificate.h"

namespace smtpdiag {

struct CertificateCheckConfig {
  ProbeConfig probe;            // host, timeouts, family, DNS, ehlo_name
  uint16_t port = 587;
  std::string mode = "auto";    // auto | starttls | implicit
  std::optional<std::string> sni;
  int warn_days = 14;
  // PHP's CA as PHP would use it (openssl.cafile / openssl.capath); both
  // empty: OpenSSL's default store, the same as the system's.
  std::string php_ca_file;
  std::string php_ca_path;
};

// The intermediate a server did not send, fetched from where its
// certificate says it is published (tls/certificate_followup.h).
struct IntermediateCheck {
  std::string url;            // the caIssuers URI tried; empty: the leaf names none
  bool fetched = false;       // a certificate came back
  std::string subject;        // of the fetched certificate
  bool verifies = false;      // the chain verifies with it (and the name matches)
  std::string error;          // why not fetched, or why it still fails
};

struct CertificateReport {
  bool connected = false;       // a TLS session was established
  std::string address;          // where it was
  std::string mode;             // starttls | implicit
  std::string error;            // why there is no session, when there is none
  std::string protocol;
  std::string cipher;
  std::vector<CertificateInfo> chain;  // as sent, leaf first
  std::vector<std::string> errors;     // expired, hostname_mismatch, ... (cert_ prefix dropped)
  std::vector<std::string> covered_names;
  ChainVerdict system;          // against OpenSSL's default store
  ChainVerdict php;             // against PHP's CA, at the default security level
  bool php_accepts = false;     // PHPMailer's verdict (stream TLS, default options)
  std::string php_ca;           // the bundle PHP uses ("OpenSSL default" when none set)
  std::string greeting_name;    // first word of the server's greeting
  std::optional<IntermediateCheck> intermediate;  // only for an incomplete chain
  std::vector<std::string> tls_versions;          // versions seen to work, best first (TLS < 1.2 only)
  bool ok = false;              // verified with PHP's CA and nothing critical
  std::vector<Finding> findings;
  ProbeResult probe;            // the underlying connection attempt
};

CertificateReport run_certificate_check(const CertificateCheckConfig& config);

// Judges the TLS session a probe made on `port` (its chain) into `report`:
// shared by smtpdiag_check_certificate() and smtpdiag_diagnose().
void fill_certificate_report(const PortResult& port, const CertificateCheckConfig& config,
                             CertificateReport* report);

// How the CA store PHP verifies with is named in findings: the file, the
// directory, or "OpenSSL default (/usr/lib/ssl/cert.pem)".
std::string ca_store_name(const std::string& ca_file, const std::string& ca_path);

// The words a certificate finding fills from the leaf ({subject}, {issuer},
// {not_before}, {not_after}, {days_left}, {days_ago}, {names}, {key},
// {signature}); certificate_findings() adds what only a whole report knows.
std::map<std::string, std::string> certificate_words(const CertificateInfo& leaf,
                                                     const std::vector<std::string>& names);

// Rules over a report (tls/certificate_rules.cpp).
std::vector<Finding> certificate_findings(const CertificateReport& report,
                                          const CertificateCheckConfig& config);

// Judges a chain as sent (shared with smtpdiag_probe()'s tls.certificate).
struct ChainJudgement {
  std::vector<std::string> errors;
  std::vector<std::string> covered_names;
  ChainVerdict system;
  ChainVerdict php;
  bool php_accepts = false;
};
ChainJudgement judge_chain(const std::vector<X509Ptr>& chain, const std::string& host,
                           const std::string& protocol, int warn_days,
                           const VerifyStore& php_store, time_t now);

}  // namespace smtpdiag
