#include "smtp/send_session.h"
#include "util/text.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "smtp/sasl.h"
#include "smtpdiag_core.h"

namespace smtpdiag {

namespace {

constexpr const char* kRedacted = "[redacted]";

ReplyInfo info(const SmtpReply& r) { return ReplyInfo{r.code, r.enhanced, r.text()}; }

// The finding a failed TLS verification stands for.
std::string verify_finding(long code) {
  switch (code) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return "cert_expired";
    case X509_V_ERR_CERT_NOT_YET_VALID: return "cert_not_yet_valid";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return "cert_hostname_mismatch";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: return "cert_self_signed";
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return "cert_incomplete_chain";
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_EE_KEY_TOO_SMALL: return "cert_weak_key";
    case X509_V_ERR_CA_MD_TOO_WEAK: return "cert_weak_signature";
    default: return "cert_untrusted";
  }
}

}  // namespace

SendSession::SendSession(EventLoop& loop, UniqueFd fd, Deadline deadline, TimePoint t0,
                         SendSessionOptions options, MessageSpec message, Done done)
    : deadline_(deadline), t0_(t0), opt_(std::move(options)), msg_(std::move(message)),
      done_(std::move(done)) {
  if (opt_.ehlo_name.empty()) opt_.ehlo_name = default_ehlo_name();
  SmtpConnection::Callbacks cb;
  cb.on_reply = [this](const SmtpReply& r) { on_reply(r); };
  cb.on_tls_ready = [this] { on_tls_ready(); };
  cb.on_failure = [this](ConnError e, const std::string& why) { on_failure(e, why); };
  conn_ = std::make_unique<SmtpConnection>(loop, std::move(fd), deadline, t0, std::move(cb));
}

SendSession::~SendSession() = default;

void SendSession::set_state(State s) { state_ = s; }

void SendSession::begin_stage(const char* stage) {
  const TimePoint now = Clock::now();
  if (!stage_.empty()) obs_.timings.emplace_back(stage_, ms_between(stage_started_, now));
  stage_ = stage;
  stage_started_ = now;
  obs_.stage = stage;
}

void SendSession::expect(const char* what) {
  const TimePoint until = opt_.phase_timeout > 0 ? Deadline::after(opt_.phase_timeout).at()
                                                 : deadline_.at();
  conn_->expect_reply_by(until, what);
}

void SendSession::start() {
  begin_stage("banner");
  if (opt_.encryption == Encryption::Tls) {
    obs_.tls_mode = "implicit";
    set_state(State::Tls);
    conn_->start_tls(opt_.tls_ctx, opt_.sni, opt_.verify_host);
    if (!finished_) expect("TLS handshake");
    return;
  }
  set_state(State::Banner);
  conn_->start_plain();
  expect("greeting");
}

void SendSession::on_tls_ready() {
  tls_done_ = true;
  obs_.tls_ok = true;
  obs_.tls_protocol = conn_->tls()->protocol();
  obs_.tls_cipher = conn_->tls()->cipher();
  obs_.verify_code = conn_->tls()->verify_result();
  if (obs_.verify_code != X509_V_OK) {
    obs_.verify_error = X509_verify_cert_error_string(obs_.verify_code);
    X509Ptr leaf(SSL_get1_peer_certificate(conn_->tls()->ssl()));
    if (leaf) {
      obs_.peer_certificate = inspect_certificate(leaf.get(), std::time(nullptr));
      obs_.peer_names = covered_names(leaf.get());
    }
  }
  if (opt_.verify_peer && obs_.verify_code != X509_V_OK) {
    if (obs_.tls_mode == "implicit") obs_.stage = "connect";
    // PHPMailer (verify_peer on) would stop here: so do we, before any
    // credential goes over a connection we cannot trust.
    fail(verify_finding(obs_.verify_code), "certificate verification failed: " + obs_.verify_error, nullptr);
    return;
  }
  if (obs_.tls_mode == "implicit") {
    set_state(State::Banner);
    expect("greeting");
    return;
  }
  begin_stage("ehlo");
  obs_.ehlo.reset();  // RFC 3207 4.2: forget what was said in clear text
  set_state(State::Ehlo2);
  conn_->send_line("EHLO " + opt_.ehlo_name);
  expect("EHLO reply");
}

