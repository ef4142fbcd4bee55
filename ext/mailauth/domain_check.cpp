#include "mailauth/domain_check.h"
#include "util/text.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>

#include "mailauth/dns_cache.h"
#include "net/connector.h"
#include "smtp/probe_session.h"
#include "tls/http_get.h"
#include "tls/trust_cache.h"

namespace smtpdiag {

const std::vector<std::string>& default_dnsbl_zones() {
  static const std::vector<std::string> zones = {"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"};
  return zones;
}

namespace {

bool starts_with_ci(const std::string& s, const char* p) {
  return ascii_lower(s.substr(0, std::char_traits<char>::length(p))) == ascii_lower(p);
}

// DMARC records: those starting with v=DMARC1, and (to report them as
// invalid rather than missing) those that carry the tag elsewhere.
std::vector<std::string> dmarc_candidates(const CachedAnswer& a) {
  std::vector<std::string> out;
  for (const auto& t : a.records.txt)
    if (ascii_lower(t).find("v=dmarc1") != std::string::npos) out.push_back(t);
  return out;
}

// The TXT records of `name` that start with `prefix` (case-insensitive).
std::vector<std::string> tagged(const CachedAnswer& a, const char* prefix) {
  std::vector<std::string> out;
  for (const auto& t : a.records.txt)
    if (starts_with_ci(t, prefix)) out.push_back(t);
  return out;
}

// The reversed-address label for DNSBL queries: 4.3.2.1 / nibbles.
std::string dnsbl_label(const IpAddress& ip) {
  std::string rev = reverse_name(ip);
  const auto suffix = rev.rfind(ip.family == Family::V4 ? ".in-addr.arpa" : ".ip6.arpa");
  return rev.substr(0, suffix);
}

void parse_mta_sts_policy(const std::string& body, DomainReport& r) {
  size_t pos = 0;
  std::string version;
  while (pos < body.size()) {
    auto eol = body.find('\n', pos);
    if (eol == std::string::npos) eol = body.size();
    std::string line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = normalize_domain(line.substr(0, colon));
    std::string v = line.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    if (k == "version") version = v;
    else if (k == "mode") r.mta_sts_mode = v;
    else if (k == "mx") r.mta_sts_mx.push_back(v);
    else if (k == "max_age") {
      long n = 0;
      bool ok = !v.empty() && v.size() <= 9;
      for (char c : v) ok = ok && std::isdigit(static_cast<unsigned char>(c));
      if (ok) n = std::stol(v);
      r.mta_sts_max_age = ok ? n : -1;
    }
  }
  if (version != "STSv1") r.mta_sts_error = "the policy has no \"version: STSv1\" line";
  else if (r.mta_sts_mode != "enforce" && r.mta_sts_mode != "testing" && r.mta_sts_mode != "none")
    r.mta_sts_error = "the policy's mode must be enforce, testing or none";
  else if (r.mta_sts_max_age < 0) r.mta_sts_error = "the policy has no valid max_age";
  else if (r.mta_sts_mode != "none" && r.mta_sts_mx.empty()) r.mta_sts_error = "the policy lists no mx";
}

}  // namespace

struct DomainCheck::State {
  State(EventLoop& l, const DomainCheckConfig& c, Deadline d)
      : cfg(c),
        deadline(d),
        t0(Clock::now()),
        loop(l),
        resolver(l, resolver_options(c)),
        runner(l, resolver, cache, d),
        now(time(nullptr)) {
    r.domain = normalize_domain(cfg.domain);
    r.org_domain = organizational_domain(r.domain);
    spf_domain = cfg.mail_from_domain.empty() ? r.domain : normalize_domain(cfg.mail_from_domain);
    dkim_domain = cfg.dkim_domain.empty() ? r.domain : normalize_domain(cfg.dkim_domain);
  }

  static ResolverOptions resolver_options(const DomainCheckConfig& c) {
    ResolverOptions ro;
    ro.servers = c.net.dns_servers;
    ro.try_timeout_ms = std::clamp(static_cast<int>(c.net.timeout * 1000 / 4), 100, 3000);
    ro.tries = 2;
    return ro;
  }

  void start();
  DomainReport finish();

