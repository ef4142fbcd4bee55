#include "smtp/connection.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "smtp/probe_session.h"

namespace smtpdiag {
namespace {

// The server side of a socketpair, scripted: greets (or not), answers each
// command line it receives from a table, records every byte it got.
class ScriptedPeer {
 public:
  // Maps a command (its first word, uppercased as sent) to the bytes to
  // write back; kClose closes the connection instead.
  static constexpr const char* kClose = "<close>";

  ScriptedPeer(EventLoop& loop, UniqueFd fd) : loop_(loop), fd_(std::move(fd)) {
    loop_.watch(fd_.get(), EPOLLIN | EPOLLRDHUP, [this](uint32_t) { on_readable(); });
  }
  ~ScriptedPeer() { shut(); }

  void answer(const std::string& verb, const std::string& bytes) { script_[verb] = bytes; }
  void send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void shut() {
    if (!fd_) return;
    loop_.unwatch(fd_.get());
    fd_.reset();
  }
  // Everything the client sent, including what arrived after the loop
  // stopped; true when the client has closed its end.
  bool drain() {
    if (!fd_) return true;
    char buf[4096];
    for (;;) {
      const ssize_t n = recv(fd_.get(), buf, sizeof buf, 0);
      if (n > 0) {
        received_.append(buf, static_cast<size_t>(n));
        continue;
      }
      return n == 0;
    }
  }
  const std::string& received() const { return received_; }

 private:
  void on_readable() {
    const size_t before = received_.size();
    const bool eof = drain();
    pending_ += received_.substr(before);
    size_t nl;
    while (fd_ && (nl = pending_.find("\r\n")) != std::string::npos) {
      const std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 2);
      const std::string verb = line.substr(0, line.find(' '));
      auto it = script_.find(verb);
      if (it == script_.end()) continue;
      if (it->second == kClose) {
        shut();
        return;
      }
      send(it->second);
    }
    if (eof) shut();
  }

  EventLoop& loop_;
  UniqueFd fd_;
  std::map<std::string, std::string> script_;
  std::string received_;
  std::string pending_;
};

struct Result {
  bool done = false;
  SmtpObservation obs;
  std::optional<TlsObservation> tls;
};

// One ProbeSession against one ScriptedPeer, both on one loop.
struct Harness {
  EventLoop loop;
  std::unique_ptr<ScriptedPeer> peer;
  SslCtxPtr tls_ctx;  // before the session, which uses it
  std::unique_ptr<ProbeSession> session;
  Result result;
  ProbeSessionOptions options;
  double elapsed_ms = 0;

  Harness() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    client_.reset(fds[0]);
    peer = std::make_unique<ScriptedPeer>(loop, UniqueFd(fds[1]));
    options.ehlo_name = "probe.test";
  }

  // Gives the session a client TLS context (no verification); false when
  // OpenSSL cannot make one.
  bool with_tls(bool implicit) {
    std::string err;
    tls_ctx = make_client_context(TlsClientOptions{}, &err);
    EXPECT_TRUE(tls_ctx) << err;
    options.tls_ctx = tls_ctx.get();
    options.implicit_tls = implicit;
    return tls_ctx != nullptr;
  }

  // Runs the session to its end (or `limit` seconds); `deadline` is the
  // session's own deadline.
  bool run(double deadline = 1.0, double limit = 1.5) {
    const TimePoint start = Clock::now();
    session = std::make_unique<ProbeSession>(
        loop, std::move(client_), Deadline::after(deadline, start), options,
        [this](SmtpObservation&& obs, std::optional<TlsObservation>&& tls) {
          result.done = true;
          result.obs = std::move(obs);
          result.tls = std::move(tls);
        });
    session->start();
    const bool ok = loop.run(Deadline::after(limit, start), [this] { return result.done; });
    elapsed_ms = ms_between(start, Clock::now());
    return ok && result.done;
  }

 private:
  UniqueFd client_;
};

bool transcript_has(const SmtpObservation& obs, char dir, const std::string& text) {
  for (const auto& l : obs.transcript)
    if (l.dir == dir && l.text == text) return true;
  return false;
}

const char* kEhloPlain =
    "250-mx.test Hello [192.0.2.10]\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250 8BITMIME\r\n";