void SendSession::after_ehlo() {
  const bool offered = obs_.ehlo && obs_.ehlo->starttls;
  const bool want_tls = opt_.encryption == Encryption::StartTls ||
                        (opt_.encryption == Encryption::None && opt_.auto_tls && offered);
  if (!tls_done_ && want_tls) {
    begin_stage("starttls");
    if (!offered) {
      fail("starttls_unavailable", "the server does not offer STARTTLS", nullptr);
      return;
    }
    set_state(State::StartTls);
    conn_->send_line("STARTTLS");
    expect("STARTTLS reply");
    return;
  }
  if (opt_.auth) {
    start_auth();
    return;
  }
  if (opt_.auth_only) {
    // No credentials to try: connecting, TLS and EHLO were the whole
    // check, and they passed.
    obs_.ok = true;
    quit_and_finish();
    return;
  }
  send_mail_from();
}

void SendSession::start_auth() {
  begin_stage("auth");
  const AuthSettings& a = *opt_.auth;
  const std::vector<std::string> offered = obs_.ehlo ? obs_.ehlo->auth : std::vector<std::string>{};
  if (offered.empty()) {
    fail(tls_done_ ? "auth_not_offered" : "auth_requires_tls",
         tls_done_ ? "the server offers no AUTH mechanism"
                   : "the server offers no AUTH before TLS (it may after STARTTLS)",
         nullptr);
    return;
  }
  const std::string mech = choose_mechanism(a.mechanism, offered);
  if (mech.empty()) {
    std::string list;
    for (const auto& m : offered) list += (list.empty() ? "" : " ") + m;
    fail("auth_mechanism_unsupported",
         "the server offers AUTH " + list + ", none of which is " +
             (a.mechanism == "auto" ? std::string("PLAIN or LOGIN") : a.mechanism),
         nullptr);
    return;
  }
  obs_.auth_mechanism = mech;
  // Credentials go only over TLS whose certificate verified, or, when
  // the caller opted in, to a loopback host (checked by the caller).
  const bool verified_tls = tls_done_ && obs_.verify_code == X509_V_OK;
  if (!verified_tls && !opt_.allow_insecure_auth) {
    fail("auth_requires_tls",
         tls_done_ ? "refusing to send credentials: the TLS certificate was not verified"
                   : "refusing to send credentials in clear text (no TLS)",
         nullptr);
    return;
  }
  if (mech == "PLAIN") {
    set_state(State::AuthPlain);
    Secret line(std::string("AUTH PLAIN ") + sasl_plain(a.username, a.secret).reveal());
    conn_->send_line(line.reveal(), std::string("AUTH PLAIN ") + kRedacted);
  } else if (mech == "LOGIN") {
    set_state(State::AuthLogin);
    conn_->send_line("AUTH LOGIN");
  } else {
    set_state(State::AuthXoauth2);
    Secret line(std::string("AUTH XOAUTH2 ") + sasl_xoauth2(a.username, a.secret).reveal());
    conn_->send_line(line.reveal(), std::string("AUTH XOAUTH2 ") + kRedacted);
  }
  expect("AUTH reply");
}

void SendSession::send_mail_from() {
  begin_stage("mail_from");
  built_ = build_message(msg_, time(nullptr));
  obs_.message_id = built_.message_id;
  std::string params;
  if (built_.utf8_addresses) {
    if (!(obs_.ehlo && obs_.ehlo->smtputf8)) {
      fail("message_rejected", "an address is not ASCII and the server does not offer SMTPUTF8", nullptr);
      return;
    }
    params += " SMTPUTF8";
  }
  if (obs_.ehlo) {
    for (const auto& e : obs_.ehlo->extensions)
      if (e == "8BITMIME") params += " BODY=8BITMIME";
    if (obs_.ehlo->size) params += " SIZE=" + std::to_string(built_.data.size());
  }
  set_state(State::MailFrom);
  conn_->send_line("MAIL FROM:<" + msg_.from.address + ">" + params);
  expect("MAIL FROM reply");
}

void SendSession::send_next_rcpt() {
  set_state(State::RcptTo);
  conn_->send_line("RCPT TO:<" + msg_.to[rcpt_index_].address + ">");
  expect("RCPT TO reply");
}

