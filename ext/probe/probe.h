// smtpdiag_probe(): every SMTP port of a host, on every address, probed at
// once on one loop under one deadline, each outcome classified and, where
// blocked, located; open ports get a greeting, EHLO and TLS.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "diagnose/finding.h"
#include "net/address.h"
#include "net/classify.h"
#include "net/event_loop.h"
#include "net/hop_locator.h"
#include "net/reach_board.h"
#include "smtp/probe_session.h"

namespace smtpdiag {

class TrustCache;  // tls/trust_cache.h

enum class FamilyPref { Any, V4, V6 };

struct ProbeConfig {
  std::string host;
  std::vector<uint16_t> ports{25, 465, 587, 2525};
  std::vector<uint16_t> implicit_tls_ports{465};
  double timeout = 10.0;          // the whole call, seconds
  double connect_timeout = 5.0;   // each TCP connect, seconds
  FamilyPref family = FamilyPref::Any;
  std::vector<std::pair<IpAddress, uint16_t>> dns_servers;
  std::string ca_file;
  std::string ca_path;
  std::string ehlo_name;
  std::optional<std::string> sni;  // default: the host when it is a DNS name
  bool tls = true;
  int tls_max_version = 0;         // 0: OpenSSL's highest (see TlsClientOptions)
  bool trace = true;
  int max_hops = 12;
  // Ports whose server must say something first (the greeting, or its side
  // of the implicit-TLS handshake) within first_answer_timeout seconds of
  // the connect; the others may take until the deadline. smtpdiag_diagnose
  // holds the configured port to what its session allows (a connect
  // timeout), so a port that never greets is not waited on twice as long.
  std::vector<uint16_t> first_answer_ports;
  double first_answer_timeout = 0;
  // Where CA stores and TLS contexts are kept between calls (the
  // extension's per-thread cache); null: built for this call alone. Every
  // configuration that embeds a ProbeConfig passes it on.
  TrustCache* trust = nullptr;
  // Give a silent port up once other ports or addresses of the host have
  // answered and its SYN went unanswered twice (net/reach_board.h), rather
  // than waiting the whole connect_timeout. `reach`: the caller's board,
  // shared by every connection of a larger call; null: the run keeps its own.
  bool early_verdict = true;
  ReachBoard* reach = nullptr;
};

struct DnsObservation {
  std::string status;   // ok, literal, nxdomain, no_address, timeout, servfail, refused, unreachable, error
  std::string error;    // readable, empty when ok
  double ms = 0;
  std::string resolver; // which servers were asked ("system" for resolv.conf)
};

struct PortResult {
  uint16_t port = 0;
  IpAddress address;
  PortState state = PortState::Error;
  int err = 0;
  std::optional<IcmpInfo> icmp;
  std::optional<BlockLocation> blocked_at;
  double connect_ms = 0;
  bool gave_up_early = false;  // Filtered on the board's evidence, before connect_timeout
  int syns = 0;                // SYNs sent unanswered (TimedOut only; 0: unknown)
  std::optional<double> answered_ms;  // the fastest answer another port of this address gave
  std::optional<SmtpObservation> smtp;
  std::optional<TlsObservation> tls;
};

struct ProbeResult {
  std::string host;
  std::vector<IpAddress> addresses;
  DnsObservation dns;
  std::vector<PortResult> ports;  // address order, then port order
  std::vector<Finding> findings;
  double elapsed_ms = 0;
};

// The probe as a component of a larger call (diagnose): started on the
// caller's loop under the caller's deadline.
class ProbeRun {
 public:
  ProbeRun(EventLoop& loop, const ProbeConfig& config, Deadline deadline);
  ~ProbeRun();
  void start();
  bool done() const;
  ProbeResult finish();  // stops what still runs, classifies, builds findings

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// On its own loop (smtpdiag_probe()).
ProbeResult run_probe(const ProbeConfig& config);

// Rules over a probe result (probe/probe_rules.cpp).
std::vector<Finding> probe_findings(const ProbeResult& result);

}  // namespace smtpdiag