TEST(ProbeSession, HappyPathWithoutStarttls) {
  Harness h;
  h.peer->send("220 mx.test ESMTP ready\r\n");
  h.peer->answer("EHLO", kEhloPlain);
  h.peer->answer("QUIT", "221 2.0.0 bye\r\n");
  ASSERT_TRUE(h.run());
  const SmtpObservation& o = h.result.obs;
  EXPECT_EQ(o.stage, "done");
  EXPECT_EQ(o.error_code, "");
  EXPECT_TRUE(o.greeted);
  EXPECT_EQ(o.banner_code, 220);
  EXPECT_EQ(o.banner, "mx.test ESMTP ready");
  EXPECT_FALSE(o.helo_fallback);
  EXPECT_FALSE(o.starttls_offered);
  ASSERT_TRUE(o.ehlo.has_value());
  EXPECT_EQ(o.ehlo->domain, "mx.test");
  EXPECT_EQ(o.ehlo->seen_ip, std::optional<std::string>("192.0.2.10"));
  EXPECT_EQ(o.ehlo->size, std::optional<uint64_t>(10240000));
  EXPECT_EQ(o.ehlo->auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));
  EXPECT_TRUE(o.ehlo->pipelining);
  EXPECT_EQ(o.last_code, 250);
  EXPECT_FALSE(h.result.tls.has_value());
  EXPECT_TRUE(transcript_has(o, 'S', "220 mx.test ESMTP ready"));
  EXPECT_TRUE(transcript_has(o, 'C', "EHLO probe.test"));
  EXPECT_TRUE(transcript_has(o, 'S', "250-AUTH PLAIN LOGIN"));
  EXPECT_TRUE(transcript_has(o, 'C', "QUIT"));
  EXPECT_TRUE(h.peer->drain());  // the client closed after QUIT
  EXPECT_EQ(h.peer->received(), "EHLO probe.test\r\nQUIT\r\n");
}

TEST(ProbeSession, StarttlsOfferedButNoContextStopsAtDone) {
  Harness h;
  h.peer->send("220 mx.test ESMTP\r\n");
  h.peer->answer("EHLO", "250-mx.test\r\n250 STARTTLS\r\n");
  ASSERT_TRUE(h.run());
  EXPECT_EQ(h.result.obs.stage, "done");
  EXPECT_TRUE(h.result.obs.starttls_offered);
  h.peer->drain();
  EXPECT_EQ(h.peer->received(), "EHLO probe.test\r\nQUIT\r\n");
}

TEST(ProbeSession, Greeting421IsServerBusy) {
  Harness h;
  h.peer->send("421 4.3.2 mx.test too busy\r\n");
  ASSERT_TRUE(h.run());
  const SmtpObservation& o = h.result.obs;
  EXPECT_EQ(o.error_code, "server_busy");
  EXPECT_EQ(o.stage, "greeting");
  EXPECT_EQ(o.banner_code, 421);
  EXPECT_EQ(o.banner, "4.3.2 mx.test too busy");
  EXPECT_FALSE(o.ehlo.has_value());
  h.peer->drain();
  EXPECT_EQ(h.peer->received(), "QUIT\r\n");
}

TEST(ProbeSession, Greeting554IsRejected) {
  Harness h;
  h.peer->send("554 5.7.1 no thanks\r\n");
  ASSERT_TRUE(h.run());
  EXPECT_EQ(h.result.obs.error_code, "greeting_rejected");
  EXPECT_EQ(h.result.obs.stage, "greeting");
  EXPECT_EQ(h.result.obs.banner_code, 554);
  EXPECT_EQ(h.result.obs.last_reply, "5.7.1 no thanks");
}

TEST(ProbeSession, EhloRefusedFallsBackToHelo) {
  Harness h;
  h.peer->send("220 old.test SMTP\r\n");
  h.peer->answer("EHLO", "502 5.5.2 command not recognized\r\n");
  h.peer->answer("HELO", "250 old.test\r\n");
  ASSERT_TRUE(h.run());
  const SmtpObservation& o = h.result.obs;
  EXPECT_TRUE(o.helo_fallback);
  EXPECT_EQ(o.error_code, "");
  EXPECT_EQ(o.stage, "done");
  EXPECT_FALSE(o.ehlo.has_value());
  h.peer->drain();
  EXPECT_EQ(h.peer->received(), "EHLO probe.test\r\nHELO probe.test\r\nQUIT\r\n");
}

TEST(ProbeSession, EhloAndHeloRefused) {
  Harness h;
  h.peer->send("220 old.test SMTP\r\n");
  h.peer->answer("EHLO", "502 no\r\n");
  h.peer->answer("HELO", "501 no either\r\n");
  ASSERT_TRUE(h.run());
  EXPECT_TRUE(h.result.obs.helo_fallback);
  EXPECT_EQ(h.result.obs.error_code, "ehlo_rejected");
}

