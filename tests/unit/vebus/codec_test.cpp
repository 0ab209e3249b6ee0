// SPDX-License-Identifier: MIT
#include "protocols/vebus/codec.hpp"

#include <gtest/gtest.h>

#include "unit/vebus/test_util.hpp"

namespace gxlink::vebus {
namespace {

using test::hex;
using test::spaced;

Reply must_decode(const std::string& text) {
  auto b = hex(text);
  auto t = take(b);
  EXPECT_EQ(t.status, TakeStatus::kFrame) << text;
  auto r = decode(t.frame);
  EXPECT_TRUE(r.has_value()) << text;
  return r ? *r : Reply{OtherFrame{}};
}

WinmonReply winmon(const std::string& text) {
  auto r = must_decode(text);
  auto* w = std::get_if<WinmonReply>(&r);
  EXPECT_NE(w, nullptr) << text;
  return w ? *w : WinmonReply{};
}

TEST(VebusCodec, CommandsAreByteExact) {
  // vedirect_vebus.md §4.2 examples and seed 002.
  EXPECT_EQ(spaced(encode_set_address(0).view()), "04 FF 41 01 00 BB");
  EXPECT_EQ(spaced(encode_version().view()), "02 FF 56 A9");
  EXPECT_EQ(spaced(encode_led().view()), "02 FF 4C B3");
  EXPECT_EQ(spaced(encode_info_request(0).view()), "03 FF 46 00 B8");
  EXPECT_EQ(spaced(encode_info_request(1).view()), "03 FF 46 01 B7");
  EXPECT_EQ(spaced(encode_get_ram_var_info('W', 4).view()), "05 FF 57 36 04 00 6B");
  const std::uint8_t var13[] = {13};
  EXPECT_EQ(spaced(encode_read_ram_vars('W', var13).view()), "05 FF 57 30 0D 00 68");
  EXPECT_EQ(spaced(encode_write_via_id('Z', false, false, 0x83, 370).view()),
            "07 FF 5A 37 00 83 72 01 73");
  EXPECT_EQ(spaced(encode_write_via_id('Y', true, false, 64, 2000).view()),
            "07 FF 59 37 01 40 D0 07 52");
}

TEST(VebusCodec, Seed002AbsorptionWriteIsByteExact) {
  // Seed 002's frame for 56.00 V absorption: flags 0x01 = setting, stored in EEPROM too.
  EXPECT_EQ(spaced(encode_write_via_id('X', true, false, setting::kUBatAbsorption, 5600).view()),
            "07 FF 58 37 01 02 E0 15 73");
  // The RAM-only form we send by default sets bit 1 as well (velib, mk2.py).
  EXPECT_EQ(spaced(encode_write_via_id('X', true, true, setting::kUBatAbsorption, 5600).view()),
            "07 FF 58 37 03 02 E0 15 71");
  // Float 54.00 V → raw 5400 = 0x1518; Σ = 0x1C8 → cs 0x38.
  EXPECT_EQ(spaced(encode_write_via_id('X', true, true, setting::kUBatFloat, 5400).view()),
            "07 FF 58 37 03 03 18 15 38");
}

TEST(VebusCodec, SwitchFrameCarriesStateAndLimitInTenthsOfAnAmp) {
  // 16.0 A = 160 = 0x00A0; Σ = 0x27D → cs 0x83.
  EXPECT_EQ(spaced(encode_switch(SwitchState::kOn, 16.0).view()), "07 FF 53 03 A0 00 01 80 83");
  // Empty limit = 0x8000 "leave unchanged"; Σ = 0x25B → cs 0xA5.
  EXPECT_EQ(spaced(encode_switch(SwitchState::kChargerOnly, std::nullopt).view()),
            "07 FF 53 01 00 80 01 80 A5");
}

TEST(VebusCodec, SettingAndInfoCommandsUseSixteenBitIds) {
  EXPECT_EQ(spaced(encode_read_setting('X', 2).view()), "05 FF 58 31 02 00 71");
  EXPECT_EQ(spaced(encode_get_setting_info('Y', 3).view()), "05 FF 59 35 03 00 6B");
  EXPECT_EQ(spaced(encode_write_setting('X', 2).view()), "05 FF 58 33 02 00 6F");
  EXPECT_EQ(spaced(encode_write_data('X', 5600).view()), "05 FF 58 34 E0 15 7B");
}

TEST(VebusCodec, DecodesVersionAndLeds) {
  auto v = std::get<VersionReply>(must_decode("07 FF 56 24 DB 11 00 42 52"));
  EXPECT_EQ(v.version, 1170212u);
  EXPECT_EQ(v.mode, 'B');
  auto l = std::get<LedReply>(must_decode("08 FF 4C 01 0C 00 00 80 00 20"));
  EXPECT_EQ(l.on, 0x01);     // mains
  EXPECT_EQ(l.blink, 0x0C);  // bulk | float
  EXPECT_EQ(led_value(l.on, l.blink, 0x01), 1);
  EXPECT_EQ(led_value(l.on, l.blink, 0x04), 2);
  EXPECT_EQ(led_value(0x08, 0x08, 0x08), 3);
}

TEST(VebusCodec, DecodesAcInfoFrameWithItsScaling) {
  // martiby sample: L1 of 1, mains 232.76 V, −1.61 A (signed var 1), inverter 0.08 A.
  auto a = std::get<AcInfoRaw>(must_decode("0F 20 01 01 01 09 08 EC 5A 5F FF EC 5A 08 00 C3 08"));
  EXPECT_EQ(a.phase.phase, 1);
  EXPECT_EQ(a.phase.phase_count, 1);
  EXPECT_EQ(a.device_state, 9);  // charge
  EXPECT_EQ(a.mains_u, 0x5AEC);
  EXPECT_EQ(a.mains_i, 0xFF5F);
  EXPECT_EQ(a.mains_period, 0xC3);
  const RamVarInfo u{0x7F9C, 0}, i{0x8064, 0}, period{0x7C2F, 0};
  EXPECT_NEAR(u.to_value(a.mains_u), 232.76, 1e-9);
  EXPECT_NEAR(i.to_value(a.mains_i) * a.bf_factor, -1.61, 1e-9);
  EXPECT_NEAR(i.to_value(a.inverter_i), 0.08, 1e-9);
  EXPECT_NEAR(period_to_hz(period, a.mains_period), 10.0 / (195.0 / 977.0), 1e-9);
}

TEST(VebusCodec, DecodesDcInfoFrame) {
  // Built from the §4.4 layout: 51.36 V, 2.5 A to the inverter, 20.0 A from the charger.
  const std::uint8_t d[14] = {0, 0, 0, 9, 0x0C, 0x10, 0x14, 25, 0, 0, 200, 0, 0, 136};
  auto f = encode_frame(0x20, d);
  auto t = take(f.view());
  ASSERT_EQ(t.status, TakeStatus::kFrame);
  auto r = decode(t.frame);
  ASSERT_TRUE(r);
  auto dc = std::get<DcInfoRaw>(*r);
  const RamVarInfo u{0x7F9C, 0}, i{0x800A, 0};
  EXPECT_NEAR(u.to_value(dc.ubat), 51.36, 1e-9);
  EXPECT_NEAR(i.to_value_wide(dc.charger_current) - i.to_value_wide(dc.inverter_current), 17.5,
              1e-9);
}

TEST(VebusCodec, DecodesWinmonReplies) {
  auto rv = ram_values(winmon("05 FF 57 85 C8 00 58"));
  ASSERT_TRUE(rv);
  EXPECT_EQ(ram_value(*rv, 0), 200);

  auto split = ram_var_info(winmon("08 FF 57 8E 9C 7F 8F 00 00 6A"));
  ASSERT_TRUE(split);
  EXPECT_EQ(split->scale, 0x7F9C);
  EXPECT_DOUBLE_EQ(split->factor(), 0.01);
  auto combined = ram_var_info(winmon("07 FF 59 8E 9C 7F 00 00 F8"));
  ASSERT_TRUE(combined);
  EXPECT_EQ(combined->scale, 0x7F9C);
  auto none = ram_var_info(winmon("03 FF 5A 8E 16"));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->supported());

