#include "diagnose/diagnose.h"

#include <algorithm>
#include <deque>

#include "diagnose/api_hosts.h"
#include "tls/certificate_followup.h"
#include "tls/trust_cache.h"

namespace smtpdiag {

struct DiagnoseRun::State {
  State(EventLoop& l, DiagnoseConfig c, Deadline d) : loop(l), cfg(std::move(c)), deadline(d), t0(Clock::now()) {}

  void start() {
    // One board for every connection of the call: an answer on any port
    // of the mail host lets a silent one be called dropped early.
    if (cfg.net.early_verdict) cfg.net.reach = &board;
    const ProbeConfig& net = cfg.net;
    // 1. Every SMTP port (and the configured one) on every address. Implicit
    //    TLS is tried where the settings say so, so a mismatch shows.
    ProbeConfig pc = net;
    pc.ports = {25, 465, 587, 2525};
    if (std::find(pc.ports.begin(), pc.ports.end(), cfg.port) == pc.ports.end()) pc.ports.push_back(cfg.port);
    pc.implicit_tls_ports = {465};
    if (cfg.session.encryption == Encryption::Tls && cfg.port != 465) pc.implicit_tls_ports.push_back(cfg.port);
    pc.tls = true;
    pc.trace = true;
    // The configured port gets as long to greet (or to answer the implicit
    // handshake) as the session below: a port that never greets is named
    // when the session gives up, not at the deadline.
    pc.first_answer_ports = {cfg.port};
    pc.first_answer_timeout = net.connect_timeout;
    probe = std::make_unique<ProbeRun>(loop, pc, deadline);
    probe->start();

    // 1b. A non-standard port the settings use without implicit TLS (2465,
    //     8465, ...) may be an implicit-TLS port: then the plain greeting
    //     never comes. One more connection tries a TLS handshake there at
    //     the same time, so that "no greeting" can be told apart from "this
    //     port wants SSL". The standard ports are not tried both ways.
    const bool standard = cfg.port == 25 || cfg.port == 465 || cfg.port == 587 || cfg.port == 2525;
    if (!standard && cfg.session.encryption != Encryption::Tls) {
      ProbeConfig ic = net;
      ic.ports = {cfg.port};
      ic.implicit_tls_ports = {cfg.port};
      ic.tls = true;
      ic.trace = false;
      ic.first_answer_ports = {cfg.port};
      ic.first_answer_timeout = net.connect_timeout;
      implicit_probe = std::make_unique<ProbeRun>(loop, ic, deadline);
      implicit_probe->start();
    }

    // 2. The configured session exactly as the site would run it: TLS,
    //    AUTH when credentials are given, then QUIT (no mail). A greeting
    //    that never comes is waited for as long as a connect.
    SendConfig sc;
    sc.net = net;
    sc.port = cfg.port;
    sc.session = cfg.session;
    sc.session.phase_timeout = net.connect_timeout;
    sc.auth_only = true;
    session = std::make_unique<SendRun>(loop, sc, deadline);
    session->start();

    // 3. A real message, when asked.
    if (cfg.send) {
      SendConfig mc = sc;
      mc.auth_only = false;
      mc.message = *cfg.send;
      mc.session.phase_timeout = 0;
      sender = std::make_unique<SendRun>(loop, std::move(mc), deadline);
      sender->start();
    }

    // 4. HTTPS: the mail host on 443 and the providers' APIs, the way
    //    round blocked SMTP ports.
    std::string err;
    TlsClientOptions o;
    o.allow_legacy = false;
    https_ctx = client_context(cfg.net.trust, o, &err);
    if (https_ctx) {
      ConnectorConfig cc;
      cc.dns_servers = net.dns_servers;
      cc.connect_timeout = net.connect_timeout;
      cc.reach = net.reach;
      cc.v4 = net.family != FamilyPref::V6;
      cc.v6 = net.family != FamilyPref::V4;
      add_https(net.host, "");
      if (cfg.api_hosts_given) {
        for (const auto& h : cfg.api_hosts) add_https(h, "API");
      } else {
        for (const auto& h : default_api_hosts()) add_https(h.host, h.provider);
      }
      for (size_t i = 0; i < https.size(); ++i) {
        https_runs.push_back(std::make_unique<HttpGet>(
            loop, https_ctx.get(), https[i].host, 443, "/", false, cc, deadline,
            [this, i](HttpResult&& r) {
              https[i].result = std::move(r);
              ++https_done;
            }));
      }
      for (auto& h : https_runs) h->start();
    }

    // 5. The From domain.
    const auto at = cfg.from.rfind('@');
    if (cfg.check_domain && at != std::string::npos && at + 1 < cfg.from.size()) {
      DomainCheckConfig dc;
      dc.domain = cfg.from.substr(at + 1);
      dc.net = net;
      dc.relay_host = net.host;
      dc.relay_port = cfg.port;
      dc.relay_implicit_tls = cfg.port == 465 || cfg.session.encryption == Encryption::Tls;
      dc.dkim_selectors = cfg.dkim_selectors;
      dc.dnsbl_zones = default_dnsbl_zones();
      domain = std::make_unique<DomainCheck>(loop, dc, deadline);
      domain->start();
    }
  }

