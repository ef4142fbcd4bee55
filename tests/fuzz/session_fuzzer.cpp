// Fuzzes a whole SMTP client session (ext/smtp/probe_session or
// send_session on ext/smtp/connection and ext/tls/tls_client) over a
// socketpair where the fuzzer plays the server, in the manner of
// curl-fuzzer: the input is a script of what the server says and when,
// and it may switch the server end to TLS (after answering STARTTLS with
// whatever it likes, or from the first byte for implicit TLS).
//
// Input: byte 0 chooses the client (see Flags), then TLV records
// [type:1][length:2, big endian][value]:
//   1 SEND    queue `value` for the current turn
//   2 NEXT    end the turn: the next one is written after the client has
//             sent one more line
//   3 TLS     after the bytes queued so far, start a server-side TLS
//             handshake; the turns that follow go through TLS
//   4 CLOSE   close the server end after the bytes queued so far
//   5 SHUT    shutdown(SHUT_WR) after the bytes queued so far
//   6 RAW     queue `value` as raw socket bytes even in TLS mode (garbage
//             inside the TLS stream)
// Turn 0 is written at once. When the script runs out the server flushes,
// closes its write side and waits for the client to finish. When both ends
// wait for each other (the server for a line, the client for the rest of a
// reply), the server notices that the loop went idle and moves on: to the
// next turn, or it drops a TLS handshake the client never started. So no
// input waits for the client's timeouts, and runs stay deterministic (one
// thread; an idle loop means neither end has anything left to do).
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "smtp/probe_session.h"
#include "smtp/sasl.h"
#include "smtp/send_session.h"
#include "smtpdiag_core.h"
#include "tls/tls_client.h"

namespace {

using smtpdiag::EventLoop;
using smtpdiag::UniqueFd;

enum Flags : uint8_t {
  kSend = 1,         // SendSession (else ProbeSession)
  kImplicit = 2,     // implicit TLS from the first byte
  kNoStartTls = 4,   // probe: do not try STARTTLS; send: encryption none
  kAuthShift = 3,    // bits 3-4: 0 none, 1 PLAIN, 2 LOGIN, 3 XOAUTH2
  kAuthOnly = 32,    // send: AUTH then QUIT
  kAutoTls = 64,     // send: encryption none + SMTPAutoTLS
  kTwoRcpts = 128,   // send: two recipients
};

struct Step {
  enum Type { Send = 1, Next = 2, Tls = 3, Close = 4, Shut = 5, Raw = 6 } type;
  std::string value;
};

// The fuzzer's server end: writes turn after turn, counts the client's
// lines, and can turn into a TLS server.
class ScriptServer {
 public:
  // `client_fd` is only polled, to tell "the client is idle" from "its
  // handler has not run yet".
  ScriptServer(EventLoop& loop, UniqueFd fd, int client_fd, std::deque<Step> steps)
      : loop_(loop), fd_(std::move(fd)), client_fd_(client_fd), steps_(std::move(steps)) {
    loop_.watch(fd_.get(), EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { on_io(ev); });
    run_turn();
  }
  ~ScriptServer() { stop(); }

 private:
  void stop() {
    disarm();
    if (!fd_) return;
    loop_.unwatch(fd_.get());
    ssl_.reset();
    fd_.reset();
  }

  // Queues steps until a NEXT (or TLS/CLOSE/SHUT, which act on the socket).
  void run_turn() {
    while (fd_ && !steps_.empty() && !handshaking_) {
      Step s = std::move(steps_.front());
      steps_.pop_front();
      switch (s.type) {
        case Step::Send:
          if (ssl_) {
            write_tls(s.value);
          } else {
            out_ += s.value;
          }
          break;
        case Step::Raw:
          out_ += s.value;
          break;
        case Step::Next:
          flush();
          waiting_line_ = true;
          arm();
          return;
        case Step::Tls:
          flush();
          if (ssl_) break;  // already TLS: ignore
          begin_tls();
          return;
        case Step::Close:
          flush();
          stop();
          return;
        case Step::Shut:
          flush();
          if (fd_) shutdown(fd_.get(), SHUT_WR);
          shut_ = true;
          break;
      }
    }
    flush();
    if (fd_ && steps_.empty() && !handshaking_ && !shut_) {
      // Script done: let the client read what is left, then see EOF.
      if (ssl_) SSL_shutdown(ssl_.get());
      flush();
      shutdown(fd_.get(), SHUT_WR);
      shut_ = true;
    }
  }

  void begin_tls() {
    ssl_.reset(SSL_new(smtpdiag_fuzz::server_context()));
    SSL_set_fd(ssl_.get(), fd_.get());
    SSL_set_accept_state(ssl_.get());
    handshaking_ = true;
    arm();
    step_handshake();
  }