  auto si = setting_info(winmon("0D FF 5A 89 01 00 00 00 03 00 01 00 03 00 09"));
  ASSERT_TRUE(si);
  EXPECT_EQ(si->scale, 1);
  EXPECT_EQ(si->default_raw, 3);
  EXPECT_EQ(si->min_raw, 1);
  EXPECT_EQ(si->max_raw, 3);

  auto ok = winmon("03 FF 59 88 1D");
  EXPECT_EQ(ok.letter, 'Y');
  EXPECT_EQ(ok.code, wm::kWriteSettingOk);
}

TEST(VebusCodec, SplitSettingInfoIsDecodedAndShortFramesRefused) {
  // 89 ss 8A oo 8B dd 8C mm 8D xx: absorption of a 12 V unit, scale −100.
  const std::uint8_t d[] = {'X',  0x89, 0x9C, 0xFF, 0x8A, 0x00, 0x00, 0x8B,
                            0xA0, 0x05, 0x8C, 0x84, 0x03, 0x8D, 0xA4, 0x06};
  auto f = encode_frame(0xFF, d);
  auto t = take(f.view());
  ASSERT_EQ(t.status, TakeStatus::kFrame);
  auto r = decode(t.frame);
  ASSERT_TRUE(r);
  auto si = setting_info(std::get<WinmonReply>(*r));
  ASSERT_TRUE(si);
  EXPECT_EQ(si->scale, -100);
  EXPECT_NEAR(si->default_value(), 14.40, 1e-9);
  EXPECT_NEAR(si->min_value(), 9.00, 1e-9);
  EXPECT_NEAR(si->max_value(), 17.00, 1e-9);
  // A cut reply (short winmon frames) must not be taken for setting info.
  WinmonReply cut;
  cut.code = 0x89;
  cut.data.push_back(0x9C);
  cut.data.push_back(0xFF);
  EXPECT_FALSE(setting_info(cut));
}

TEST(VebusCodec, ResetNoticeAndTruncatedInfoFrame) {
  const std::uint8_t z[1] = {0};
  auto f = encode_frame(0x00, z);
  auto t = take(f.view());
  ASSERT_EQ(t.status, TakeStatus::kFrame);
  auto r = decode(t.frame);
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::holds_alternative<ResetNotice>(*r));
  const std::uint8_t short_info[5] = {1, 1, 1, 9, 8};
  auto g = encode_frame(0x20, short_info);
  auto u = take(g.view());
  ASSERT_EQ(u.status, TakeStatus::kFrame);
  EXPECT_FALSE(decode(u.frame));
}

