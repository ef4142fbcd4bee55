// The diagnosis rules: which observation explains why the configured
// settings fail (the root cause), and how every other finding ranks below
// it. Texts come from the catalog; this file decides, it does not word.
#include <algorithm>
#include <set>

#include "diagnose/diagnose.h"
#include "util/text.h"

namespace smtpdiag {

namespace {

int64_t evidence_port(const Finding& f) {
  for (const auto& [k, v] : f.evidence)
    if (k == "port")
      if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  return -1;
}

const Finding* find_code(const std::vector<Finding>& list, const std::string& code) {
  for (const auto& f : list)
    if (f.code == code) return &f;
  return nullptr;
}

bool blocked(PortState s) {
  return s == PortState::Filtered || s == PortState::BlockedLocal || s == PortState::BlockedUpstream ||
         s == PortState::Unreachable;
}

// Certificate errors from most to least specific: the first present is
// the one to fix (a stale PHP bundle before "untrusted", and so on).
const char* const kCertPriority[] = {"smtp_redirected", "ca_bundle_stale", "cert_expired", "cert_not_yet_valid",
                               "cert_hostname_mismatch", "cert_self_signed", "cert_incomplete_chain",
                               "cert_untrusted", "cert_weak_key", "cert_weak_signature", "tls_protocol_mismatch"};

const char* const kDomainRoot[] = {"ip_blocklisted", "spf_fail", "spf_too_many_lookups", "spf_permerror",
                             "dmarc_misaligned"};

}  // namespace

void apply_rules(const DiagnoseConfig& cfg, DiagnoseResult& r) {
  std::vector<Finding> all;
  std::string root;
  const ProbeResult& p = r.probe;
  const std::string enc = cfg.session.encryption == Encryption::Tls        ? "SSL/TLS"
                          : cfg.session.encryption == Encryption::StartTls ? "STARTTLS"
                                                                           : "none";
  std::map<std::string, std::string> base = {
      {"host", cfg.net.host}, {"port", std::to_string(cfg.port)}, {"encryption", enc}};

  // --- the PHP environment: PHPMailer cannot even start ------------------
  const EnvironmentInfo& env = r.environment;
  auto disabled = [&](const char* fn) {
    return std::find(env.disabled_functions.begin(), env.disabled_functions.end(), fn) != env.disabled_functions.end();
  };
  // PHPMailer connects with stream_socket_client() and falls back to
  // fsockopen(): only both gone stop it. STARTTLS needs
  // stream_socket_enable_crypto().
  const bool no_connect = disabled("stream_socket_client") && disabled("fsockopen");
  const bool no_starttls = disabled("stream_socket_enable_crypto") &&
                           (cfg.session.encryption == Encryption::StartTls || cfg.session.auto_tls);
  for (const char* fn : {"stream_socket_client", "fsockopen", "stream_socket_enable_crypto"}) {
    if (!disabled(fn)) continue;
    auto q = base;
    q["function"] = fn;
    Finding f = make_finding("php_function_disabled", q, {{"function", std::string(fn)}});
    const bool fatal = (no_connect && std::string(fn) != "stream_socket_enable_crypto") ||
                       (no_starttls && std::string(fn) == "stream_socket_enable_crypto");
    if (!fatal) f.severity = Severity::Info;
    all.push_back(std::move(f));
    if (fatal && root.empty()) root = "php_function_disabled";
  }
  if (!env.openssl_loaded && cfg.session.encryption != Encryption::None) {
    all.push_back(make_finding("php_openssl_missing", base, {}));
    if (root.empty()) root = "php_openssl_missing";
  }

  // --- DNS and the configured port ----------------------------------------
  for (const char* code : {"dns_nxdomain", "dns_timeout", "dns_error", "dns_no_address"}) {
    if (const Finding* f = find_code(p.findings, code)) {
      all.push_back(*f);
      if (root.empty()) root = code;
    }
  }
  std::vector<const PortResult*> conf;
  for (const auto& x : p.ports)
    if (x.port == cfg.port) conf.push_back(&x);
  const bool conf_open = std::any_of(conf.begin(), conf.end(), [](const PortResult* x) { return x->state == PortState::Open; });
  const bool v4_open = std::any_of(conf.begin(), conf.end(), [](const PortResult* x) {
    return x->address.family == Family::V4 && x->state == PortState::Open;
  });
  const bool v6_broken = std::any_of(conf.begin(), conf.end(), [](const PortResult* x) {
    return x->address.family == Family::V6 && blocked(x->state);
  });
  const bool any_smtp_open = std::any_of(p.ports.begin(), p.ports.end(), [](const PortResult& x) { return x.state == PortState::Open; });

  // Probe findings: the configured port's keep their weight; the other
  // ports are context (alternatives), so they become info.
  for (Finding f : p.findings) {
    if (f.code.rfind("dns_", 0) == 0) continue;
    const int64_t port = evidence_port(f);
    if (port >= 0 && port != cfg.port && f.severity != Severity::Ok) f.severity = Severity::Info;
    if (f.code == "all_smtp_ports_blocked") {
      std::vector<std::string> ok_https;
      for (const auto& h : r.https)
        if (h.result.tls_ok && !h.provider.empty()) ok_https.push_back(h.host);
      auto q = base;
      std::vector<std::string> ports;
      for (const auto& x : p.ports)
        if (std::find(ports.begin(), ports.end(), std::to_string(x.port)) == ports.end()) ports.push_back(std::to_string(x.port));
      q["ports"] = join(ports);
      q["api"] = ok_https.empty() ? " (but no provider API answered over HTTPS either: outbound traffic is blocked more widely)"
                                  : "; these answer over HTTPS from here: " + join(ok_https);
      f = make_finding("all_smtp_ports_blocked", q, f.evidence);
    }
    all.push_back(std::move(f));
  }
  if (root.empty() && !conf.empty()) {
    const bool any_filtered = std::any_of(p.ports.begin(), p.ports.end(), [](const PortResult& x) {
      return x.state == PortState::Filtered || x.state == PortState::BlockedLocal || x.state == PortState::BlockedUpstream;
    });
    // "Host unreachable" from a router on some ports and silence on the
    // rest is one dead host (routers rate-limit their ICMP), not a block.
    const bool any_unreachable = std::any_of(p.ports.begin(), p.ports.end(), [](const PortResult& x) {
      return x.state == PortState::Unreachable;
    });
    const bool any_explicit_block = std::any_of(p.ports.begin(), p.ports.end(), [](const PortResult& x) {
      return x.state == PortState::BlockedLocal || x.state == PortState::BlockedUpstream;
    });
    // Nothing answers at all, not even HTTPS on 443 of the same host:
    // the host is down or unrouted (its ICMP may be rate-limited away),
    // which is not an SMTP block.
    bool https_silent = false;
    for (const auto& h : r.https)
      if (h.provider.empty())
        https_silent = !h.result.connected && (h.result.connect_state == PortState::Filtered ||
                                               h.result.connect_state == PortState::Unreachable);
    if (!any_smtp_open && ((any_unreachable && !any_explicit_block) || https_silent)) {
      root = "host_unreachable";  // no route at all: not a port block
      if (!find_code(all, "host_unreachable")) {
        auto q = base;
        q["address"] = p.addresses.empty() ? cfg.net.host : p.addresses.front().to_string();
        q["errno"] = "no answer on any SMTP port, nor on HTTPS port 443";
        all.push_back(make_finding("host_unreachable", q, {{"host", cfg.net.host}}));
      }
    } else if (!any_smtp_open && any_filtered) {
      root = "all_smtp_ports_blocked";
    } else if (v4_open && v6_broken && cfg.net.family == FamilyPref::Any) {
      // PHP's stream connect (PHPMailer) tries the AAAA address first and
      // spends its whole timeout there: the site's mail fails although
      // IPv4 works.
      root = "ipv6_unreachable";
      if (!find_code(all, "ipv6_unreachable")) {
        std::string v4;
        for (const auto* x : conf)
          if (x->address.family == Family::V4 && x->state == PortState::Open) v4 = x->address.to_string();
        auto q = base;
        q["v6_states"] = "dropped";
        q["v4_address"] = v4;
        all.push_back(make_finding("ipv6_unreachable", q, {{"ipv4_address", v4}}));
      }
    } else if (!conf_open) {
      const PortResult* x = conf.front();
      for (const auto* c : conf)
        if (c->address.family == Family::V4) { x = c; break; }
      switch (x->state) {
        case PortState::BlockedLocal: root = "port_blocked_local"; break;
        case PortState::BlockedUpstream: root = "port_blocked_upstream"; break;
        case PortState::Filtered: root = "port_filtered"; break;
        case PortState::Refused: root = "port_refused"; break;
        case PortState::Unreachable: root = "host_unreachable"; break;
        default: break;
      }
    }
  }

  // --- certificate of the configured port ----------------------------------
  // Only what the site's client will judge counts: nothing without TLS,
  // context only when it does not verify (verify_peer false).
  const bool site_uses_tls = cfg.session.encryption != Encryption::None || cfg.session.auto_tls;
  if (r.certificate && site_uses_tls) {
    for (Finding f : r.certificate->findings) {
      if (!cfg.session.verify_peer && f.severity != Severity::Ok) f.severity = Severity::Info;
      all.push_back(std::move(f));
    }
  }

  // --- the configured session (TLS, AUTH, QUIT) ---------------------------
  if (r.session) {
    const SendObservation& s = r.session->session;
    const std::string& sf = s.finding;
    // The probe's finding for the configured port covers every address: the
    // session's own (one address) would say the same thing twice.
    auto probe_said = [&](const std::string& code) {
      return std::any_of(p.findings.begin(), p.findings.end(),
                         [&](const Finding& x) { return x.code == code && evidence_port(x) == cfg.port; });
    };
    const size_t session_from = all.size();
    for (const auto& f : r.session->findings) {
      // The session repeats what the probe already said about the port.
      const bool port_level = f.code.rfind("port_", 0) == 0 || f.code == "host_unreachable" || f.code.rfind("dns_", 0) == 0;
      if (port_level || probe_said(f.code)) continue;
      if (f.code.rfind("cert_", 0) == 0 && r.certificate) continue;  // the judged certificate says it better
      all.push_back(f);
    }
    const size_t session_to = all.size();
    if (root.empty() && !sf.empty()) {
      bool implicit_works = false;
      for (const auto* x : conf)
        if (x->tls && x->tls->mode == "implicit" && x->tls->ok) implicit_works = true;
      if ((sf == "greeting_timeout" || sf == "connection_lost") && cfg.session.encryption != Encryption::Tls && implicit_works) {
        root = "encryption_expects_implicit_tls";
        // The session's silence is what this root cause looks like, not a
        // second problem.
        const auto from = all.begin() + static_cast<std::ptrdiff_t>(session_from);
        const auto to = all.begin() + static_cast<std::ptrdiff_t>(session_to);
        all.erase(std::remove_if(from, to, [&](const Finding& f) { return f.code == sf; }), to);
        auto q = base;
        q["address"] = r.session->address.empty() ? cfg.net.host : r.session->address;
        all.push_back(make_finding(root, q, {{"port", static_cast<int64_t>(cfg.port)}}));
      } else if (sf == "encryption_expects_starttls") {
        root = sf;
      } else if (sf.rfind("cert_", 0) == 0 || sf == "tls_handshake_failed" || sf == "tls_protocol_mismatch") {
        root = sf;
        if (r.certificate) {
          for (const char* code : kCertPriority)
            if (find_code(r.certificate->findings, code)) {
              root = code;
              break;
            }
        }
        if (!find_code(all, root)) {
          for (const auto& f : r.session->findings)
            if (f.code == sf) all.push_back(f);
          if (!find_code(all, root)) root = sf;
        }
      } else {
        root = sf;
      }
    }
    // PHPMailer verifies with PHP's CA even where our session (ca_file) did not
    // fail: a certificate PHP would refuse is the root cause.
    if (root.empty() && r.certificate && cfg.session.verify_peer && cfg.session.encryption != Encryption::None &&
        !r.certificate->php_accepts) {
      for (const char* code : kCertPriority)
        if (find_code(r.certificate->findings, code)) {
          root = code;
          break;
        }
    }
  }

  // --- the real message ---------------------------------------------------
  if (r.send) {
    for (const auto& f : r.send->findings)
      if (!find_code(all, f.code)) all.push_back(f);
    if (root.empty() && !r.send->session.ok && !r.send->session.finding.empty()) root = r.send->session.finding;
  }

  // --- the From domain: why mail that leaves may not arrive -------------
  if (r.domain) {
    for (const auto& f : r.domain->findings)
      if (!(f.code == "dns_timeout" && find_code(all, "dns_timeout"))) all.push_back(f);
    if (root.empty()) {
      for (const char* code : kDomainRoot)
        if (find_code(r.domain->findings, code)) {
          root = code;
          break;
        }
    }
  }

  // --- SELinux: a local block with the boolean off names its cause ---------
  if (root == "port_blocked_local" && env.selinux == "enforcing" && env.httpd_can_network_connect == "off" &&
      env.sapi != "cli") {
    all.push_back(make_finding("selinux_denies_network", base,
                               {{"selinux", env.selinux}, {"httpd_can_network_connect", env.httpd_can_network_connect}}));
  }

  if (root.empty()) {
    auto q = base;
    q["auth"] = r.session && !r.session->session.auth_mechanism.empty()
                    ? ", AUTH " + r.session->session.auth_mechanism + " accepted"
                    : "";
    q["tls"] = r.session && r.session->session.tls_ok ? " over " + r.session->session.tls_protocol : "";
    all.push_back(make_finding("smtp_ok", q, {{"host", cfg.net.host}, {"port", static_cast<int64_t>(cfg.port)}}));
  }

  // Root cause first, then most severe first; drop exact duplicates.
  std::vector<Finding> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& f : all) {
    if (!seen.insert({f.code, f.detail}).second) continue;
    out.push_back(std::move(f));
  }
  sort_findings(out);
  if (!root.empty()) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Finding& f) { return f.code == root; });
    if (it != out.end()) {
      Finding rf = std::move(*it);
      rf.severity = Severity::Critical;
      out.erase(it);
      out.insert(out.begin(), std::move(rf));
    } else {
      // A root cause that was left out of the list above (a part's own
      // finding set aside as the probe's business): the part's words, which
      // name its address and error; the catalog's bare entry only if none.
      const Finding* own = r.session ? find_code(r.session->findings, root) : nullptr;
      if (!own && r.send) own = find_code(r.send->findings, root);
      if (!own && r.domain) own = find_code(r.domain->findings, root);
      Finding rf = own ? *own : make_finding(root, base, {{"port", static_cast<int64_t>(cfg.port)}});
      rf.severity = Severity::Critical;
      out.insert(out.begin(), std::move(rf));
    }
  }
  r.findings = std::move(out);
  r.root_cause = root;
  r.ok = root.empty();
}

}  // namespace smtpdiag
