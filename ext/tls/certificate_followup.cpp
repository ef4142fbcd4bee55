#include "tls/certificate_followup.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string_view>

#include "probe/probe.h"
#include "tls/http_get.h"

namespace smtpdiag {

namespace {

bool has(const std::vector<std::string>& v, const char* s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// "TLSv1.1" -> TLS1_1_VERSION, as SSL_get_version() names them.
int version_number(const std::string& name) {
  if (name == "TLSv1") return TLS1_VERSION;
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return 0;
}

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string path = "/";
};

// http://host[:port][/path] (caIssuers URIs are plain HTTP by RFC 5280;
// LDAP and HTTPS ones are not followed).
std::optional<HttpUrl> parse_http_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.size() <= scheme.size()) return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) return std::nullopt;
  HttpUrl u;
  const std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.path = rest.substr(slash);
  if (authority.find('@') != std::string::npos || authority.empty()) return std::nullopt;
  if (authority.front() == '[') {  // [2001:db8::1]:8080
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
  } else {
    const auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    authority = colon == std::string::npos ? std::string() : authority.substr(colon);
  }
  if (!authority.empty()) {
    long port = 0;
    for (size_t i = 1; i < authority.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(authority[i])) || port > 65535) return std::nullopt;
      port = port * 10 + (authority[i] - '0');
    }
    if (port < 1 || port > 65535) return std::nullopt;
    u.port = static_cast<uint16_t>(port);
  }
  if (u.host.empty()) return std::nullopt;
  return u;
}

std::vector<X509Ptr> copy_chain(const std::vector<X509Ptr>& chain) {
  std::vector<X509Ptr> out;
  for (const auto& c : chain) {
    X509_up_ref(c.get());
    out.emplace_back(c.get());
  }
  return out;
}

}  // namespace

bool certificate_followup_wanted(const CertificateReport& r) {
  if (!r.connected) return false;
  return has(r.errors, "incomplete_chain") || has(r.errors, "protocol_mismatch");
}

struct CertificateFollowup::State {
  State(EventLoop& l, const PortResult& port, CertificateCheckConfig c, Deadline d, CertificateReport* r)
      : loop(l), cfg(std::move(c)), deadline(d), rep(r), address(port.address), port_number(port.port) {
    if (port.tls) {
      chain = copy_chain(port.tls->chain);
      implicit = port.tls->mode == "implicit";
    }
  }

  void start() {
    if (!certificate_followup_wanted(*rep) || chain.empty()) return;
    // 1. The intermediate the server left out.
    if (has(rep->errors, "incomplete_chain")) {
      IntermediateCheck ic;
      const auto urls = ca_issuer_urls(chain[0].get());
      std::optional<HttpUrl> url;
      for (const auto& u : urls) {
        if ((url = parse_http_url(u))) {
          ic.url = u;
          break;
        }
      }
      if (urls.empty()) {
        ic.error = "the certificate names no place to fetch its issuer from (no AIA caIssuers)";
      } else if (!url) {
        ic.url = urls.front();
        ic.error = "only a non-HTTP issuer location is given";
      } else {
        ConnectorConfig cc;
        cc.dns_servers = cfg.probe.dns_servers;
        cc.connect_timeout = cfg.probe.connect_timeout;
        cc.v4 = cfg.probe.family != FamilyPref::V6;
        cc.v6 = cfg.probe.family != FamilyPref::V4;
        fetch = std::make_unique<HttpGet>(loop, nullptr, url->host, url->port, url->path, true, cc, deadline,
                                          [this](HttpResult&& r) { fetched = std::move(r); });
        fetch->start();
      }
      rep->intermediate = ic;
    }
    // 2. The old versions below the one negotiated, each on its own.
    const int negotiated = version_number(rep->protocol);
    if (has(rep->errors, "protocol_mismatch") && negotiated != 0) {
      rep->tls_versions = {rep->protocol};
      for (const auto& [v, name] : {std::pair<int, const char*>{TLS1_1_VERSION, "TLSv1.1"}, {TLS1_VERSION, "TLSv1"}}) {
        if (v >= negotiated) continue;
        ProbeConfig pc = cfg.probe;
        pc.host = address.to_string();
        // The name still goes in SNI, as in the session judged.
        if (!pc.sni && !IpAddress::parse(cfg.probe.host)) pc.sni = cfg.probe.host;
        pc.ports = {port_number};
        pc.implicit_tls_ports = implicit ? std::vector<uint16_t>{port_number} : std::vector<uint16_t>{};
        pc.tls = true;
        pc.trace = false;
        pc.tls_max_version = v;
        tries.push_back(VersionTry{v, name, std::make_unique<ProbeRun>(loop, pc, deadline)});
        tries.back().run->start();
      }
    }
  }