  // A timer that can only fire when the loop has nothing else to do.
  void arm() {
    disarm();
    idle_timer_ = loop_.add_timer(smtpdiag::Clock::now() + std::chrono::milliseconds(1), [this] {
      idle_timer_ = 0;
      on_idle();
    });
  }
  // Nothing readable on either end: each waits for the other.
  bool both_quiet() const {
    pollfd p[2] = {{fd_.get(), POLLIN, 0}, {client_fd_, POLLIN, 0}};
    return poll(p, 2, 0) == 0;
  }
  void disarm() {
    if (idle_timer_) loop_.cancel_timer(idle_timer_);
    idle_timer_ = 0;
  }
  void on_idle() {
    if (!fd_) return;
    const size_t before = received_;
    on_io(EPOLLIN);  // whatever is already in the socket counts first
    if (!fd_ || received_ != before || !both_quiet()) {
      if (fd_ && (waiting_line_ || handshaking_)) arm();
      return;
    }
    if (handshaking_) {
      stop();  // the client is not doing TLS
    } else if (waiting_line_) {
      waiting_line_ = false;  // the client waits for us: next turn
      run_turn();
    }
  }

  void step_handshake() {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_.get());
    if (rc == 1) {
      handshaking_ = false;
      disarm();
      run_turn();
      return;
    }
    const int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    ERR_clear_error();
    stop();  // the client gave up or sent garbage
  }

  void write_tls(const std::string& bytes) {
    if (bytes.empty()) return;
    // Small amounts only (the script is bounded): the socket buffer holds them.
    size_t done = 0;
    while (done < bytes.size()) {
      size_t n = 0;
      ERR_clear_error();
      if (SSL_write_ex(ssl_.get(), bytes.data() + done, bytes.size() - done, &n) != 1) {
        ERR_clear_error();
        return;
      }
      done += n;
    }
  }

  void flush() {
    while (fd_ && !out_.empty()) {
      const ssize_t n = send(fd_.get(), out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          loop_.modify(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP);
          return;
        }
        out_.clear();
        return;
      }
      out_.erase(0, static_cast<size_t>(n));
    }
    if (fd_) loop_.modify(fd_.get(), EPOLLIN | EPOLLRDHUP);
  }

  void on_io(uint32_t ev) {
    if (!fd_) return;
    if ((ev & EPOLLOUT) && !out_.empty()) flush();
    if (!fd_) return;
    if (handshaking_) {
      const size_t before = BIO_number_read(SSL_get_rbio(ssl_.get()));
      step_handshake();
      if (ssl_) received_ += BIO_number_read(SSL_get_rbio(ssl_.get())) - before;
      return;
    }
    char buf[4096];
    for (;;) {
      ssize_t n;
      if (ssl_) {
        ERR_clear_error();
        const int rc = SSL_read(ssl_.get(), buf, sizeof buf);
        if (rc <= 0) {
          const int err = SSL_get_error(ssl_.get(), rc);
          ERR_clear_error();
          if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
          stop();
          return;
        }
        n = rc;
        received_ += static_cast<size_t>(n);
      } else {
        n = recv(fd_.get(), buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n <= 0) {
          stop();
          return;
        }
        received_ += static_cast<size_t>(n);
      }
      for (ssize_t i = 0; i < n; ++i) {
        if (buf[i] != '\n' || !waiting_line_) continue;
        waiting_line_ = false;
        disarm();
        run_turn();
        if (!fd_ || handshaking_) return;
      }
    }
  }

  EventLoop& loop_;
  UniqueFd fd_;
  int client_fd_;
  std::deque<Step> steps_;
  std::string out_;
  smtpdiag::SslPtr ssl_;
  bool handshaking_ = false;
  bool waiting_line_ = false;
  bool shut_ = false;
  size_t received_ = 0;  // bytes from the client, to tell progress from a stall
  EventLoop::TimerId idle_timer_ = 0;
};

