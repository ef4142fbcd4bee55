// smtpdiag_diagnose(): the product's main job. Given the settings a site
// sends with, run everything at once on one loop under one deadline --
// every SMTP port on every address, the configured session (TLS, AUTH,
// then QUIT), the certificate, HTTPS reachability of the host and of the
// mail providers' APIs, the From domain, the PHP environment -- and name
// the one root cause with its fix (diagnose/rules.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diagnose/environment.h"
#include "diagnose/finding.h"
#include "mailauth/domain_check.h"
#include "probe/probe.h"
#include "smtp/send_test.h"
#include "tls/certificate_check.h"
#include "tls/http_get.h"

namespace smtpdiag {

struct DiagnoseConfig {
  ProbeConfig net;                 // host, timeouts, family, DNS, ca_file, ehlo_name
  uint16_t port = 587;
  SendSessionOptions session;      // encryption, auto_tls, auth, verify_peer
  std::string from;                // the From address (its domain is checked)
  std::optional<MessageSpec> send; // also send this message
  std::vector<std::string> api_hosts;  // empty: default_api_hosts()
  bool api_hosts_given = false;
  EnvironmentInfo environment;     // PHP's side, filled by the caller
  int warn_days = 14;
  bool check_domain = true;
  std::vector<std::string> dkim_selectors;
};

struct HttpsCheck {
  std::string host;
  std::string provider;  // empty for the mail host itself
  HttpResult result;
};

struct DiagnoseResult {
  bool ok = false;
  std::string root_cause;          // empty when healthy
  std::vector<Finding> findings;   // root cause first, then most severe first
  ProbeResult probe;
  std::optional<CertificateReport> certificate;
  std::optional<DomainReport> domain;
  std::optional<SendResult> session;  // the configured settings: TLS, AUTH, QUIT
  std::optional<SendResult> send;
  std::vector<HttpsCheck> https;
  EnvironmentInfo environment;
  double elapsed_ms = 0;
};

// One diagnosis as a component of a loop (diagnose_many runs many).
class DiagnoseRun {
 public:
  DiagnoseRun(EventLoop& loop, DiagnoseConfig config, Deadline deadline);
  ~DiagnoseRun();
  void start();
  // The loop's predicate. Not const: once the parts are done it starts the
  // certificate's follow-ups (a missing intermediate, old TLS versions) on
  // the same loop, in the time left; true when those are done too.
  bool done();
  // Stops what still runs (at the deadline) and applies the rules.
  DiagnoseResult finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

DiagnoseResult run_diagnose(DiagnoseConfig config);
// Many configurations on one loop, `concurrency` at a time, each with its
// own deadline (its timeout from when it starts); results in input order.
std::vector<DiagnoseResult> run_diagnose_many(std::vector<DiagnoseConfig> configs, int concurrency);

// The rules (diagnose/rules.cpp): findings and the root cause.
void apply_rules(const DiagnoseConfig& config, DiagnoseResult& result);

}  // namespace smtpdiag
