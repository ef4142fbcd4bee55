#include "net/classify.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace smtpdiag {
namespace {

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

const IpAddress kTarget = *IpAddress::parse("192.0.2.25");
const IpAddress kTarget6 = *IpAddress::parse("2001:db8::25");
const IpAddress kRouter = *IpAddress::parse("198.51.100.1");
const IpAddress kRouter6 = *IpAddress::parse("2001:db8:ffff::1");
const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

ConnectOutcome failed(int err) {
  ConnectOutcome o;
  o.kind = ConnectOutcome::Kind::Failed;
  o.err = err;
  return o;
}

ConnectOutcome timed_out() {
  ConnectOutcome o;
  o.kind = ConnectOutcome::Kind::TimedOut;
  o.err = ETIMEDOUT;
  return o;
}

ConnectOutcome with_icmp(ConnectOutcome o, IcmpInfo::Origin origin, int type, int code,
                         const IpAddress& from) {
  IcmpInfo icmp;
  icmp.origin = origin;
  icmp.type = type;
  icmp.code = code;
  icmp.err = o.err;
  icmp.from = from;
  o.icmp = icmp;
  return o;
}

::testing::AssertionResult is(const Classification& c, PortState state, bool needs_trace) {
  if (c.state == state && c.needs_trace == needs_trace) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << port_state_name(c.state) << " needs_trace=" << c.needs_trace << ", want "
         << port_state_name(state) << " needs_trace=" << needs_trace;
}

TEST(Classify, ConnectedIsOpen) {
  ConnectOutcome o;
  o.kind = ConnectOutcome::Kind::Connected;
  EXPECT_TRUE(is(classify_connect(o, kTarget, false), PortState::Open, false));
}

TEST(Classify, RefusedNeedsTraceUnlessLoopback) {
  EXPECT_TRUE(is(classify_connect(failed(ECONNREFUSED), kTarget, false), PortState::Refused, true));
  EXPECT_TRUE(
      is(classify_connect(failed(ECONNREFUSED), kTarget6, false), PortState::Refused, true));
  EXPECT_TRUE(
      is(classify_connect(failed(ECONNREFUSED), kLoopback, false), PortState::Refused, false));
  EXPECT_TRUE(
      is(classify_connect(failed(ECONNREFUSED), ip("::1"), false), PortState::Refused, false));
}

TEST(Classify, TimeoutIsFilteredAndNeedsTrace) {
  EXPECT_TRUE(is(classify_connect(timed_out(), kTarget, false), PortState::Filtered, true));
  EXPECT_TRUE(is(classify_connect(failed(ETIMEDOUT), kTarget, false), PortState::Filtered, true));
}

TEST(Classify, PermissionErrorsAreLocalBlocks) {
  EXPECT_TRUE(is(classify_connect(failed(EPERM), kTarget, false), PortState::BlockedLocal, false));
  EXPECT_TRUE(is(classify_connect(failed(EACCES), kTarget, false), PortState::BlockedLocal, false));
}

TEST(Classify, IcmpProhibitedFromRouterIsUpstream) {
  using O = IcmpInfo::Origin;
  for (int code : {9, 10, 13}) {
    const auto o = with_icmp(failed(EHOSTUNREACH), O::Icmp, 3, code, kRouter);
    EXPECT_TRUE(is(classify_connect(o, kTarget, false), PortState::BlockedUpstream, true));
  }
  // Soft error kept while the connect timed out.
  EXPECT_TRUE(is(classify_connect(with_icmp(timed_out(), O::Icmp, 3, 13, kRouter), kTarget, false),
                 PortState::BlockedUpstream, true));
  // Linux reports ICMPv6 1/1, 1/5 and 1/6 as EACCES (icmpv6_err_convert):
  // the errno alone must not make a router's verdict look local.
  for (int code : {1, 5, 6}) {
    const auto o = with_icmp(failed(EACCES), O::Icmp6, 1, code, kRouter6);
    EXPECT_TRUE(is(classify_connect(o, kTarget6, false), PortState::BlockedUpstream, true));
  }
}

TEST(Classify, IcmpFromThisHostIsLocal) {
  using O = IcmpInfo::Origin;
  const IpAddress self = ip("192.0.2.55");
  EXPECT_TRUE(
      is(classify_connect(with_icmp(failed(EHOSTUNREACH), O::Icmp, 3, 13, self), kTarget, true),
         PortState::BlockedLocal, false));
  // iptables REJECT's default in OUTPUT: port unreachable from ourselves.
  EXPECT_TRUE(
      is(classify_connect(with_icmp(failed(ECONNREFUSED), O::Icmp, 3, 3, self), kTarget, true),
         PortState::BlockedLocal, false));
  EXPECT_TRUE(is(classify_connect(with_icmp(failed(EACCES), O::Icmp6, 1, 1, ip("2001:db8::5")),
                                  kTarget6, true),
                 PortState::BlockedLocal, false));
}

TEST(Classify, IcmpForALoopbackTargetIsLocal) {
  // Linux answers a closed TCP port with a RST, never with ICMP: an ICMP
  // error about 127.0.0.1 can only be a firewall rule on this host.
  using O = IcmpInfo::Origin;
  EXPECT_TRUE(is(
      classify_connect(with_icmp(failed(EHOSTUNREACH), O::Icmp, 3, 13, kLoopback), kLoopback, true),
      PortState::BlockedLocal, false));
  EXPECT_TRUE(is(
      classify_connect(with_icmp(failed(ECONNREFUSED), O::Icmp, 3, 3, kLoopback), kLoopback, true),
      PortState::BlockedLocal, false));
}

TEST(Classify, PortUnreachableFromTargetIsRefusedFromRouterIsUpstream) {
  using O = IcmpInfo::Origin;
  EXPECT_TRUE(
      is(classify_connect(with_icmp(failed(ECONNREFUSED), O::Icmp, 3, 3, kTarget), kTarget, false),
         PortState::Refused, false));
  EXPECT_TRUE(
      is(classify_connect(with_icmp(failed(ECONNREFUSED), O::Icmp, 3, 3, kRouter), kTarget, false),
         PortState::BlockedUpstream, true));
  EXPECT_TRUE(is(
      classify_connect(with_icmp(failed(ECONNREFUSED), O::Icmp6, 1, 4, kTarget6), kTarget6, false),
      PortState::Refused, false));
  EXPECT_TRUE(is(
      classify_connect(with_icmp(failed(ECONNREFUSED), O::Icmp6, 1, 4, kRouter6), kTarget6, false),
      PortState::BlockedUpstream, true));
}

TEST(Classify, OtherIcmpIsUnreachable) {
  using O = IcmpInfo::Origin;
  // Host unreachable (3/1) from a router.
  EXPECT_TRUE(
      is(classify_connect(with_icmp(failed(EHOSTUNREACH), O::Icmp, 3, 1, kRouter), kTarget, false),
         PortState::Unreachable, true));
  // Time exceeded with the connect still timing out: a loop or a short TTL.
  EXPECT_TRUE(is(classify_connect(with_icmp(timed_out(), O::Icmp, 11, 0, kRouter), kTarget, false),
                 PortState::Filtered, true));
}

TEST(Classify, NoRouteIsUnreachable) {
  for (int err : {ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, ENETDOWN, EHOSTDOWN, EAFNOSUPPORT}) {
    EXPECT_TRUE(is(classify_connect(failed(err), kTarget, false), PortState::Unreachable, false));
  }
}

TEST(Classify, UnknownErrorIsError) {
  EXPECT_TRUE(is(classify_connect(failed(EMFILE), kTarget, false), PortState::Error, false));
  EXPECT_TRUE(is(classify_connect(failed(0), kTarget, false), PortState::Error, false));
}

TEST(Classify, IcmpPredicates) {
  IcmpInfo i;
  i.origin = IcmpInfo::Origin::Icmp;
  i.type = 3;
  i.code = 13;
  EXPECT_TRUE(icmp_is_prohibited(i));
  i.code = 3;
  EXPECT_FALSE(icmp_is_prohibited(i));
  i.type = 11;
  i.code = 0;
  EXPECT_TRUE(icmp_is_time_exceeded(i));
  EXPECT_FALSE(icmp_is_prohibited(i));
  i.origin = IcmpInfo::Origin::Icmp6;
  EXPECT_FALSE(icmp_is_time_exceeded(i));
  i.type = 3;
  EXPECT_TRUE(icmp_is_time_exceeded(i));
  i.type = 1;
  i.code = 1;
  EXPECT_TRUE(icmp_is_prohibited(i));
  i.code = 4;
  EXPECT_FALSE(icmp_is_prohibited(i));
  i.origin = IcmpInfo::Origin::Local;
  i.type = 3;
  i.code = 13;
  EXPECT_FALSE(icmp_is_prohibited(i));
  EXPECT_FALSE(icmp_is_time_exceeded(i));
}

TEST(Classify, ErrnoNames) {
  EXPECT_EQ(errno_name(0), "");
  EXPECT_EQ(errno_name(ETIMEDOUT), "ETIMEDOUT");
  EXPECT_EQ(errno_name(ECONNREFUSED), "ECONNREFUSED");
  EXPECT_EQ(errno_name(EHOSTUNREACH), "EHOSTUNREACH");
  EXPECT_EQ(errno_name(ENETUNREACH), "ENETUNREACH");
  EXPECT_EQ(errno_name(EPERM), "EPERM");
  EXPECT_EQ(errno_name(EACCES), "EACCES");
  EXPECT_EQ(errno_name(EADDRNOTAVAIL), "EADDRNOTAVAIL");
  EXPECT_EQ(errno_name(ECONNRESET), "ECONNRESET");
  EXPECT_EQ(errno_name(EMSGSIZE), "EMSGSIZE");
  EXPECT_EQ(errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(errno_name(9999), "E9999");
}

TEST(Classify, PortStateNames) {
  EXPECT_STREQ(port_state_name(PortState::Open), "open");
  EXPECT_STREQ(port_state_name(PortState::Refused), "refused");
  EXPECT_STREQ(port_state_name(PortState::Filtered), "filtered");
  EXPECT_STREQ(port_state_name(PortState::BlockedLocal), "blocked_local");
  EXPECT_STREQ(port_state_name(PortState::BlockedUpstream), "blocked_upstream");
  EXPECT_STREQ(port_state_name(PortState::Unreachable), "unreachable");
  EXPECT_STREQ(port_state_name(PortState::Error), "error");
}

}  // namespace
}  // namespace smtpdiag
