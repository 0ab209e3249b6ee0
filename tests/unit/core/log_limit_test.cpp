// SPDX-License-Identifier: MIT
// Bounded logging (issue 11 item 8): truncated values and rate-limited repeats, with fake time.
#include "core/log_limit.hpp"

#include <gtest/gtest.h>

namespace gxlink {
namespace {

TimePoint at(double s) { return time_from_seconds(s); }

TEST(TruncateForLog, ShortCleanStringsAreUnchanged) {
  EXPECT_EQ(truncate_for_log("52.10V"), "52.10V");
  EXPECT_EQ(truncate_for_log(""), "");
  EXPECT_EQ(truncate_for_log("Grüße"), "Grüße");
}

TEST(TruncateForLog, ALongStringIsCutAndSaysHowLongItWas) {
  const std::string big(std::size_t{10} * 1024 * 1024, 'x');  // the 10 MB string of the issue
  const std::string out = truncate_for_log(big);
  EXPECT_LT(out.size(), 240u);
  EXPECT_EQ(out.substr(0, 200), std::string(200, 'x'));
  EXPECT_EQ(out.substr(200), "\xE2\x80\xA6(10485760 bytes)");
  EXPECT_EQ(truncate_for_log("abcdef", 3), "abc\xE2\x80\xA6(6 bytes)");
  EXPECT_EQ(truncate_for_log("abc", 3), "abc");
}

TEST(TruncateForLog, TheCutNeverSplitsAUtf8Character) {
  // "ü" is C3 BC: a cut after 2 bytes of "aü…" would leave C3 alone.
  EXPECT_EQ(truncate_for_log("a\xC3\xBC"
                             "bc",
                             2),
            "a\xE2\x80\xA6(5 bytes)");
  // A 4-byte character (U+1F50B, F0 9F 94 8B) cut anywhere inside goes whole.
  for (std::size_t max = 1; max < 4; ++max)
    EXPECT_EQ(truncate_for_log("\xF0\x9F\x94\x8B"
                               "z",
                               max),
              "\xE2\x80\xA6(5 bytes)")
        << max;
  EXPECT_EQ(truncate_for_log("\xF0\x9F\x94\x8B"
                             "z",
                             4),
            "\xF0\x9F\x94\x8B\xE2\x80\xA6(5 bytes)");
}

TEST(TruncateForLog, ControlCharactersCannotForgeLogLines) {
  EXPECT_EQ(truncate_for_log("a\nINFO forged\r\x1b[2J"), "a\\x0aINFO forged\\x0d\\x1b[2J");
  EXPECT_EQ(truncate_for_log(std::string_view("\0x", 2)), "\\x00x");
}

TEST(RateLimiter, FirstMessageIsLoggedThenOnePerIntervalWithTheSuppressedCount) {
  RateLimiter rl(seconds(10));
  auto d = rl.check("svc/refused", at(100));
  EXPECT_TRUE(d.emit);
  EXPECT_EQ(d.suppressed, 0u);
  // 3000 refused writes within a second: none logged.
  int emitted = 0;
  for (int i = 0; i < 3000; ++i) emitted += rl.check("svc/refused", at(100.0 + i * 0.0003)) ? 1 : 0;
  EXPECT_EQ(emitted, 0);
  EXPECT_FALSE(rl.check("svc/refused", at(109.9)));
  d = rl.check("svc/refused", at(110.0));
  EXPECT_TRUE(d.emit);
  EXPECT_EQ(d.suppressed, 3001u);
  EXPECT_EQ(suppressed_note(d), " (3001 similar messages suppressed)");
  d = rl.check("svc/refused", at(125));
  EXPECT_TRUE(d.emit);
  EXPECT_EQ(d.suppressed, 0u);
  EXPECT_EQ(suppressed_note(d), "");
}

TEST(RateLimiter, KeysAreIndependent) {
  RateLimiter rl(seconds(10));
  EXPECT_TRUE(rl.check("a", at(0)));
  EXPECT_TRUE(rl.check("b", at(0)));
  EXPECT_FALSE(rl.check("a", at(1)));
  EXPECT_FALSE(rl.check("b", at(1)));
  EXPECT_TRUE(rl.check("c", at(1)));
}

TEST(RateLimiter, UntrustedKeysCannotGrowItWithoutBound) {
  RateLimiter rl(seconds(10), 4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(rl.check("k" + std::to_string(i), at(0)));
  // Full: new keys share one overflow slot, itself rate-limited.
  int emitted = 0;
  for (int i = 4; i < 10000; ++i) emitted += rl.check("k" + std::to_string(i), at(1)) ? 1 : 0;
  EXPECT_EQ(emitted, 1);
  EXPECT_LE(rl.keys(), 5u);
  // Once the old keys are idle for an interval they make room again.
  EXPECT_TRUE(rl.check("fresh", at(20)));
  EXPECT_LE(rl.keys(), 5u);
}

}  // namespace
}  // namespace gxlink
