// Regression tests for the bugs the hardening work found (tests/hardening/
// README.md lists them with the inputs that showed them). The fuzz corpora
// (tests/fuzz/corpus/) replay under ctest as well: the use-after-free in
// SmtpConnection::fail() is caught there under ASan (seed-probe_tls_garbage).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <string>

#include "dns/resolver.h"
#include "mailauth/domain_check.h"
#include "probe/probe.h"
#include "smtp/probe_session.h"
#include "smtp/send_session.h"
#include "test_results.h"

namespace smtpdiag {
namespace {

bool has(const std::vector<Finding>& f, const std::string& code) {
  return std::any_of(f.begin(), f.end(), [&](const Finding& x) { return x.code == code; });
}

// A server that says 421 and hangs up at once (RFC 5321 3.8): the failed
// QUIT must not replace the verdict with "io_error"/"connection_lost".
// Found by the session fuzzer (corpus seed-probe_busy, seed-send_busy_close).
TEST(HardeningRegress, BusyGreetingThenCloseKeepsTheVerdictInTheProbe) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  const std::string busy = "421 4.3.2 busy, closing\r\n";
  ASSERT_EQ(send(sv[1], busy.data(), busy.size(), MSG_NOSIGNAL), static_cast<ssize_t>(busy.size()));
  close(sv[1]);
  EventLoop loop;
  std::optional<SmtpObservation> got;
  ProbeSessionOptions o;
  o.ehlo_name = "client.test";
  ProbeSession s(loop, UniqueFd(sv[0]), Deadline::after(5), o,
                 [&](SmtpObservation&& obs, std::optional<TlsObservation>&&) { got = std::move(obs); });
  s.start();
  loop.run(Deadline::after(5), [&] { return got.has_value(); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->error_code, "server_busy");
  EXPECT_EQ(got->banner_code, 421);
}

TEST(HardeningRegress, BusyGreetingThenCloseKeepsTheVerdictInTheSend) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  const std::string busy = "421 4.3.2 busy, closing\r\n";
  ASSERT_EQ(send(sv[1], busy.data(), busy.size(), MSG_NOSIGNAL), static_cast<ssize_t>(busy.size()));
  close(sv[1]);
  EventLoop loop;
  std::optional<SendObservation> got;
  SendSessionOptions o;
  o.ehlo_name = "client.test";
  o.encryption = Encryption::None;
  MessageSpec m;
  m.from = {"", "a@example.test"};
  m.to = {{"", "b@example.test"}};
  SendSession s(loop, UniqueFd(sv[0]), Deadline::after(5), Clock::now(), o, m,
                [&](SendObservation&& obs) { got = std::move(obs); });
  s.start();
  loop.run(Deadline::after(5), [&] { return got.has_value(); });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->finding, "server_busy");
  ASSERT_TRUE(got->reply);
  EXPECT_EQ(got->reply->code, 421);
}

// diagnose's session without credentials (auth_only, no AUTH) ended with
// ok false and no finding: a healthy check reported auth.ok false at stage
// "quit". Found by the session fuzzer (crash-send_auth_only_without_credentials_not_ok).
TEST(HardeningRegress, AnAuthOnlySessionWithoutCredentialsThatPassesIsOk) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
  UniqueFd server(sv[1]);
  // Greeting, EHLO reply and QUIT reply at once: the client reads them in turn.
  const std::string replies = "220 mx.example.test ESMTP\r\n250 mx.example.test\r\n221 bye\r\n";
  ASSERT_EQ(send(server.get(), replies.data(), replies.size(), MSG_NOSIGNAL), static_cast<ssize_t>(replies.size()));
  EventLoop loop;
  std::optional<SendObservation> got;
  SendSessionOptions o;
  o.ehlo_name = "client.test";
  o.encryption = Encryption::None;
  o.auth_only = true;
  SendSession s(loop, UniqueFd(sv[0]), Deadline::after(5), Clock::now(), o, MessageSpec{},
                [&](SendObservation&& obs) { got = std::move(obs); });
  s.start();
  loop.run(Deadline::after(5), [&] { return got.has_value(); });
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ok);
  EXPECT_EQ(got->stage, "done");
  EXPECT_EQ(got->finding, "");
}

// An open port whose session broke after the greeting (a reset, a hang-up, a
// stall) raised no finding at all. Found by the hostile suite (rst_mid_reply,
// tls_alert before its fix turned it into a handshake failure).
PortResult open_port_failing(const std::string& error_code, const std::string& error) {
  PortResult p = greeted_port("127.0.0.1", 587, "ehlo", error_code, error);
  p.smtp->starttls_offered = true;
  return p;
}

TEST(HardeningRegress, ProbeNamesAResetOrHangupAfterTheGreeting) {
  for (const char* code : {"io_error", "closed"}) {
    ProbeResult r;
    r.host = "127.0.0.1";
    r.ports.push_back(open_port_failing(code, "receive failed: Connection reset by peer"));
    const auto f = probe_findings(r);
    ASSERT_TRUE(has(f, "connection_lost")) << code;
    for (const auto& x : f)
      if (x.code == "connection_lost") EXPECT_NE(x.detail.find("during ehlo"), std::string::npos) << x.detail;
  }
}

TEST(HardeningRegress, ProbeNamesAStallAfterTheGreeting) {
  ProbeResult r;
  r.host = "127.0.0.1";
  r.ports.push_back(open_port_failing("timeout", "no EHLO reply before the deadline"));
  EXPECT_TRUE(has(probe_findings(r), "smtp_timeout"));
}

// A DNS server answering garbage: the _dmarc lookup failed, so no record was
// seen; "dmarc_invalid" (a record that does not parse) was wrong, and the
// resolver errors themselves went unnamed. Found with garbage_dns.py (loop,
// badcount).
TEST(HardeningRegress, DomainDnsFailureIsNotAnInvalidDmarcRecord) {
  DomainReport r;
  r.domain = "garbage.test";
  r.org_domain = "garbage.test";
  r.mx_status = "error";
  r.spf_status = "error";
  r.dmarc_status = "error";
  DomainCheckConfig cfg;
  cfg.domain = r.domain;
  const auto f = domain_findings(r, cfg);
  EXPECT_FALSE(has(f, "dmarc_invalid"));
  EXPECT_TRUE(has(f, "dns_error"));
  // A record that does not parse is still called invalid.
  r.dmarc_status = "ok";
  r.dmarc_record = "v=DMARC1; p=maybe";
  r.dmarc = parse_dmarc(r.dmarc_record);
  EXPECT_TRUE(has(domain_findings(r, cfg), "dmarc_invalid"));
}

// c-ares 1.18's localhost fallback leaked the name on every call (LSan
// reports it in the ASan build); "localhost" is answered without c-ares.
TEST(HardeningRegress, LocalhostResolvesToLoopbackWithoutCares) {
  EventLoop loop;
  Resolver res(loop, ResolverOptions{});
  for (Family fam : {Family::V4, Family::V6}) {
    bool called = false;
    res.resolve("LocalHost.", fam, [&](DnsStatus st, std::vector<IpAddress> a) {
      called = true;
      EXPECT_EQ(st, DnsStatus::Ok);
      ASSERT_EQ(a.size(), 1u);
      EXPECT_TRUE(a[0].is_loopback());
      EXPECT_EQ(a[0].family, fam);
    });
    EXPECT_TRUE(called);  // synchronously, as the hosts file answers
  }
  EXPECT_EQ(res.pending(), 0u);
}

}  // namespace
}  // namespace smtpdiag
