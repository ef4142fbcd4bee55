// The finding for a test send: where it stopped and why, worded by the
// catalog. No credential ever reaches a parameter here.
#include "smtp/send_test.h"
#include "tls/certificate_check.h"
#include "util/text.h"

namespace smtpdiag {

namespace {

const char* code_for_state(PortState s) {
  switch (s) {
    case PortState::Filtered: return "port_filtered";
    case PortState::Refused: return "port_refused";
    case PortState::BlockedLocal: return "port_blocked_local";
    case PortState::BlockedUpstream: return "port_blocked_upstream";
    case PortState::Unreachable: return "host_unreachable";
    default: return "host_unreachable";
  }
}

}  // namespace

std::vector<Finding> send_findings(const SendResult& r, const SendConfig& cfg) {
  std::vector<Finding> out;
  const SendObservation& s = r.session;
  std::map<std::string, std::string> p = {
      {"host", cfg.net.host},
      {"port", std::to_string(cfg.port)},
      {"address", r.address},
      {"stage", s.stage},
      {"error", s.error},
      {"mechanism", s.auth_mechanism},
      {"resolver", cfg.net.dns_servers.empty() ? "the system resolver" : cfg.net.dns_servers[0].first.to_string()},
      {"status", r.dns_status},
      {"ms", std::to_string(static_cast<long>(r.elapsed_ms))},
      {"families", "IPv4 or IPv6"},
  };
  std::vector<std::pair<std::string, EvidenceValue>> ev = {
      {"host", cfg.net.host}, {"port", static_cast<int64_t>(cfg.port)}, {"stage", s.stage}};
  if (s.reply) {
    const std::string reply = std::to_string(s.reply->code) + " " + s.reply->text;
    p["reply"] = reply;
    p["code"] = std::to_string(s.reply->code);
    p["text"] = s.reply->text;
    ev.push_back({"reply_code", static_cast<int64_t>(s.reply->code)});
    ev.push_back({"reply_enhanced", s.reply->enhanced});
    ev.push_back({"reply_text", s.reply->text});
  } else {
    p["reply"] = "no reply";
  }
  if (!s.verify_error.empty()) p["verify_error"] = s.verify_error;
  if (s.peer_certificate) {
    // The certificate findings' words (tls/certificate_rules.cpp fills the
    // same from a whole chain; a session sees the leaf it refused).
    const CertificateInfo& leaf = *s.peer_certificate;
    for (auto& [name, words] : certificate_words(leaf, s.peer_names)) p[name] = std::move(words);
    p["intermediate"] = "";
    p["php_ca"] = ca_store_name(cfg.net.ca_file, cfg.net.ca_path);
    ev.push_back({"subject", leaf.subject});
    ev.push_back({"not_after", leaf.not_after});
    ev.push_back({"names", join(s.peer_names)});
  }
  p["mode"] = s.tls_mode.empty() ? (cfg.session.encryption == Encryption::Tls ? "implicit" : "starttls") : s.tls_mode;

  if (s.stage == "dns" && !s.finding.size()) {
    const std::string& st = r.dns_status;
    const char* code = st == "nxdomain" ? "dns_nxdomain"
                       : (st == "timeout" || st == "unreachable") ? "dns_timeout"
                       : st == "no_address" ? "dns_no_address"
                                            : "dns_error";
    ev.push_back({"dns_status", st});
    out.push_back(make_finding(code, p, ev));
    return out;
  }
  if (s.stage == "connect" && s.finding.empty()) {
    // Every address failed: report the first one's verdict with its evidence.
    for (const AddressAttempt& a : r.attempts) {
      auto q = p;
      q["address"] = a.address.to_string();
      q["errno"] = errno_name(a.err);
      q["ms"] = std::to_string(static_cast<long>(a.ms));
      q["silence"] = silence_words(a.ms, a.gave_up_early, a.syns, a.answered_ms);
      q["alternatives"] = "";
      q["how"] = a.icmp && a.icmp->from ? ": ICMP from " + a.icmp->from->to_string() : ": " + errno_name(a.err);
      q["at"] = blocked_by_router(a.icmp && a.icmp->from ? a.icmp->from->to_string() : std::string());
      auto e = ev;
      e.push_back({"address", a.address.to_string()});
      e.push_back({"errno", errno_name(a.err)});
      e.push_back({"state", std::string(port_state_name(a.state))});
      if (a.gave_up_early) add_early_evidence(&e, a.syns, a.answered_ms);
      out.push_back(make_finding(code_for_state(a.state), q, e));
      break;
    }
    return out;
  }
  if (!s.finding.empty()) {
    if (s.finding == "relay_denied" || s.finding == "recipient_rejected") {
      std::string list;
      for (const auto& rr : s.recipients) {
        if (rr.accepted) continue;
        if (!list.empty()) list += "; ";
        list += rr.address + ": " + std::to_string(rr.reply.code) + " " + rr.reply.text;
      }
      p["recipients"] = list;
    }
    if (s.finding == "starttls_unavailable")
      p["why"] = s.reply ? " (it answered STARTTLS with " + std::to_string(s.reply->code) + " " + s.reply->text + ")" : "";
    if (s.finding == "auth_failed" && s.reply && s.reply->code == 534)
      p["hint"] = " The server says an app password is required: create one in the mail account's security settings and use it instead of the account password.";
    out.push_back(make_finding(s.finding, p, ev));
  }
  // Some recipients refused while others were accepted: say so.
  if (s.ok) {
    for (const auto& rr : s.recipients) {
      if (rr.accepted) continue;
      auto q = p;
      q["recipients"] = rr.address + ": " + std::to_string(rr.reply.code) + " " + rr.reply.text;
      // The evidence is that recipient's own refusal, at RCPT TO.
      std::vector<std::pair<std::string, EvidenceValue>> e = {
          {"host", cfg.net.host}, {"port", static_cast<int64_t>(cfg.port)}, {"stage", std::string("rcpt_to")},
          {"recipient", rr.address}, {"reply_code", static_cast<int64_t>(rr.reply.code)},
          {"reply_enhanced", rr.reply.enhanced}, {"reply_text", rr.reply.text}};
      out.push_back(make_finding("recipient_rejected", q, e));
    }
  }
  sort_findings(out);
  return out;
}

}  // namespace smtpdiag
