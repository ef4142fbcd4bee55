#include "net/event_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <vector>

namespace smtpdiag {
namespace {

using std::chrono::milliseconds;

struct Pipe {
  UniqueFd r, w;
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
  void put() const { EXPECT_EQ(write(w.get(), "x", 1), 1); }
};

TEST(EventLoop, TimersFireInTimeOrder) {
  EventLoop loop;
  ASSERT_TRUE(loop.ok());
  std::vector<int> fired;
  const TimePoint now = Clock::now();
  loop.add_timer(now + milliseconds(30), [&] { fired.push_back(3); });
  loop.add_timer(now + milliseconds(10), [&] { fired.push_back(1); });
  loop.add_timer(now + milliseconds(20), [&] { fired.push_back(2); });
  // Same instant: in the order they were added.
  loop.add_timer(now + milliseconds(20), [&] { fired.push_back(22); });
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return fired.size() == 4; }));
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 22, 3}));
  EXPECT_GE(ms_between(now, Clock::now()), 30.0);
}

TEST(EventLoop, TimerAddedByATimerRuns) {
  EventLoop loop;
  std::vector<int> fired;
  loop.add_timer(Clock::now(), [&] {
    fired.push_back(1);
    loop.add_timer(Clock::now(), [&] { fired.push_back(2); });
  });
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return fired.size() == 2; }));
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST(EventLoop, CancelTimer) {
  EventLoop loop;
  bool cancelled_fired = false;
  bool later_fired = false;
  const TimePoint now = Clock::now();
  const auto id = loop.add_timer(now + milliseconds(5), [&] { cancelled_fired = true; });
  loop.add_timer(now + milliseconds(25), [&] { later_fired = true; });
  loop.cancel_timer(id);
  loop.cancel_timer(id);      // twice: harmless
  loop.cancel_timer(999999);  // unknown: harmless
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return later_fired; }));
  EXPECT_FALSE(cancelled_fired);
}

TEST(EventLoop, TimerCancelledByAnEarlierTimerDoesNotFire) {
  EventLoop loop;
  bool second_fired = false;
  bool third_fired = false;
  const TimePoint due = Clock::now();
  EventLoop::TimerId second = 0;
  loop.add_timer(due, [&] { loop.cancel_timer(second); });
  second = loop.add_timer(due, [&] { second_fired = true; });
  loop.add_timer(due + milliseconds(10), [&] { third_fired = true; });
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return third_fired; }));
  EXPECT_FALSE(second_fired);
}

TEST(EventLoop, RunReturnsFalseAtTheDeadlineWithoutSpinning) {
  EventLoop loop;
  Pipe p;  // watched, never readable
  ASSERT_TRUE(loop.watch(p.r.get(), EPOLLIN, [](uint32_t) { ADD_FAILURE() << "no event"; }));
  bool far_timer = false;
  loop.add_timer(Clock::now() + std::chrono::seconds(10), [&] { far_timer = true; });
  int polls = 0;
  const TimePoint start = Clock::now();
  EXPECT_FALSE(loop.run(Deadline::after(0.1, start), [&] {
    ++polls;
    return false;
  }));
  const double ms = ms_between(start, Clock::now());
  EXPECT_GE(ms, 100.0);
  EXPECT_LT(ms, 150.0);
  EXPECT_LE(polls, 5) << "the loop woke up " << polls << " times in 100 ms";
  EXPECT_FALSE(far_timer);
}

TEST(EventLoop, RunWithNothingToWaitForReturnsAtOnce) {
  EventLoop loop;
  const TimePoint start = Clock::now();
  EXPECT_FALSE(loop.run(Deadline::after(1.0, start), [] { return false; }));
  EXPECT_LT(ms_between(start, Clock::now()), 50.0);
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [] { return true; }));
}

