// The line-reply engine every SMTP conversation runs on (curl's pingpong
// in spirit): owns the socket, sends command lines, feeds every received
// byte through the bounded ReplyReader, upgrades to TLS (implicit or
// STARTTLS, RFC 3207), keeps a timed transcript, and reports one failure.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/event_loop.h"
#include "net/unique_fd.h"
#include "smtp/reply_reader.h"
#include "tls/tls_client.h"
#include "util/deadline.h"

namespace smtpdiag {

struct TranscriptLine {
  char dir;  // 'C' client, 'S' server, '*' event
  std::string text;
  double t_ms;
};

enum class ConnError {
  None,
  Timeout,         // the deadline passed while waiting for the server
  Closed,          // the server closed the connection
  ReadFailed,      // recv/send error (ECONNRESET...)
  BadReply,        // the reply reader rejected what came (see reply_error)
  TlsFailed,       // handshake failed
  TlsPlaintext,    // implicit TLS tried, server answered in clear text SMTP
  Injection,       // bytes pipelined after the STARTTLS 220 (CVE-2011-0411 class)
};

const char* conn_error_name(ConnError e);

class SmtpConnection {
 public:
  struct Callbacks {
    std::function<void(const SmtpReply&)> on_reply;
    std::function<void()> on_tls_ready;
    std::function<void(ConnError, const std::string&)> on_failure;
  };

  SmtpConnection(EventLoop& loop, UniqueFd fd, Deadline deadline, TimePoint t0,
                 Callbacks callbacks);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // Begins reading (the greeting) on a plain connection.
  void start_plain();
  // Starts a TLS handshake now: implicit TLS, or after STARTTLS's 220.
  // Refuses (Injection) when the server already sent more bytes.
  void start_tls(SSL_CTX* ctx, const std::string& sni, const std::string& verify_host);

  // Sends "line\r\n"; `shown` is what the transcript records instead
  // (for credentials), empty to record the line itself.
  void send_line(const std::string& line, const std::string& shown = {});
  // Sends bytes as they are (message content after DATA), recording only
  // `summary` in the transcript.
  void send_raw(const std::string& bytes, const std::string& summary);
  // The next reply must come before `until` (and always before the call's
  // deadline); `what` names the wait in the timeout error.
  void expect_reply_by(TimePoint until, const std::string& what);
  void close();

  bool tls_active() const { return tls_ && tls_ready_; }
  TlsSession* tls() const { return tls_.get(); }
  double tls_handshake_ms() const { return tls_ms_; }
  const std::vector<TranscriptLine>& transcript() const { return transcript_; }
  const ReplyReader& reader() const { return reader_; }
  int fd() const { return fd_.get(); }
  double now_ms() const { return ms_between(t0_, Clock::now()); }
  void note(const std::string& text) { transcript_.push_back({'*', text, now_ms()}); }

 private:
  void on_io(uint32_t events);
  void do_handshake();
  void do_read();
  void flush();
  void update_interest();
  void fail(ConnError e, const std::string& why);
  void deliver_replies();

  EventLoop& loop_;
  UniqueFd fd_;
  Deadline deadline_;
  TimePoint t0_;
  Callbacks cb_;
  ReplyReader reader_;
  std::unique_ptr<TlsSession> tls_;
  bool tls_ready_ = false;
  bool handshaking_ = false;
  bool want_write_ = false;   // TLS wants the socket writable
  TimePoint tls_started_{};
  double tls_ms_ = 0;
  std::string out_;
  size_t out_done_ = 0;
  EventLoop::TimerId timer_ = 0;
  std::string waiting_for_ = "answer from the server";
  double phase_ms_ = -1;  // the wait's own limit when shorter than the deadline's
  bool closed_ = false;
  bool failed_ = false;
  bool reset_ = false;  // the close came as a RST
  bool in_callback_ = false;
  std::vector<TranscriptLine> transcript_;
};

}  // namespace smtpdiag
