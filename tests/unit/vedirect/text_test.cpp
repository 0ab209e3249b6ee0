// SPDX-License-Identifier: MIT
#include "protocols/vedirect/text.hpp"

#include <gtest/gtest.h>

#include "unit/vedirect/test_util.hpp"

namespace gxlink::vedirect {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

TEST(VeDirectTextCodec, NumbersAreParsedStrictly) {
  EXPECT_EQ(parse_decimal("12810"), 12810);
  EXPECT_EQ(parse_decimal("-7625"), -7625);
  EXPECT_EQ(parse_decimal(""), std::nullopt);
  EXPECT_EQ(parse_decimal("-"), std::nullopt);
  EXPECT_EQ(parse_decimal("12a"), std::nullopt);  // KinDR007 #211: no half numbers
  EXPECT_EQ(parse_decimal("1 2"), std::nullopt);
  EXPECT_EQ(parse_base0("0xA05F"), 0xA05Fu);
  EXPECT_EQ(parse_base0("0x203"), 0x203u);
  EXPECT_EQ(parse_base0("0x00000009"), 9u);
  EXPECT_EQ(parse_base0("0x"), std::nullopt);
  EXPECT_EQ(parse_base0("0xG1"), std::nullopt);
}

TEST(VeDirectTextCodec, FieldsBecomeVenusUnits) {
  auto v = parse_field(*find_field("V"), "12810");
  ASSERT_TRUE(v);
  EXPECT_DOUBLE_EQ(v->value, 12.81);
  EXPECT_DOUBLE_EQ(parse_field(*find_field("SOC"), "937")->value, 93.7);
  EXPECT_DOUBLE_EQ(parse_field(*find_field("CE"), "-65473")->value, -65.473);
  EXPECT_DOUBLE_EQ(parse_field(*find_field("TTG"), "942")->value, 942 * 60.0);
  EXPECT_DOUBLE_EQ(parse_field(*find_field("H19"), "8272")->value, 82.72);
  EXPECT_DOUBLE_EQ(parse_field(*find_field("AC_OUT_V"), "23007")->value, 230.07);
  EXPECT_EQ(parse_field(*find_field("OR"), "0x00000001")->raw, 1);
  EXPECT_EQ(parse_field(*find_field("LOAD"), "ON")->raw, 1);
  EXPECT_EQ(parse_field(*find_field("Relay"), "OFF")->raw, 0);
  EXPECT_EQ(parse_field(*find_field("SER#"), "HQ18486U2B4")->text, "HQ18486U2B4");
}

TEST(VeDirectTextCodec, NotAvailableAndInfiniteAreInvalid) {
  EXPECT_EQ(parse_field(*find_field("SOC"), "---")->kind, ValueKind::kNotAvailable);
  EXPECT_EQ(parse_field(*find_field("T"), "---")->kind, ValueKind::kNotAvailable);
  EXPECT_EQ(parse_field(*find_field("TTG"), "-1")->kind, ValueKind::kNotAvailable);
}

TEST(VeDirectTextCodec, MalformedValuesAreErrorsNotNumbers) {
  EXPECT_EQ(parse_field(*find_field("V"), "12.81").error().code, Errc::kBadFormat);
  EXPECT_EQ(parse_field(*find_field("LOAD"), "MAYBE").error().code, Errc::kBadFormat);
  EXPECT_EQ(parse_field(*find_field("OR"), "zz").error().code, Errc::kBadFormat);
}

TEST(VeDirectTextCodec, FirmwareVersionsAsVenusShowsThem) {
  EXPECT_EQ(parse_firmware("139", false), 0x139);
  EXPECT_EQ(parse_firmware("0308", false), 0x308);
  EXPECT_EQ(parse_firmware("0342FF", true), 0x342);
  EXPECT_EQ(parse_firmware("316FF", true), 0x316);
  EXPECT_EQ(parse_firmware("C208", false), 0xC208);  // hex digit, not a release-candidate letter
  EXPECT_EQ(parse_firmware("", false), std::nullopt);
  EXPECT_EQ(parse_firmware("1.19", false), std::nullopt);
}

TEST(VeDirectTextCodec, EncodedBlocksSumToZeroAndParseBack) {
  const Fields f = {{"PID", "0xA389"}, {"V", "12800"}, {"SOC", "---"}};
  const std::string b = encode_text_block(f);
  unsigned sum = 0;
  for (unsigned char c : b) sum += c;
  EXPECT_EQ(sum % 256, 0u);
  EXPECT_EQ(b.substr(0, 11), "\r\nPID\t0xA38");
  auto ev = test::run_framer(b);
  ASSERT_EQ(ev.text, 1u);
  EXPECT_EQ(ev.lines[0], "T PID=0xA389;V=12800;SOC=---;");
}

TextBlock block_of(const std::string& bytes, Framer& f) {
  auto r = f.take(as_bytes(bytes));
  EXPECT_EQ(r.status, TakeStatus::kFrame);
  return r.text ? *r.text : TextBlock{};
}

TEST(VeDirectDataset, TwoBlockBmvDatasetMergesBeforeMapping) {
  // bvm702.dump layout (§1.6): main block then H-block; values from both end up in one dataset.
  const std::string main =
      encode_text_block(Fields{{"PID", "0x203"}, {"V", "12065"}, {"SOC", "839"}});
  const std::string hist = encode_text_block(Fields{{"H1", "-149322"}, {"H4", "0"}});
  Framer f;
  Dataset d;
  d.merge(block_of(hist, f));  // a history block first: no identity yet
  EXPECT_FALSE(d.has_identity());
  d.merge(block_of(main, f));
  EXPECT_TRUE(d.has_identity());
  EXPECT_EQ(d.pid(), 0x203);
  EXPECT_EQ(d.product_class(), ProductClass::kBatteryMonitor);
  ASSERT_NE(d.get("H1"), nullptr);
  EXPECT_EQ(*d.get("V"), "12065");
  d.merge(block_of(encode_text_block(Fields{{"PID", "0x203"}, {"V", "12070"}}), f));
  EXPECT_EQ(*d.get("V"), "12070");  // newer value wins
  EXPECT_EQ(*d.get("SOC"), "839");  // kept until replaced
  EXPECT_EQ(d.fields().size(), 5u);
}

// A label that comes once (a damaged block whose checksum matched) used to stay for ever: a
// noisy line grew the dataset without bound. Now it is bounded and the device's own labels stay.
TEST(VeDirectDataset, OneOffLabelsNeitherGrowItNorPushOutTheDevicesFields) {
  Framer f;
  Dataset d;
  for (int i = 0; i < 5000; ++i) {
    d.merge(block_of(
        encode_text_block(Fields{
            {"PID", "0xA060"}, {"V", std::to_string(12000 + i)}, {"X" + std::to_string(i), "1"}}),
        f));
    ASSERT_LE(d.fields().size(), kMaxDatasetFields);
  }
  EXPECT_EQ(d.pid(), 0xA060);
  EXPECT_EQ(*d.get("V"), "16999");
  EXPECT_NE(d.get("X4999"), nullptr);  // the newest one-off is there; the stale ones made room
  EXPECT_EQ(d.get("X0"), nullptr);
  EXPECT_EQ(d.dropped(), 0u);

  // Labels that all keep coming fill it; a new one is then dropped and counted, not swapped in.
  Dataset full;
  Fields many;
  for (std::size_t i = 0; i < kMaxFields; ++i) many.push_back({"A" + std::to_string(i), "1"});
  Fields more;
  for (std::size_t i = 0; i < kMaxFields; ++i) more.push_back({"B" + std::to_string(i), "1"});
  full.merge(block_of(encode_text_block(many), f));
  full.merge(block_of(encode_text_block(more), f));
  full.merge(block_of(encode_text_block(Fields{{"NEW", "1"}}), f));
  EXPECT_EQ(full.fields().size(), kMaxDatasetFields);
  EXPECT_EQ(full.get("NEW"), nullptr);
  EXPECT_EQ(full.dropped(), 1u);
}

TEST(VeDirectDataset, Bmv60xSIsRecognisedWithoutPid) {
  // §1.7: BMV-60xS text has no PID; "BMV" names the model.
  Framer f;
  Dataset d;
  d.merge(block_of(encode_text_block(Fields{{"V", "12650"},
                                            {"I", "-1200"},
                                            {"CE", "-5400"},
                                            {"SOC", "962"},
                                            {"TTG", "1440"},
                                            {"Alarm", "OFF"},
                                            {"Relay", "OFF"},
                                            {"AR", "0"},
                                            {"BMV", "602S"},
                                            {"FW", "212"}}),
                   f));
  EXPECT_TRUE(d.is_bmv60x());
  EXPECT_TRUE(d.has_identity());
  EXPECT_EQ(d.product_class(), ProductClass::kBatteryMonitor);
  Dataset bmv70;
  bmv70.merge(block_of(encode_text_block(Fields{{"PID", "0x203"}, {"BMV", "700"}}), f));
  EXPECT_FALSE(bmv70.is_bmv60x());
}

}  // namespace
}  // namespace gxlink::vedirect
