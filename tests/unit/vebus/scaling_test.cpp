// SPDX-License-Identifier: MIT
#include "protocols/vebus/scaling.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace gxlink::vebus {
namespace {

// Worked examples of vedirect_vebus.md §4.7: RAM vars and settings scale differently.

TEST(VebusScaling, RamVarUnsignedReciprocal) {
  const RamVarInfo ubat{0x7F9C, 0};  // 0x8000 − 0x7F9C = 100 → 1/100
  EXPECT_FALSE(ubat.is_signed());
  EXPECT_DOUBLE_EQ(ubat.factor(), 0.01);
  EXPECT_NEAR(ubat.to_value(5684), 56.84, 1e-9);  // vebus.csv /Dc/0/Voltage 56.84
}

TEST(VebusScaling, RamVarSignedReciprocal) {
  const RamVarInfo ibat{0x800A, 0};  // signed; 0x10000 − 0x800A = 0x7FF6 → 1/10
  EXPECT_TRUE(ibat.is_signed());
  EXPECT_DOUBLE_EQ(ibat.factor(), 0.1);
  EXPECT_NEAR(ibat.to_value(0xFFEC), -2.0, 1e-9);  // −20 × 0.1
  const RamVarInfo imains{0x8064, 0};
  EXPECT_NEAR(imains.to_value(0xFF5F), -1.61, 1e-9);
}

TEST(VebusScaling, RamVarWithOffset) {
  // Inverter period: 0x7857 → 1/1961, offset +256; 0.2 s ↔ raw 136 → 50 Hz.
  const RamVarInfo period{0x7857, 0x0100};
  EXPECT_DOUBLE_EQ(period.factor(), 1.0 / 1961);
  EXPECT_NEAR(period.to_value(136), (136 + 256) / 1961.0, 1e-12);
  EXPECT_NEAR(period_to_hz(period, 136), 50.03, 0.01);
  EXPECT_EQ(period_to_hz(period, 0), 0.0);
  EXPECT_EQ(period_to_hz(period, 0xFF), 0.0);
}

TEST(VebusScaling, RamVarPlainMultiplierAndUnsupported) {
  const RamVarInfo x{5, 0};  // below 0x4000: factor is the number itself
  EXPECT_DOUBLE_EQ(x.to_value(7), 35.0);
  const RamVarInfo none{0, 0};
  EXPECT_FALSE(none.supported());
  EXPECT_FALSE(none.to_raw(1.0));
}

TEST(VebusScaling, RamVarBit) {
  // Offset 0x8000 marks a bit variable: scale 5 → bit 4.
  const RamVarInfo bit{5, static_cast<std::int16_t>(0x8000)};
  EXPECT_TRUE(bit.is_bit());
  EXPECT_EQ(bit.to_value(0x0010), 1.0);
  EXPECT_EQ(bit.to_value(0x0020), 0.0);
}

TEST(VebusScaling, RamVarRawRoundTrip) {
  const RamVarInfo p{0x8001, 0};  // signed, factor 1 (powers)
  auto r = p.to_raw(-375);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0xFE89);
  EXPECT_DOUBLE_EQ(p.to_value(*r), -375);
}

TEST(VebusScaling, SettingNegativeScaleIsReciprocal) {
  // Seed 002: absorption 56.00 V ↔ 5600 with scale −100 (0xFF9C).
  SettingInfo abs;
  abs.scale = -100;
  abs.default_raw = 5760;
  abs.min_raw = 3600;
  abs.max_raw = 6800;
  EXPECT_DOUBLE_EQ(abs.factor(), 0.01);
  auto raw = abs.to_raw(56.0);
  ASSERT_TRUE(raw);
  EXPECT_EQ(*raw, 5600);
  EXPECT_EQ(*raw, 0x15E0);
  EXPECT_NEAR(abs.to_value(5600), 56.0, 1e-12);
  EXPECT_NEAR(abs.default_value(), 57.6, 1e-12);
  // 56.004 rounds to the nearest step.
  EXPECT_EQ(*abs.to_raw(56.004), 5600);
}

TEST(VebusScaling, SettingOutsideUnitRangeIsRefused) {
  SettingInfo abs;
  abs.scale = -100;
  abs.min_raw = 3600;
  abs.max_raw = 6800;
  auto r = abs.to_raw(70.0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kOutOfRange);
  EXPECT_FALSE(abs.to_raw(std::nan("")));
}

TEST(VebusScaling, SettingPositiveScaleAndOffset) {
  // Positive scale is a multiplier (time settings: 360/60/15 in GitNik1's table).
  SettingInfo t;
  t.scale = 60;
  t.offset = 1;
  t.max_raw = 100;
  EXPECT_DOUBLE_EQ(t.to_value(2), 180.0);  // 60 × (2 + 1)
  EXPECT_EQ(*t.to_raw(180.0), 2);
  // The same raw number means different things as a RAM var and as a setting:
  // RAM var scale 0x7F9C → 1/100, but setting scale 0x7F9C (= +32668) is a multiplier.
  const RamVarInfo ram{0x7F9C, 0};
  SettingInfo s;
  s.scale = 0x7F9C;
  s.max_raw = 0xFFFF;
  EXPECT_DOUBLE_EQ(ram.to_value(100), 1.0);
  EXPECT_DOUBLE_EQ(s.to_value(100), 3266800.0);
}

}  // namespace
}  // namespace gxlink::vebus
