// SPDX-License-Identifier: MIT
#include "protocols/vedirect/hex.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocols/vedirect/tables.hpp"

namespace gxlink::vedirect {
namespace {

std::string text(const HexText& t) {
  return std::string(reinterpret_cast<const char*>(t.data.data()), t.size);
}

// Victron doc examples, vedirect_vebus.md §2.1.
TEST(VeDirectHexCodec, EncodesTheVictronRequestExamples) {
  EXPECT_EQ(text(encode_hex(make_ping())), ":154\n");
  EXPECT_EQ(text(encode_hex(make_app_version())), ":352\n");
  EXPECT_EQ(text(encode_hex(make_product_id())), ":451\n");
  EXPECT_EQ(text(encode_hex(make_restart())), ":64F\n");
  EXPECT_EQ(text(encode_hex(make_get(0xEDF0))), ":7F0ED0071\n");
  const std::uint8_t hundred[] = {0x64, 0x00};
  EXPECT_EQ(text(encode_hex(make_set(0xEDF0, hundred))), ":8F0ED0064000C\n");
}

TEST(VeDirectHexCodec, DecodesTheVictronReplyExamples) {
  auto ping = decode_hex(":51641F9\n");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->command, 0x5);
  EXPECT_EQ(*parse_word(*ping), 0x4116);

  auto pid = decode_hex(":1000351");
  ASSERT_TRUE(pid);
  EXPECT_EQ(*parse_word(*pid), 0x0300);
  auto pid2 = decode_hex(":156A05E\n");  // SmartSolar 100/30, koestler vedirect_test.go
  ASSERT_TRUE(pid2);
  EXPECT_EQ(*parse_word(*pid2), 0xA056);

  auto get = decode_hex(":7F0ED009600DB\n");
  ASSERT_TRUE(get);
  auto reg = parse_register(*get);
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->id, 0xEDF0);
  EXPECT_EQ(reg->flags, 0);
  auto v = decode_register_value(*find_register(0xEDF0), reg->value.view());
  ASSERT_TRUE(v);
  EXPECT_DOUBLE_EQ(v->value, 15.0);  // 150 × 0.1 A

  auto unknown = decode_hex(":3020050\n");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->command, 0x3);
  EXPECT_EQ(*parse_word(*unknown), 0x0002);

  auto err = decode_hex(":4AAAAFD\n");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->command, 0x4);

  auto async = decode_hex(":A0102000543\n");
  ASSERT_TRUE(async);
  auto st = parse_register(*async);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->id, 0x0201);
  ASSERT_EQ(st->value.size, 1u);
  EXPECT_EQ(st->value.data[0], 5);  // float
}

TEST(VeDirectHexCodec, ModelNameStringDecodes) {
  // koestler vedirect_test.go: GET 0x010B → "SmartSolar Charger MPPT 100/30".
  HexMessage m =
      make_register(HexCommand::kGet, 0x010B, 0,
                    as_bytes(std::string_view("SmartSolar Charger MPPT 100/30\0\0", 32)));
  auto back = decode_hex(text(encode_hex(m)));
  ASSERT_TRUE(back);
  auto reg = parse_register(*back);
  ASSERT_TRUE(reg);
  auto v = decode_register_value(*find_register(0x010B), reg->value.view());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text, "SmartSolar Charger MPPT 100/30");
}

TEST(VeDirectHexCodec, BadFramesAreRejectedWithTheRightError) {
  EXPECT_EQ(decode_hex(":7F0ED009600DC\n").error().code, Errc::kBadChecksum);
  EXPECT_EQ(decode_hex("7F0ED009600DB\n").error().code, Errc::kBadFormat);
  EXPECT_EQ(decode_hex(":7F0ED009600D\n").error().code, Errc::kBadFormat);  // odd digits
  EXPECT_EQ(decode_hex(":7F0EDG09600DB\n").error().code, Errc::kBadFormat);
  EXPECT_EQ(decode_hex(":\n").error().code, Errc::kBadLength);
  EXPECT_EQ(decode_hex(":15").error().code, Errc::kBadLength);
  EXPECT_EQ(decode_hex(":" + std::string(400, '0')).error().code, Errc::kBadLength);
}

TEST(VeDirectHexCodec, LowerCaseAndCrLfAreAccepted) {
  auto m = decode_hex(":7f0ed009600db\r\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(parse_register(*m)->id, 0xEDF0);
}

TEST(VeDirectHexCodec, EncodeDecodeRoundTripsForEveryCommandAndLength) {
  for (std::uint8_t cmd = 0; cmd < 16; ++cmd) {
    for (std::size_t len = 0; len <= kMaxHexPayload; len += 7) {
      HexMessage m;
      m.command = cmd;
      for (std::size_t i = 0; i < len; ++i)
        m.payload.push_back(static_cast<std::uint8_t>(i * 37 + cmd));
      auto back = decode_hex(text(encode_hex(m)));
      ASSERT_TRUE(back) << int(cmd) << " " << len;
      EXPECT_EQ(*back, m);
    }
  }
}

TEST(VeDirectHexCodec, RegisterFramesNeedIdAndFlags) {
  HexMessage m;
  m.command = 0x7;
  m.payload.push_back(0xF0);
  EXPECT_EQ(parse_register(m).error().code, Errc::kBadLength);
  m.command = 0x5;
  EXPECT_EQ(parse_register(m).error().code, Errc::kUnsupported);
}

}  // namespace
}  // namespace gxlink::vedirect
