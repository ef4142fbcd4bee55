#include "net/event_loop.h"

#include <sys/epoll.h>

#include <cerrno>

namespace smtpdiag {

EventLoop::EventLoop() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {}

bool EventLoop::watch(int fd, uint32_t events, IoHandler handler) {
  const uint32_t gen = next_generation_++;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = (static_cast<uint64_t>(gen) << 32) | static_cast<uint32_t>(fd);
  if (epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  handlers_[fd] = Entry{gen, std::move(handler)};
  return true;
}

bool EventLoop::modify(int fd, uint32_t events) {
  auto it = handlers_.find(fd);
  if (it == handlers_.end()) return false;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = (static_cast<uint64_t>(it->second.generation) << 32) |
                static_cast<uint32_t>(fd);
  return epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::unwatch(int fd) {
  auto it = handlers_.find(fd);
  if (it == handlers_.end()) return;
  epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(it);
}

EventLoop::TimerId EventLoop::add_timer(TimePoint when, TimerHandler handler) {
  const TimerId id = next_timer_++;
  timers_.emplace(std::make_pair(when, id), std::move(handler));
  timer_index_[id] = when;
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = timer_index_.find(id);
  if (it == timer_index_.end()) return;
  timers_.erase(std::make_pair(it->second, id));
  timer_index_.erase(it);
}

bool EventLoop::run(Deadline deadline, const std::function<bool()>& done) {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  for (;;) {
    if (done()) return true;
    TimePoint now = Clock::now();
    // Fire due timers first; a handler may add timers, so re-check begin().
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
      auto node = timers_.extract(timers_.begin());
      timer_index_.erase(node.key().second);
      node.mapped()();
      if (done()) return true;
      now = Clock::now();
    }
    if (deadline.expired(now)) return false;

    int wait_ms = deadline.remaining_ms(now);
    if (!timers_.empty()) {
      const int t = Deadline(timers_.begin()->first.first).remaining_ms(now);
      if (wait_ms < 0 || t < wait_ms) wait_ms = t;
    }
    // A hook may finish queries whose callbacks remove hooks: walk ids.
    std::vector<HookId> ids;
    for (const auto& kv : wait_hooks_) ids.push_back(kv.first);
    for (HookId id : ids) {
      auto found = wait_hooks_.find(id);
      if (found == wait_hooks_.end()) continue;
      WaitHook hook = found->second;
      const int h = hook();
      if (h >= 0 && (wait_ms < 0 || h < wait_ms)) wait_ms = h;
    }
    if (handlers_.empty() && timers_.empty() && wait_hooks_.empty()) {
      // Nothing can ever make done() true: report instead of sleeping.
      return done();
    }

    const int n = epoll_wait(epfd_.get(), events, kMaxEvents, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;  // a signal: recompute the wait and go on
      return false;
    }
    for (int i = 0; i < n; ++i) {
      const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      const auto gen = static_cast<uint32_t>(events[i].data.u64 >> 32);
      auto it = handlers_.find(fd);
      if (it == handlers_.end() || it->second.generation != gen) continue;
      // Copy: the handler may unwatch itself, destroying the stored one.
      IoHandler handler = it->second.handler;
      handler(events[i].events);
    }
  }
}

}  // namespace smtpdiag
