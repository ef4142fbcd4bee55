// smtpdiag_send_test(): one real message through the configured server,
// and where it stops, the stage, the server's words and a finding.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "diagnose/finding.h"
#include "net/connector.h"
#include "probe/probe.h"
#include "smtp/send_session.h"

namespace smtpdiag {

struct SendConfig {
  ProbeConfig net;               // host, timeouts, family, DNS, ca_file, ehlo_name
  uint16_t port = 587;
  SendSessionOptions session;    // encryption, auth, verify_peer, ...
  MessageSpec message;
  bool auth_only = false;        // AUTH then QUIT (diagnose)
};

struct SendResult {
  SendObservation session;
  std::string dns_status;
  double dns_ms = 0;
  std::vector<AddressAttempt> attempts;
  std::string address;           // where it talked
  std::vector<Finding> findings;
  double elapsed_ms = 0;
};

// The test send (or AUTH check) as a component of a larger call.
class SendRun {
 public:
  SendRun(EventLoop& loop, SendConfig config, Deadline deadline);
  ~SendRun();
  void start();
  bool done() const;
  SendResult finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// On its own loop (smtpdiag_send_test()).
SendResult run_send_test(SendConfig config);

// Rules: the finding for where it stopped (smtp/send_rules.cpp).
std::vector<Finding> send_findings(const SendResult& result, const SendConfig& config);

}  // namespace smtpdiag