  // Where the configured port gave no greeting in the clear but completed
  // an implicit-TLS handshake on the same address, that is what the port
  // is: its result becomes the implicit-TLS one.
  void adopt_implicit_tls(ProbeResult&& implicit, ProbeResult* into) const {
    bool adopted = false;
    for (auto& x : into->ports) {
      if (x.port != cfg.port || x.state != PortState::Open || !x.smtp || x.smtp->greeted || x.tls) continue;
      for (auto& y : implicit.ports) {
        if (y.port != x.port || !(y.address == x.address) || !y.tls || !y.tls->ok) continue;
        x.smtp = std::move(y.smtp);
        x.tls = std::move(y.tls);
        adopted = true;
        break;
      }
    }
    if (adopted) into->findings = probe_findings(*into);
  }

  void add_https(const std::string& host, const std::string& provider) {
    HttpsCheck c;
    c.host = host;
    c.provider = provider;
    https.push_back(std::move(c));
  }

  bool parts_done() const {
    return probe->done() && (!implicit_probe || implicit_probe->done()) && session->done() &&
           (!sender || sender->done()) && (!domain || domain->done()) && https_done == https_runs.size();
  }

  // The loop's predicate: once every part is done, collect them and start
  // the certificate's follow-ups on the same loop; done when those are.
  bool done() {
    if (!collected) {
      if (!parts_done()) return false;
      collect();
    }
    return !followup || followup->done();
  }

  // Takes every part's result (stopping what still runs) and judges the
  // configured port's certificate as PHP would; the follow-ups that
  // judgement wants (a missing intermediate, old TLS versions) start here,
  // in the time left.
  void collect() {
    collected = true;
    for (auto& h : https_runs)
      if (!h->finished()) h->abandon();
    res.probe = probe->finish();
    if (implicit_probe) adopt_implicit_tls(implicit_probe->finish(), &res.probe);
    res.session = session->finish();
    if (sender) res.send = sender->finish();
    if (domain) res.domain = domain->finish();
    res.https = std::move(https);
    res.environment = cfg.environment;
    read_os_environment(&res.environment);

    for (const auto& p : res.probe.ports) {
      if (p.port != cfg.port || !p.tls || !p.tls->ok || p.tls->chain.empty()) continue;
      CertificateCheckConfig cc;
      cc.probe = cfg.net;
      cc.port = cfg.port;
      cc.warn_days = cfg.warn_days;
      cc.php_ca_file = !cfg.net.ca_file.empty() ? cfg.net.ca_file : cfg.environment.php_ca_file;
      cc.php_ca_path = cfg.net.ca_file.empty() ? cfg.environment.php_ca_path : std::string();
      CertificateReport rep;
      rep.probe.host = cfg.net.host;
      rep.mode = p.tls->mode;
      fill_certificate_report(p, cc, &rep);
      res.certificate = std::move(rep);
      if (certificate_followup_wanted(*res.certificate) && !deadline.expired()) {
        followup = std::make_unique<CertificateFollowup>(loop, p, cc, deadline, &*res.certificate);
        followup->start();
      }
      break;
    }
  }

