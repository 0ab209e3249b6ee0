// SPDX-License-Identifier: MIT
#include "core/bytes.hpp"

#include <gtest/gtest.h>

namespace gxlink {
namespace {

TEST(Bytes, LittleAndBigEndianLoadsReadTheSameBytesDifferently) {
  constexpr std::uint8_t kBytes[] = {0x45, 0x02, 0x4c, 0x04};
  EXPECT_EQ(load_le16(kBytes), 0x0245);  // CAN-bus BMS 0x351 CVL: 0x0245 = 581 -> 58.1 V
  EXPECT_EQ(load_be16(kBytes), 0x4502);
  EXPECT_EQ(load_le32(kBytes), 0x044c0245u);
  EXPECT_EQ(load_be32(kBytes), 0x45024c04u);
  EXPECT_EQ(load_le24(kBytes), 0x4c0245u);
}

TEST(Bytes, SignedLoadsSignExtend) {
  constexpr std::uint8_t kBytes[] = {0xFE, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(load_le16s(kBytes), -2);
  EXPECT_EQ(load_le32s(kBytes), -2);
}

TEST(Bytes, StoresRoundTripThroughLoads) {
  std::uint8_t buf[8] = {};
  store_le16(buf, 0, 0xBEEF);
  store_be16(buf, 2, 0xBEEF);
  store_le32(buf, 4, 0x01020304);
  EXPECT_EQ(buf[0], 0xEF);
  EXPECT_EQ(buf[2], 0xBE);
  EXPECT_EQ(load_le32(buf, 4), 0x01020304u);
  store_le64(buf, 0, 0x1122334455667788ull);
  EXPECT_EQ(load_le64(buf), 0x1122334455667788ull);
}

TEST(Bytes, ExtractBitsCountsFromTheLeastSignificantBitOfByteZero) {
  constexpr std::uint8_t kBytes[] = {0b10110100, 0b00000001};
  EXPECT_EQ(extract_bits_le(kBytes, 0, 2), 0b00u);
  EXPECT_EQ(extract_bits_le(kBytes, 2, 2), 0b01u);
  EXPECT_EQ(extract_bits_le(kBytes, 4, 4), 0b1011u);
  EXPECT_EQ(extract_bits_le(kBytes, 4, 6), 0b011011u);  // crosses into byte 1
}

TEST(Bytes, ExtractBitsPastTheEndReadAsOnes) {
  constexpr std::uint8_t kBytes[] = {0x00};
  EXPECT_EQ(extract_bits_le(kBytes, 6, 4), 0b1100u);
}

TEST(Bytes, SignExtendHandlesOddWidths) {
  EXPECT_EQ(sign_extend(0x3FF, 10), -1);
  EXPECT_EQ(sign_extend(0x1FF, 10), 511);
  EXPECT_EQ(sign_extend(0x200, 10), -512);
}

TEST(Bytes, HexRoundTripAndRejectsBadDigits) {
  constexpr std::uint8_t kBytes[] = {0xde, 0xad, 0x01};
  EXPECT_EQ(to_hex(kBytes), "dead01");
  std::string out;
  EXPECT_TRUE(from_hex("DE AD 01", out));
  EXPECT_EQ(out, std::string("\xde\xad\x01", 3));
  EXPECT_FALSE(from_hex("ABC", out));
  EXPECT_FALSE(from_hex("zz", out));
}

TEST(Bytes, FrameHasFixedCapacity) {
  Frame<2> f;
  EXPECT_TRUE(f.push_back(1));
  EXPECT_TRUE(f.push_back(2));
  EXPECT_FALSE(f.push_back(3));
  EXPECT_EQ(f.view().size(), 2u);
}

}  // namespace
}  // namespace gxlink
