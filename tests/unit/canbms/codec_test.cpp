// SPDX-License-Identifier: MIT
#include "protocols/canbms/codec.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace gxlink::canbms {
namespace {

CanFrame std_frame(std::uint32_t id, std::initializer_list<std::uint8_t> b) {
  return CanFrame::standard(id, b);
}

template <class T>
T decode_as(const CanFrame& f) {
  auto m = decode(f);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message());
  if (!m) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*m));
  return std::holds_alternative<T>(*m) ? std::get<T>(*m) : T{};
}

TEST(CanBmsCodec, SeedLimitsFrameIs58V1And110AAnd110A) {
  // seeds/001 §5.1 candump: <0x351> [8] 45 02 4c 04 4c 04 00 00
  const auto l =
      decode_as<Limits>(std_frame(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}));
  EXPECT_DOUBLE_EQ(l.charge_voltage_v, 58.1);
  EXPECT_DOUBLE_EQ(l.charge_current_a, 110.0);
  EXPECT_DOUBLE_EQ(l.discharge_current_a, 110.0);
  EXPECT_FALSE(l.discharge_voltage_v.has_value());  // 0 = not sent
}

TEST(CanBmsCodec, SeedSocFrameIs89PercentSoc100PercentSoh) {
  // seeds/001 §5.1: <0x355> [8] 59 00 64 00 00 00 00 00
  const auto s = decode_as<Soc>(std_frame(0x355, {0x59, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(s.soc_pct, 89.0);
  EXPECT_EQ(s.soh_pct, 100.0);
}

TEST(CanBmsCodec, SeedDcFramesDecodeVoltageCurrentTemperature) {
  // seeds/001 §5.1: <0x356> [8] 31 16 ce 00 3e 01 00 00, then d1 00 and d0 00 for the current.
  const auto d =
      decode_as<DcStatus>(std_frame(0x356, {0x31, 0x16, 0xce, 0x00, 0x3e, 0x01, 0x00, 0x00}));
  EXPECT_DOUBLE_EQ(*d.voltage_v, 56.81);
  EXPECT_DOUBLE_EQ(*d.current_a, 20.6);
  EXPECT_DOUBLE_EQ(*d.temperature_c, 31.8);
  EXPECT_DOUBLE_EQ(
      *decode_as<DcStatus>(std_frame(0x356, {0x31, 0x16, 0xd1, 0x00, 0x3e, 0x01, 0, 0})).current_a,
      20.9);
  EXPECT_DOUBLE_EQ(
      *decode_as<DcStatus>(std_frame(0x356, {0x31, 0x16, 0xd0, 0x00, 0x3e, 0x01, 0, 0})).current_a,
      20.8);
}

TEST(CanBmsCodec, CurrentIsSignedAndLimitsAreUnsigned) {
  // -20.0 A = 0xFF38; a CCL of 0xFF38 is 6533.6 A ("unsigned ... values up to 6553A", seeds/001
  // 0x351).
  EXPECT_DOUBLE_EQ(*decode_as<DcStatus>(std_frame(0x356, {0x00, 0x14, 0x38, 0xFF})).current_a,
                   -20.0);
  const auto l = decode_as<Limits>(std_frame(0x351, {0x10, 0x02, 0x38, 0xFF, 0x38, 0xFF}));
  EXPECT_DOUBLE_EQ(l.charge_current_a, 6533.6);
  EXPECT_DOUBLE_EQ(l.discharge_current_a, 6533.6);
}

TEST(CanBmsCodec, SeedInverterFramesDecode) {
  // seeds/001 §3: 0x305 eight zeros; 0x307 12 34 56 78 'V' 'I' 'C' 00.
  EXPECT_EQ(decode_as<Keepalive>(std_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0})).id, 0x305u);
  EXPECT_TRUE(
      decode_as<InverterId>(std_frame(0x307, {0x12, 0x34, 0x56, 0x78, 'V', 'I', 'C', 0})).victron);
  EXPECT_FALSE(
      decode_as<InverterId>(std_frame(0x307, {0x12, 0x34, 0x56, 0x78, 'X', 'I', 'C', 0})).victron);
  const CanFrame vic = encode(InverterId{});
  EXPECT_EQ(vic, std_frame(0x307, {0x12, 0x34, 0x56, 0x78, 'V', 'I', 'C', 0}));
  EXPECT_EQ(encode(Keepalive{}), std_frame(0x305, {0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(CanBmsCodec, AlarmPairsFollowTheSeedTable) {
  // seeds/001 0x35A: 00 not supported, 01 active, 10 OK, 11 not supported.
  // Byte 0 = 0b11'10'01'00: general 00, high voltage 01, low voltage 10, high temperature 11.
  const auto a = decode_as<Alarms>(std_frame(0x35A, {0b11100100, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(a.alarm(kAlarms[0]), PairState::kNotSupported);
  EXPECT_EQ(a.alarm(kAlarms[1]), PairState::kActive);
  EXPECT_EQ(a.alarm(kAlarms[2]), PairState::kOk);
  EXPECT_EQ(a.alarm(kAlarms[3]), PairState::kNotSupported3);
  EXPECT_EQ(a.venus_level(kAlarms[1]), 2);
  EXPECT_EQ(a.venus_level(kAlarms[2]), 0);
  EXPECT_EQ(a.venus_level(kAlarms[3]), std::nullopt);  // 11 is "not supported", not OK
  EXPECT_EQ(a.venus_level(kAlarms[0]), std::nullopt);
}

TEST(CanBmsCodec, WarningsSitFourBytesAfterTheirAlarms) {
  // Low voltage: alarm byte 0 bits 4+5 = 10 (OK), warning byte 4 bits 4+5 = 01 (active).
  const auto a = decode_as<Alarms>(std_frame(0x35A, {0b00100000, 0, 0, 0, 0b00010000, 0, 0, 0}));
  EXPECT_EQ(a.venus_level(kAlarms[2]), 1);
  // A BYD-style all-OK frame (reference §0.3: "AA AA AA AA AA AA AA AA" = OK).
  const auto ok =
      decode_as<Alarms>(std_frame(0x35A, {0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA}));
  for (const auto& info : kAlarms) EXPECT_EQ(ok.venus_level(info), 0) << info.name;
}

TEST(CanBmsCodec, RecQAlarmCaptureDecodes) {
  // reference §3 (REC Q): A8 A0 82 00 00 00 80 0A — value-2 pairs (OK) and 00 (not supported).
  const auto a =
      decode_as<Alarms>(std_frame(0x35A, {0xA8, 0xA0, 0x82, 0x00, 0x00, 0x00, 0x80, 0x0A}));
  EXPECT_EQ(a.alarm(kAlarms[1]), PairState::kOk);            // high voltage
  EXPECT_EQ(a.alarm(kAlarms[4]), PairState::kNotSupported);  // low temperature
  EXPECT_EQ(a.alarm(kAlarms[11]), PairState::kOk);           // BMS internal
  EXPECT_EQ(a.pair(kSystemStatusByte, kSystemStatusShift), PairState::kOk);
}

TEST(CanBmsCodec, EachAlarmPairRoundTripsThroughItsOwnBits) {
  for (const auto& info : kAlarms) {
    for (auto s : {PairState::kNotSupported, PairState::kActive, PairState::kOk,
                   PairState::kNotSupported3}) {
      Alarms a;
      a.set(info.byte, info.shift, s);
      const auto back = decode_as<Alarms>(encode(a));
      EXPECT_EQ(back.alarm(info), s) << info.name;
      for (const auto& other : kAlarms)
        if (&other != &info) {
          EXPECT_EQ(back.alarm(other), PairState::kNotSupported)
              << info.name << " leaks into " << other.name;
        }
    }
  }
}

TEST(CanBmsCodec, ShortFramesKeepTheFieldsThatFit) {
  // seeds/001 0x373: "when not sending temperature, shorten the message using a lower DLC".
  const auto c =
      decode_as<CellExtremes>(std_frame(0x373, {0xE4, 0x0C, 0x0C, 0x0D}));  // 3300 / 3340 mV
  EXPECT_DOUBLE_EQ(*c.min_cell_voltage_v, 3.300);
  EXPECT_DOUBLE_EQ(*c.max_cell_voltage_v, 3.340);
  EXPECT_FALSE(c.min_cell_temperature_c);
  // Pylontech-style 6-byte 0x351 (reference §2.2).
  const auto l = decode_as<Limits>(std_frame(0x351, {0x10, 0x02, 0xE8, 0x03, 0xE8, 0x03}));
  EXPECT_DOUBLE_EQ(l.charge_voltage_v, 52.8);
  EXPECT_FALSE(l.discharge_voltage_v);
  const auto s = decode_as<Soc>(std_frame(0x355, {0x32, 0x00}));
  EXPECT_EQ(s.soc_pct, 50.0);
  EXPECT_FALSE(s.soh_pct);
}

TEST(CanBmsCodec, TooShortFramesAreRejectedWithAReason) {
  auto m = decode(std_frame(0x351, {0x45, 0x02, 0x4c, 0x04}));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::kBadLength);
  EXPECT_NE(m.error().detail.find("0x351"), std::string::npos);
  EXPECT_NE(m.error().detail.find("got 4"), std::string::npos);
  EXPECT_EQ(decode(std_frame(0x373, {0xE4, 0x0C})).error().code, Errc::kBadLength);
  EXPECT_EQ(decode(std_frame(0x356, {0x31})).error().code, Errc::kBadLength);
  CanFrame too_long = std_frame(0x35A, {0, 0, 0, 0, 0, 0, 0, 0});
  too_long.len = 200;  // a corrupt frame object must not read past its 8 bytes
  EXPECT_EQ(decode(too_long).error().code, Errc::kBadLength);
}

TEST(CanBmsCodec, UnknownExtendedAndRemoteFramesAreErrors) {
  EXPECT_EQ(decode(std_frame(0x354, {4, 0xc0, 0, 0x1f, 3, 0, 0, 0})).error().code,
            Errc::kUnknownId);
  CanFrame ext = std_frame(0x356, {0x14, 0x79, 0x01, 0x62, 0x00, 0xf0, 0x02, 0x40});
  ext.extended = true;  // seeds/001 §5.1: 29-bit ids must not be used
  EXPECT_EQ(decode(ext).error().code, Errc::kUnsupported);
  CanFrame rtr = std_frame(0x351, {});
  rtr.rtr = true;
  EXPECT_EQ(decode(rtr).error().code, Errc::kUnsupported);
}

TEST(CanBmsCodec, TolerantOfFieldIds) {
  for (std::uint32_t id : {0x359u, 0x35Bu, 0x35Cu}) {
    const auto t = decode_as<Tolerated>(std_frame(id, {0xC0, 0x00}));
    EXPECT_EQ(t.frame.id, id);
  }
}

TEST(CanBmsCodec, OutOfRangeValuesAreNotAvailable) {
  const auto s = decode_as<Soc>(
      std_frame(0x355, {0x65, 0x00, 0xFF, 0xFF, 0x11, 0x27}));  // 101 %, n/a, 100.01 %
  EXPECT_FALSE(s.soc_pct);
  EXPECT_FALSE(s.soh_pct);
  EXPECT_FALSE(s.soc_hires_pct);
  const auto d = decode_as<DcStatus>(std_frame(0x356, {0x00, 0x80, 0x00, 0x00}));  // -327.68 V
  EXPECT_FALSE(d.voltage_v);
  const auto mo =
      decode_as<Modules>(std_frame(0x372, {0x02, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00}));
  EXPECT_EQ(mo.ok, 2);
  EXPECT_FALSE(mo.blocking_charge);  // 0xFFFF = not supported (seeds/001 0x372)
  EXPECT_EQ(mo.offline, 0);
}

TEST(CanBmsCodec, StringsAreSevenBitAsciiWithPaddingAndUnprintablesDropped) {
  const auto t = decode_as<TextMessage>(std_frame(0x35E, {'P', 'Y', 'L', 'O', 'N', 0, 0, 0}));
  EXPECT_EQ(t.text.view(), "PYLON");
  const auto u =
      decode_as<TextMessage>(std_frame(0x374, {'M', 0x01, 'o', 0xC3, 'd', '1', ' ', ' '}));
  EXPECT_EQ(u.text.view(), "Mod1");
  EXPECT_EQ(encode(TextMessage{kIdName1, Text8::from_text("Battery")}),
            std_frame(0x370, {'B', 'a', 't', 't', 'e', 'r', 'y', 0}));
  EXPECT_EQ(Text8::from_text("caf\xc3\xa9 longer").view(), "caf?? lo");
}

TEST(CanBmsCodec, FirmwareIsBigEndianCapacityLittleEndian) {
  // seeds/001 0x35F: firmware "big-endian ordering, MSB first", capacity un16 LE.
  const auto b =
      decode_as<BatteryInfo>(std_frame(0x35F, {0x01, 0x00, 0x01, 0x15, 0x18, 0x01, 0, 0}));
  EXPECT_EQ(b.model, 1);
  EXPECT_EQ(b.firmware, 0x0115);
  EXPECT_EQ(b.online_capacity_ah, 280.0);
  const auto unused =
      decode_as<BatteryInfo>(std_frame(0x35F, {0x01, 0x00, 0x01, 0x15, 0x00, 0x00}));
  EXPECT_FALSE(unused.online_capacity_ah);  // "Set to zero if unused"
}

TEST(CanBmsCodec, CellTemperaturesAreKelvinAndEnergyIs100WhUnits) {
  const auto c =
      decode_as<CellExtremes>(std_frame(0x373, {0xE4, 0x0C, 0x0C, 0x0D, 0x29, 0x01, 0x2B, 0x01}));
  EXPECT_DOUBLE_EQ(*c.min_cell_temperature_c, 23.85);  // 297 K
  EXPECT_DOUBLE_EQ(*c.max_cell_temperature_c, 25.85);  // 299 K
  const auto e = decode_as<Energy>(std_frame(0x378, {0x10, 0x27, 0, 0, 0x64, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(*e.charged_kwh, 1000.0);  // 10000 × 100 Wh
  EXPECT_DOUBLE_EQ(*e.discharged_kwh, 10.0);
  EXPECT_EQ(decode_as<InstalledCapacity>(std_frame(0x379, {0x2C, 0x01})).capacity_ah, 300.0);
  EXPECT_TRUE(decode_as<ForceCharge>(std_frame(0x360, {0xFF})).requested);
  EXPECT_FALSE(decode_as<ForceCharge>(std_frame(0x360, {0xFE})).requested);  // "any other value"
}

TEST(CanBmsCodec, EveryTableIdDecodesAnEightByteFrameAndRoundTrips) {
  for (const auto& info : kMessages) {
    CanFrame f = std_frame(info.id, {0x12, 0x01, 0x22, 0x00, 0x33, 0x00, 0x44, 0x00});
    auto m = decode(f);
    ASSERT_TRUE(m) << info.name << ": " << m.error().message();
    EXPECT_EQ(message_id(*m), info.id) << info.name;
    auto again = decode(encode(*m));
    ASSERT_TRUE(again) << info.name;
    EXPECT_EQ(*again, *m) << info.name;
  }
}

TEST(CanBmsCodec, EncodeRoundsAndClamps) {
  EXPECT_EQ(encode(Limits{58.1, 110.0, 110.0, std::nullopt}),
            std_frame(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}));
  const auto l = decode_as<Limits>(encode(Limits{55.2, -5.0, 1e9, std::nullopt}));
  EXPECT_DOUBLE_EQ(l.charge_current_a, 0.0);        // never negative on the wire
  EXPECT_DOUBLE_EQ(l.discharge_current_a, 6553.5);  // the whole un16 range
  // Found by libFuzzer: 0xFFFF is a valid limit and must survive decode -> encode -> decode.
  const CanFrame max = CanFrame::standard(0x351, {0x45, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00});
  EXPECT_EQ(encode(decode_as<Limits>(max)), max);
  EXPECT_EQ(encode(Limits{55.2, std::nan(""), 10.0, std::nullopt}).data[2],
            0);  // NaN never becomes a big CCL
  EXPECT_EQ(encode(DcStatus{56.81, 20.6, 31.8}).payload().first(6)[0], 0x31);
}

TEST(CanBmsCodec, NamePrecedenceFollowsFaqQ2) {
  EXPECT_EQ(battery_name("Battery Module A", "PYLON"), "Battery Module A");
  EXPECT_EQ(battery_name("", "PYLON"), "Pylontech battery");  // recognised and replaced
  EXPECT_EQ(battery_name("", "ACME"), "ACME");                // used literally
  EXPECT_EQ(battery_name("", ""), "CAN-bus BMS battery");
}

}  // namespace
}  // namespace gxlink::canbms
