#include "net/hop_locator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/unique_fd.h"

namespace smtpdiag {
namespace {

using Kind = HopAnswer::Kind;

const IpAddress kSource = *IpAddress::parse("192.0.2.55");
const IpAddress kR1 = *IpAddress::parse("192.0.2.54");
const IpAddress kR2 = *IpAddress::parse("198.51.100.2");
const IpAddress kR3 = *IpAddress::parse("198.51.100.3");
const IpAddress kFirewall = *IpAddress::parse("203.0.113.9");
const IpAddress kDest = *IpAddress::parse("192.0.2.25");

HopAnswer te(const IpAddress& from) {
  HopAnswer a;
  a.kind = Kind::TimeExceeded;
  a.from = from;
  return a;
}
HopAnswer silent() {
  HopAnswer a;
  a.kind = Kind::Silent;
  return a;
}
HopAnswer reached(bool refused = false) {
  HopAnswer a;
  a.kind = Kind::Reached;
  a.from = kDest;
  a.refused = refused;
  if (refused) a.err = ECONNREFUSED;
  return a;
}
HopAnswer prohibited(const IpAddress& from) {
  HopAnswer a;
  a.kind = Kind::Prohibited;
  a.from = from;
  a.err = EHOSTUNREACH;
  return a;
}

IcmpInfo icmp_prohibited(const IpAddress& from) {
  IcmpInfo i;
  i.origin = IcmpInfo::Origin::Icmp;
  i.type = 3;
  i.code = 13;
  i.err = EHOSTUNREACH;
  i.from = from;
  return i;
}

std::string state(const LocatedState& s) { return port_state_name(s.state); }

// The reference port (443) reaches the destination at TTL 3.
const HopTrace kReference = {te(kR1), te(kR2), reached(), reached(), reached()};

TEST(LocateBlock, LocalSilentDrop) {
  const HopTrace probe = {silent(), silent(), silent(), silent(), silent()};
  const auto s = locate_block(PortState::Filtered, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_local");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 0);
  EXPECT_TRUE(s.at->local);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kSource));
}

TEST(LocateBlock, LocalSilentDropWithTheDestinationOnTheLan) {
  const HopTrace probe = {silent(), silent()};
  const HopTrace reference = {reached(), reached()};
  const auto s = locate_block(PortState::Filtered, std::nullopt, probe, reference, kSource);
  EXPECT_EQ(state(s), "blocked_local");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 0);
}

TEST(LocateBlock, HopOneSilentForEverythingCannotBePlaced) {
  const HopTrace probe = {silent(), silent(), silent()};
  const HopTrace reference = {silent(), silent(), silent()};
  auto s = locate_block(PortState::Filtered, std::nullopt, probe, reference, kSource);
  EXPECT_EQ(state(s), "filtered");
  EXPECT_FALSE(s.at.has_value());
  // No reference trace at all: the same.
  s = locate_block(PortState::Filtered, std::nullopt, probe, HopTrace{}, kSource);
  EXPECT_EQ(state(s), "filtered");
  EXPECT_FALSE(s.at.has_value());
}

TEST(LocateBlock, EmptyTraceChangesNothing) {
  const auto s = locate_block(PortState::Filtered, std::nullopt, HopTrace{}, kReference, kSource);
  EXPECT_EQ(state(s), "filtered");
  EXPECT_FALSE(s.at.has_value());
}

TEST(LocateBlock, UpstreamSilentDropAfterHopOne) {
  const HopTrace probe = {te(kR1), silent(), silent(), silent(), silent()};
  const auto s = locate_block(PortState::Filtered, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 1);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kR1));
  EXPECT_FALSE(s.at->local);
}

TEST(LocateBlock, DropAtTheLastHopBeforeTheDestinationStaysFiltered) {
  const HopTrace probe = {te(kR1), te(kR2), silent(), silent(), silent()};
  const auto s = locate_block(PortState::Filtered, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "filtered");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 2);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kR2));
  EXPECT_FALSE(s.at->local);
}

TEST(LocateBlock, DropWithUnknownDistanceIsPlacedButStaysFiltered) {
  const HopTrace probe = {te(kR1), te(kR2), silent(), silent()};
  const HopTrace reference = {te(kR1), te(kR2), silent(), silent()};
  const auto s = locate_block(PortState::Filtered, std::nullopt, probe, reference, kSource);
  EXPECT_EQ(state(s), "filtered");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 2);
}

TEST(LocateBlock, TraceThatRanOutOfHopsPlacesNothing) {
  // Every TTL tried was answered by a router: the drop lies further away
  // than the trace looked, not at its last hop.
  const HopTrace probe = {te(kR1), te(kR2), te(kR3)};
  const HopTrace reference = {te(kR1), te(kR2), te(kR3)};
  const auto s = locate_block(PortState::Filtered, std::nullopt, probe, reference, kSource);
  EXPECT_EQ(state(s), "filtered");
  EXPECT_FALSE(s.at.has_value());
}

TEST(LocateBlock, ProhibitedFromSecondRouter) {
  const HopTrace probe = {te(kR1), te(kR2), prohibited(kR2), silent(), silent()};
  // As classify_connect reports it (the connect got the ICMP itself)...
  auto s =
      locate_block(PortState::BlockedUpstream, icmp_prohibited(kR2), probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 2);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kR2));
  // ...and when only the TTL-limited probe saw it.
  s = locate_block(PortState::Filtered, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 2);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kR2));
}

