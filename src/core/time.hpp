// SPDX-License-Identifier: MIT
#pragma once
/// Time is an input (STYLE.md rule 7): protocol code receives TimePoints and never reads a clock.
/// Only drivers, transports and the app call Clock::now().

#include <chrono>

namespace gxlink {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

/// Converts seconds since an arbitrary epoch (a capture timestamp) into a TimePoint, so replayed
/// captures drive timeouts the same way live traffic does.
/// Timestamps come from capture files: NaN, inf or a year far away must not reach the cast to
/// the clock's 64-bit nanoseconds (undefined beyond ±292 years), so they are clamped (NaN: 0).
inline TimePoint time_from_seconds(double s) {
  constexpr double kLimit = 9.0e9;  // ~285 years either side of the epoch
  if (!(s == s)) s = 0;
  s = s < -kLimit ? -kLimit : (s > kLimit ? kLimit : s);
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)));
}

inline double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace gxlink
