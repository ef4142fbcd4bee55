#include "net/classify.h"

#include <cerrno>
#include <cstring>

namespace smtpdiag {

const char* port_state_name(PortState s) {
  switch (s) {
    case PortState::Open: return "open";
    case PortState::Refused: return "refused";
    case PortState::Filtered: return "filtered";
    case PortState::BlockedLocal: return "blocked_local";
    case PortState::BlockedUpstream: return "blocked_upstream";
    case PortState::Unreachable: return "unreachable";
    case PortState::Error: return "error";
  }
  return "error";
}

std::string errno_name(int err) {
  switch (err) {
    case 0: return "";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETUNREACH: return "ENETUNREACH";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case ECONNRESET: return "ECONNRESET";
    case ENETDOWN: return "ENETDOWN";
    case EHOSTDOWN: return "EHOSTDOWN";
    case EPROTO: return "EPROTO";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case EMSGSIZE: return "EMSGSIZE";
    case EINVAL: return "EINVAL";
    default: return "E" + std::to_string(err);
  }
}

bool icmp_is_prohibited(const IcmpInfo& icmp) {
  if (icmp.origin == IcmpInfo::Origin::Icmp) {
    // 3/9 net prohibited, 3/10 host prohibited, 3/13 communication prohibited
    return icmp.type == 3 && (icmp.code == 9 || icmp.code == 10 || icmp.code == 13);
  }
  if (icmp.origin == IcmpInfo::Origin::Icmp6) {
    // 1/1 administratively prohibited, 1/5 source policy, 1/6 reject route
    return icmp.type == 1 && (icmp.code == 1 || icmp.code == 5 || icmp.code == 6);
  }
  return false;
}

bool icmp_is_time_exceeded(const IcmpInfo& icmp) {
  return (icmp.origin == IcmpInfo::Origin::Icmp && icmp.type == 11) ||
         (icmp.origin == IcmpInfo::Origin::Icmp6 && icmp.type == 3);
}

static bool icmp_is_port_unreachable(const IcmpInfo& icmp) {
  return (icmp.origin == IcmpInfo::Origin::Icmp && icmp.type == 3 && icmp.code == 3) ||
         (icmp.origin == IcmpInfo::Origin::Icmp6 && icmp.type == 1 && icmp.code == 4);
}

Classification classify_connect(const ConnectOutcome& o, const IpAddress& target,
                                bool from_is_local) {
  using K = ConnectOutcome::Kind;
  if (o.kind == K::Connected) return {PortState::Open, false};

  // ICMP first: Linux reports an ICMPv6 "administratively prohibited" from
  // a router as EACCES too (icmpv6_err_convert).
  if (o.icmp && (o.icmp->origin == IcmpInfo::Origin::Icmp ||
                 o.icmp->origin == IcmpInfo::Origin::Icmp6)) {
    const IcmpInfo& icmp = *o.icmp;
    const bool from_target = icmp.from && *icmp.from == target;
    // Sent by this host: a REJECT rule here. (Linux answers a closed TCP
    // port with a RST, never ICMP, so this holds for a loopback target too.)
    if (from_is_local) return {PortState::BlockedLocal, false};
    if (icmp_is_prohibited(icmp)) return {PortState::BlockedUpstream, true};
    if (icmp_is_port_unreachable(icmp)) {
      // The destination saying "closed" is a refusal; a router saying it
      // for the destination is a filter (iptables REJECT's default).
      return from_target ? Classification{PortState::Refused, false}
                         : Classification{PortState::BlockedUpstream, true};
    }
    if (o.kind == K::TimedOut) return {PortState::Filtered, true};
    return {PortState::Unreachable, true};
  }
  if (o.icmp && o.icmp->origin == IcmpInfo::Origin::Local) {
    return {PortState::BlockedLocal, false};
  }
  if (o.err == EPERM || o.err == EACCES) {
    // The kernel refused to send, with no ICMP from anyone: a local
    // firewall verdict, SELinux, a per-user rule. Nothing left this host.
    return {PortState::BlockedLocal, false};
  }

  if (o.kind == K::TimedOut) return {PortState::Filtered, true};

  switch (o.err) {
    case ECONNREFUSED:
      // A RST. From the peer, or forged by a firewall on this host or on
      // the way: a TTL-limited connect tells (needs_trace).
      return {PortState::Refused, !target.is_loopback()};
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
    case ENETDOWN:
    case EHOSTDOWN:
    case EAFNOSUPPORT:
      return {PortState::Unreachable, false};
    case ETIMEDOUT:
      return {PortState::Filtered, true};
    default:
      return {PortState::Error, false};
  }
}

}  // namespace smtpdiag
