// The probe's SMTP conversation on one open port: greeting, EHLO (HELO if
// refused), STARTTLS where offered and EHLO again (forgetting everything
// learned before TLS, RFC 3207 4.2), or implicit TLS first (RFC 8314), then
// QUIT. No AUTH, no mail.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "smtp/connection.h"
#include "smtp/ehlo.h"

namespace smtpdiag {

struct TlsObservation {
  std::string mode;  // "starttls" | "implicit"
  bool ok = false;
  std::string protocol;
  std::string cipher;
  double handshake_ms = 0;
  std::string error;
  bool plaintext_reply = false;  // implicit TLS met a clear-text greeting
  long verify_code = -1;         // X509_V_OK (0) when the chain and name verified
  std::string verify_error;
  std::vector<X509Ptr> chain;    // as the server sent it, leaf first
};

struct SmtpObservation {
  bool greeted = false;
  int banner_code = 0;
  std::string banner;            // full greeting text, sanitised
  double banner_ms = 0;          // from TCP connect to the greeting
  std::optional<EhloInfo> ehlo;  // the last EHLO (after TLS when TLS ran)
  bool helo_fallback = false;
  bool starttls_offered = false;
  std::string stage;             // where it stopped: greeting, ehlo, starttls, tls, done
  std::string error_code;        // "", conn_error_name(), "greeting_rejected", ...
  std::string error;             // readable detail
  int last_code = 0;             // the last reply code seen
  std::string last_reply;        // and its text
  double ehlo_ms = 0;
  double stopped_ms = 0;         // from TCP connect to where it stopped
  std::vector<TranscriptLine> transcript;
};

struct ProbeSessionOptions {
  std::string ehlo_name;
  bool implicit_tls = false;
  bool try_starttls = true;
  SSL_CTX* tls_ctx = nullptr;  // null: no TLS attempted
  std::string sni;             // DNS name or empty
  std::string verify_host;     // name checked against the certificate
  // Seconds the server has to say something first (its greeting, or its
  // side of the implicit-TLS handshake) from the start; 0: until the
  // deadline. After that first answer only the deadline counts.
  double first_answer_timeout = 0;
};

class ProbeSession {
 public:
  using Done = std::function<void(SmtpObservation&&, std::optional<TlsObservation>&&)>;

  ProbeSession(EventLoop& loop, UniqueFd fd, Deadline deadline, ProbeSessionOptions options,
               Done done);
  ~ProbeSession();
  void start();
  bool finished() const { return finished_; }
  // Stops now (the call's deadline): reports a timeout at the current stage.
  void abandon();

 private:
  enum class State { Greeting, Ehlo, Helo, StartTls, Tls, Ehlo2, Quit, Done };
  void set_state(State s);
  void on_reply(const SmtpReply& r);
  void on_tls_ready();
  void on_failure(ConnError e, const std::string& why);
  void send_ehlo();
  void first_answer_came();
  void finish();
  static const char* stage_name(State s);

  ProbeSessionOptions opt_;
  Done done_;
  TimePoint t0_;
  std::unique_ptr<SmtpConnection> conn_;
  State state_ = State::Greeting;
  SmtpObservation obs_;
  std::optional<TlsObservation> tls_;
  TimePoint ehlo_sent_{};
  bool first_answer_pending_ = false;  // first_answer_timeout's timer is running
  bool finished_ = false;
};

}  // namespace smtpdiag
