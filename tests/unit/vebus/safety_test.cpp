// SPDX-License-Identifier: MIT
#include "protocols/vebus/safety.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace gxlink::vebus {
namespace {

TEST(VebusSafety, NominalVoltageFromAbsorptionDefault) {
  EXPECT_EQ(nominal_voltage_from_absorption_default(14.4), 12);
  EXPECT_EQ(nominal_voltage_from_absorption_default(28.8), 24);
  EXPECT_EQ(nominal_voltage_from_absorption_default(57.6), 48);
  EXPECT_EQ(nominal_voltage_from_absorption_default(40.0), std::nullopt);
  EXPECT_EQ(nominal_voltage_from_battery(56.84), 48);
  EXPECT_EQ(nominal_voltage_from_battery(13.1), 12);
}

TEST(VebusSafety, RefusesSeventyVoltsAbsorptionOnA48VoltUnit) {
  auto r = check_voltage_setting(SettingKind::kChargeVoltage, 70.0, 48, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kRefused);
  EXPECT_NE(r.error().detail.find("48 V"), std::string::npos);
}

TEST(VebusSafety, RefusesThirtyVoltsOnA12VoltUnit) {
  EXPECT_FALSE(check_voltage_setting(SettingKind::kChargeVoltage, 30.0, 12, std::nullopt));
  EXPECT_FALSE(check_voltage_setting(SettingKind::kFloatVoltage, 30.0, 12, std::nullopt));
}

TEST(VebusSafety, AcceptsLiFePO4AndLeadAcidValues) {
  EXPECT_TRUE(check_voltage_setting(SettingKind::kChargeVoltage, 56.0, 48, 54.0));  // seed 002
  EXPECT_TRUE(check_voltage_setting(SettingKind::kFloatVoltage, 54.0, 48, 56.0));
  EXPECT_TRUE(check_voltage_setting(SettingKind::kChargeVoltage, 14.4, 12, 13.8));
  EXPECT_TRUE(check_voltage_setting(SettingKind::kChargeVoltage, 28.4, 24, 27.6));
}

TEST(VebusSafety, RefusesWithoutKnownNominalVoltage) {
  EXPECT_FALSE(
      check_voltage_setting(SettingKind::kChargeVoltage, 14.4, std::nullopt, std::nullopt));
}

TEST(VebusSafety, FloatNeverAboveAbsorption) {
  EXPECT_FALSE(check_voltage_setting(SettingKind::kFloatVoltage, 57.0, 48, 56.0));
  EXPECT_FALSE(check_voltage_setting(SettingKind::kChargeVoltage, 53.0, 48, 54.0));
}

TEST(VebusSafety, BoundariesScaleWithNominalVoltage) {
  // 15.0 V per 12 V is the top for absorption: 60.0 V on 48 V passes, 60.01 V does not.
  EXPECT_TRUE(check_voltage_setting(SettingKind::kChargeVoltage, 60.0, 48, std::nullopt));
  EXPECT_FALSE(check_voltage_setting(SettingKind::kChargeVoltage, 60.01, 48, std::nullopt));
  EXPECT_FALSE(check_voltage_setting(SettingKind::kChargeVoltage, 51.9, 48, std::nullopt));
}

TEST(VebusSafety, CurrentLimitWithinUnitRange) {
  EXPECT_TRUE(check_current_limit(16, 3, 50));
  EXPECT_FALSE(check_current_limit(2, 3, 50));
  EXPECT_FALSE(check_current_limit(51, 3, 50));
  EXPECT_FALSE(check_current_limit(std::nan(""), 3, 50));
}

}  // namespace
}  // namespace gxlink::vebus