TEST(ProbeSession, StarttlsInjection) {
  Harness h;
  ASSERT_TRUE(h.with_tls(false));
  h.peer->send("220 mx.test ESMTP\r\n");
  h.peer->answer("EHLO", "250-mx.test\r\n250-STARTTLS\r\n250 SIZE 1000\r\n");
  h.peer->answer("STARTTLS", "220 go ahead\r\n250 injected\r\n");  // one write
  ASSERT_TRUE(h.run());
  const SmtpObservation& o = h.result.obs;
  EXPECT_EQ(o.error_code, "starttls_injection");
  EXPECT_TRUE(o.starttls_offered);
  EXPECT_NE(o.error.find("14 byte(s)"), std::string::npos) << o.error;
  ASSERT_TRUE(h.result.tls.has_value());
  EXPECT_EQ(h.result.tls->mode, "starttls");
  EXPECT_FALSE(h.result.tls->ok);
  // Not a single byte after STARTTLS: no ClientHello, no QUIT.
  EXPECT_TRUE(h.peer->drain());
  EXPECT_EQ(h.peer->received(), "EHLO probe.test\r\nSTARTTLS\r\n");
}

TEST(ProbeSession, SilentServerIsGreetingTimeout) {
  Harness h;
  ASSERT_TRUE(h.run(0.3));
  EXPECT_EQ(h.result.obs.error_code, "greeting_timeout");
  EXPECT_EQ(h.result.obs.stage, "greeting");
  EXPECT_FALSE(h.result.obs.greeted);
  EXPECT_GE(h.elapsed_ms, 300.0);
  EXPECT_LT(h.elapsed_ms, 600.0);
  h.peer->drain();
  EXPECT_EQ(h.peer->received(), "");
}

TEST(ProbeSession, TimeoutAfterTheGreetingIsPlainTimeout) {
  Harness h;
  h.peer->send("220 mx.test\r\n");  // then never answers EHLO
  ASSERT_TRUE(h.run(0.2));
  EXPECT_EQ(h.result.obs.error_code, "timeout");
  EXPECT_EQ(h.result.obs.stage, "ehlo");
}

// first_answer_timeout (diagnose's configured port): the greeting must come
// within it; once the server has spoken, only the deadline counts.
TEST(ProbeSession, FirstAnswerTimeoutEndsTheGreetingWait) {
  Harness h;
  h.options.first_answer_timeout = 0.2;
  ASSERT_TRUE(h.run(2.0, 2.5));
  EXPECT_EQ(h.result.obs.error_code, "greeting_timeout");
  EXPECT_EQ(h.result.obs.stage, "greeting");
  EXPECT_GE(h.elapsed_ms, 200.0);
  EXPECT_LT(h.elapsed_ms, 1000.0);
}

TEST(ProbeSession, FirstAnswerTimeoutDoesNotBoundWhatFollowsTheGreeting) {
  Harness h;
  h.options.first_answer_timeout = 0.1;
  h.peer->send("220 mx.test\r\n");  // then never answers EHLO
  ASSERT_TRUE(h.run(0.5, 1.0));
  EXPECT_EQ(h.result.obs.error_code, "timeout");
  EXPECT_EQ(h.result.obs.stage, "ehlo");
  EXPECT_GE(h.elapsed_ms, 500.0);
}

TEST(ProbeSession, FirstAnswerTimeoutBoundsTheImplicitHandshake) {
  Harness h;
  ASSERT_TRUE(h.with_tls(true));
  h.options.first_answer_timeout = 0.2;
  ASSERT_TRUE(h.run(2.0, 2.5));  // the peer reads the ClientHello, says nothing
  ASSERT_TRUE(h.result.tls.has_value());
  EXPECT_FALSE(h.result.tls->ok);
  EXPECT_EQ(h.result.obs.error_code, "timeout");
  EXPECT_EQ(h.result.obs.stage, "tls");
  EXPECT_LT(h.elapsed_ms, 1000.0);
}

TEST(ProbeSession, ServerClosingAtOnce) {
  Harness h;
  h.peer->shut();
  ASSERT_TRUE(h.run());
  EXPECT_EQ(h.result.obs.error_code, "closed");
  EXPECT_EQ(h.result.obs.stage, "greeting");
  EXPECT_LT(h.elapsed_ms, 200.0);
}

TEST(ProbeSession, ServerClosingMidReply) {
  Harness h;
  h.peer->send("220-mx.test first line\r\n");
  h.peer->shut();
  ASSERT_TRUE(h.run());
  EXPECT_EQ(h.result.obs.error_code, "closed");
  EXPECT_NE(h.result.obs.error.find("middle of a reply"), std::string::npos) << h.result.obs.error;
}

TEST(ProbeSession, GarbageIsBadReply) {
  Harness h;
  h.peer->send("HTTP/1.1 400 Bad Request\r\n");
  ASSERT_TRUE(h.run());
  EXPECT_EQ(h.result.obs.error_code, "bad_reply");
  EXPECT_EQ(h.result.obs.error, "malformed_reply");
}