std::deque<Step> parse_script(smtpdiag_fuzz::Cursor& in) {
  std::deque<Step> steps;
  size_t total = 0;
  while (!in.empty() && steps.size() < 256) {
    const uint8_t type = in.byte();
    if (type < Step::Send || type > Step::Raw) continue;
    Step s{static_cast<Step::Type>(type), {}};
    if (type == Step::Send || type == Step::Raw) {
      s.value = in.bytes(in.u16());
      total += s.value.size();
      if (total > 256 * 1024) break;
    }
    steps.push_back(std::move(s));
  }
  return steps;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  signal(SIGPIPE, SIG_IGN);
  std::string error;
  smtpdiag::global_init(&error);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static SSL_CTX* client_ctx = [] {
    std::string error;
    smtpdiag::TlsClientOptions o;
    o.ca_path = "/nonexistent-smtpdiag-fuzz";  // nothing trusted, nothing read
    return make_client_context(o, &error).release();
  }();
  // SMTPDIAG_FUZZ_VERBOSE=1: print each outcome (to check what seeds reach).
  static const bool verbose = std::getenv("SMTPDIAG_FUZZ_VERBOSE") != nullptr;
  smtpdiag_fuzz::Cursor in(data, size);
  const uint8_t flags = in.byte();
  std::deque<Step> script = parse_script(in);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  UniqueFd client_fd(sv[0]);
  UniqueFd server_fd(sv[1]);

  EventLoop loop;
  // Long enough for any script to play out; a script that stalls a phase
  // is the deadline path, and it costs this long once per such input.
  const smtpdiag::Deadline deadline = smtpdiag::Deadline::after(2.0);
  bool done = false;
  std::optional<ScriptServer> server;
  server.emplace(loop, std::move(server_fd), client_fd.get(), std::move(script));

  if (flags & kSend) {
    smtpdiag::SendSessionOptions o;
    o.ehlo_name = "client.fuzz.test";
    o.encryption = (flags & kImplicit) ? smtpdiag::Encryption::Tls
                   : (flags & (kNoStartTls | kAutoTls)) ? smtpdiag::Encryption::None
                                                        : smtpdiag::Encryption::StartTls;
    o.auto_tls = flags & kAutoTls;
    o.verify_peer = false;
    o.allow_insecure_auth = true;
    o.tls_ctx = client_ctx;
    o.sni = "fuzz.test";
    o.verify_host = "fuzz.test";
    o.auth_only = flags & kAuthOnly;
    static const char* mechs[] = {"", "plain", "login", "xoauth2"};
    const int m = (flags >> kAuthShift) & 3;
    if (m) {
      smtpdiag::AuthSettings a;
      a.username = smtpdiag::Secret(std::string("user@fuzz.test"));
      a.secret = smtpdiag::Secret(std::string("fuzz-password"));
      a.mechanism = mechs[m];
      o.auth = std::move(a);
    }
    smtpdiag::MessageSpec msg;
    msg.from = {"Fuzz", "from@fuzz.test"};
    msg.to.push_back({"", "to@fuzz.test"});
    if (flags & kTwoRcpts) msg.to.push_back({"", "other@fuzz.test"});
    msg.subject = "fuzz";
    msg.body = "hello\n.\nbye\n";
    smtpdiag::SendSession s(loop, std::move(client_fd), deadline, smtpdiag::Clock::now(), o, msg,
                            [&](smtpdiag::SendObservation&& obs) {
                              done = true;
                              if (verbose)
                                std::fprintf(stderr, "send: ok=%d stage=%s finding=%s error=%s\n", obs.ok,
                                             obs.stage.c_str(), obs.finding.c_str(), obs.error.c_str());
                              if (obs.stage.empty()) std::abort();
                              if (!obs.ok && obs.finding.empty()) std::abort();
                              // What we sent is shown redacted. (Server lines may
                              // quote anything, the password included.)
                              for (const auto& t : obs.transcript) {
                                if (t.dir != 'C') continue;
                                if (t.text.find("fuzz-password") != std::string::npos ||
                                    t.text.find(smtpdiag::base64_encode("fuzz-password")) != std::string::npos)
                                  std::abort();
                              }
                            });
    s.start();
    loop.run(deadline, [&] { return done; });
    if (!done) s.abandon();
  } else {
    smtpdiag::ProbeSessionOptions o;
    o.ehlo_name = "client.fuzz.test";
    o.implicit_tls = flags & kImplicit;
    o.try_starttls = !(flags & kNoStartTls);
    o.tls_ctx = client_ctx;
    o.sni = "fuzz.test";
    o.verify_host = "fuzz.test";
    smtpdiag::ProbeSession s(loop, std::move(client_fd), deadline, o,
                             [&](smtpdiag::SmtpObservation&& obs,
                                 std::optional<smtpdiag::TlsObservation>&& tls) {
                               done = true;
                               if (verbose)
                                 std::fprintf(stderr, "probe: stage=%s error=%s (%s) tls=%s\n",
                                              obs.stage.c_str(), obs.error_code.c_str(), obs.error.c_str(),
                                              tls ? (tls->ok ? tls->protocol.c_str() : tls->error.c_str()) : "-");
                               if (obs.stage.empty()) std::abort();
                               // A stop before "done" always says why.
                               if (obs.stage != "done" && obs.error_code.empty()) std::abort();
                               if (tls && !tls->ok && tls->error.empty()) std::abort();
                             });
    s.start();
    loop.run(deadline, [&] { return done; });
    if (!done) s.abandon();
  }
  if (!done) std::abort();  // abandon() must always report
  server.reset();
  ERR_clear_error();
  return 0;
}
