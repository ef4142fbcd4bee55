#include "smtp/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/x509v3.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string_view>

#include "util/secret.h"

namespace smtpdiag {

namespace {
constexpr size_t kReadChunk = 16 * 1024;

// Appends to the send buffer. When it must grow, the old buffer is wiped
// before it is freed: it may hold an AUTH line (the string's own growth
// would free it as it is).
void append_wiped(std::string& out, std::string_view a, std::string_view b = {}) {
  const size_t need = out.size() + a.size() + b.size();
  if (need > out.capacity()) {
    std::string grown;
    grown.reserve(std::max(need, out.capacity() * 2));
    grown.append(out);
    wipe_string(out);
    out.swap(grown);
  }
  out.append(a);
  out.append(b);
}
}

const char* conn_error_name(ConnError e) {
  switch (e) {
    case ConnError::None: return "none";
    case ConnError::Timeout: return "timeout";
    case ConnError::Closed: return "closed";
    case ConnError::ReadFailed: return "io_error";
    case ConnError::BadReply: return "bad_reply";
    case ConnError::TlsFailed: return "tls_failed";
    case ConnError::TlsPlaintext: return "tls_plaintext_reply";
    case ConnError::Injection: return "starttls_injection";
  }
  return "unknown";
}

SmtpConnection::SmtpConnection(EventLoop& loop, UniqueFd fd, Deadline deadline, TimePoint t0,
                               Callbacks callbacks)
    : loop_(loop), fd_(std::move(fd)), deadline_(deadline), t0_(t0), cb_(std::move(callbacks)) {}

SmtpConnection::~SmtpConnection() { close(); }

void SmtpConnection::close() {
  if (closed_) return;
  closed_ = true;
  if (timer_) loop_.cancel_timer(timer_);
  timer_ = 0;
  if (fd_) loop_.unwatch(fd_.get());
  tls_.reset();
  fd_.reset();
}

void SmtpConnection::start_plain() {
  loop_.watch(fd_.get(), EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { on_io(ev); });
  expect_reply_by(deadline_.at(), "answer from the server");
}

void SmtpConnection::expect_reply_by(TimePoint until, const std::string& what) {
  if (closed_) return;
  if (timer_) loop_.cancel_timer(timer_);
  const TimePoint at = std::min(until, deadline_.at());
  // Say which clock ran out: the phase's own (phase_timeout, a connect
  // timeout for a greeting) or the call's.
  waiting_for_ = what;
  phase_ms_ = at < deadline_.at() ? ms_between(Clock::now(), at) : -1;
  timer_ = loop_.add_timer(at, [this] {
    timer_ = 0;
    fail(ConnError::Timeout, "no " + waiting_for_ + " " +
                                 (phase_ms_ < 0 ? std::string("before the deadline")
                                                : "within " + std::to_string(std::llround(phase_ms_)) + " ms"));
  });
}

void SmtpConnection::start_tls(SSL_CTX* ctx, const std::string& sni,
                               const std::string& verify_host) {
  if (reader_.buffered() > 0) {
    // RFC 3207 5: nothing may follow the 220 in the clear; a server (or a
    // man in the middle) that pipelines commands is a protocol error.
    fail(ConnError::Injection, std::to_string(reader_.buffered()) +
                                   " byte(s) arrived after the STARTTLS reply, before TLS");
    return;
  }
  if (!timer_ && !closed_) start_plain();
  tls_ = std::make_unique<TlsSession>(ctx, fd_.get(), sni);
  if (!tls_->ok()) {
    fail(ConnError::TlsFailed, tls_->error());
    return;
  }
  if (!verify_host.empty()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(tls_->ssl());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, verify_host.c_str(), 0);
  }
  reader_.clear();
  handshaking_ = true;
  tls_started_ = Clock::now();
  note("TLS handshake");
  do_handshake();
}