void SendSession::on_reply(const SmtpReply& r) {
  if (finished_) return;
  // After the message was accepted, its 250 is the reply worth showing.
  if (state_ != State::Quit) obs_.reply = info(r);
  const int c = r.code;
  switch (state_) {
    case State::Banner:
      if (c != 220) {
        fail(c == 421 ? "server_busy" : "greeting_rejected", "greeting " + std::to_string(c), &r);
        return;
      }
      begin_stage("ehlo");
      set_state(State::Ehlo);
      conn_->send_line("EHLO " + opt_.ehlo_name);
      expect("EHLO reply");
      return;
    case State::Ehlo:
    case State::Ehlo2:
      if (c != 250) {
        if (state_ == State::Ehlo && c >= 500) {
          set_state(State::Helo);
          conn_->send_line("HELO " + opt_.ehlo_name);
          expect("HELO reply");
          return;
        }
        fail(c == 421 ? "server_busy" : "ehlo_rejected", "EHLO refused", &r);
        return;
      }
      obs_.ehlo = parse_ehlo(r);
      after_ehlo();
      return;
    case State::Helo:
      if (c != 250) {
        fail(c == 421 ? "server_busy" : "ehlo_rejected", "EHLO and HELO refused", &r);
        return;
      }
      obs_.ehlo = EhloInfo{};  // HELO: no extensions at all
      after_ehlo();
      return;
    case State::StartTls:
      if (c != 220) {
        fail("starttls_unavailable", "STARTTLS refused", &r);
        return;
      }
      obs_.tls_mode = "starttls";
      set_state(State::Tls);
      conn_->start_tls(opt_.tls_ctx, opt_.sni, opt_.verify_host);
      // The handshake is a phase of its own, not the rest of the STARTTLS
      // reply's.
      if (!finished_) expect("TLS handshake");
      return;
    case State::AuthPlain:
    case State::AuthLoginPass:
    case State::AuthXoauth2Error:
      break;  // the final AUTH answer: handled below
    case State::AuthLogin:
    case State::AuthLoginUser:
      if (c == 334) {
        const bool user = state_ == State::AuthLogin;
        set_state(user ? State::AuthLoginUser : State::AuthLoginPass);
        Secret step = sasl_login_step(user ? opt_.auth->username : opt_.auth->secret);
        conn_->send_line(step.reveal(), kRedacted);
        expect("AUTH reply");
        return;
      }
      break;
    case State::AuthXoauth2:
      if (c == 334) {
        // The server explains the failure in a base64 JSON challenge; the
        // client must answer with an empty line to get the final reply.
        set_state(State::AuthXoauth2Error);
        conn_->send_line("", kRedacted);
        expect("AUTH reply");
        return;
      }
      break;
    case State::MailFrom:
      if (c != 250) {
        const std::string t = ascii_lower(r.text());
        if (c == 552 || r.enhanced == "5.3.4" || t.find("size exceeds") != std::string::npos) {
          fail("message_rejected", "the message is larger than the server accepts", &r);
        } else if (c == 530 && t.find("starttls") != std::string::npos) {
          fail("auth_requires_tls", "the server requires STARTTLS before mail", &r);
        } else if ((c == 530 || c == 550 || c == 554) &&
                   (t.find("authentication required") != std::string::npos ||
                    t.find("auth required") != std::string::npos)) {
          fail("relay_denied", "the server requires authentication before mail", &r);
        } else {
          fail("sender_rejected", "MAIL FROM refused", &r);
        }
        return;
      }
      begin_stage("rcpt_to");
      rcpt_index_ = 0;
      send_next_rcpt();
      return;
    case State::RcptTo: {
      RecipientResult rr;
      rr.address = msg_.to[rcpt_index_].address;
      rr.reply = info(r);
      rr.accepted = c == 250 || c == 251;
      obs_.recipients.push_back(rr);
      if (++rcpt_index_ < msg_.to.size()) {
        send_next_rcpt();
        return;
      }
      const bool any = std::any_of(obs_.recipients.begin(), obs_.recipients.end(),
                                   [](const RecipientResult& x) { return x.accepted; });
      if (!any) {
        // Relaying refused for any recipient is the root of the failure,
        // whatever order the recipients came in.
        const RecipientResult* relay = nullptr;
        const RecipientResult* sender = nullptr;
        for (const auto& x : obs_.recipients) {
          const std::string t = ascii_lower(x.reply.text);
          // Postfix delays a sender refusal to RCPT (smtpd_delay_reject).
          if (t.find("sender address rejected") != std::string::npos) sender = &x;
          else if (x.reply.enhanced == "5.7.1" || t.find("relay") != std::string::npos) relay = &x;
        }
        if (sender) {
          SmtpReply shown;
          shown.code = sender->reply.code;
          shown.enhanced = sender->reply.enhanced;
          shown.lines = {sender->reply.text};
          fail("sender_rejected", "the sender was refused (at RCPT TO)", &shown);
          return;
        }
        if (relay) {
          SmtpReply shown;
          shown.code = relay->reply.code;
          shown.enhanced = relay->reply.enhanced;
          shown.lines = {relay->reply.text};
          fail("relay_denied", "no recipient accepted", &shown);
          return;
        }
        fail("recipient_rejected", "no recipient accepted", &r);
        return;
      }
      begin_stage("data");
      set_state(State::Data);
      conn_->send_line("DATA");
      expect("DATA reply");
      return;
    }
    case State::Data:
      if (c != 354) {
        fail("message_rejected", "DATA refused", &r);
        return;
      }
      set_state(State::Content);
      conn_->send_raw(built_.data + ".\r\n",
                      "[message: " + std::to_string(built_.data.size()) + " bytes, " +
                          std::to_string(built_.lines) + " lines, " + built_.message_id + "]");
      conn_->note("end of message");
      expect("reply to the message");
      return;
    case State::Content:
      if (c != 250) {
        fail("message_rejected", "message refused", &r);
        return;
      }
      obs_.ok = true;
      quit_and_finish();
      return;
    case State::Quit:
      finish();
      return;
    case State::Tls:
    case State::Done:
      return;
  }
  // Final AUTH replies.
  if (c == 235) {
    opt_.auth->secret.wipe();
    opt_.auth->username.wipe();
    if (opt_.auth_only) {
      obs_.ok = true;
      quit_and_finish();
      return;
    }
    send_mail_from();
    return;
  }
  std::string finding = "auth_failed";
  std::string why = "authentication failed";
  const std::string t = ascii_lower(r.text());
  if (c == 534 && (r.enhanced == "5.7.9" || t.find("application-specific") != std::string::npos ||
                   t.find("app password") != std::string::npos)) {
    why = "the server wants an app password (5.7.9), not the account password";
  } else if (c == 538 || (c == 530 && t.find("starttls") != std::string::npos)) {
    finding = "auth_requires_tls";
    why = "the server requires encryption before AUTH";
  } else if (c == 504) {
    finding = "auth_mechanism_unsupported";
    why = "the server does not accept this AUTH mechanism";
  } else if (c == 421 || c == 454 || (c >= 400 && c < 500)) {
    why = "temporary authentication failure";
  }
  fail(finding, why, &r);
}

