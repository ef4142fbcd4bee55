#include "smtp/send_test.h"

#include <memory>

#include "tls/tls_client.h"

namespace smtpdiag {

SendResult run_send_test(SendConfig cfg) {
  SendResult res;
  const TimePoint t0 = Clock::now();
  const Deadline deadline = Deadline::after(cfg.net.timeout, t0);
  EventLoop loop;

  std::string ctx_error;
  SslCtxPtr ctx;
  if (cfg.session.encryption != Encryption::None || cfg.session.auto_tls) {
    TlsClientOptions o;
    o.ca_file = cfg.net.ca_file;
    o.ca_path = cfg.net.ca_path;
    ctx = make_client_context(o, &ctx_error);
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

  std::unique_ptr<SendSession> session;
  bool done = false;
  res.session.stage = "dns";
  Connector connector(loop, cc, deadline, [&](ConnectorResult&& cr) {
    res.dns_status = cr.dns_status;
    res.dns_ms = cr.dns_ms;
    res.attempts = cr.attempts;
    if (!cr.fd) {
      res.session.stage = cr.attempts.empty() ? "dns" : "connect";
      done = true;
      return;
    }
    if (cfg.session.encryption != Encryption::None && !ctx) {
      res.session.stage = "connect";
      res.session.finding = "tls_handshake_failed";
      res.session.error = ctx_error;
      done = true;
      return;
    }
    res.address = cr.connected->to_string();
    session = std::make_unique<SendSession>(loop, std::move(cr.fd), deadline, t0, cfg.session, cfg.message,
                                            [&](SendObservation&& obs) {
                                              res.session = std::move(obs);
                                              done = true;
                                            });
    session->start();
  });
  connector.start();
  loop.run(deadline, [&] { return done; });
  if (!done) {
    if (session) session->abandon();
    else connector.abandon();
  }
  // Wipe our copies of the credentials whatever happened.
  if (cfg.session.auth) {
    cfg.session.auth->secret.wipe();
    cfg.session.auth->username.wipe();
  }
  res.elapsed_ms = ms_between(t0, Clock::now());
  res.findings = send_findings(res, cfg);
  return res;
}

}  // namespace smtpdiag
