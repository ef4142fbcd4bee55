// When a silent port may be called dropped before its connect timeout.
//
// A dropped SYN gets no answer, ever, so a plain client waits its whole
// connect timeout (PHPMailer: 10 s per port, one port after another). But
// a silence means little on its own and a lot beside an answer: once the
// same address has answered another port within milliseconds, a SYN that
// is still unanswered seconds later, after the kernel has sent it again,
// was dropped (nmap reasons the same way from the round trips it measured).
// The board collects those answers for one call; every connect attempt of
// the call that is given the board asks it how long it must stay patient.
//
// The rule (silence_patience):
//   - the same address answered another port (SYN-ACK or RST) after r:
//     wait max(2 s, 1 s + 10 r);
//   - only another address of the same name answered (the IPv6 address is
//     silent, the IPv4 one answers): wait max(3 s, 1 s + 20 r);
//   - nothing of that name answered: wait the whole connect timeout;
// and in every case the SYN must have been sent again at least once (the
// socket's TCP_INFO says so) and unanswered. The kernel retransmits an
// unanswered SYN after 1 s (RFC 6298's initial RTO), so two lost SYNs on a
// path that answers in milliseconds is what is being ruled out.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/address.h"

namespace smtpdiag {

// Seconds a silent connect must have waited, given the fastest answer
// (milliseconds) from the same address and from another address of the
// same name; nullopt when neither answered.
std::optional<double> silence_patience(std::optional<double> same_address_ms,
                                       std::optional<double> same_name_ms);

// The earliest silence_patience() can be, whatever answered.
constexpr double kMinimumPatience = 2.0;

class ReachBoard {
 public:
  // `a` is one of the addresses `name` resolved to.
  void add(const std::string& name, const IpAddress& a);
  // `a` answered a SYN after `ms` (a SYN-ACK, or a RST from `a` itself).
  void answered(const IpAddress& a, double ms);
  // silence_patience() for a connect to `a`, from what the board holds now.
  std::optional<double> patience(const IpAddress& a) const;
  // The fastest answer another port of `a` gave, if any (for the findings).
  std::optional<double> answer_ms(const IpAddress& a) const;

 private:
  // A call holds a handful of addresses: plain lists, searched in order.
  std::vector<std::pair<IpAddress, double>> fastest_;       // address, ms
  std::vector<std::pair<std::string, IpAddress>> names_;    // name, address
};

}  // namespace smtpdiag
