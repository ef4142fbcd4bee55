#include "net/reach_board.h"

#include <algorithm>

namespace smtpdiag {

namespace {
constexpr double kRetransmitSeconds = 1.0;     // the first SYN retransmission
constexpr double kSameAddressFloor = kMinimumPatience;
constexpr double kSameAddressRtts = 10;
constexpr double kSameNameFloor = 3.0;          // another path: allow it more
constexpr double kSameNameRtts = 20;
}  // namespace

std::optional<double> silence_patience(std::optional<double> same_address_ms,
                                       std::optional<double> same_name_ms) {
  if (same_address_ms)
    return std::max(kSameAddressFloor, kRetransmitSeconds + kSameAddressRtts * *same_address_ms / 1000);
  if (same_name_ms)
    return std::max(kSameNameFloor, kRetransmitSeconds + kSameNameRtts * *same_name_ms / 1000);
  return std::nullopt;
}

void ReachBoard::add(const std::string& name, const IpAddress& a) {
  for (const auto& [n, x] : names_)
    if (n == name && x == a) return;
  names_.emplace_back(name, a);
}

void ReachBoard::answered(const IpAddress& a, double ms) {
  for (auto& [x, best] : fastest_) {
    if (x == a) {
      best = std::min(best, ms);
      return;
    }
  }
  fastest_.emplace_back(a, ms);
}

std::optional<double> ReachBoard::answer_ms(const IpAddress& a) const {
  for (const auto& [x, best] : fastest_)
    if (x == a) return best;
  return std::nullopt;
}

std::optional<double> ReachBoard::patience(const IpAddress& a) const {
  std::optional<double> sibling;
  for (const auto& [name, x] : names_) {
    if (!(x == a)) continue;
    for (const auto& [other_name, y] : names_) {
      if (other_name != name || y == a) continue;
      if (auto ms = answer_ms(y)) sibling = sibling ? std::min(*sibling, *ms) : *ms;
    }
  }
  return silence_patience(answer_ms(a), sibling);
}

}  // namespace smtpdiag
