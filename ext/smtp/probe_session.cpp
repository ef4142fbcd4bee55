#include "smtp/probe_session.h"

#include <openssl/x509_vfy.h>

#include "smtpdiag_core.h"

namespace smtpdiag {

const char* ProbeSession::stage_name(State s) {
  switch (s) {
    case State::Greeting: return "greeting";
    case State::Ehlo: return "ehlo";
    case State::Helo: return "ehlo";
    case State::StartTls: return "starttls";
    case State::Tls: return "tls";
    case State::Ehlo2: return "ehlo";
    case State::Quit: return "quit";
    case State::Done: return "done";
  }
  return "done";
}

ProbeSession::ProbeSession(EventLoop& loop, UniqueFd fd, Deadline deadline,
                           ProbeSessionOptions options, Done done)
    : opt_(std::move(options)), done_(std::move(done)), t0_(Clock::now()) {
  if (opt_.ehlo_name.empty()) opt_.ehlo_name = default_ehlo_name();
  SmtpConnection::Callbacks cb;
  cb.on_reply = [this](const SmtpReply& r) { on_reply(r); };
  cb.on_tls_ready = [this] { on_tls_ready(); };
  cb.on_failure = [this](ConnError e, const std::string& why) { on_failure(e, why); };
  conn_ = std::make_unique<SmtpConnection>(loop, std::move(fd), deadline, t0_, std::move(cb));
}

ProbeSession::~ProbeSession() = default;

void ProbeSession::set_state(State s) { state_ = s; }

void ProbeSession::start() {
  if (opt_.implicit_tls && opt_.tls_ctx) {
    set_state(State::Tls);
    tls_ = TlsObservation{};
    tls_->mode = "implicit";
    conn_->start_tls(opt_.tls_ctx, opt_.sni, opt_.verify_host);
  } else {
    set_state(State::Greeting);
    conn_->start_plain();
  }
  if (opt_.first_answer_timeout > 0 && !finished_) {
    first_answer_pending_ = true;
    conn_->expect_reply_by(Deadline::after(opt_.first_answer_timeout).at(),
                           state_ == State::Tls ? "TLS handshake" : "greeting");
  }
}

// The server has spoken: from here on only the call's deadline bounds it.
void ProbeSession::first_answer_came() {
  if (!first_answer_pending_) return;
  first_answer_pending_ = false;
  conn_->expect_reply_by(TimePoint::max(), "answer from the server");
}

void ProbeSession::send_ehlo() {
  ehlo_sent_ = Clock::now();
  conn_->send_line("EHLO " + opt_.ehlo_name);
}

void ProbeSession::on_tls_ready() {
  first_answer_came();
  tls_->ok = true;
  tls_->protocol = conn_->tls()->protocol();
  tls_->cipher = conn_->tls()->cipher();
  tls_->handshake_ms = conn_->tls_handshake_ms();
  tls_->verify_code = conn_->tls()->verify_result();
  if (tls_->verify_code != X509_V_OK)
    tls_->verify_error = X509_verify_cert_error_string(tls_->verify_code);
  if (STACK_OF(X509)* sent = SSL_get_peer_cert_chain(conn_->tls()->ssl())) {
    for (int i = 0; i < sk_X509_num(sent); ++i) {
      X509* x = sk_X509_value(sent, i);
      X509_up_ref(x);
      tls_->chain.emplace_back(x);
    }
  }
  if (tls_->mode == "implicit") {
    set_state(State::Greeting);
  } else {
    // RFC 3207 4.2: discard all knowledge from before TLS; ask again.
    obs_.ehlo.reset();
    set_state(State::Ehlo2);
    send_ehlo();
  }
}

void ProbeSession::on_reply(const SmtpReply& r) {
  obs_.last_code = r.code;
  obs_.last_reply = r.text();
  switch (state_) {
    case State::Greeting:
      first_answer_came();
      obs_.greeted = true;
      obs_.banner_code = r.code;
      obs_.banner = r.text();
      obs_.banner_ms = conn_->now_ms();
      if (r.code != 220) {
        obs_.error_code = r.code == 421 ? "server_busy" : "greeting_rejected";
        obs_.error = "greeting " + std::to_string(r.code) + " " + r.text();
        conn_->send_line("QUIT");
        finish();
        return;
      }
      set_state(State::Ehlo);
      send_ehlo();
      return;
    case State::Ehlo:
    case State::Ehlo2:
      obs_.ehlo_ms = ms_between(ehlo_sent_, Clock::now());
      if (r.code != 250) {
        if (state_ == State::Ehlo) {
          obs_.helo_fallback = true;
          set_state(State::Helo);
          conn_->send_line("HELO " + opt_.ehlo_name);
          return;
        }
        obs_.error_code = "ehlo_rejected";
        obs_.error = "EHLO after TLS refused: " + std::to_string(r.code) + " " + r.text();
        finish();
        return;
      }
      obs_.ehlo = parse_ehlo(r);
      if (state_ == State::Ehlo) obs_.starttls_offered = obs_.ehlo->starttls;
      if (state_ == State::Ehlo && obs_.ehlo->starttls && opt_.try_starttls && opt_.tls_ctx) {
        set_state(State::StartTls);
        conn_->send_line("STARTTLS");
        return;
      }
      set_state(State::Quit);
      conn_->send_line("QUIT");
      finish();
      return;
    case State::Helo:
      if (r.code != 250) {
        obs_.error_code = "ehlo_rejected";
        obs_.error = "EHLO and HELO refused: " + std::to_string(r.code) + " " + r.text();
      }
      set_state(State::Quit);
      conn_->send_line("QUIT");
      finish();
      return;
    case State::StartTls:
      tls_ = TlsObservation{};
      tls_->mode = "starttls";
      if (r.code != 220) {
        tls_->error = "STARTTLS refused: " + std::to_string(r.code) + " " + r.text();
        obs_.error_code = "starttls_refused";
        obs_.error = tls_->error;
        conn_->send_line("QUIT");
        finish();
        return;
      }
      set_state(State::Tls);
      conn_->start_tls(opt_.tls_ctx, opt_.sni, opt_.verify_host);
      return;
    case State::Tls:
    case State::Quit:
    case State::Done:
      return;
  }
}

void ProbeSession::on_failure(ConnError e, const std::string& why) {
  if (finished_) return;
  // The verdict is in and only our QUIT failed (a server that said 421 and
  // hung up): keep the verdict, not the broken pipe.
  if (state_ == State::Quit || !obs_.error_code.empty()) {
    finish();
    return;
  }
  if (state_ == State::Tls && tls_) {
    tls_->ok = false;
    tls_->handshake_ms = conn_->tls_handshake_ms();
    tls_->error = why;
    tls_->plaintext_reply = e == ConnError::TlsPlaintext;
  }
  if (e == ConnError::Injection && tls_) tls_->error = why;
  obs_.error_code = conn_error_name(e);
  if (e == ConnError::Timeout && state_ == State::Greeting) obs_.error_code = "greeting_timeout";
  obs_.error = why;
  finish();
}

void ProbeSession::abandon() {
  if (!finished_) on_failure(ConnError::Timeout, "no answer from the server before the deadline");
}

void ProbeSession::finish() {
  if (finished_) return;
  finished_ = true;
  obs_.stage = stage_name(state_);
  if (obs_.error_code.empty()) obs_.stage = "done";
  set_state(State::Done);
  obs_.transcript = conn_->transcript();
  obs_.stopped_ms = conn_->now_ms();
  conn_->close();
  auto done = std::move(done_);
  done(std::move(obs_), std::move(tls_));
}

}  // namespace smtpdiag