TEST(VebusCodec, HostCommandsInTwoWayCapturesAreNotErrors) {
  for (const char* req : {"02 FF 56 A9", "02 FF 4C B3", "03 FF 46 00 B8", "05 FF 57 36 04 00 6B",
                          "07 FF 58 37 01 02 E0 15 73"}) {
    auto r = must_decode(req);
    auto* o = std::get_if<OtherFrame>(&r);
    ASSERT_NE(o, nullptr) << req;
    EXPECT_EQ(o->type, 0xFF);
  }
}

TEST(VebusCodec, ConfigFrameGivesLimitAndSwitch) {
  const std::uint8_t d[12] = {0, 0, 0, 9, 0x10, 30, 0, 0xF4, 0x01, 160, 0, 0x30};
  auto f = encode_frame(0x41, d);
  auto t = take(f.view());
  auto r = decode(t.frame);
  ASSERT_TRUE(r);
  auto c = std::get<ConfigInfo>(*r);
  EXPECT_EQ(c.min_limit, 30);
  EXPECT_EQ(c.max_limit, 500);
  EXPECT_EQ(c.actual_limit, 160);
  EXPECT_EQ(c.number_of_inputs, 1);
  EXPECT_EQ(c.switch_state(), SwitchState::kOn);
  c.switch_register = 0x10;
  EXPECT_EQ(c.switch_state(), SwitchState::kChargerOnly);
  c.switch_register = 0x00;
  EXPECT_EQ(c.switch_state(), SwitchState::kOff);
}

}  // namespace
}  // namespace gxlink::vebus

namespace gxlink::vebus {
namespace {

// The unit's firmware version number (vedirect_vebus.md §4.5): combined and split replies, as in
// the reference's examples, and what Venus publishes for it.
TEST(VebusSoftwareVersion, CombinedAndSplitRepliesGiveTheVersionNumber) {
  // `09 FF 58 82 F0 68 28 00 07 01 96` (combined) and `05 FF 58 82 F0 68 CA` + `05 FF 59 83 28 00
  // F8` (split), §4.5.
  WinmonReply combined{'X', wm::kSoftwareVersionPart0, {}};
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{0xF0, 0x68, 0x28, 0x00, 0x07, 0x01})
    combined.data.push_back(b);
  EXPECT_EQ(software_version_low(combined), 0x002868F0u);
  WinmonReply part0{'X', wm::kSoftwareVersionPart0, {}};
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{0xF0, 0x68}) part0.data.push_back(b);
  WinmonReply part1{'Y', wm::kSoftwareVersionPart1, {}};
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{0x28, 0x00}) part1.data.push_back(b);
  EXPECT_EQ(software_version_low(part0), 0x68F0u);
  EXPECT_EQ(software_version_high(part1), 0x0028u);
  EXPECT_FALSE(software_version_high(part0));
  EXPECT_FALSE(software_version_low(part1));
  const auto frame = encode_software_version('X', 0);
  EXPECT_EQ(frame.view()[3], wm::kSendSoftwareVersionPart0);
}

TEST(VebusSoftwareVersion, VenusReadsTheDecimalDigitsAsHex) {
  // vebus.csv (shared recording): /ProductId 9760 = 0x2620, /FirmwareVersion 1058 = 0x422.
  auto id = vebus_identity(2620422);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->product_id, 0x2620);
  EXPECT_EQ(id->firmware_version, 0x422);
  auto other = vebus_identity(2648304);  // the reference's example reply
  ASSERT_TRUE(other);
  EXPECT_EQ(other->product_id, 0x2648);
  EXPECT_EQ(other->firmware_version, 0x304);
  EXPECT_FALSE(vebus_identity(999));
}

}  // namespace
}  // namespace gxlink::vebus
