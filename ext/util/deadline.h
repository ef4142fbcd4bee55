// Monotonic time and the one absolute deadline every operation of a call obeys.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace smtpdiag {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// An absolute point on the monotonic clock. Arithmetic saturates so that a
// huge timeout never overflows and a past deadline never yields a negative
// wait.
class Deadline {
 public:
  Deadline() : at_(TimePoint::max()) {}
  explicit Deadline(TimePoint at) : at_(at) {}

  static Deadline after(double seconds, TimePoint now = Clock::now()) {
    if (!(seconds > 0)) return Deadline(now);
    // Anything beyond a day is "no practical limit"; avoids overflow.
    const double capped = std::min(seconds, 86400.0);
    return Deadline(now + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(capped)));
  }

  TimePoint at() const { return at_; }
  bool expired(TimePoint now = Clock::now()) const { return now >= at_; }

  // Milliseconds left, rounded up so that a wait never ends just before the
  // deadline and spins; 0 once expired; clamped to int for epoll_wait.
  int remaining_ms(TimePoint now = Clock::now()) const {
    if (now >= at_) return 0;
    if (at_ == TimePoint::max()) return -1;
    const auto left = at_ - now;
    const auto ms = std::chrono::duration_cast<Millis>(left).count() +
                    ((left % Millis(1)).count() != 0 ? 1 : 0);
    return static_cast<int>(std::min<int64_t>(ms, 0x7fffffff));
  }

  // The earlier of two deadlines.
  Deadline min(Deadline other) const { return other.at_ < at_ ? other : *this; }

 private:
  TimePoint at_;
};

inline double ms_between(TimePoint from, TimePoint to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace smtpdiag
