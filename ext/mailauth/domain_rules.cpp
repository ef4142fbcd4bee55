// Findings for the domain checks. Texts live in the catalog; the record
// to add is computed here because it is data (the address), not wording.
#include <algorithm>

#include "mailauth/domain_check.h"
#include "util/text.h"

namespace smtpdiag {

namespace {

// The record with `mechanism` inserted before its "all" (or at the end).
std::string record_with(const std::string& record, const std::string& mechanism) {
  if (record.empty()) return "v=spf1 " + mechanism + " ~all";
  const auto pos = record.find(" -all");
  const auto pos2 = record.find(" ~all");
  const auto pos3 = record.find(" ?all");
  size_t at = std::min({pos, pos2, pos3});
  if (at == std::string::npos) {
    const auto redirect = record.find(" redirect=");
    at = redirect;
  }
  if (at == std::string::npos) return record + " " + mechanism;
  return record.substr(0, at) + " " + mechanism + record.substr(at);
}

}  // namespace

std::vector<Finding> domain_findings(const DomainReport& r, const DomainCheckConfig& cfg) {
  std::vector<Finding> out;
  std::map<std::string, std::string> p = {{"domain", r.domain}, {"org_domain", r.org_domain}};
  std::vector<std::pair<std::string, EvidenceValue>> ev = {{"domain", r.domain}};

  // MX
  if (r.null_mx) {
    auto q = p;
    q["why"] = " (a null MX, RFC 7505: the domain says it accepts no mail, so receivers may refuse mail from it)";
    out.push_back(make_finding("mx_missing", q, ev));
  } else if (r.mx.empty() && (r.mx_status == "nxdomain" || r.mx_status == "no_address" || r.mx_status == "ok")) {
    auto q = p;
    q["why"] = r.mx_status == "nxdomain" ? " (the domain does not exist)" : "";
    out.push_back(make_finding("mx_missing", q, ev));
  }

  // SPF
  if (r.spf_record.empty() && (r.spf_status == "ok" || r.spf_status == "no_address" || r.spf_status == "nxdomain")) {
    auto q = p;
    std::string suggestion = "v=spf1 ";
    for (const auto& s : r.spf)
      suggestion += (s.ip.family == Family::V4 ? "ip4:" : "ip6:") + s.ip.to_string() + " ";
    suggestion += "~all";
    q["suggestion"] = suggestion;
    out.push_back(make_finding("spf_missing", q, ev));
  } else if (!r.spf_record.empty()) {
    bool too_many = false;
    std::vector<std::string> failing;
    std::string perm_error;
    for (const auto& s : r.spf) {
      const SpfOutcome& o = s.outcome;
      if (o.result == SpfResult::PermError) {
        if (o.lookups > 10 || o.void_lookups > 2 || o.error.find("more than 10") != std::string::npos ||
            o.error.find("void") != std::string::npos)
          too_many = true;
        else perm_error = o.error;
      }
      if (o.result == SpfResult::Fail || o.result == SpfResult::SoftFail || o.result == SpfResult::Neutral) {
        failing.push_back(s.ip.to_string());
        auto q = p;
        const std::string mech = (s.ip.family == Family::V4 ? "ip4:" : "ip6:") + s.ip.to_string();
        q["address"] = s.ip.to_string();
        q["source"] = s.source == "relay" ? "your relay " + cfg.relay_host + "'s address" : "this site's sending address";
        q["result"] = spf_result_name(o.result);
        q["record"] = r.spf_record;
        q["suggestion"] = record_with(r.spf_record, mech);
        auto e = ev;
        e.push_back({"ip", s.ip.to_string()});
        e.push_back({"source", s.source});
        e.push_back({"result", std::string(spf_result_name(o.result))});
        e.push_back({"record", r.spf_record});
        out.push_back(make_finding("spf_fail", q, e));
      }
    }
    if (too_many || (!r.spf_syntax_error.empty() && r.spf_syntax_error.find("more than 10") != std::string::npos)) {
      auto q = p;
      int lookups = 0;
      for (const auto& s : r.spf) lookups = std::max(lookups, s.outcome.lookups);
      q["lookups"] = std::to_string(lookups);
      q["record"] = r.spf_record;
      out.push_back(make_finding("spf_too_many_lookups", q, ev));
    } else if (!perm_error.empty() || !r.spf_syntax_error.empty()) {
      auto q = p;
      q["error"] = perm_error.empty() ? r.spf_syntax_error : perm_error;
      q["record"] = r.spf_record;
      out.push_back(make_finding("spf_permerror", q, ev));
    }
  }

  // DMARC
  auto answered = [](const std::string& st) { return st == "ok" || st == "nxdomain" || st == "no_address"; };
  if (r.dmarc_record.empty() && r.dmarc.error.empty() && answered(r.dmarc_status)) {
    auto q = p;
    q["where"] = r.org_domain == r.domain ? "_dmarc." + r.domain
                                          : "_dmarc." + r.domain + " nor _dmarc." + r.org_domain;
    out.push_back(make_finding("dmarc_missing", q, ev));
  } else if (r.dmarc_record.empty() && r.dmarc.error.empty()) {
    // The lookup itself failed (timeout, SERVFAIL, garbage): no record was
    // seen, so none can be called invalid; the DNS finding says what happened.
  } else if (!r.dmarc.valid) {
    auto q = p;
    q["error"] = r.dmarc.error;
    q["record"] = r.dmarc_record;
    out.push_back(make_finding("dmarc_invalid", q, ev));
  } else if (!r.spf_aligned && !r.dkim_aligned && (!r.spf.empty() || r.dkim_answered)) {
    // Only claimed when SPF was evaluated for an address (or DKIM looked up):
    // without a sending address there is nothing to align.
    auto q = p;
    q["policy"] = r.dmarc_effective_policy.empty() ? r.dmarc.policy : r.dmarc_effective_policy;
    q["spf_domain"] = cfg.mail_from_domain.empty() ? r.domain : cfg.mail_from_domain;
    q["dkim_domain"] = cfg.dkim_domain.empty() ? r.domain : cfg.dkim_domain;
    auto e = ev;
    e.push_back({"policy", r.dmarc.policy});
    e.push_back({"spf_aligned", r.spf_aligned});
    e.push_back({"dkim_aligned", r.dkim_aligned});
    out.push_back(make_finding("dmarc_misaligned", q, e));
  }

  // DKIM
  const bool any_key = std::any_of(r.dkim.begin(), r.dkim.end(),
                                   [](const DkimSelectorResult& d) { return d.found && d.key.valid && !d.key.revoked; });
  if (!any_key && r.dkim_answered) {
    auto q = p;
    std::vector<std::string> tried = cfg.dkim_selectors;
    q["selectors"] = tried.empty() ? "the common selectors (default, google, selector1, selector2, k1, s1, ...)" : join(tried);
    q["dkim_domain"] = cfg.dkim_domain.empty() ? r.domain : cfg.dkim_domain;
    out.push_back(make_finding("dkim_missing", q, ev));
  }
  for (const auto& d : r.dkim) {
    if (d.found && d.key.valid && !d.key.revoked && d.key.key_type == "rsa" && d.key.key_bits > 0 && d.key.key_bits < 1024) {
      auto q = p;
      q["selector"] = d.selector;
      q["bits"] = std::to_string(d.key.key_bits);
      out.push_back(make_finding("dkim_weak_key", q, ev));
    }
  }

  // MTA-STS
  if (!r.mta_sts_record.empty() && !r.mta_sts_error.empty()) {
    auto q = p;
    q["error"] = r.mta_sts_error;
    out.push_back(make_finding("mta_sts_invalid", q, ev));
  }

  // PTR
  if (r.sending_ip) {
    auto q = p;
    q["ip"] = r.sending_ip->to_string();
    q["names"] = r.ptr_names.empty() ? "no name" : join(r.ptr_names);
    auto e = ev;
    e.push_back({"ip", r.sending_ip->to_string()});
    // Only when DNS answered: a failing resolver is not a missing PTR.
    const bool answered = r.ptr_status == "ok" || r.ptr_status == "nxdomain" || r.ptr_status == "no_address";
    if (answered && (r.ptr_names.empty() || !r.fcrdns)) out.push_back(make_finding("ptr_mismatch", q, e));
    for (const auto& b : r.blocklists) {
      auto bq = q;
      bq["zone"] = b.zone;
      bq["codes"] = join(b.codes);
      auto be = e;
      be.push_back({"zone", b.zone});
      be.push_back({"codes", join(b.codes)});
      if (b.listed) out.push_back(make_finding("ip_blocklisted", bq, be));
      else if (b.refused) out.push_back(make_finding("dnsbl_refused", bq, be));
    }
  }
  // The resolver failing is its own finding, and only once.
  const bool dns_failed = r.mx_status == "timeout" || r.mx_status == "unreachable" ||
                          r.spf_status == "timeout" || r.spf_status == "unreachable";
  if (r.timed_out || dns_failed) {
    auto q = p;
    q["resolver"] = cfg.net.dns_servers.empty() ? "the system resolver" : cfg.net.dns_servers[0].first.to_string();
    q["host"] = r.domain;
    q["status"] = "timeout";
    q["ms"] = std::to_string(static_cast<long>(r.elapsed_ms));
    out.push_back(make_finding("dns_timeout", q, ev));
  } else {
    // SERVFAIL, REFUSED, or an answer that does not parse (a broken or
    // hostile server): said once, as for the host's own lookups.
    auto failed = [](const std::string& st) {
      return st == "servfail" || st == "refused" || st == "error" || st == "bad_name";
    };
    const std::string& st = failed(r.mx_status) ? r.mx_status : r.spf_status;
    if (failed(st)) {
      auto q = p;
      q["host"] = r.domain;
      q["status"] = st;
      out.push_back(make_finding("dns_error", q, ev));
    }
  }
  sort_findings(out);
  return out;
}

}  // namespace smtpdiag
