#include "util/deadline.h"

#include <gtest/gtest.h>

namespace smtpdiag {

TEST(Deadline, RemainingRoundsUpAndNeverNegative) {
  const TimePoint now = Clock::now();
  const Deadline d(now + std::chrono::microseconds(1500));
  EXPECT_EQ(d.remaining_ms(now), 2);  // 1.5 ms -> 2: never wake just before
  EXPECT_EQ(d.remaining_ms(now + std::chrono::seconds(1)), 0);
  EXPECT_TRUE(d.expired(now + std::chrono::milliseconds(2)));
  EXPECT_FALSE(d.expired(now));
}

TEST(Deadline, AfterHandlesZeroNegativeNanAndHuge) {
  const TimePoint now = Clock::now();
  EXPECT_TRUE(Deadline::after(0, now).expired(now));
  EXPECT_TRUE(Deadline::after(-5, now).expired(now));
  EXPECT_TRUE(Deadline::after(std::nan(""), now).expired(now));
  const Deadline huge = Deadline::after(1e300, now);
  EXPECT_FALSE(huge.expired(now));
  EXPECT_GT(huge.remaining_ms(now), 0);
  EXPECT_LE(huge.remaining_ms(now), 86400 * 1000);
}

TEST(Deadline, MinPicksTheEarlier) {
  const TimePoint now = Clock::now();
  const Deadline a = Deadline::after(1, now);
  const Deadline b = Deadline::after(2, now);
  EXPECT_EQ(a.min(b).at(), a.at());
  EXPECT_EQ(b.min(a).at(), a.at());
  EXPECT_EQ(Deadline().remaining_ms(now), -1);
}

}  // namespace smtpdiag
