// SPDX-License-Identifier: MIT
#include "core/text.hpp"

#include <gtest/gtest.h>

#include <random>

namespace gxlink {
namespace {

TEST(Utf8, AcceptsWellFormed) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("1.6.0"));
  EXPECT_TRUE(
      is_valid_utf8("26 \xC2\xB0"
                    "C"));                                  // °
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));               // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x94\x8B"));           // 🔋
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));           // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string_view("a\0b", 3)));  // NUL is a valid code point
}

TEST(Utf8, RejectsMalformed) {
  EXPECT_EQ(utf8_valid_prefix("\xFF.6.0"), 0u);          // issue 11's CANopen firmware string
  EXPECT_EQ(utf8_valid_prefix("ab\x80"), 2u);            // lone continuation byte
  EXPECT_EQ(utf8_valid_prefix("ab\xC3"), 2u);            // truncated sequence
  EXPECT_EQ(utf8_valid_prefix("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(utf8_valid_prefix("\xE0\x80\xAF"), 0u);      // overlong 3-byte
  EXPECT_EQ(utf8_valid_prefix("\xED\xA0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(utf8_valid_prefix("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(utf8_valid_prefix("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(utf8_valid_prefix("x\xE2\x82"), 1u);
}

TEST(Utf8, DeviceTextKeepsUtf8AndDecodesLatin1) {
  bool repaired = true;
  EXPECT_EQ(device_text("1.6.0", &repaired), "1.6.0");
  EXPECT_FALSE(repaired);
  EXPECT_EQ(device_text("\xFF.6.0", &repaired), "\xC3\xBF.6.0");  // ÿ.6.0
  EXPECT_TRUE(repaired);
  EXPECT_EQ(device_text("26\xB0"
                        "C"),
            "26\xC2\xB0"
            "C");  // Latin-1 degree sign
  EXPECT_EQ(device_text("26 \xC2\xB0"
                        "C"),
            "26 \xC2\xB0"
            "C");
}

TEST(Utf8, DeviceTextEndsAtFirstNul) {
  EXPECT_EQ(device_text(std::string_view("SuperB\0\0\0", 9)), "SuperB");
  EXPECT_EQ(device_text(std::string_view("\0junk", 5)), "");
  const std::uint8_t raw[] = {'V', '1', 0, 0xFF};
  EXPECT_EQ(device_text(std::span<const std::uint8_t>(raw)), "V1");
}

TEST(Utf8, RepairInPlace) {
  std::string s = "ok";
  EXPECT_FALSE(repair_utf8(s));
  s = "\x80";
  EXPECT_TRUE(repair_utf8(s));
  EXPECT_EQ(s, "\xC2\x80");
  EXPECT_TRUE(is_valid_utf8(s));
}

TEST(Utf8, TruncateNeverCutsASequence) {
  EXPECT_EQ(utf8_truncate("abcdef", 3), "abc");
  EXPECT_EQ(utf8_truncate("ab", 3), "ab");
  EXPECT_EQ(utf8_truncate("a\xE2\x82\xAC", 2), "a");  // € would be cut: dropped whole
  EXPECT_EQ(utf8_truncate("a\xE2\x82\xAC", 4), "a\xE2\x82\xAC");
}

// Whatever bytes come in, what comes out is valid UTF-8 (the property the JSON writers rely on).
TEST(Utf8, RandomBytesAlwaysBecomeValid) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 24, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const std::string out = device_text(s);
    ASSERT_TRUE(is_valid_utf8(out));
    ASSERT_TRUE(is_valid_utf8(utf8_truncate(out, rng() % 30)));
    std::string r = s;
    repair_utf8(r);
    ASSERT_TRUE(is_valid_utf8(r));
  }
}

}  // namespace
}  // namespace gxlink
