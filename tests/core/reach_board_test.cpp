// The early verdict on a silent port (net/reach_board.h): the rule itself,
// the board's bookkeeping, and a real silent port on loopback (a listener
// whose accept queue is full drops SYNs, as a firewall would).
#include "net/reach_board.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net/connect_probe.h"
#include "net/event_loop.h"
#include "net/unique_fd.h"

namespace smtpdiag {
namespace {

const IpAddress kV4 = *IpAddress::parse("192.0.2.25");
const IpAddress kV6 = *IpAddress::parse("2001:db8:2::25");
const IpAddress kOther = *IpAddress::parse("203.0.113.7");

TEST(SilencePatience, NoAnswerAnywhereMeansTheWholeTimeout) {
  EXPECT_FALSE(silence_patience(std::nullopt, std::nullopt).has_value());
}

TEST(SilencePatience, SameAddressIsTwoSecondsOrTenRoundTrips) {
  EXPECT_DOUBLE_EQ(*silence_patience(0.2, std::nullopt), 2.0);
  EXPECT_DOUBLE_EQ(*silence_patience(50, std::nullopt), 2.0);     // 1 + 0.5 < 2
  EXPECT_DOUBLE_EQ(*silence_patience(300, std::nullopt), 4.0);    // a slow path: 1 + 3
  EXPECT_DOUBLE_EQ(*silence_patience(0.2, 0.1), 2.0);             // the address's own answer counts
}

TEST(SilencePatience, AnotherAddressOfTheNameIsThreeSecondsOrTwentyRoundTrips) {
  EXPECT_DOUBLE_EQ(*silence_patience(std::nullopt, 0.2), 3.0);
  EXPECT_DOUBLE_EQ(*silence_patience(std::nullopt, 200), 5.0);    // 1 + 4
  EXPECT_GE(*silence_patience(std::nullopt, 0.2), kMinimumPatience);
}

TEST(ReachBoard, AnswersCountForTheirAddressAndTheirName) {
  ReachBoard b;
  b.add("mail.example.test", kV4);
  b.add("mail.example.test", kV6);
  b.add("api.example.test", kOther);
  EXPECT_FALSE(b.patience(kV4));
  EXPECT_FALSE(b.patience(kV6));

  b.answered(kV4, 12.0);
  b.answered(kV4, 0.4);  // the fastest is kept
  b.answered(kV4, 30.0);
  EXPECT_DOUBLE_EQ(*b.answer_ms(kV4), 0.4);
  EXPECT_DOUBLE_EQ(*b.patience(kV4), 2.0);  // same address
  EXPECT_DOUBLE_EQ(*b.patience(kV6), 3.0);  // same name, other address
  // Another name's address learns nothing from mail.example.test's answers.
  EXPECT_FALSE(b.patience(kOther));
  EXPECT_FALSE(b.answer_ms(kOther));
}

TEST(ReachBoard, AnAddressNeverAddedOnlyLeansOnItsOwnAnswers) {
  ReachBoard b;
  b.add("mail.example.test", kV4);
  b.answered(kV4, 1.0);
  EXPECT_FALSE(b.patience(kV6));
  b.answered(kV6, 1.0);
  EXPECT_DOUBLE_EQ(*b.patience(kV6), 2.0);
}

// --- on loopback ---------------------------------------------------------

struct Listener {
  UniqueFd fd;
  uint16_t port = 0;
};

Listener listen_on_loopback(int backlog) {
  Listener l;
  l.fd.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l.fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return l;
  if (listen(l.fd.get(), backlog) != 0) return l;
  socklen_t len = sizeof sa;
  getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  l.port = ntohs(sa.sin_port);
  return l;
}

// A port whose SYNs go unanswered: a listener that never accepts, with its
// one-connection queue taken; the kernel then drops every further SYN.
struct SilentPort {
  Listener listener = listen_on_loopback(0);
  UniqueFd filler;
  bool ok = false;
  SilentPort() {
    if (!listener.port) return;
    filler.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_storage ss{};
    const socklen_t len = IpAddress::parse("127.0.0.1")->to_sockaddr(listener.port, &ss);
    ok = connect(filler.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0;
  }
};

struct Finished {
  bool done = false;
  ConnectOutcome outcome;
};

TEST(EarlyVerdictOnLoopback, ASilentPortIsGivenUpOnceItsAddressAnsweredElsewhere) {
  SilentPort silent;
  ASSERT_TRUE(silent.ok) << "could not fill the silent listener's queue";
  Listener open = listen_on_loopback(16);
  ASSERT_NE(open.port, 0);
  const IpAddress lo = *IpAddress::parse("127.0.0.1");

  EventLoop loop;
  ReachBoard board;
  board.add("localhost", lo);
  const TimePoint t0 = Clock::now();
  const TimePoint give_up = Deadline::after(8.0, t0).at();
  Finished answered, dropped;
  ConnectAttempt other(loop, lo, open.port, give_up, 0, [&](ConnectOutcome&& o) {
    answered.done = true;
    answered.outcome = std::move(o);
  });
  ConnectAttempt quiet(loop, lo, silent.listener.port, give_up, 0, [&](ConnectOutcome&& o) {
    dropped.done = true;
    dropped.outcome = std::move(o);
  });
  other.use_board(&board);
  quiet.use_board(&board);
  other.start();
  quiet.start();
  loop.run(Deadline::after(9.0, t0), [&] { return answered.done && dropped.done; });

  ASSERT_TRUE(answered.done);
  EXPECT_EQ(answered.outcome.kind, ConnectOutcome::Kind::Connected);
  ASSERT_TRUE(board.answer_ms(lo).has_value());
  ASSERT_TRUE(dropped.done);
  EXPECT_EQ(dropped.outcome.kind, ConnectOutcome::Kind::TimedOut);
  EXPECT_TRUE(dropped.outcome.early);
  EXPECT_GE(dropped.outcome.syns, 2);
  EXPECT_GE(dropped.outcome.ms, 2000.0);
  EXPECT_LT(dropped.outcome.ms, 6000.0);  // well before the 8 s connect timeout
}

TEST(EarlyVerdictOnLoopback, WithoutAnAnswerFromTheHostTheWholeTimeoutIsWaited) {
  SilentPort silent;
  ASSERT_TRUE(silent.ok) << "could not fill the silent listener's queue";
  const IpAddress lo = *IpAddress::parse("127.0.0.1");
  EventLoop loop;
  ReachBoard board;
  board.add("localhost", lo);
  const TimePoint t0 = Clock::now();
  Finished dropped;
  ConnectAttempt quiet(loop, lo, silent.listener.port, Deadline::after(2.6, t0).at(), 0,
                       [&](ConnectOutcome&& o) {
                         dropped.done = true;
                         dropped.outcome = std::move(o);
                       });
  quiet.use_board(&board);
  quiet.start();
  loop.run(Deadline::after(5.0, t0), [&] { return dropped.done; });
  ASSERT_TRUE(dropped.done);
  EXPECT_EQ(dropped.outcome.kind, ConnectOutcome::Kind::TimedOut);
  EXPECT_FALSE(dropped.outcome.early);
  EXPECT_GE(dropped.outcome.ms, 2500.0);
  EXPECT_GE(dropped.outcome.syns, 2);  // counted on the ordinary timeout too
}

}  // namespace
}  // namespace smtpdiag
