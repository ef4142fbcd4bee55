// One epoll loop per call: every socket (SMTP probes, hop tracers, c-ares)
// and every timer of a call is driven from here, under one deadline.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include "net/unique_fd.h"
#include "util/deadline.h"

namespace smtpdiag {

class EventLoop {
 public:
  using IoHandler = std::function<void(uint32_t events)>;
  using TimerHandler = std::function<void()>;
  using TimerId = uint64_t;
  // Called before every wait; returns the longest it may sleep in ms
  // (-1: no limit). Used by c-ares to keep its retransmit timers.
  using WaitHook = std::function<int()>;

  EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool ok() const { return static_cast<bool>(epfd_); }

  // Watches fd for `events` (EPOLLIN/EPOLLOUT...). The handler may add or
  // remove any fd, including its own; events for a removed fd are dropped
  // even if the number was reused in the same round.
  bool watch(int fd, uint32_t events, IoHandler handler);
  bool modify(int fd, uint32_t events);
  void unwatch(int fd);

  TimerId add_timer(TimePoint when, TimerHandler handler);
  void cancel_timer(TimerId id);

  using HookId = uint64_t;
  HookId add_wait_hook(WaitHook hook) {
    wait_hooks_.emplace(next_hook_, std::move(hook));
    return next_hook_++;
  }
  void remove_wait_hook(HookId id) { wait_hooks_.erase(id); }

  // Dispatches events and timers until `done()` is true or the deadline
  // passes. Returns true when done, false on deadline or epoll failure.
  bool run(Deadline deadline, const std::function<bool()>& done);

  size_t watched() const { return handlers_.size(); }

 private:
  struct Entry {
    uint32_t generation;
    IoHandler handler;
  };
  UniqueFd epfd_;
  uint32_t next_generation_ = 1;
  std::unordered_map<int, Entry> handlers_;
  TimerId next_timer_ = 1;
  std::map<std::pair<TimePoint, TimerId>, TimerHandler> timers_;
  std::unordered_map<TimerId, TimePoint> timer_index_;
  std::map<HookId, WaitHook> wait_hooks_;
  HookId next_hook_ = 1;
};

}  // namespace smtpdiag
