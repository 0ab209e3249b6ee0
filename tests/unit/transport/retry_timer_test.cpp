// SPDX-License-Identifier: MIT
// The shared retry loop (issue 13 structure item 3): the delay doubles up to its ceiling, a
// success starts again from the first delay, and a cancelled retry never runs. Durations are
// checked as values, never as measured time.
#include "transport/retry_timer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace gxlink::transport {
namespace {

using std::chrono::milliseconds;

TEST(RetryTimer, DoublesUpToTheCeilingAndStartsOverAfterASuccess) {
  asio::io_context io;
  RetryTimer retry(io, milliseconds(1), milliseconds(5));
  std::vector<RetryTimer::Duration> waits;
  for (int i = 0; i < 5; ++i) {
    waits.push_back(retry.next_delay());
    retry.schedule([] {});
  }
  EXPECT_EQ(waits, (std::vector<RetryTimer::Duration>{milliseconds(1), milliseconds(2),
                                                       milliseconds(4), milliseconds(5),
                                                       milliseconds(5)}));
  retry.succeeded();
  EXPECT_EQ(retry.next_delay(), milliseconds(1));
  EXPECT_EQ(retry.ceiling(), milliseconds(5));
  retry.cancel();
  io.run();
}

TEST(RetryTimer, RunsTheRetryOnceAndNeverAfterCancel) {
  asio::io_context io;
  RetryTimer retry(io, milliseconds(1), milliseconds(1));
  int calls = 0;
  retry.schedule([&] { ++calls; });
  io.run();
  EXPECT_EQ(calls, 1);

  io.restart();
  retry.schedule([&] { ++calls; });
  retry.cancel();
  io.run();
  EXPECT_EQ(calls, 1);
}

TEST(RetryTimer, ANewScheduleReplacesThePendingOne) {
  asio::io_context io;
  RetryTimer retry(io, milliseconds(1), milliseconds(1));
  int first = 0, second = 0;
  retry.schedule([&] { ++first; });
  retry.schedule([&] { ++second; });
  io.run();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST(RetryTimer, ACeilingBelowTheFirstDelayIsRaisedToIt) {
  asio::io_context io;
  RetryTimer retry(io, milliseconds(3), milliseconds(1));
  EXPECT_EQ(retry.ceiling(), milliseconds(3));
  retry.schedule([] {});
  EXPECT_EQ(retry.next_delay(), milliseconds(3));
  retry.cancel();
  io.run();
}

}  // namespace
}  // namespace gxlink::transport
