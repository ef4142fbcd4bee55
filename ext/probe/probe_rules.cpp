// Rules that turn a probe's observations into findings. Texts live in
// diagnose/catalog.cpp; here only what was seen and which code it means.
#include <algorithm>
#include <map>
#include <set>

#include "probe/probe.h"
#include "util/text.h"

namespace smtpdiag {

namespace {

bool is_implicit(const PortResult& p) { return p.tls && p.tls->mode == "implicit"; }

}  // namespace

std::vector<Finding> probe_findings(const ProbeResult& r) {
  std::vector<Finding> out;
  const DnsObservation& d = r.dns;
  const std::map<std::string, std::string> host_params = {
      {"host", r.host}, {"resolver", d.resolver}, {"status", d.status},
      {"ms", std::to_string(static_cast<long>(d.ms))}};
  if (d.status == "nxdomain") {
    out.push_back(make_finding("dns_nxdomain", host_params, {{"host", r.host}, {"resolver", d.resolver}}));
  } else if (d.status == "timeout" || d.status == "unreachable") {
    out.push_back(make_finding("dns_timeout", host_params,
                               {{"host", r.host}, {"resolver", d.resolver}, {"status", d.status}}));
  } else if (d.status == "servfail" || d.status == "refused" || d.status == "error") {
    out.push_back(make_finding("dns_error", host_params, {{"host", r.host}, {"status", d.status}}));
  } else if (d.status == "no_address") {
    auto p = host_params;
    p["families"] = "IPv4 or IPv6";
    out.push_back(make_finding("dns_no_address", p, {{"host", r.host}}));
  }
  if (r.ports.empty()) return out;

  // Ports that work, for "switch to ..." advice.
  std::vector<std::pair<int, bool>> open;
  for (const auto& p : r.ports) {
    if (p.state != PortState::Open || !p.smtp || p.smtp->banner_code != 220) continue;
    if (p.tls && !p.tls->ok) continue;
    if (std::none_of(open.begin(), open.end(), [&](auto& o) { return o.first == p.port; }))
      open.emplace_back(p.port, is_implicit(p));
  }
  auto alternatives_for = [&](int port) {
    std::vector<std::pair<int, bool>> others;
    for (const auto& o : open)
      if (o.first != port) others.push_back(o);
    return alternatives_text(others);
  };

  // Connection-level findings, one per (code, port), addresses grouped.
  struct Group {
    std::vector<std::string> addresses;
    const PortResult* first = nullptr;
  };
  std::map<std::pair<std::string, int>, Group> groups;
  std::vector<std::pair<std::string, int>> order;
  auto add = [&](const std::string& code, const PortResult& p) {
    auto key = std::make_pair(code, static_cast<int>(p.port));
    auto it = groups.find(key);
    if (it == groups.end()) {
      order.push_back(key);
      it = groups.emplace(key, Group{}).first;
      it->second.first = &p;
    }
    it->second.addresses.push_back(p.address.to_string());
  };

  std::set<Family> families_seen, families_working;
  for (const auto& p : r.ports) {
    families_seen.insert(p.address.family);
    if (p.state == PortState::Open || p.state == PortState::Refused)
      families_working.insert(p.address.family);
  }
  const bool v6_broken = families_seen.count(Family::V6) && families_seen.count(Family::V4) &&
                         !families_working.count(Family::V6) && families_working.count(Family::V4);

  for (const auto& p : r.ports) {
    if (v6_broken && p.address.family == Family::V6) continue;  // said once, below
    switch (p.state) {
      case PortState::Filtered: add("port_filtered", p); break;
      case PortState::Refused: add("port_refused", p); break;
      case PortState::BlockedLocal: add("port_blocked_local", p); break;
      case PortState::BlockedUpstream: add("port_blocked_upstream", p); break;
      case PortState::Unreachable: add("host_unreachable", p); break;
      case PortState::Error: break;
      case PortState::Open: {
        if (!p.smtp) break;
        const SmtpObservation& s = *p.smtp;
        const std::string& e = s.error_code;
        if (p.tls && p.tls->plaintext_reply) add("encryption_expects_starttls", p);
        else if (e == "greeting_timeout") add("greeting_timeout", p);
        else if (e == "server_busy") add("server_busy", p);
        else if (e == "greeting_rejected") add("greeting_rejected", p);
        else if (e == "bad_reply" || e == "starttls_injection") add("smtp_protocol_error", p);
        else if (e == "closed" && !s.greeted && !(p.tls && !p.tls->ok)) add("smtp_protocol_error", p);
        else if (p.tls && !p.tls->ok && (e == "tls_failed" || e == "closed" || e == "io_error"))
          add("tls_handshake_failed", p);
        // After the greeting: a stall or a hang-up (RST, EOF) is named too.
        else if (e == "timeout") add("smtp_timeout", p);
        else if (e == "closed" || e == "io_error") add("connection_lost", p);
        else if (!is_implicit(p) && s.ehlo && !s.starttls_offered && p.port != 25)
          add("starttls_unavailable", p);
        else if (!is_implicit(p) && e == "starttls_refused") add("starttls_unavailable", p);
        break;
      }
    }
  }

  for (const auto& key : order) {
    const Group& g = groups[key];
    const PortResult& p = *g.first;
    const std::string& code = key.first;
    std::map<std::string, std::string> params = {
        {"host", r.host},
        {"address", join(g.addresses)},
        {"port", std::to_string(p.port)},
        {"ms", std::to_string(static_cast<long>(p.connect_ms))},
        {"errno", errno_name(p.err)},
        {"alternatives", alternatives_for(p.port)},
    };
    std::vector<std::pair<std::string, EvidenceValue>> ev = {
        {"port", static_cast<int64_t>(p.port)},
        {"addresses", join(g.addresses)},
        {"state", std::string(port_state_name(p.state))},
        {"errno", errno_name(p.err)},
    };
    if (p.icmp && p.icmp->from) {
      params["icmp"] = ", ICMP type " + std::to_string(p.icmp->type) + " code " +
                       std::to_string(p.icmp->code) + " from " + p.icmp->from->to_string();
      ev.push_back({"icmp_from", p.icmp->from->to_string()});
      ev.push_back({"icmp_type", static_cast<int64_t>(p.icmp->type)});
      ev.push_back({"icmp_code", static_cast<int64_t>(p.icmp->code)});
    }
    params["silence"] = silence_words(p.connect_ms, p.gave_up_early, p.syns, p.answered_ms);
    if (p.gave_up_early) {
      // Not the kernel's ETIMEDOUT: the silence was judged a drop early
      // (net/reach_board.h); the evidence says on what grounds.
      add_early_evidence(&ev, p.syns, p.answered_ms);
    }
    if (p.blocked_at) {
      const BlockLocation& b = *p.blocked_at;
      const std::string who = b.address ? b.address->to_string() : "unknown";
      params["at"] = "at hop " + std::to_string(b.hop) + " (" + who + ")";
      params["where"] = b.local ? ", dropped on this host before leaving it"
                                : "; the last hop that answered is hop " + std::to_string(b.hop) +
                                      " (" + who + ")";
      ev.push_back({"blocked_at_hop", static_cast<int64_t>(b.hop)});
      ev.push_back({"blocked_at_address", who});
      ev.push_back({"blocked_at_local", b.local});
    }
    if (code == "port_blocked_local") {
      if (p.err == EPERM || p.err == EACCES)
        params["how"] = "connect() failed with " + errno_name(p.err) + " (a local firewall verdict or SELinux)";
      else if (p.icmp && p.icmp->from)
        params["how"] = "a reject generated by this host (ICMP from " + p.icmp->from->to_string() + ")";
      else if (p.err == ECONNREFUSED)
        params["how"] = "a reset forged on this host (a local \"reject with tcp reset\" rule)";
      else
        params["how"] = "the connection attempt never left this host (dropped by a local firewall rule: the first router answers for port 443 to the same address, not for this port)";
    }
    if (code == "port_blocked_upstream") {
      if (p.icmp && p.icmp->from)
        params["how"] = ": the router answered ICMP type " + std::to_string(p.icmp->type) +
                        " code " + std::to_string(p.icmp->code) + " (prohibited)";
      else if (p.err == ECONNREFUSED)
        params["how"] = ": a reset sent before the destination";
      else
        params["how"] = ": packets pass that hop and are silently dropped after it";
      if (!p.blocked_at) params["at"] = blocked_by_router(p.icmp && p.icmp->from ? p.icmp->from->to_string() : std::string());
    }
    if (p.smtp) {
      params["code"] = std::to_string(p.smtp->banner_code);
      params["text"] = p.smtp->banner;
      params["error"] = p.smtp->error;
      params["stage"] = p.smtp->stage;
      if (p.smtp->greeted) ev.push_back({"banner", p.smtp->banner});
      if (!p.smtp->error_code.empty()) ev.push_back({"error", p.smtp->error});
      params["ms"] = std::to_string(static_cast<long>(p.smtp->stopped_ms));
    }
    if (p.tls) {
      params["mode"] = p.tls->mode;
      if (!p.tls->error.empty()) params["error"] = p.tls->error;
      if (code == "starttls_unavailable" && p.smtp && p.smtp->error_code == "starttls_refused")
        params["why"] = " (it refused: " + p.smtp->error + ")";
    }
    out.push_back(make_finding(code, params, std::move(ev)));
  }

  if (v6_broken) {
    std::vector<std::string> states, v6addrs;
    std::string v4;
    for (const auto& p : r.ports) {
      if (p.address.family == Family::V6) {
        const std::string s = std::string(port_state_name(p.state));
        if (std::find(states.begin(), states.end(), s) == states.end()) states.push_back(s);
        const std::string a = p.address.to_string();
        if (std::find(v6addrs.begin(), v6addrs.end(), a) == v6addrs.end()) v6addrs.push_back(a);
      } else if (v4.empty() && p.state == PortState::Open) {
        v4 = p.address.to_string();
      }
    }
    if (v4.empty())
      for (const auto& p : r.ports)
        if (p.address.family == Family::V4) { v4 = p.address.to_string(); break; }
    std::vector<std::pair<std::string, EvidenceValue>> ev = {
        {"ipv6_addresses", join(v6addrs)}, {"ipv6_states", join(states)}, {"ipv4_address", v4}};
    for (const auto& p : r.ports) {
      if (p.address.family == Family::V6 && p.blocked_at) {
        ev.push_back({"blocked_at_hop", static_cast<int64_t>(p.blocked_at->hop)});
        if (p.blocked_at->address)
          ev.push_back({"blocked_at_address", p.blocked_at->address->to_string()});
        break;
      }
    }
    for (const auto& p : r.ports) {
      if (p.address.family == Family::V6 && p.gave_up_early) {
        ev.push_back({"gave_up_early", true});
        if (p.syns > 0) ev.push_back({"syns_unanswered", static_cast<int64_t>(p.syns)});
        break;
      }
    }
    out.push_back(make_finding("ipv6_unreachable",
                               {{"host", r.host}, {"v6_states", join(states)}, {"v4_address", v4}},
                               std::move(ev)));
  }

  const bool any_open = std::any_of(r.ports.begin(), r.ports.end(),
                                    [](const PortResult& p) { return p.state == PortState::Open; });
  const bool any_blocked = std::any_of(r.ports.begin(), r.ports.end(), [](const PortResult& p) {
    return p.state == PortState::Filtered || p.state == PortState::BlockedLocal ||
           p.state == PortState::BlockedUpstream;
  });
  if (!any_open && any_blocked) {
    std::vector<std::string> ports;
    for (const auto& p : r.ports) {
      const std::string s = std::to_string(p.port);
      if (std::find(ports.begin(), ports.end(), s) == ports.end()) ports.push_back(s);
    }
    out.insert(out.begin(), make_finding("all_smtp_ports_blocked",
                                         {{"host", r.host}, {"ports", join(ports)}},
                                         {{"ports", join(ports)}}));
  }
  sort_findings(out);
  return out;
}

}  // namespace smtpdiag
