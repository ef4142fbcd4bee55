// One non-blocking TCP connect with the ICMP error queue switched on
// (IP_RECVERR / IPV6_RECVERR), so that a failure says who refused it: the
// peer, a router (and which one), or this host.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/address.h"
#include "net/event_loop.h"
#include "net/reach_board.h"
#include "net/unique_fd.h"

namespace smtpdiag {

// An ICMP (or locally generated) error read from the socket's error queue.
struct IcmpInfo {
  enum class Origin { Icmp, Icmp6, Local, Other };
  Origin origin = Origin::Other;
  int type = 0;
  int code = 0;
  int err = 0;                        // the errno the kernel attached
  std::optional<IpAddress> from;      // SO_EE_OFFENDER, when given
};

struct ConnectOutcome {
  enum class Kind { Connected, Failed, TimedOut };
  Kind kind = Kind::Failed;
  int err = 0;                        // errno for Failed (ETIMEDOUT for TimedOut)
  bool immediate = false;             // connect() itself failed (no packet was answered)
  std::optional<IcmpInfo> icmp;
  double ms = 0;                      // from connect() to the outcome
  std::optional<IpAddress> source;    // our address for this attempt
  // TimedOut only: given up before the connect timeout because the board
  // said the silence was a drop (net/reach_board.h); `syns` SYNs had gone
  // out unanswered (TCP_INFO), 0 when not known.
  bool early = false;
  int syns = 0;
  UniqueFd fd;                        // the connected socket (Connected only)
};

// Drains the error queue of `fd`, returning the most recent ICMP error.
std::optional<IcmpInfo> read_error_queue(int fd, Family family);

// Starts a connect; calls `done` exactly once (from the loop, or from
// start() itself when connect() fails at once). `ttl` > 0 limits the hop
// count (used by the hop locator). The attempt must outlive the loop run or
// be destroyed, which cancels it without calling `done`.
class ConnectAttempt {
 public:
  using Callback = std::function<void(ConnectOutcome&&)>;

  ConnectAttempt(EventLoop& loop, IpAddress address, uint16_t port,
                 TimePoint give_up, int ttl, Callback done);
  ~ConnectAttempt();
  ConnectAttempt(const ConnectAttempt&) = delete;
  ConnectAttempt& operator=(const ConnectAttempt&) = delete;

  // Shares this attempt's answer with `board` and, when it stays silent,
  // lets the board end it early (TimedOut, `early`). Before start().
  void use_board(ReachBoard* board) { board_ = board; }

  void start();
  bool finished() const { return finished_; }
  // Ends the attempt now as TimedOut (the caller's deadline came first).
  void abandon();

 private:
  void on_event(uint32_t events);
  void finish(ConnectOutcome&& outcome);
  void capture_source(ConnectOutcome& out) const;
  void schedule_patience_check(TimePoint when);
  void check_patience();
  int syns_sent() const;

  EventLoop& loop_;
  IpAddress address_;
  uint16_t port_;
  TimePoint give_up_;
  int ttl_;
  Callback done_;
  UniqueFd fd_;
  TimePoint started_{};
  EventLoop::TimerId timer_ = 0;
  EventLoop::TimerId patience_timer_ = 0;
  ReachBoard* board_ = nullptr;
  bool finished_ = false;
  std::optional<IcmpInfo> last_icmp_;
};

}  // namespace smtpdiag
