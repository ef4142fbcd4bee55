// Locates where a connection attempt dies, without root: TTL-limited
// connects (1..max_hops, all at once) whose ICMP time-exceeded answers come
// back through the error queue, traceroute-style (RFC 792, RFC 4443). The
// first TTL with no answer after hops that answered marks a silent drop; a
// reference port on the same address tells "dropped on this host" from
// "hop 1 never answers".
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "net/address.h"
#include "net/classify.h"
#include "net/connect_probe.h"
#include "net/event_loop.h"
#include "net/reach_board.h"

namespace smtpdiag {

struct HopAnswer {
  enum class Kind { Pending, Silent, TimeExceeded, Reached, Prohibited, OtherIcmp, LocalError };
  Kind kind = Kind::Pending;
  std::optional<IpAddress> from;
  bool refused = false;  // Reached: RST rather than SYN-ACK
  int err = 0;
};

using HopTrace = std::vector<HopAnswer>;  // index 0 is TTL 1

struct BlockLocation {
  int hop = 0;                       // 0: this host; k: the k-th router
  std::optional<IpAddress> address;  // who that is
  bool local = false;
};

struct LocatedState {
  PortState state;
  std::optional<BlockLocation> at;
};

// Pure analysis of a trace to the failing port (`probe`) and, optionally,
// to a reference port on the same address (`reference`, may be empty).
LocatedState locate_block(PortState state, const std::optional<IcmpInfo>& icmp,
                          const HopTrace& probe, const HopTrace& reference,
                          const std::optional<IpAddress>& source);

// Runs one trace on the loop. Complete when every TTL up to the first
// terminal answer has answered, or at `until` (the rest become Silent).
class HopTracer {
 public:
  HopTracer(EventLoop& loop, IpAddress address, uint16_t port, int max_hops,
            TimePoint until);
  ~HopTracer();
  HopTracer(const HopTracer&) = delete;
  HopTracer& operator=(const HopTracer&) = delete;

  // Answers that reach the address are shared with `board` (before start()).
  void use_board(ReachBoard* board) { board_ = board; }
  void start();
  bool complete() const { return complete_; }
  // Marks unanswered TTLs Silent and stops (deadline reached).
  void finish();
  const HopTrace& trace() const { return answers_; }
  const std::optional<IpAddress>& source() const { return source_; }

 private:
  void on_answer(int ttl, ConnectOutcome&& outcome);
  void check_complete();

  EventLoop& loop_;
  IpAddress address_;
  uint16_t port_;
  TimePoint until_;
  HopTrace answers_;
  std::vector<std::unique_ptr<ConnectAttempt>> attempts_;
  std::optional<IpAddress> source_;
  ReachBoard* board_ = nullptr;
  bool complete_ = false;
};

}  // namespace smtpdiag