void SendSession::on_failure(ConnError e, const std::string& why) {
  if (finished_) return;
  if (state_ == State::Quit && obs_.ok) {
    // Mail accepted; a server that hangs up instead of saying 221 is fine.
    conn_->note("no 221 after QUIT: " + why);
    finish();
    return;
  }
  if (!obs_.finding.empty()) {
    // fail() already named the cause; only its polite QUIT failed.
    finish();
    return;
  }
  std::string finding;
  switch (e) {
    case ConnError::Timeout:
      finding = stage_ == "banner" ? "greeting_timeout" : "smtp_timeout";
      break;
    case ConnError::Closed:
    case ConnError::ReadFailed:
      finding = "connection_lost";
      break;
    case ConnError::TlsPlaintext:
      finding = "encryption_expects_starttls";
      break;
    case ConnError::TlsFailed:
      finding = "tls_handshake_failed";
      break;
    case ConnError::Injection:
    case ConnError::BadReply:
      finding = "smtp_protocol_error";
      break;
    case ConnError::None:
      break;
  }
  if (state_ == State::Tls && obs_.tls_mode == "implicit") obs_.stage = "connect";
  obs_.finding = finding;
  obs_.error = why;
  finish();
}

void SendSession::fail(const std::string& finding, const std::string& error, const SmtpReply* r) {
  if (finished_) return;
  obs_.finding = finding;
  obs_.error = error;
  // A refusal of our own (no STARTTLS, no TLS for AUTH, no SMTPUTF8) has
  // no server reply of its own: do not quote the last, unrelated one.
  if (r) obs_.reply = info(*r);
  else obs_.reply.reset();
  // Be polite where the server still listens; do not wait for it.
  if (state_ != State::Tls && finding != "smtp_protocol_error") conn_->send_line("QUIT");
  finish();
}

void SendSession::quit_and_finish() {
  begin_stage("quit");
  set_state(State::Quit);
  conn_->send_line("QUIT");
  expect("QUIT reply");
}

void SendSession::abandon() {
  if (!finished_) on_failure(ConnError::Timeout, "no answer from the server before the deadline");
}

void SendSession::finish() {
  if (finished_) return;
  finished_ = true;
  if (obs_.ok && state_ == State::Quit) obs_.stage = "done";
  const TimePoint now = Clock::now();
  if (!stage_.empty()) obs_.timings.emplace_back(stage_, ms_between(stage_started_, now));
  set_state(State::Done);
  if (opt_.auth) {
    opt_.auth->secret.wipe();
    opt_.auth->username.wipe();
  }
  obs_.transcript = conn_->transcript();
  conn_->close();
  auto done = std::move(done_);
  done(std::move(obs_));
}

}  // namespace smtpdiag
