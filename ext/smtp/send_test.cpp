#include "smtp/send_test.h"

#include <memory>

#include "tls/tls_client.h"
#include "tls/trust_cache.h"

namespace smtpdiag {

struct SendRun::State {
  State(EventLoop& l, SendConfig c, Deadline d) : loop(l), cfg(std::move(c)), deadline(d), t0(Clock::now()) {}

  void start() {
    if (cfg.session.encryption != Encryption::None || cfg.session.auto_tls) {
      TlsClientOptions o;
      o.ca_file = cfg.net.ca_file;
      o.ca_path = cfg.net.ca_path;
      ctx = client_context(cfg.net.trust, o, &ctx_error);
    }
    cfg.session.tls_ctx = ctx.get();
    cfg.session.ehlo_name = cfg.net.ehlo_name;
    cfg.session.auth_only = cfg.auth_only;
    if (!IpAddress::parse(cfg.net.host)) {
      std::string name = cfg.net.host;
      if (!name.empty() && name.back() == '.') name.pop_back();
      cfg.session.sni = cfg.net.sni ? *cfg.net.sni : name;
      cfg.session.verify_host = name;
    } else {
      cfg.session.verify_host = cfg.net.host;  // checked against IP SANs
    }
    ConnectorConfig cc;
    cc.host = cfg.net.host;
    cc.port = cfg.port;
    cc.v4 = cfg.net.family != FamilyPref::V6;
    cc.v6 = cfg.net.family != FamilyPref::V4;
    cc.dns_servers = cfg.net.dns_servers;
    cc.connect_timeout = cfg.net.connect_timeout;
    cc.reach = cfg.net.reach;
    res.session.stage = "dns";
    connector = std::make_unique<Connector>(loop, cc, deadline, [this](ConnectorResult&& cr) { on_connected(std::move(cr)); });
    connector->start();
  }

  void on_connected(ConnectorResult&& cr) {
    res.dns_status = cr.dns_status;
    res.dns_ms = cr.dns_ms;
    res.attempts = cr.attempts;
    if (!cr.fd) {
      res.session.stage = cr.attempts.empty() ? "dns" : "connect";
      finished = true;
      return;
    }
    if (cfg.session.encryption != Encryption::None && !ctx) {
      res.session.stage = "connect";
      res.session.finding = "tls_handshake_failed";
      res.session.error = ctx_error;
      finished = true;
      return;
    }
    res.address = cr.connected->to_string();
    session = std::make_unique<SendSession>(loop, std::move(cr.fd), deadline, t0, cfg.session, cfg.message,
                                            [this](SendObservation&& obs) {
                                              res.session = std::move(obs);
                                              finished = true;
                                            });
    session->start();
  }

  SendResult finish() {
    if (!finished) {
      if (session) session->abandon();
      else if (connector) connector->abandon();
    }
    // Wipe our copies of the credentials whatever happened.
    if (cfg.session.auth) {
      cfg.session.auth->secret.wipe();
      cfg.session.auth->username.wipe();
    }
    res.elapsed_ms = ms_between(t0, Clock::now());
    res.findings = send_findings(res, cfg);
    return std::move(res);
  }

  EventLoop& loop;
  SendConfig cfg;
  Deadline deadline;
  TimePoint t0;
  SslCtxPtr ctx;
  std::string ctx_error;
  std::unique_ptr<Connector> connector;
  std::unique_ptr<SendSession> session;
  SendResult res;
  bool finished = false;
};

SendRun::SendRun(EventLoop& loop, SendConfig config, Deadline deadline)
    : s_(std::make_unique<State>(loop, std::move(config), deadline)) {}
SendRun::~SendRun() = default;
void SendRun::start() { s_->start(); }
bool SendRun::done() const { return s_->finished; }
SendResult SendRun::finish() { return s_->finish(); }

SendResult run_send_test(SendConfig cfg) {
  EventLoop loop;
  const Deadline deadline = Deadline::after(cfg.net.timeout);
  SendRun run(loop, std::move(cfg), deadline);
  run.start();
  loop.run(deadline, [&] { return run.done(); });
  return run.finish();
}

}  // namespace smtpdiag