void SmtpConnection::do_handshake() {
  const TlsSession::Io io = tls_->handshake();
  if (io == TlsSession::Io::Done) {
    handshaking_ = false;
    tls_ready_ = true;
    tls_ms_ = ms_between(tls_started_, Clock::now());
    want_write_ = false;
    note("TLS established: " + tls_->protocol() + " " + tls_->cipher());
    // With implicit TLS the server speaks next: a TLS 1.3 server writes its
    // session tickets and then its greeting, and with Nagle it holds the
    // greeting until the tickets are ACKed, while Linux delays that ACK
    // (~40 ms) because we have nothing to send. Quick-ACK mode sends it at
    // once (bench/RESULTS.md, "greeting after connect"). Not a TCP socket
    // (a socketpair in the fuzz target): the call fails, harmlessly.
    const int one = 1;
    (void)setsockopt(fd_.get(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    update_interest();
    in_callback_ = true;
    if (cb_.on_tls_ready) cb_.on_tls_ready();
    in_callback_ = false;
    return;
  }
  if (io == TlsSession::Io::WantRead || io == TlsSession::Io::WantWrite) {
    want_write_ = io == TlsSession::Io::WantWrite;
    update_interest();
    return;
  }
  tls_ms_ = ms_between(tls_started_, Clock::now());
  if (tls_->peer_spoke_plaintext_smtp()) {
    fail(ConnError::TlsPlaintext, "the server answered the TLS ClientHello with a plain SMTP reply");
    return;
  }
  fail(ConnError::TlsFailed, tls_->error().empty() ? "TLS handshake failed" : tls_->error());
}

void SmtpConnection::update_interest() {
  if (closed_ || !fd_) return;
  uint32_t ev = EPOLLIN | EPOLLRDHUP;
  if (want_write_ || out_done_ < out_.size()) ev |= EPOLLOUT;
  loop_.modify(fd_.get(), ev);
}

void SmtpConnection::on_io(uint32_t events) {
  if (closed_ || failed_) return;
  if (handshaking_) {
    do_handshake();
    return;
  }
  if ((events & EPOLLOUT) && out_done_ < out_.size()) flush();
  if (closed_ || failed_) return;
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) do_read();
}

void SmtpConnection::do_read() {
  std::string chunk;
  bool eof = false;
  if (tls_ready_) {
    const TlsSession::Io io = tls_->read(&chunk, kReadChunk);
    if (io == TlsSession::Io::Closed) eof = true;
    if (io == TlsSession::Io::Failed) {
      fail(ConnError::ReadFailed, tls_->error());
      return;
    }
  } else {
    char buf[kReadChunk];
    ssize_t n;
    do {
      n = recv(fd_.get(), buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) chunk.assign(buf, static_cast<size_t>(n));
    else if (n == 0) eof = true;
    else if (errno == ECONNRESET) {
      // A hang-up with unread data in its buffer: still the server closing.
      eof = true;
      reset_ = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
      fail(ConnError::ReadFailed, std::string("receive failed: ") + strerror(errno));
      return;
    }
  }
  if (!chunk.empty()) reader_.feed(chunk);
  if (eof) reader_.feed_eof();
  deliver_replies();
  if (closed_ || failed_) return;
  if (eof) fail(ConnError::Closed, reset_ ? "the server closed the connection (reset)" : "the server closed the connection");
}

void SmtpConnection::deliver_replies() {
  for (;;) {
    if (closed_ || failed_ || handshaking_) return;
    SmtpReply reply;
    const ReplyReader::Status st = reader_.next(&reply);
    if (st == ReplyReader::Status::NeedMore) return;
    if (st == ReplyReader::Status::Error) {
      if (reader_.error() == ReplyError::ClosedMidReply) {
        fail(ConnError::Closed, reset_ ? "the server reset the connection in the middle of a reply"
                                       : "the server closed the connection in the middle of a reply");
      } else {
        fail(ConnError::BadReply, reply_error_name(reader_.error()));
      }
      return;
    }
    for (size_t i = 0; i < reply.lines.size(); ++i) {
      const bool last = i + 1 == reply.lines.size();
      transcript_.push_back(
          {'S', std::to_string(reply.code) + (last ? " " : "-") + reply.lines[i], now_ms()});
    }
    in_callback_ = true;
    if (cb_.on_reply) cb_.on_reply(reply);
    in_callback_ = false;
  }
}

void SmtpConnection::send_line(const std::string& line, const std::string& shown) {
  if (closed_ || failed_) return;
  transcript_.push_back({'C', shown.empty() ? line : shown, now_ms()});
  append_wiped(out_, line, "\r\n");
  flush();
}

void SmtpConnection::send_raw(const std::string& bytes, const std::string& summary) {
  if (closed_ || failed_) return;
  transcript_.push_back({'C', summary, now_ms()});
  append_wiped(out_, bytes);
  flush();
}

void SmtpConnection::flush() {
  while (out_done_ < out_.size()) {
    if (tls_ready_) {
      const TlsSession::Io io = tls_->write(out_, &out_done_);
      if (io == TlsSession::Io::WantWrite || io == TlsSession::Io::WantRead) break;
      if (io != TlsSession::Io::Done) {
        fail(ConnError::ReadFailed, tls_->error());
        return;
      }
    } else {
      ssize_t n;
      do {
        n = send(fd_.get(), out_.data() + out_done_, out_.size() - out_done_, MSG_NOSIGNAL);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        fail(ConnError::ReadFailed, std::string("send failed: ") + strerror(errno));
        return;
      }
      out_done_ += static_cast<size_t>(n);
    }
  }
  if (out_done_ == out_.size()) {
    // Wipe what was sent: it may have held credentials.
    std::fill(out_.begin(), out_.end(), '\0');
    out_.clear();
    out_done_ = 0;
  }
  update_interest();
}

void SmtpConnection::fail(ConnError e, const std::string& why) {
  if (failed_ || closed_) return;
  failed_ = true;
  // A copy: `why` may be tls_->error(), which close() destroys.
  const std::string reason = why;  // NOLINT(performance-unnecessary-copy-initialization)
  note(std::string(conn_error_name(e)) + ": " + reason);
  auto cb = cb_.on_failure;
  close();
  if (cb) cb(e, reason);
}

}  // namespace smtpdiag
