// The test send's SMTP client (RFC 5321 with RFC 3207 STARTTLS, RFC 8314
// implicit TLS, RFC 4954 AUTH): banner, EHLO (HELO fallback), TLS,
// AUTH, MAIL FROM, one RCPT TO per recipient, DATA, QUIT. Each stage has
// its own timeout inside the call's deadline; credentials are redacted in
// the transcript and wiped after use.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smtp/connection.h"
#include "smtp/ehlo.h"
#include "smtp/message.h"
#include "tls/certificate.h"
#include "util/secret.h"

namespace smtpdiag {

enum class Encryption { None, StartTls, Tls };

struct AuthSettings {
  Secret username;
  Secret secret;               // password, or the bearer token for XOAUTH2
  std::string mechanism = "auto";  // auto | plain | login | xoauth2
};

struct SendSessionOptions {
  std::string ehlo_name;
  Encryption encryption = Encryption::StartTls;
  bool auto_tls = false;          // with None: STARTTLS when offered (PHPMailer's SMTPAutoTLS)
  bool verify_peer = true;
  bool allow_insecure_auth = false;  // PLAIN/LOGIN without verified TLS (loopback only)
  SSL_CTX* tls_ctx = nullptr;
  std::string sni;
  std::string verify_host;
  std::optional<AuthSettings> auth;
  bool auth_only = false;         // AUTH then QUIT: no mail (diagnose)
  double phase_timeout = 0;       // seconds per reply; 0: only the deadline
};

struct ReplyInfo {
  int code = 0;
  std::string enhanced;
  std::string text;
};

struct RecipientResult {
  std::string address;
  ReplyInfo reply;
  bool accepted = false;
};

struct SendObservation {
  bool ok = false;
  std::string stage = "connect";
  std::optional<ReplyInfo> reply;       // the server's answer where it stopped
  std::string finding;                  // a finding code when it failed
  std::string error;                    // readable
  std::vector<RecipientResult> recipients;
  std::optional<EhloInfo> ehlo;
  std::string tls_mode;                 // "", starttls, implicit
  bool tls_ok = false;
  std::string tls_protocol, tls_cipher;
  long verify_code = -1;
  std::string verify_error;
  // The server's own certificate when it failed verification: what the
  // certificate findings name (subject, dates, the names it covers).
  std::optional<CertificateInfo> peer_certificate;
  std::vector<std::string> peer_names;
  std::string auth_mechanism;
  std::string message_id;
  std::vector<std::pair<std::string, double>> timings;  // stage -> ms
  std::vector<TranscriptLine> transcript;
};

class SendSession {
 public:
  using Done = std::function<void(SendObservation&&)>;
  SendSession(EventLoop& loop, UniqueFd fd, Deadline deadline, TimePoint t0,
              SendSessionOptions options, MessageSpec message, Done done);
  ~SendSession();
  void start();
  void abandon();
  bool finished() const { return finished_; }

 private:
  enum class State {
    Banner, Ehlo, Helo, StartTls, Tls, Ehlo2, AuthPlain, AuthLogin, AuthLoginUser,
    AuthLoginPass, AuthXoauth2, AuthXoauth2Error, MailFrom, RcptTo, Data, Content, Quit, Done
  };
  void set_state(State s);
  void begin_stage(const char* stage);
  void expect(const char* what);
  void on_reply(const SmtpReply& r);
  void on_tls_ready();
  void on_failure(ConnError e, const std::string& why);
  void after_ehlo();
  void start_auth();
  void send_mail_from();
  void send_next_rcpt();
  void fail(const std::string& finding, const std::string& error, const SmtpReply* r);
  void quit_and_finish();
  void finish();

  Deadline deadline_;
  TimePoint t0_;
  SendSessionOptions opt_;
  MessageSpec msg_;
  Done done_;
  std::unique_ptr<SmtpConnection> conn_;
  State state_ = State::Banner;
  SendObservation obs_;
  std::string stage_;
  TimePoint stage_started_{};
  size_t rcpt_index_ = 0;
  bool tls_done_ = false;
  bool finished_ = false;
  BuiltMessage built_;
};

}  // namespace smtpdiag