TEST(ProbeSession, ServerClosingAfterEhlo) {
  Harness h;
  h.peer->send("220 mx.test\r\n");
  h.peer->answer("EHLO", ScriptedPeer::kClose);
  ASSERT_TRUE(h.run());
  EXPECT_EQ(h.result.obs.error_code, "closed");
  EXPECT_EQ(h.result.obs.stage, "ehlo");
}

TEST(ProbeSession, ImplicitTlsMeetingAPlainGreeting) {
  Harness h;
  ASSERT_TRUE(h.with_tls(true));
  h.peer->send("220 plain\r\n");
  ASSERT_TRUE(h.run());
  ASSERT_TRUE(h.result.tls.has_value());
  EXPECT_EQ(h.result.tls->mode, "implicit");
  EXPECT_FALSE(h.result.tls->ok);
  EXPECT_TRUE(h.result.tls->plaintext_reply);
  EXPECT_EQ(h.result.obs.error_code, "tls_plaintext_reply");
  EXPECT_EQ(h.result.obs.stage, "tls");
  // What the client sent is a TLS handshake record, not SMTP.
  h.peer->drain();
  ASSERT_FALSE(h.peer->received().empty());
  EXPECT_EQ(static_cast<unsigned char>(h.peer->received()[0]), 0x16);
}

TEST(ProbeSession, ImplicitTlsAgainstANonSmtpPeerIsNotPlaintextSmtp) {
  Harness h;
  ASSERT_TRUE(h.with_tls(true));
  h.peer->send("SSH-2.0-OpenSSH_9.2\r\n");
  ASSERT_TRUE(h.run());
  ASSERT_TRUE(h.result.tls.has_value());
  EXPECT_FALSE(h.result.tls->plaintext_reply);
  EXPECT_EQ(h.result.obs.error_code, "tls_failed");
}

// SmtpConnection on its own: replies split across writes arrive whole.
TEST(SmtpConnection, RepliesSplitAcrossWrites) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  UniqueFd peer(fds[1]);
  std::vector<SmtpReply> replies;
  std::optional<ConnError> failure;
  SmtpConnection::Callbacks cb;
  cb.on_reply = [&](const SmtpReply& r) { replies.push_back(r); };
  cb.on_failure = [&](ConnError e, const std::string&) { failure = e; };
  const TimePoint t0 = Clock::now();
  SmtpConnection conn(loop, UniqueFd(fds[0]), Deadline::after(1.0, t0), t0, cb);
  conn.start_plain();
  const std::string wire = "220-a\r\n220 b\r\n250 c\r\n";
  size_t sent = 0;
  // One byte per timer tick, 1 ms apart.
  std::function<void()> tick = [&] {
    ASSERT_EQ(write(peer.get(), wire.data() + sent, 1), 1);
    if (++sent < wire.size()) loop.add_timer(Clock::now() + std::chrono::milliseconds(1), tick);
  };
  loop.add_timer(Clock::now(), tick);
  EXPECT_TRUE(loop.run(Deadline::after(1.0), [&] { return replies.size() == 2; }));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].code, 220);
  EXPECT_EQ(replies[0].text(), "a b");
  EXPECT_EQ(replies[1].code, 250);
  EXPECT_FALSE(failure.has_value());
  EXPECT_EQ(conn.reader().total_bytes(), wire.size());
  conn.send_line("AUTH PLAIN c2VjcmV0", "AUTH PLAIN <hidden>");
  char buf[64];
  const ssize_t n = read(peer.get(), buf, sizeof buf);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), "AUTH PLAIN c2VjcmV0\r\n");
  ASSERT_FALSE(conn.transcript().empty());
  EXPECT_EQ(conn.transcript().back().dir, 'C');
  EXPECT_EQ(conn.transcript().back().text, "AUTH PLAIN <hidden>");
}

TEST(SmtpConnection, ErrorNames) {
  EXPECT_STREQ(conn_error_name(ConnError::Timeout), "timeout");
  EXPECT_STREQ(conn_error_name(ConnError::Closed), "closed");
  EXPECT_STREQ(conn_error_name(ConnError::ReadFailed), "io_error");
  EXPECT_STREQ(conn_error_name(ConnError::BadReply), "bad_reply");
  EXPECT_STREQ(conn_error_name(ConnError::TlsFailed), "tls_failed");
  EXPECT_STREQ(conn_error_name(ConnError::TlsPlaintext), "tls_plaintext_reply");
  EXPECT_STREQ(conn_error_name(ConnError::Injection), "starttls_injection");
}

}  // namespace
}  // namespace smtpdiag
