// SPDX-License-Identifier: MIT
#include "core/result.hpp"

#include <gtest/gtest.h>

namespace gxlink {
namespace {

Result<int> half(int v) {
  if (v % 2) return fail(Errc::kOutOfRange, std::to_string(v) + " is odd");
  return v / 2;
}

TEST(Result, CarriesAValueOrAnError) {
  EXPECT_EQ(half(4).value(), 2);
  auto r = half(3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kOutOfRange);
  EXPECT_EQ(r.error().message(), "out of range: 3 is odd");
}

TEST(Result, ErrorMessageNamesTheOffset) {
  Error e{Errc::kBadChecksum, 12, "sum 0x54"};
  EXPECT_EQ(e.message(), "bad checksum at byte 12: sum 0x54");
}

TEST(Result, ErrcIsAStdErrorCode) {
  std::error_code ec = Errc::kTimeout;
  EXPECT_EQ(ec.category().name(), std::string("gxlink"));
  EXPECT_EQ(ec.message(), "timeout");
}

}  // namespace
}  // namespace gxlink
