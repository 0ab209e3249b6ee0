// SPDX-License-Identifier: MIT
#include "protocols/vedirect/tables.hpp"

#include <gtest/gtest.h>

namespace gxlink::vedirect {
namespace {

TEST(VeDirectTables, ProductsMapToTheirVenusServiceTypes) {
  EXPECT_EQ(product_name(0xA05F), "SmartSolar MPPT 100|20");
  EXPECT_EQ(product_name(0xA060), "SmartSolar MPPT 100|20 48V");
  EXPECT_EQ(product_name(0x0203), "BMV-700");
  EXPECT_EQ(product_name(0xA389), "SmartShunt 500A/50mV");
  EXPECT_EQ(product_name(0x1234), "");
  EXPECT_EQ(service_type(product_class(0xA042)), "solarcharger");
  EXPECT_EQ(service_type(product_class(0x0300)), "solarcharger");
  EXPECT_EQ(service_type(product_class(0xA110)), "solarcharger");
  EXPECT_EQ(service_type(product_class(0x0204)), "battery");
  EXPECT_EQ(service_type(product_class(0xA389)), "battery");
  EXPECT_EQ(service_type(product_class(0xC030)), "battery");
  EXPECT_EQ(service_type(product_class(0xA2F1)), "inverter");
  EXPECT_EQ(service_type(product_class(0xA332)), "charger");
  EXPECT_EQ(service_type(product_class(0xA3F0)), "dcdc");
  EXPECT_EQ(service_type(product_class(0x1234)), "");
  EXPECT_GE(product_table().size(), 100u);
}

TEST(VeDirectTables, ProductTableIsSortedAndEveryEntryHasAClass) {
  auto t = product_table();
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i) {
      EXPECT_LT(t[i - 1].pid, t[i].pid);
    }
    EXPECT_NE(product_class(t[i].pid), ProductClass::kUnknown) << std::hex << t[i].pid;
    EXPECT_EQ(product_name(t[i].pid), t[i].name);
  }
}

TEST(VeDirectTables, FieldDictionaryHasUnitsScalesAndPaths) {
  const FieldDesc* v = find_field("V");
  ASSERT_NE(v, nullptr);
  EXPECT_DOUBLE_EQ(v->scale, 0.001);
  EXPECT_EQ(v->unit, "V");
  EXPECT_EQ(v->path_for(ProductClass::kSolarCharger), "/Dc/0/Voltage");
  EXPECT_EQ(find_field("VPV")->path_for(ProductClass::kSolarCharger), "/Pv/V");
  EXPECT_EQ(find_field("PPV")->path_for(ProductClass::kSolarCharger), "/Yield/Power");
  EXPECT_EQ(find_field("SOC")->path_for(ProductClass::kBatteryMonitor), "/Soc");
  EXPECT_DOUBLE_EQ(find_field("SOC")->scale, 0.1);
  EXPECT_DOUBLE_EQ(find_field("TTG")->scale, 60);
  EXPECT_EQ(find_field("H19")->path_for(ProductClass::kSolarCharger), "/Yield/User");
  EXPECT_EQ(find_field("AC_OUT_V")->path_for(ProductClass::kInverter), "/Ac/Out/L1/V");
  EXPECT_EQ(find_field("DC_IN_V")->path_for(ProductClass::kDcDc), "/Dc/In/V");
  EXPECT_EQ(find_field("v"), nullptr);  // labels are case-sensitive
  EXPECT_EQ(find_field("CVPV"), nullptr);
  for (const auto& f : field_table()) EXPECT_EQ(find_field(f.label), &f);
}