TEST(EventLoop, ReadableFdIsDelivered) {
  EventLoop loop;
  Pipe p;
  int calls = 0;
  ASSERT_TRUE(loop.watch(p.r.get(), EPOLLIN, [&](uint32_t ev) {
    EXPECT_TRUE(ev & EPOLLIN);
    char c;
    EXPECT_EQ(read(p.r.get(), &c, 1), 1);
    ++calls;
  }));
  EXPECT_FALSE(loop.watch(p.r.get(), EPOLLIN, [](uint32_t) {}));  // already watched
  EXPECT_EQ(loop.watched(), 1u);
  p.put();
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return calls == 1; }));
  loop.unwatch(p.r.get());
  loop.unwatch(p.r.get());  // twice: harmless
  EXPECT_EQ(loop.watched(), 0u);
}

// Two fds ready in the same round; whichever handler runs first removes
// both. The other's event, already returned by epoll_wait, must be dropped.
TEST(EventLoop, HandlerUnwatchingItselfAndAnotherFdInTheSameRound) {
  EventLoop loop;
  Pipe a, b;
  int a_calls = 0, b_calls = 0;
  auto remove_both = [&] {
    loop.unwatch(a.r.get());
    loop.unwatch(b.r.get());
  };
  ASSERT_TRUE(loop.watch(a.r.get(), EPOLLIN, [&](uint32_t) {
    ++a_calls;
    remove_both();
  }));
  ASSERT_TRUE(loop.watch(b.r.get(), EPOLLIN, [&](uint32_t) {
    ++b_calls;
    remove_both();
  }));
  a.put();
  b.put();
  bool ticked = false;
  loop.add_timer(Clock::now() + milliseconds(30), [&] { ticked = true; });
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return ticked; }));
  EXPECT_EQ(a_calls + b_calls, 1);
  EXPECT_EQ(loop.watched(), 0u);
}

// Same round, but the handler also closes the other fd and opens a new
// one that gets the same number: the stale event must not reach the new
// handler.
TEST(EventLoop, ReusedFdNumberInTheSameRoundGetsNoStaleEvent) {
  EventLoop loop;
  Pipe a, b;
  a.put();
  b.put();
  int first_calls = 0;
  int reused_calls = 0;
  bool reused_number = false;
  std::unique_ptr<Pipe> replacement;
  auto replace_other = [&](Pipe& self, Pipe& other) {
    ++first_calls;
    loop.unwatch(self.r.get());
    const int number = other.r.get();
    loop.unwatch(number);
    other.r.reset();
    replacement = std::make_unique<Pipe>();  // lowest free number: `number`
    reused_number = replacement->r.get() == number;
    ASSERT_TRUE(loop.watch(replacement->r.get(), EPOLLIN, [&](uint32_t) { ++reused_calls; }));
  };
  ASSERT_TRUE(loop.watch(a.r.get(), EPOLLIN, [&](uint32_t) { replace_other(a, b); }));
  ASSERT_TRUE(loop.watch(b.r.get(), EPOLLIN, [&](uint32_t) { replace_other(b, a); }));
  bool ticked = false;
  loop.add_timer(Clock::now() + milliseconds(30), [&] { ticked = true; });
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return ticked; }));
  EXPECT_EQ(first_calls, 1);
  EXPECT_TRUE(reused_number) << "the test did not manage to reuse the fd number";
  EXPECT_EQ(reused_calls, 0);
  // The new registration does work.
  replacement->put();
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return reused_calls == 1; }));
  loop.unwatch(replacement->r.get());
}