  const DomainCheckConfig cfg;
  Deadline deadline;
  TimePoint t0;
  EventLoop& loop;
  DomainReport r;
  std::string spf_domain, dkim_domain;
  Resolver resolver;
  DnsCache cache;
  DnsTaskRunner runner;
  time_t now;
  std::unique_ptr<Connector> relay_connector;
  std::unique_ptr<ProbeSession> relay_session;
  SslCtxPtr relay_ctx;
  bool relay_pending = false;
  SslCtxPtr https_ctx;
  std::unique_ptr<HttpGet> policy_fetch;
  bool fetch_started = false, fetch_done = false;
};

void DomainCheck::State::start() {
  if (!resolver.ok()) {
    r.mx_status = "error";
    return;
  }
  // --- the sending IP: given, or what the relay says it sees ------------
  if (cfg.sending_ip) {
    r.sending_ip = cfg.sending_ip;
    r.sending_ip_source = "option";
  }
  if (!r.sending_ip && !cfg.relay_host.empty()) {
    relay_pending = true;
    runner.external_begin();
    ConnectorConfig cc;
    cc.host = cfg.relay_host;
    cc.port = cfg.relay_port;
    cc.dns_servers = cfg.net.dns_servers;
    cc.connect_timeout = cfg.net.connect_timeout;
    cc.reach = cfg.net.reach;
    cc.v6 = cfg.net.family != FamilyPref::V4;
    cc.v4 = cfg.net.family != FamilyPref::V6;
    // Learning our address is a side question: it gets a connect
    // timeout's worth of time, never the whole call.
    const Deadline relay_deadline = Deadline::after(cfg.net.connect_timeout + 1.0).min(deadline);
    if (cfg.relay_implicit_tls) {
      std::string err;
      TlsClientOptions o;
      relay_ctx = client_context(cfg.net.trust, o, &err);
    }
    relay_connector = std::make_unique<Connector>(loop, cc, relay_deadline, [&, relay_deadline](ConnectorResult&& cr) {
      if (!cr.fd) {
        r.sending_ip_note = "could not connect to " + cfg.relay_host + " port " + std::to_string(cfg.relay_port);
        relay_pending = false;
        runner.external_end();
        return;
      }
      ProbeSessionOptions so;
      so.ehlo_name = cfg.net.ehlo_name;
      so.try_starttls = false;  // only the first EHLO reply is needed
      so.implicit_tls = cfg.relay_implicit_tls && relay_ctx;
      so.tls_ctx = relay_ctx.get();
      // A relay that never greets is given up when diagnose's session and
      // probe give up on it, not a second later.
      so.first_answer_timeout = cfg.net.connect_timeout;
      relay_session = std::make_unique<ProbeSession>(
          loop, std::move(cr.fd), relay_deadline, so, [&](SmtpObservation&& obs, std::optional<TlsObservation>&&) {
            if (obs.ehlo && obs.ehlo->seen_ip) {
              r.sending_ip = IpAddress::parse(*obs.ehlo->seen_ip);
              r.sending_ip_source = "relay_ehlo";
            } else {
              r.sending_ip_note = cfg.relay_host + " does not say which address it sees in its EHLO reply";
            }
            relay_pending = false;
            runner.external_end();
          });
      relay_session->start();
    });
    relay_connector->start();
  }

  // --- MX ------------------------------------------------------------------
  runner.add([&](DnsCache& c) {
    const CachedAnswer* mx = c.get(r.domain, RRType::MX);
    if (!mx) throw NeedDns{};
    r.mx_status = dns_status_name(mx->status);
    r.mx.clear();
    r.null_mx = mx->records.mx.size() == 1 &&
                (mx->records.mx[0].host.empty() || mx->records.mx[0].host == ".");
    if (r.null_mx) return true;
    bool missing = false;
    // Bounded: a broken or hostile zone may list thousands of MX hosts
    // (each with its addresses in the result); the first 20 by preference
    // are all a person needs to see.
    constexpr size_t kMaxMxHosts = 20;
    std::vector<MxRecord> hosts = mx->records.mx;
    std::stable_sort(hosts.begin(), hosts.end(),
                     [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
    if (hosts.size() > kMaxMxHosts) hosts.resize(kMaxMxHosts);
    for (const auto& m : hosts) {
      MxHost h{m.preference, m.host, {}};
      for (RRType t : {RRType::A, RRType::AAAA}) {
        const CachedAnswer* a = c.get(m.host, t);
        if (!a) missing = true;
        else h.addresses.insert(h.addresses.end(), a->records.addresses.begin(), a->records.addresses.end());
      }
      r.mx.push_back(std::move(h));
    }
    if (missing) throw NeedDns{};
    std::stable_sort(r.mx.begin(), r.mx.end(), [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
    return true;
  });

  // --- SPF for the sending IP and every relay address --------------------
  runner.add([&](DnsCache& c) {
    if (relay_pending) {
      // Fetch the record meanwhile; evaluate once the IP is known.
      c.get(spf_domain, RRType::TXT);
      return false;
    }
    std::vector<std::pair<IpAddress, std::string>> ips;
    if (r.sending_ip) ips.emplace_back(*r.sending_ip, "sending_ip");
    if (!cfg.relay_host.empty()) {
      if (auto lit = IpAddress::parse(cfg.relay_host)) {
        ips.emplace_back(*lit, "relay");
      } else {
        bool missing = false;
        for (RRType t : {RRType::A, RRType::AAAA}) {
          const CachedAnswer* a = c.get(cfg.relay_host, t);
          if (!a) { missing = true; continue; }
          for (const auto& ip : a->records.addresses) ips.emplace_back(ip, "relay");
        }
        if (missing) throw NeedDns{};
      }
    }
    const CachedAnswer* txt = c.get(spf_domain, RRType::TXT);
    if (!txt) throw NeedDns{};
    r.spf_status = dns_status_name(txt->status);
    for (const auto& t : txt->records.txt) {
      if (starts_with_ci(t, "v=spf1") && (t.size() == 6 || t[6] == ' ')) {
        r.spf_record = t;
        r.spf_syntax_error = spf_syntax_error(t);
        break;
      }
    }
    std::vector<SpfForIp> results;
    for (const auto& entry : ips) {
      // Not a structured binding: C++17 lambdas cannot capture those (clang refuses).
      const auto& ip = entry.first;
      const auto& source = entry.second;
      if (std::any_of(results.begin(), results.end(), [&](const SpfForIp& x) { return x.ip == ip; })) continue;
      SpfRequest req;
      req.ip = ip;
      req.sender = "postmaster@" + spf_domain;
      req.helo = cfg.net.ehlo_name.empty() ? spf_domain : cfg.net.ehlo_name;
      req.now = now;
      results.push_back(SpfForIp{ip, source, evaluate_spf(req, c)});
    }
    r.spf = std::move(results);
    return true;
  });

  // --- DMARC: the From domain, else its organizational domain -------------
  runner.add([&](DnsCache& c) {
    const std::string at_domain = "_dmarc." + r.domain;
    const CachedAnswer* a = c.get(at_domain, RRType::TXT);
    if (!a) throw NeedDns{};
    r.dmarc_status = dns_status_name(a->status);
    std::vector<std::string> recs = dmarc_candidates(*a);
    std::string where = at_domain;
    if (recs.empty() && r.org_domain != r.domain) {
      where = "_dmarc." + r.org_domain;
      const CachedAnswer* o = c.get(where, RRType::TXT);
      if (!o) throw NeedDns{};
      recs = dmarc_candidates(*o);
      if (o->status != DnsStatus::NoData && o->status != DnsStatus::NxDomain) r.dmarc_status = dns_status_name(o->status);
    }
    if (recs.size() == 1) {
      r.dmarc_record = recs[0];
      r.dmarc_found_at = where;
      r.dmarc = parse_dmarc(recs[0]);
      // A subdomain found through its organizational domain gets sp=.
      r.dmarc_effective_policy = r.dmarc.policy;
      if (where != at_domain && !r.dmarc.subdomain_policy.empty()) r.dmarc_effective_policy = r.dmarc.subdomain_policy;
    } else if (recs.size() > 1) {
      r.dmarc_found_at = where;
      r.dmarc.error = "more than one DMARC record: receivers ignore them all";
    }
    return true;
  });

  // --- DKIM selectors ------------------------------------------------------
  std::vector<std::string> selectors = cfg.dkim_selectors;
  for (const auto& s : common_dkim_selectors())
    if (std::find(selectors.begin(), selectors.end(), s) == selectors.end()) selectors.push_back(s);
  runner.add([&, selectors](DnsCache& c) {
    bool missing = false;
    for (const auto& s : selectors) missing = !c.get(s + "._domainkey." + dkim_domain, RRType::TXT) || missing;
    if (missing) throw NeedDns{};
    r.dkim.clear();
    for (const auto& s : selectors) {
      const CachedAnswer* a = c.get(s + "._domainkey." + dkim_domain, RRType::TXT);
      DkimSelectorResult d;
      d.selector = s;
      d.status = dns_status_name(a->status);
      if (a->status == DnsStatus::Ok || a->status == DnsStatus::NoData || a->status == DnsStatus::NxDomain)
        r.dkim_answered = true;
      for (const auto& t : a->records.txt) {
        if (t.find("p=") == std::string::npos && t.find("v=DKIM1") == std::string::npos) continue;
        d.found = true;
        d.key = parse_dkim(t);
        break;
      }
      // The caller's own selectors are always reported; common ones only when found.
      const bool asked = std::find(cfg.dkim_selectors.begin(), cfg.dkim_selectors.end(), s) != cfg.dkim_selectors.end();
      if (d.found || asked) r.dkim.push_back(d);
    }
    return true;
  });

  // --- MTA-STS and TLS-RPT -------------------------------------------------
  runner.add([&](DnsCache& c) {
    const CachedAnswer* sts = c.get("_mta-sts." + r.domain, RRType::TXT);
    const CachedAnswer* rpt = c.get("_smtp._tls." + r.domain, RRType::TXT);
    if (!sts || !rpt) throw NeedDns{};
    const auto rpts = tagged(*rpt, "v=TLSRPTv1");
    if (!rpts.empty()) r.tls_rpt_record = rpts[0];
    const auto stss = tagged(*sts, "v=STSv1");
    if (stss.empty()) return true;
    r.mta_sts_record = stss[0];
    const auto id = r.mta_sts_record.find("id=");
    if (id != std::string::npos) {
      auto end = r.mta_sts_record.find(';', id);
      r.mta_sts_id = r.mta_sts_record.substr(id + 3, end == std::string::npos ? std::string::npos : end - id - 3);
    }
    if (stss.size() > 1) r.mta_sts_error = "more than one _mta-sts record";
    if (!cfg.mta_sts) return true;
    if (fetch_done) return true;
    if (!fetch_started) {
      fetch_started = true;
      std::string err;
      TlsClientOptions o;  // the system store: what a receiving MTA would trust
      o.allow_legacy = false;
      https_ctx = client_context(cfg.net.trust, o, &err);
      if (!https_ctx) {
        r.mta_sts_error = err;
        fetch_done = true;
        return true;
      }
      runner.external_begin();
      ConnectorConfig cc;
      cc.dns_servers = cfg.net.dns_servers;
      cc.connect_timeout = cfg.net.connect_timeout;
      policy_fetch = std::make_unique<HttpGet>(
          loop, https_ctx.get(), "mta-sts." + r.domain, 443, "/.well-known/mta-sts.txt", true, cc, deadline,
          [&](HttpResult&& h) {
            fetch_done = true;
            r.mta_sts_fetched = h.status == 200;
            if (!h.error.empty()) r.mta_sts_error = "policy fetch from https://mta-sts." + r.domain + ": " + h.error;
            else if (h.status != 200) r.mta_sts_error = "policy fetch answered HTTP " + std::to_string(h.status);
            else parse_mta_sts_policy(h.body, r);
            runner.external_end();
          });
      policy_fetch->start();
    }
    return false;
  });

  // --- PTR / FCrDNS and blocklists for the sending IP -----------------------
  std::vector<std::string> zones = cfg.dnsbl_zones;
  runner.add([&, zones](DnsCache& c) {
    if (relay_pending) return false;
    if (!r.sending_ip) return true;
    const IpAddress ip = *r.sending_ip;
    const RRType fam = ip.family == Family::V4 ? RRType::A : RRType::AAAA;
    bool missing = false;
    const CachedAnswer* ptr = c.get(reverse_name(ip), RRType::PTR);
    std::vector<const CachedAnswer*> bl;
    for (const auto& z : zones) {
      bl.push_back(c.get(dnsbl_label(ip) + "." + z, RRType::A));
      if (!bl.back()) missing = true;
    }
    if (!ptr) throw NeedDns{};
    r.ptr_status = dns_status_name(ptr->status);
    r.ptr_names.assign(ptr->records.names.begin(),
                       ptr->records.names.begin() + std::min<size_t>(ptr->records.names.size(), 10));
    r.fcrdns = false;
    for (const auto& n : r.ptr_names) {
      const CachedAnswer* a = c.get(n, fam);
      if (!a) { missing = true; continue; }
      if (std::find(a->records.addresses.begin(), a->records.addresses.end(), ip) != a->records.addresses.end())
        r.fcrdns = true;
    }
    if (missing) throw NeedDns{};
    r.blocklists.clear();
    for (size_t i = 0; i < zones.size(); ++i) {
      BlocklistResult b;
      b.zone = zones[i];
      b.status = dns_status_name(bl[i]->status);
      for (const auto& a : bl[i]->records.addresses) {
        if (a.family != Family::V4 || a.bytes[0] != 127) continue;
        b.codes.push_back(a.to_string());
        // 127.255.255.x: "query refused / public resolver / error" (Spamhaus);
        // not a listing.
        if (a.bytes[1] == 255 && a.bytes[2] == 255) b.refused = true;
        else b.listed = true;
      }
      r.blocklists.push_back(b);
    }
    return true;
  });

  runner.start();
}

DomainReport DomainCheck::State::finish() {
  if (!runner.done()) r.timed_out = true;
  // c-ares gives up before the deadline: a timed-out lookup is a timeout too.
  if (r.mx_status == "timeout" || r.spf_status == "timeout" || r.dmarc_status == "timeout") r.timed_out = true;
  if (policy_fetch && !policy_fetch->finished()) policy_fetch->abandon();
  if (relay_session && !relay_session->finished()) relay_session->abandon();
  if (relay_connector && !relay_connector->finished()) relay_connector->abandon();
  resolver.cancel();
  if (r.sending_ip_source.empty()) r.sending_ip_source = "unknown";

  // Alignment (RFC 7489 3.1): SPF's domain passing for our IP(s), or a
  // usable DKIM key under an aligned d=.
  bool spf_pass = false;
  for (const auto& s : r.spf)
    if (s.outcome.result == SpfResult::Pass && (s.source == "sending_ip" || !r.sending_ip)) spf_pass = true;
  r.spf_aligned = spf_pass && dmarc_aligned(spf_domain, r.domain, r.dmarc.aspf);
  bool dkim_key = false;
  for (const auto& d : r.dkim)
    if (d.found && d.key.valid && !d.key.revoked) dkim_key = true;
  r.dkim_aligned = dkim_key && dmarc_aligned(dkim_domain, r.domain, r.dmarc.adkim);
  r.dns_queries = runner.queries();
  r.elapsed_ms = ms_between(t0, Clock::now());
  r.findings = domain_findings(r, cfg);
  return std::move(r);
}

DomainCheck::DomainCheck(EventLoop& loop, const DomainCheckConfig& config, Deadline deadline)
    : s_(std::make_unique<State>(loop, config, deadline)) {}
DomainCheck::~DomainCheck() = default;
void DomainCheck::start() { s_->start(); }
bool DomainCheck::done() const {
  return !s_->resolver.ok() || s_->runner.done() || s_->runner.stuck();
}
DomainReport DomainCheck::finish() { return s_->finish(); }

DomainReport run_domain_check(const DomainCheckConfig& cfg) {
  EventLoop loop;
  const Deadline deadline = Deadline::after(cfg.net.timeout);
  DomainCheck check(loop, cfg, deadline);
  check.start();
  loop.run(deadline, [&] { return check.done(); });
  return check.finish();
}

}  // namespace smtpdiag
