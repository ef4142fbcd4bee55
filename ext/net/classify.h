// Turns what one connect saw (errno, ICMP error, timeout) into the state a
// network engineer would name. Pure functions: unit-tested without sockets.
#pragma once

#include <optional>
#include <string>

#include "net/address.h"
#include "net/connect_probe.h"

namespace smtpdiag {

enum class PortState { Open, Refused, Filtered, BlockedLocal, BlockedUpstream, Unreachable, Error };

const char* port_state_name(PortState s);
// "ETIMEDOUT", "ECONNREFUSED", ...; empty for 0.
std::string errno_name(int err);

// ICMP "administratively prohibited" and its relatives (RFC 1812 5.2.7.1,
// RFC 4443 3.1): a firewall said no, as opposed to "no route".
bool icmp_is_prohibited(const IcmpInfo& icmp);
bool icmp_is_time_exceeded(const IcmpInfo& icmp);

struct Classification {
  PortState state = PortState::Error;
  bool needs_trace = false;  // a hop trace can say more (where, or whether local)
};

// `from_is_local` tells whether the ICMP sender is one of this host's
// addresses (a reject generated here, by nft/iptables in OUTPUT).
Classification classify_connect(const ConnectOutcome& outcome, const IpAddress& target,
                                bool from_is_local);

}  // namespace smtpdiag
