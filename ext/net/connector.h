// Resolves a host and connects to every address at once; the first that
// connects wins (the others are closed), for conversations that need one
// working connection (send test, AUTH check). Failures keep their evidence.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "net/classify.h"
#include "net/connect_probe.h"
#include "net/event_loop.h"
#include "net/reach_board.h"

namespace smtpdiag {

enum class FamilyPref;

struct ConnectorConfig {
  std::string host;
  uint16_t port = 0;
  bool v4 = true;
  bool v6 = true;
  std::vector<std::pair<IpAddress, uint16_t>> dns_servers;
  double connect_timeout = 5.0;
  // The call's board (net/reach_board.h): answers are shared there and a
  // silent address may be given up early; null: wait connect_timeout.
  ReachBoard* reach = nullptr;
};

struct AddressAttempt {
  IpAddress address;
  PortState state = PortState::Error;
  int err = 0;
  std::optional<IcmpInfo> icmp;
  double ms = 0;
  // Given up before connect_timeout (net/reach_board.h): the SYNs sent
  // unanswered, and how fast the address answered another port, if it did.
  bool gave_up_early = false;
  int syns = 0;
  std::optional<double> answered_ms;
};

struct ConnectorResult {
  std::string dns_status;   // ok, literal, nxdomain, no_address, timeout, ...
  double dns_ms = 0;
  std::vector<AddressAttempt> attempts;
  std::optional<IpAddress> connected;  // the winner
  UniqueFd fd;
};

class Connector {
 public:
  using Done = std::function<void(ConnectorResult&&)>;
  Connector(EventLoop& loop, ConnectorConfig config, Deadline deadline, Done done);
  ~Connector();
  void start();
  // The call's deadline: report what is known.
  void abandon();
  bool finished() const { return finished_; }

 private:
  void on_dns(Family f, DnsStatus st, std::vector<IpAddress> addrs);
  void on_connect(size_t index, ConnectOutcome&& o);
  void maybe_finish();
  void finish();

  EventLoop& loop_;
  ConnectorConfig cfg_;
  Deadline deadline_;
  Done done_;
  TimePoint t0_;
  std::unique_ptr<Resolver> resolver_;
  int dns_pending_ = 0;
  DnsStatus v4_ = DnsStatus::NoData, v6_ = DnsStatus::NoData;
  std::vector<std::unique_ptr<ConnectAttempt>> attempts_;
  ConnectorResult result_;
  std::vector<bool> done_flags_;
  bool finished_ = false;
};

}  // namespace smtpdiag
