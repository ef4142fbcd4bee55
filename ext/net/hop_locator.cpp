#include "net/hop_locator.h"

#include <cerrno>

namespace smtpdiag {

namespace {

using Kind = HopAnswer::Kind;

bool answered(const HopAnswer& a) { return a.kind != Kind::Pending && a.kind != Kind::Silent; }

bool terminal(const HopAnswer& a) {
  return a.kind == Kind::Reached || a.kind == Kind::Prohibited ||
         a.kind == Kind::OtherIcmp || a.kind == Kind::LocalError;
}

// Number of leading TTLs answered with time-exceeded: hops 1..h seen.
int hops_seen(const HopTrace& t) {
  int h = 0;
  while (h < static_cast<int>(t.size()) && t[h].kind == Kind::TimeExceeded) ++h;
  return h;
}

// Smallest TTL that reached the destination, 0 when none did.
int distance(const HopTrace& t) {
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].kind == Kind::Reached) return static_cast<int>(i) + 1;
  return 0;
}

// Which hop is `who`: the TTL at which it sent time-exceeded, else 0.
int hop_of(const HopTrace& t, const IpAddress& who) {
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].kind == Kind::TimeExceeded && t[i].from && *t[i].from == who)
      return static_cast<int>(i) + 1;
  return 0;
}

BlockLocation local_here(const std::optional<IpAddress>& source) {
  BlockLocation at;
  at.hop = 0;
  at.address = source;
  at.local = true;
  return at;
}

// A router's own verdict (ICMP prohibited/unreachable from `who`).
std::optional<BlockLocation> locate_sender(const HopTrace& probe, const std::optional<IpAddress>& who) {
  if (!who) return std::nullopt;
  BlockLocation at;
  at.address = who;
  at.hop = hop_of(probe, *who);
  if (at.hop == 0) {
    // Not seen as time-exceeded (different source address): it sits just
    // after the last hop that answered: those hops are known by their
    // addresses, so it is none of them.
    at.hop = hops_seen(probe) + 1;
  }
  return at;
}

}  // namespace

LocatedState locate_block(PortState state, const std::optional<IcmpInfo>& icmp,
                          const HopTrace& probe, const HopTrace& reference,
                          const std::optional<IpAddress>& source) {
  LocatedState out{state, std::nullopt};
  const int h = hops_seen(probe);
  const int dist = distance(reference) ? distance(reference) : distance(probe);
  const bool ref_hop1_answers = !reference.empty() && answered(reference[0]);
  const bool router_at_hop1 = !reference.empty() && reference[0].kind == Kind::TimeExceeded;

  switch (state) {
    case PortState::BlockedUpstream:
    case PortState::Unreachable: {
      if (icmp && icmp->from) out.at = locate_sender(probe, icmp->from);
      return out;
    }
    case PortState::Refused: {
      if (probe.empty()) return out;
      const HopAnswer& first = probe[0];
      if (first.kind == Kind::Reached && first.refused && router_at_hop1) {
        // A RST came back to a SYN that could not have passed hop 1: it was
        // forged on this host (a local "reject with tcp reset").
        out.state = PortState::BlockedLocal;
        out.at = local_here(source);
      } else if (h >= 1 && h < static_cast<int>(probe.size()) &&
                 probe[h].kind == Kind::Reached && probe[h].refused && dist > h + 1) {
        // A RST from before the destination: a middlebox at hop h resets it.
        out.state = PortState::BlockedUpstream;
        BlockLocation at;
        at.hop = h;
        at.address = probe[h - 1].from;
        out.at = at;
      }
      return out;
    }
    case PortState::Filtered: {
      if (probe.empty()) return out;
      if (h < static_cast<int>(probe.size()) && probe[h].kind == Kind::Prohibited) {
        out.state = PortState::BlockedUpstream;
        out.at = locate_sender(probe, probe[h].from);
        return out;
      }
      if (h >= static_cast<int>(probe.size()) || probe[h].kind != Kind::Silent) {
        // Reached, something unusual, or every TTL tried met a router (the
        // drop is further away than the trace looked): nothing to place.
        return out;
      }
      if (h == 0) {
        if (ref_hop1_answers) {
          // The same address on another port answers at TTL 1, this port
          // does not: the SYN never left this host.
          out.state = PortState::BlockedLocal;
          out.at = local_here(source);
        }
        return out;  // hop 1 answers nothing at all: cannot place the drop
      }
      BlockLocation at;
      at.hop = h;
      at.address = probe[h - 1].from;
      out.at = at;
      // Dropped by a router strictly before the destination's last hop: an
      // upstream block. At the last hop we cannot tell the server's own
      // firewall from its router, so it stays "filtered".
      if (dist > 0 && h + 1 < dist) out.state = PortState::BlockedUpstream;
      return out;
    }
    default:
      return out;
  }
}

HopTracer::HopTracer(EventLoop& loop, IpAddress address, uint16_t port, int max_hops,
                     TimePoint until)
    : loop_(loop), address_(address), port_(port), until_(until),
      answers_(static_cast<size_t>(max_hops > 0 ? max_hops : 1)) {}

HopTracer::~HopTracer() = default;

void HopTracer::start() {
  for (size_t i = 0; i < answers_.size(); ++i) {
    const int ttl = static_cast<int>(i) + 1;
    attempts_.push_back(std::make_unique<ConnectAttempt>(
        loop_, address_, port_, until_, ttl,
        [this, ttl](ConnectOutcome&& o) { on_answer(ttl, std::move(o)); }));
    if (board_) attempts_.back()->use_board(board_);
  }
  for (auto& a : attempts_) a->start();
  check_complete();
}

void HopTracer::on_answer(int ttl, ConnectOutcome&& o) {
  HopAnswer& a = answers_[static_cast<size_t>(ttl - 1)];
  if (!source_ && o.source) source_ = o.source;
  using CK = ConnectOutcome::Kind;
  if (o.kind == CK::Connected) {
    a.kind = Kind::Reached;
    a.from = address_;
  } else if (o.kind == CK::TimedOut && !o.icmp) {
    a.kind = Kind::Silent;
  } else if (o.icmp && (o.icmp->origin == IcmpInfo::Origin::Icmp ||
                        o.icmp->origin == IcmpInfo::Origin::Icmp6)) {
    a.from = o.icmp->from;
    if (icmp_is_time_exceeded(*o.icmp)) a.kind = Kind::TimeExceeded;
    else if (icmp_is_prohibited(*o.icmp)) a.kind = Kind::Prohibited;
    else a.kind = Kind::OtherIcmp;
    a.err = o.err;
  } else if (o.err == ECONNREFUSED) {
    a.kind = Kind::Reached;
    a.refused = true;
    a.from = address_;
  } else if (o.kind == CK::TimedOut) {
    a.kind = Kind::Silent;
  } else {
    a.kind = Kind::LocalError;
    a.err = o.err;
  }
  check_complete();
}

void HopTracer::check_complete() {
  if (complete_) return;
  for (const HopAnswer& a : answers_) {
    if (a.kind == Kind::Pending) return;  // still waiting below a terminal answer
    if (terminal(a)) break;
  }
  complete_ = true;
  // Remaining sockets are no longer needed; drop them now (RST on close).
  for (auto& a : attempts_)
    if (!a->finished()) a->abandon();
}

void HopTracer::finish() {
  for (auto& a : attempts_)
    if (!a->finished()) a->abandon();
  for (HopAnswer& a : answers_)
    if (a.kind == Kind::Pending) a.kind = Kind::Silent;
  complete_ = true;
}

}  // namespace smtpdiag