// Across rounds: a readable fd is unwatched and closed without reading; a
// new empty pipe with the same number is watched. No event may arrive.
TEST(EventLoop, WatchOfAReusedFdNumberGetsNoStaleEvents) {
  EventLoop loop;
  auto old_pipe = std::make_unique<Pipe>();
  const int number = old_pipe->r.get();
  old_pipe->put();
  int old_calls = 0;
  ASSERT_TRUE(loop.watch(number, EPOLLIN, [&](uint32_t) { ++old_calls; }));
  loop.unwatch(number);
  old_pipe.reset();
  Pipe fresh;
  ASSERT_EQ(fresh.r.get(), number) << "the test did not manage to reuse the fd number";
  int fresh_calls = 0;
  ASSERT_TRUE(loop.watch(fresh.r.get(), EPOLLIN, [&](uint32_t) { ++fresh_calls; }));
  EXPECT_FALSE(loop.run(Deadline::after(0.05), [] { return false; }));
  EXPECT_EQ(old_calls, 0);
  EXPECT_EQ(fresh_calls, 0);
  loop.unwatch(fresh.r.get());
}

// The same when the old fd was closed while still watched (epoll drops it
// by itself; the loop still has the old handler under that number).
TEST(EventLoop, WatchAfterCloseWithoutUnwatch) {
  EventLoop loop;
  auto old_pipe = std::make_unique<Pipe>();
  const int number = old_pipe->r.get();
  old_pipe->put();
  int old_calls = 0;
  ASSERT_TRUE(loop.watch(number, EPOLLIN, [&](uint32_t) { ++old_calls; }));
  old_pipe.reset();
  Pipe fresh;
  ASSERT_EQ(fresh.r.get(), number);
  int fresh_calls = 0;
  ASSERT_TRUE(loop.watch(fresh.r.get(), EPOLLIN, [&](uint32_t) { ++fresh_calls; }));
  EXPECT_FALSE(loop.run(Deadline::after(0.05), [] { return false; }));
  EXPECT_EQ(old_calls, 0);
  EXPECT_EQ(fresh_calls, 0);
  fresh.put();
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return fresh_calls == 1; }));
  loop.unwatch(fresh.r.get());
}

std::atomic<int> g_alarms{0};
void on_alarm(int) { g_alarms.fetch_add(1); }

TEST(EventLoop, SignalDuringRunDoesNotAbortIt) {
  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: epoll_wait fails with EINTR
  struct sigaction old {};
  ASSERT_EQ(sigaction(SIGALRM, &sa, &old), 0);
  g_alarms = 0;
  itimerval every{{0, 10000}, {0, 10000}};  // every 10 ms
  ASSERT_EQ(setitimer(ITIMER_REAL, &every, nullptr), 0);

  EventLoop loop;
  Pipe p;  // something to wait on
  ASSERT_TRUE(loop.watch(p.r.get(), EPOLLIN, [](uint32_t) {}));
  bool fired = false;
  const TimePoint start = Clock::now();
  loop.add_timer(start + milliseconds(80), [&] { fired = true; });
  const bool done = loop.run(Deadline::after(1.0, start), [&] { return fired; });
  const double ms = ms_between(start, Clock::now());

  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  // SIG_IGN discards an alarm still pending, then the old action returns.
  signal(SIGALRM, SIG_IGN);
  sigaction(SIGALRM, &old, nullptr);

  EXPECT_TRUE(done);
  EXPECT_TRUE(fired);
  EXPECT_GE(ms, 80.0);
  EXPECT_LT(ms, 500.0);
  EXPECT_GE(g_alarms.load(), 2) << "the signal never interrupted the wait";
  loop.unwatch(p.r.get());
}

TEST(EventLoop, WaitHookShortensTheWait) {
  EventLoop loop;
  Pipe p;
  ASSERT_TRUE(loop.watch(p.r.get(), EPOLLIN, [](uint32_t) {}));
  int hook_calls = 0;
  loop.add_wait_hook([&] {
    ++hook_calls;
    return 5;
  });
  const TimePoint start = Clock::now();
  EXPECT_TRUE(loop.run(Deadline::after(1.0, start), [&] { return hook_calls >= 4; }));
  EXPECT_LT(ms_between(start, Clock::now()), 200.0);
  loop.unwatch(p.r.get());
}

}  // namespace
}  // namespace smtpdiag