TEST(LocateBlock, ProhibitedSenderNeverSeenIsPlacedAfterTheLastHopThatAnswered) {
  const HopTrace probe = {te(kR1), te(kR2), prohibited(kFirewall), silent(), silent()};
  auto s = locate_block(PortState::BlockedUpstream, icmp_prohibited(kFirewall), probe, kReference,
                        kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 3);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kFirewall));
  s = locate_block(PortState::Filtered, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 3);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kFirewall));

  // The TTL-limited probes did not hear from it at all: still after hop 2.
  const HopTrace quiet = {te(kR1), te(kR2), silent(), silent(), silent()};
  s = locate_block(PortState::BlockedUpstream, icmp_prohibited(kFirewall), quiet, kReference,
                   kSource);
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 3);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kFirewall));

  // Nothing answered before it: hop 1.
  const HopTrace first = {prohibited(kFirewall), silent()};
  s = locate_block(PortState::BlockedUpstream, icmp_prohibited(kFirewall), first, kReference,
                   kSource);
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 1);
}

TEST(LocateBlock, ProhibitedWithoutSenderAddressIsNotPlaced) {
  IcmpInfo icmp = icmp_prohibited(kR2);
  icmp.from.reset();
  const HopTrace probe = {te(kR1), te(kR2), silent()};
  const auto s = locate_block(PortState::BlockedUpstream, icmp, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  EXPECT_FALSE(s.at.has_value());
}

TEST(LocateBlock, LocalResetAtTtlOne) {
  const HopTrace probe = {reached(true), reached(true), reached(true)};
  const auto s = locate_block(PortState::Refused, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_local");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 0);
  EXPECT_TRUE(s.at->local);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kSource));
}

TEST(LocateBlock, ResetFromTheDestinationStaysRefused) {
  const HopTrace probe = {te(kR1), te(kR2), reached(true), reached(true), reached(true)};
  const auto s = locate_block(PortState::Refused, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "refused");
  EXPECT_FALSE(s.at.has_value());
}

TEST(LocateBlock, ResetAtTtlOneWithTheDestinationOnTheLanStaysRefused) {
  const HopTrace probe = {reached(true), reached(true)};
  const HopTrace reference = {reached(), reached()};
  const auto s = locate_block(PortState::Refused, std::nullopt, probe, reference, kSource);
  EXPECT_EQ(state(s), "refused");
  EXPECT_FALSE(s.at.has_value());
}

TEST(LocateBlock, ResetForgedBeforeTheDestination) {
  const HopTrace probe = {te(kR1), reached(true), reached(true), reached(true)};
  const auto s = locate_block(PortState::Refused, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "blocked_upstream");
  ASSERT_TRUE(s.at.has_value());
  EXPECT_EQ(s.at->hop, 1);
  EXPECT_EQ(s.at->address, std::optional<IpAddress>(kR1));
}

TEST(LocateBlock, OpenIsLeftAlone) {
  const HopTrace probe = {silent()};
  const auto s = locate_block(PortState::Open, std::nullopt, probe, kReference, kSource);
  EXPECT_EQ(state(s), "open");
  EXPECT_FALSE(s.at.has_value());
}

// --- HopTracer + ConnectAttempt on loopback ---------------------------------

// A TCP socket bound to 127.0.0.1 on an ephemeral port, listening or not.
UniqueFd bound_socket(bool listening, uint16_t* port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  if (listening) EXPECT_EQ(listen(fd.get(), 16), 0);
  socklen_t len = sizeof sin;
  EXPECT_EQ(getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len), 0);
  *port = ntohs(sin.sin_port);
  return fd;
}

void trace_loopback(bool listening) {
  uint16_t port = 0;
  const UniqueFd server = bound_socket(listening, &port);
  ASSERT_NE(port, 0);
  EventLoop loop;
  ASSERT_TRUE(loop.ok());
  const TimePoint start = Clock::now();
  const Deadline deadline = Deadline::after(1.0, start);
  const IpAddress lo = *IpAddress::parse("127.0.0.1");
  HopTracer tracer(loop, lo, port, 4, deadline.at());
  tracer.start();
  EXPECT_TRUE(loop.run(deadline, [&] { return tracer.complete(); }));
  EXPECT_LT(ms_between(start, Clock::now()), 1000.0);
  ASSERT_TRUE(tracer.complete());
  const HopTrace& t = tracer.trace();
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(static_cast<int>(t[0].kind), static_cast<int>(Kind::Reached));
  EXPECT_EQ(t[0].refused, !listening);
  EXPECT_EQ(t[0].from, std::optional<IpAddress>(lo));
  ASSERT_TRUE(tracer.source().has_value());
  EXPECT_TRUE(tracer.source()->is_loopback());
  for (const HopAnswer& a : t) EXPECT_NE(static_cast<int>(a.kind), static_cast<int>(Kind::Pending));
  // Nothing is left on the loop once the trace is complete.
  EXPECT_EQ(loop.watched(), 0u);
}

TEST(HopTracer, LoopbackListeningPortIsReachedAtTtlOne) { trace_loopback(true); }

TEST(HopTracer, LoopbackClosedPortIsReachedRefusedAtTtlOne) { trace_loopback(false); }

TEST(HopTracer, FinishMarksTheRestSilent) {
  uint16_t port = 0;
  const UniqueFd server = bound_socket(true, &port);
  EventLoop loop;
  HopTracer tracer(loop, *IpAddress::parse("127.0.0.1"), port, 3, Deadline::after(1.0).at());
  tracer.finish();  // before start: nothing pending may stay Pending
  EXPECT_TRUE(tracer.complete());
  for (const HopAnswer& a : tracer.trace())
    EXPECT_EQ(static_cast<int>(a.kind), static_cast<int>(Kind::Silent));
}

}  // namespace
}  // namespace smtpdiag
