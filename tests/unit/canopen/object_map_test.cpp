// SPDX-License-Identifier: MIT
#include "protocols/canopen/object_map.hpp"

#include "protocols/canopen/codec.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace gxlink::canopen {
namespace {

const ObjectSpec& find(const std::vector<ObjectSpec>& m, std::uint16_t index) {
  for (const auto& o : m)
    if (o.index == index) return o;
  throw std::runtime_error("missing");
}

double scaled(const ObjectSpec& s, std::initializer_list<std::uint8_t> bytes) {
  auto raw = decode_object(s.type, ByteView(bytes.begin(), bytes.size()));
  EXPECT_TRUE(raw) << raw.error().message();
  auto v = scale_value(*raw, s.scale);
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}

TEST(CanopenObjectMap, SuperbDefaultsFollowTheSeedTable) {
  const auto m = superb_epsilon_v2_map();
  // seed 004: "Node 1 voltage: raw=13562, converted=13.24" (÷1024).
  EXPECT_NEAR(scaled(find(m, 0x6060), {0xFA, 0x34, 0x00, 0x00}), 13.244, 0.001);
  EXPECT_EQ(find(m, 0x6060).path, "/Dc/0/Voltage");
  // 0x2010: signed mA; −12.5 A discharge.
  EXPECT_DOUBLE_EQ(scaled(find(m, 0x2010), {0x2C, 0xCF, 0xFF, 0xFF}), -12.5);
  EXPECT_EQ(find(m, 0x2010).path, "/Dc/0/Current");
  EXPECT_DOUBLE_EQ(scaled(find(m, 0x6081), {87}), 87);
  // 0x6010 ÷8 °C, signed: −2.5 °C = −20.
  EXPECT_DOUBLE_EQ(scaled(find(m, 0x6010), {0xEC, 0xFF}), -2.5);
  EXPECT_DOUBLE_EQ(scaled(find(m, 0x6050), {0x2A, 0x00}), 42);
  EXPECT_DOUBLE_EQ(scaled(find(m, 0x6053), {0x64, 0x00, 0x00, 0x00}), 12.5);
  EXPECT_DOUBLE_EQ(scaled(find(m, 0x6051), {0x10, 0x00}), -2.0);  // 2 Ah expended → consumed −2
  EXPECT_EQ(find(m, 0x6052).path, "/History/AhReturned");
}

TEST(CanopenObjectMap, ExactDecimalScalesGiveTheNearestDouble) {
  auto v = scale_value(std::int64_t{3800}, 0.001);
  EXPECT_EQ(std::get<double>(v), 3.8);
  auto z = scale_value(std::int64_t{0}, -0.125);
  EXPECT_FALSE(std::signbit(std::get<double>(z)));
  EXPECT_EQ(std::get<std::int64_t>(scale_value(std::int64_t{5}, 1.0)), 5);
}

TEST(CanopenObjectMap, SizeMustMatchWhenKnown) {
  const std::uint8_t four[] = {80, 0, 0, 0};
  EXPECT_EQ(decode_object(DataType::kU8, four).error().code, Errc::kBadLength);
  // An expedited answer without size (0x42) always carries 4 bytes: take the low ones.
  auto v = decode_object(DataType::kU8, four, false);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<std::int64_t>(*v), 80);
  const std::uint8_t one[] = {1};
  EXPECT_EQ(decode_object(DataType::kU16, one, false).error().code, Errc::kBadLength);
}

// Issue 13, conformance 2: a server may answer narrower than the map's type (seed 004 gives no
// widths). The value is zero- or sign-extended by type; only longer or impossible sizes fail.
std::int64_t int_of(DataType t, std::initializer_list<std::uint8_t> bytes, bool size_known = true) {
  auto v = decode_object(t, ByteView(bytes.begin(), bytes.size()), size_known);
  EXPECT_TRUE(v) << v.error().message();
  return v ? std::get<std::int64_t>(*v) : -999999;
}

TEST(CanopenNarrowAnswers, TwoByteExpeditedAnswerForAU32Voltage) {
  // 0x4B = expedited, size indicated, n = 2: two data bytes for 0x6060 (declared u32).
  const auto f = CanFrame::standard(0x581, {0x4B, 0x60, 0x60, 0x00, 0xA5, 0x35, 0x00, 0x00});
  auto m = decode_sdo(f);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->data.size, 2u);
  const auto map = superb_epsilon_v2_map();
  const ObjectSpec& volt = find(map, 0x6060);
  auto raw = decode_object(volt.type, m->data.view(), m->size_indicated);
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_EQ(std::get<std::int64_t>(*raw), 0x35A5);
  EXPECT_NEAR(std::get<double>(scale_value(*raw, volt.scale)), 13.411, 0.001);
  EXPECT_TRUE(is_narrow(volt.type, m->data.size, m->size_indicated));
  EXPECT_FALSE(is_narrow(volt.type, 4, true));
}

