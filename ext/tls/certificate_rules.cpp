// Findings for a certificate check: one per error, worded by the catalog,
// plus smtp_redirected when something else answered for the host.
#include <algorithm>
#include <cctype>

#include "tls/certificate_check.h"
#include "util/text.h"

namespace smtpdiag {

namespace {

std::string strip_prefix(const std::string& name) {
  const auto colon = name.find(':');
  return colon == std::string::npos ? name : name.substr(colon + 1);
}

// Does a certificate name pattern ("*.example.com") cover `host`?
bool pattern_covers(const std::string& pattern, const std::string& host) {
  const std::string p = normalize_domain(pattern), h = normalize_domain(host);
  if (p == h) return true;
  if (p.rfind("*.", 0) == 0) {
    const auto dot = h.find('.');
    return dot != std::string::npos && h.substr(dot) == p.substr(1);
  }
  return false;
}

}  // namespace

std::map<std::string, std::string> certificate_words(const CertificateInfo& leaf,
                                                     const std::vector<std::string>& names) {
  return {
      {"subject", leaf.subject},
      {"issuer", leaf.issuer},
      {"not_before", leaf.not_before},
      {"not_after", leaf.not_after},
      {"days_left", std::to_string(leaf.days_left)},
      {"days_ago", std::to_string(-leaf.days_left)},
      {"names", names.empty() ? std::string("no names at all") : join(names)},
      {"key", leaf.key_type + " " + std::to_string(leaf.key_bits) + " bits"},
      {"signature", leaf.signature_algorithm},
  };
}

std::vector<Finding> certificate_findings(const CertificateReport& r, const CertificateCheckConfig& cfg) {
  std::vector<Finding> out;
  if (r.chain.empty()) return out;
  const CertificateInfo& leaf = r.chain[0];
  std::map<std::string, std::string> params = certificate_words(leaf, r.covered_names);
  params.insert({
      {"host", cfg.probe.host},
      {"port", std::to_string(cfg.port)},
      {"address", r.address},
      {"php_ca", r.php_ca},
      {"protocol", r.protocol},
      {"verify_error", r.system.error},
      {"php_error", r.php.error},
      {"warn_days", std::to_string(cfg.warn_days)},
      {"versions", r.protocol},
      {"intermediate", ""},
  });
  if (r.tls_versions.size() > 1) {
    std::string v;
    for (size_t i = 0; i < r.tls_versions.size(); ++i)
      v += (i == 0 ? "" : i + 1 == r.tls_versions.size() ? " and " : ", ") + r.tls_versions[i];
    params["versions"] = v;
  }
  if (r.intermediate) {
    const IntermediateCheck& ic = *r.intermediate;
    if (ic.fetched && ic.verifies)
      params["intermediate"] = " Its certificate names where that intermediate is published (" + ic.url +
                               "): fetched from there, it completes the chain, which then verifies. Nothing is wrong "
                               "but the server's configuration.";
    else if (ic.fetched)
      params["intermediate"] = " The intermediate published at " + ic.url + " (" + ic.subject +
                               ") was fetched, but even with it the chain does not verify: " + ic.error + ".";
    else if (!ic.url.empty())
      params["intermediate"] = " The intermediate could not be fetched from " + ic.url + " (" + ic.error +
                               "), so whether the chain would verify with it is not known.";
    else
      params["intermediate"] = " The certificate does not say where its intermediate is published (no AIA "
                               "caIssuers), so whether the chain would verify with it is not known.";
  }
  // Which certificate is weak, for the weak_* findings.
  for (const auto& c : r.chain) {
    if ((c.key_type == "RSA" || c.key_type == "DSA") && c.key_bits < 2048) {
      params["key"] = c.key_type + " " + std::to_string(c.key_bits) + " bits (" + c.subject + ")";
      break;
    }
  }
  for (const auto& c : r.chain) {
    const std::string& s = c.signature_algorithm;
    if (s.find("sha1") != std::string::npos || s.find("SHA1") != std::string::npos ||
        s.find("md5") != std::string::npos || s.find("MD5") != std::string::npos) {
      params["signature"] = s + " (" + c.subject + ")";
      break;
    }
  }
  const std::vector<std::pair<std::string, EvidenceValue>> base = {
      {"host", cfg.probe.host},
      {"port", static_cast<int64_t>(cfg.port)},
      {"address", r.address},
      {"subject", leaf.subject},
      {"issuer", leaf.issuer},
      {"not_after", leaf.not_after},
      {"days_left", static_cast<int64_t>(leaf.days_left)},
      {"names", join(r.covered_names)},
      {"php_ca", r.php_ca},
      {"php_accepts", r.php_accepts},
  };
  auto evidence_for = [&](const std::string& e) {
    auto ev = base;
    if (e == "incomplete_chain" && r.intermediate) {
      ev.push_back({"intermediate_url", r.intermediate->url});
      ev.push_back({"intermediate_fetched", r.intermediate->fetched});
      ev.push_back({"chain_verifies_with_intermediate", r.intermediate->verifies});
    }
    if (e == "protocol_mismatch" && !r.tls_versions.empty()) ev.push_back({"tls_versions", join(r.tls_versions)});
    return ev;
  };
  for (const std::string& e : r.errors) {
    std::string code = "cert_" + e;
    if (e == "protocol_mismatch") code = "tls_protocol_mismatch";
    if (e == "ca_bundle_stale") code = "ca_bundle_stale";
    out.push_back(make_finding(code, params, evidence_for(e)));
  }

  // A transparent SMTP redirect: neither the greeting nor the certificate
  // is the host asked for, and they agree with each other (or the greeting
  // names a host outside the asked-for domain).
  const std::string host = normalize_domain(cfg.probe.host);
  const std::string greeting = normalize_domain(r.greeting_name);
  const bool host_is_name = !IpAddress::parse(host).has_value();
  const bool cert_covers_host = std::any_of(r.covered_names.begin(), r.covered_names.end(),
                                            [&](const std::string& n) { return pattern_covers(strip_prefix(n), host); });
  const bool cert_covers_greeting = !greeting.empty() &&
      std::any_of(r.covered_names.begin(), r.covered_names.end(),
                  [&](const std::string& n) { return pattern_covers(strip_prefix(n), greeting); });
  if (host_is_name && !cert_covers_host && !greeting.empty() && greeting != host &&
      greeting.find('.') != std::string::npos && cert_covers_greeting) {
    auto p = params;
    p["answered"] = r.greeting_name;
    auto ev = base;
    ev.push_back({"greeting_name", r.greeting_name});
    out.insert(out.begin(), make_finding("smtp_redirected", p, ev));
  }
  sort_findings(out);
  return out;
}

}  // namespace smtpdiag