  DiagnoseResult finish() {
    if (!collected) collect();
    if (followup) followup->finish();
    res.elapsed_ms = ms_between(t0, Clock::now());
    apply_rules(cfg, res);
    return std::move(res);
  }

  EventLoop& loop;
  ReachBoard board;  // before everything that may report to it
  DiagnoseConfig cfg;
  Deadline deadline;
  TimePoint t0;
  std::unique_ptr<ProbeRun> probe;
  std::unique_ptr<ProbeRun> implicit_probe;  // 1b: the configured port tried with implicit TLS
  std::unique_ptr<SendRun> session;
  std::unique_ptr<SendRun> sender;
  std::unique_ptr<DomainCheck> domain;
  SslCtxPtr https_ctx;
  std::vector<HttpsCheck> https;
  std::vector<std::unique_ptr<HttpGet>> https_runs;
  size_t https_done = 0;
  bool collected = false;
  DiagnoseResult res;  // filled by collect(), completed by finish()
  std::unique_ptr<CertificateFollowup> followup;
};

DiagnoseRun::DiagnoseRun(EventLoop& loop, DiagnoseConfig config, Deadline deadline)
    : s_(std::make_unique<State>(loop, std::move(config), deadline)) {}
DiagnoseRun::~DiagnoseRun() = default;
void DiagnoseRun::start() { s_->start(); }
bool DiagnoseRun::done() { return s_->done(); }
DiagnoseResult DiagnoseRun::finish() { return s_->finish(); }

DiagnoseResult run_diagnose(DiagnoseConfig config) {
  EventLoop loop;
  const Deadline deadline = Deadline::after(config.net.timeout);
  DiagnoseRun run(loop, std::move(config), deadline);
  run.start();
  loop.run(deadline, [&] { return run.done(); });
  return run.finish();
}

std::vector<DiagnoseResult> run_diagnose_many(std::vector<DiagnoseConfig> configs, int concurrency) {
  std::vector<DiagnoseResult> results(configs.size());
  EventLoop loop;
  struct Active {
    size_t index;
    Deadline deadline;
    std::unique_ptr<DiagnoseRun> run;
  };
  std::vector<Active> active;
  size_t next = 0;
  const size_t limit = static_cast<size_t>(std::max(1, concurrency));
  auto fill = [&] {
    while (active.size() < limit && next < configs.size()) {
      const Deadline d = Deadline::after(configs[next].net.timeout);
      auto run = std::make_unique<DiagnoseRun>(loop, std::move(configs[next]), d);
      run->start();
      active.push_back(Active{next, d, std::move(run)});
      ++next;
    }
  };
  fill();
  while (!active.empty()) {
    // Wake for the first finished run or the earliest deadline.
    Deadline earliest = active.front().deadline;
    for (const auto& a : active) earliest = earliest.min(a.deadline);
    // Every run is asked (done() moves a run on to its certificate's
    // follow-ups), not only those before the first that is done.
    loop.run(earliest, [&] {
      bool any = false;
      for (auto& a : active) any = a.run->done() || any;
      return any;
    });
    for (auto it = active.begin(); it != active.end();) {
      if (it->run->done() || it->deadline.expired()) {
        results[it->index] = it->run->finish();
        it = active.erase(it);
      } else {
        ++it;
      }
    }
    fill();
  }
  return results;
}

}  // namespace smtpdiag