TEST(CanopenNarrowAnswers, ZeroOrSignExtendedByType) {
  EXPECT_EQ(int_of(DataType::kI16, {0xEC}), -20);  // one byte of a negative i16
  EXPECT_EQ(int_of(DataType::kI16, {0x14}), 20);
  EXPECT_EQ(int_of(DataType::kU16, {0xEC}), 0xEC);  // unsigned: zero-extended
  EXPECT_EQ(int_of(DataType::kI32, {0x2C, 0xCF}), -12500);
  EXPECT_EQ(int_of(DataType::kI32, {0x2C, 0xCF, 0xFF}), -12500);
  EXPECT_EQ(int_of(DataType::kU32, {0xFF, 0xFF, 0xFF}), 0xFFFFFF);
  EXPECT_EQ(int_of(DataType::kI64, {0xFE}), -2);
  EXPECT_TRUE(is_narrow(DataType::kI16, 1, true));
  EXPECT_FALSE(is_narrow(DataType::kString, 1, true));
  EXPECT_FALSE(is_narrow(DataType::kU8, 1, true));
}

TEST(CanopenNarrowAnswers, SizeUnspecifiedTakesTheTypesWidth) {
  // 0x42: expedited, size not indicated: four bytes arrive, "up to 4" meant.
  const auto f = CanFrame::standard(0x581, {0x42, 0x10, 0x60, 0x00, 0xEC, 0xFF, 0x12, 0x34});
  auto m = decode_sdo(f);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->size_indicated);
  auto v = decode_object(DataType::kI16, m->data.view(), m->size_indicated);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::get<std::int64_t>(*v), -20);  // low two bytes; the rest is padding
  EXPECT_FALSE(is_narrow(DataType::kI16, m->data.size, m->size_indicated));
  EXPECT_EQ(int_of(DataType::kU32, {0xFA, 0x34, 0x00, 0x00}, false), 0x34FA);
}

TEST(CanopenNarrowAnswers, LongerOrImpossibleAnswersAreRefused) {
  // A segmented upload of 5 bytes for a u32: longer than the type, never a value.
  const std::uint8_t five[] = {1, 2, 3, 4, 5};
  EXPECT_EQ(decode_object(DataType::kU32, five).error().code, Errc::kBadLength);
  const std::uint8_t nine[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(decode_object(DataType::kI64, nine).error().code, Errc::kBadLength);
  const std::uint8_t two[] = {1, 2};
  EXPECT_EQ(decode_object(DataType::kU8, two).error().code, Errc::kBadLength);
  EXPECT_EQ(decode_object(DataType::kU16, ByteView{}).error().code, Errc::kBadLength);
  // There is no narrower float.
  EXPECT_EQ(decode_object(DataType::kReal32, two).error().code, Errc::kBadLength);
  // Size unspecified but fewer bytes than the type: nothing says what the server meant.
  const std::uint8_t four[] = {1, 2, 3, 4};
  EXPECT_EQ(decode_object(DataType::kU64, four, false).error().code, Errc::kBadLength);
}

TEST(CanopenNarrowAnswers, StringsTakeAnyLengthUpToABound) {
  const std::uint8_t one[] = {'1'};
  EXPECT_EQ(std::get<std::string>(*decode_object(DataType::kString, one)), "1");
  EXPECT_EQ(std::get<std::string>(*decode_object(DataType::kString, ByteView{})), "");
  std::vector<std::uint8_t> long_name(kMaxStringSize, 'x');
  EXPECT_EQ(std::get<std::string>(*decode_object(DataType::kString, long_name)).size(),
            kMaxStringSize);
  long_name.push_back('y');
  EXPECT_EQ(decode_object(DataType::kString, long_name).error().code, Errc::kBadLength);
}

TEST(CanopenObjectMap, TypesDecode) {
  const std::uint8_t f32[] = {0x00, 0x00, 0x48, 0x41};  // 12.5f
  EXPECT_DOUBLE_EQ(std::get<double>(*decode_object(DataType::kReal32, f32)), 12.5);
  const std::uint8_t i8[] = {0xFF};
  EXPECT_EQ(std::get<std::int64_t>(*decode_object(DataType::kI8, i8)), -1);
  EXPECT_EQ(std::get<std::int64_t>(*decode_object(DataType::kU8, i8)), 255);
  const std::uint8_t u32[] = {0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(std::get<std::int64_t>(*decode_object(DataType::kU32, u32)), 4294967295);
  EXPECT_EQ(std::get<std::int64_t>(*decode_object(DataType::kI32, u32)), -1);
  const std::uint8_t s[] = {'1', '.', '6', 0, 0};
  EXPECT_EQ(std::get<std::string>(*decode_object(DataType::kString, s)), "1.6");
  const std::uint8_t u64[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  EXPECT_FALSE(decode_object(DataType::kU64, u64));
}

TEST(CanopenObjectMap, TypeNamesAndEncoding) {
  EXPECT_EQ(parse_data_type("int32"), DataType::kI32);
  EXPECT_EQ(parse_data_type("unsigned8"), DataType::kU8);
  EXPECT_EQ(parse_data_type("visible_string"), DataType::kString);
  EXPECT_FALSE(parse_data_type("float"));
  EXPECT_EQ(*encode_integer(DataType::kU16, 1000), (std::vector<std::uint8_t>{0xE8, 0x03}));
  EXPECT_EQ(*encode_integer(DataType::kI16, -20), (std::vector<std::uint8_t>{0xEC, 0xFF}));
  EXPECT_FALSE(encode_integer(DataType::kU8, 256));
  EXPECT_FALSE(encode_integer(DataType::kI8, -129));
  EXPECT_FALSE(encode_integer(DataType::kString, 1));
}

}  // namespace
}  // namespace gxlink::canopen