TEST(VeDirectTables, EnumerationsFromTheReference) {
  EXPECT_EQ(charge_state_text(3), "Bulk");
  EXPECT_EQ(charge_state_text(5), "Float");
  EXPECT_EQ(charge_state_text(252), "External control");
  EXPECT_EQ(charge_state_text(99), "");
  EXPECT_EQ(error_text(0), "No error");
  EXPECT_EQ(error_text(67), "BMS connection lost");
  EXPECT_EQ(tracker_mode_text(2), "MPP tracker active");
  EXPECT_EQ(monitor_mode_text(-9), "Solar charger");
  EXPECT_EQ(monitor_mode_text(0), "Battery monitor");
  EXPECT_EQ(monitor_mode_text(8), "Water heater");
  EXPECT_EQ(monitor_mode_text(9), "");
  EXPECT_EQ(off_reason_text(0x1), "No input power");
  EXPECT_EQ(off_reason_text(0x9), "No input power, Remote input");
  EXPECT_EQ(off_reason_text(0), "");
  EXPECT_EQ(alarm_reason_text(1 | 4), "Low voltage, Low SOC");
  EXPECT_EQ(alarm_reason_text(256), "Overload");
}

TEST(VeDirectTables, RegisterTableDecodesByTypeWithSentinels) {
  ASSERT_NE(find_register(0xED8D), nullptr);
  EXPECT_EQ(find_register(0x1055)->name, "history_day");
  EXPECT_EQ(find_register(0x1234), nullptr);
  const std::uint8_t v1234[] = {0xD2, 0x04};  // 1234 × 0.01 V
  auto v = decode_register_value(*find_register(0xED8D), v1234);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->available);
  EXPECT_DOUBLE_EQ(v->value, 12.34);
  const std::uint8_t neg[] = {0xF6, 0xFF};  // -10 × 0.1 A
  EXPECT_DOUBLE_EQ(decode_register_value(*find_register(0xED8F), neg)->value, -1.0);
  const std::uint8_t na16[] = {0xFF, 0x7F};
  EXPECT_FALSE(decode_register_value(*find_register(0xED8F), na16)->available);
  const std::uint8_t naU16[] = {0xFF, 0xFF};
  EXPECT_FALSE(decode_register_value(*find_register(0xEDEC), naU16)->available);
  const std::uint8_t kelvin[] = {0x7F, 0x74};  // 29823 × 0.01 K = 298.23 K = 25.08 °C
  EXPECT_NEAR(decode_register_value(*find_register(0xEDEC), kelvin)->value, 25.08, 1e-9);
  const std::uint8_t pid[] = {0x00, 0x5F, 0xA0, 0xFF};
  EXPECT_EQ(decode_register_value(*find_register(0x0100), pid)->raw, 0xFFA05F00);
  EXPECT_EQ(decode_register_value(*find_register(0xED8D), ByteView(v1234, 1)).error().code,
            Errc::kBadLength);
}

TEST(VeDirectTables, RegisterEncodeRoundTripsAndRangeChecks) {
  for (const auto& d : register_table()) {
    if (d.type == RegType::kString || d.type == RegType::kRecord) {
      EXPECT_FALSE(encode_register_value(d, 1));
      continue;
    }
    const double x = d.type == RegType::kS16 || d.type == RegType::kS32 ? -12.0 : 12.0;
    const double value = (d.offset != 0 ? x + 273.15 + d.offset : x);
    auto enc = encode_register_value(d, value);
    ASSERT_TRUE(enc) << d.name;
    auto dec = decode_register_value(d, enc->view());
    ASSERT_TRUE(dec) << d.name;
    EXPECT_NEAR(dec->value, value, d.scale / 2 + 1e-9) << d.name;
  }
  EXPECT_EQ(encode_register_value(*find_register(0x0200), 300).error().code, Errc::kOutOfRange);
  EXPECT_EQ(encode_register_value(*find_register(0xEDF0), -1).error().code, Errc::kOutOfRange);
  EXPECT_EQ(encode_register_value(*find_register(0xEDF0), 1e9).error().code, Errc::kOutOfRange);
}

}  // namespace
}  // namespace gxlink::vedirect
