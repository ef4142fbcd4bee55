// IP addresses as plain values: parsing, formatting, and "is this one of
// this host's own addresses" (needed to tell a local reject from a remote one).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpdiag {

enum class Family { V4, V6 };

const char* family_name(Family f);  // "ipv4" / "ipv6"

struct IpAddress {
  Family family = Family::V4;
  uint8_t bytes[16] = {};  // 4 used for V4

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress from_sockaddr(const sockaddr* sa);

  std::string to_string() const;
  // Fills `out` for connect()/bind(); returns the length to pass.
  socklen_t to_sockaddr(uint16_t port, sockaddr_storage* out) const;
  bool is_loopback() const;
  bool operator==(const IpAddress& o) const;
  bool operator!=(const IpAddress& o) const { return !(*this == o); }
};

// Parses "host:port", "[v6]:port" or a bare address, as used by dns_servers.
// Returns false when the text is not an IP literal with an optional port.
bool parse_address_port(std::string_view text, IpAddress* addr, uint16_t* port);

// True when `addr` is configured on an interface of this host (in this
// network namespace), or is loopback.
bool is_local_address(const IpAddress& addr);

}  // namespace smtpdiag