  bool done() const {
    if (fetch && !fetch->finished()) return false;
    return std::all_of(tries.begin(), tries.end(), [](const VersionTry& t) { return t.run->done(); });
  }

  void finish() {
    if (finished) return;
    finished = true;
    if (!certificate_followup_wanted(*rep) || chain.empty()) return;
    if (fetch && !fetch->finished()) fetch->abandon();
    if (rep->intermediate && fetch) judge_intermediate(*rep->intermediate);
    for (auto& t : tries) {
      const ProbeResult r = t.run->finish();
      for (const auto& p : r.ports)
        if (p.tls && p.tls->ok && version_number(p.tls->protocol) == t.version) rep->tls_versions.push_back(t.name);
    }
    rep->findings = certificate_findings(*rep, cfg);
  }

  // Whether the fetched intermediate completes the chain (either store).
  void judge_intermediate(IntermediateCheck& ic) const {
    if (!fetched) {
      ic.error = "no answer from " + ic.url + " before the deadline";
      return;
    }
    if (!fetched->error.empty()) {
      ic.error = fetched->error;
      return;
    }
    if (fetched->status != 200) {
      ic.error = "HTTP status " + std::to_string(fetched->status);
      return;
    }
    std::vector<X509Ptr> got = parse_certificates(fetched->body);
    if (got.empty()) {
      ic.error = "what it serves is not a certificate";
      return;
    }
    ic.fetched = true;
    ic.subject = inspect_certificate(got.front().get(), time(nullptr)).subject;
    std::vector<X509Ptr> full = copy_chain(chain);
    for (auto& g : got) full.push_back(std::move(g));
    VerifyStore php;
    php.ca_file = cfg.php_ca_file;
    php.ca_path = cfg.php_ca_path;
    php.cache = cfg.probe.trust;
    VerifyStore system_store;
    system_store.cache = cfg.probe.trust;
    const ChainVerdict sys = verify_chain(full, cfg.probe.host, system_store, time(nullptr));
    const ChainVerdict with_php = verify_chain(full, cfg.probe.host, php, time(nullptr));
    ic.verifies = sys.verified || with_php.verified;
    if (!ic.verifies) ic.error = sys.error;
  }

  struct VersionTry {
    int version;
    std::string name;
    std::unique_ptr<ProbeRun> run;
  };

  EventLoop& loop;
  CertificateCheckConfig cfg;
  Deadline deadline;
  CertificateReport* rep;
  IpAddress address;
  uint16_t port_number;
  std::vector<X509Ptr> chain;  // as the server sent it, leaf first
  bool implicit = false;
  std::unique_ptr<HttpGet> fetch;
  std::optional<HttpResult> fetched;
  std::vector<VersionTry> tries;
  bool finished = false;
};

CertificateFollowup::CertificateFollowup(EventLoop& loop, const PortResult& port, CertificateCheckConfig config,
                                         Deadline deadline, CertificateReport* report)
    : s_(std::make_unique<State>(loop, port, std::move(config), deadline, report)) {}
CertificateFollowup::~CertificateFollowup() = default;
void CertificateFollowup::start() { s_->start(); }
bool CertificateFollowup::done() const { return s_->done(); }
void CertificateFollowup::finish() { s_->finish(); }

void run_certificate_followup(const PortResult& port, const CertificateCheckConfig& cfg, Deadline deadline,
                              CertificateReport* rep) {
  if (!certificate_followup_wanted(*rep) || !port.tls || port.tls->chain.empty()) return;
  EventLoop loop;
  CertificateFollowup f(loop, port, cfg, deadline, rep);
  f.start();
  loop.run(deadline, [&] { return f.done(); });
  f.finish();
}

}  // namespace smtpdiag
