// SPDX-License-Identifier: MIT
#include "protocols/canbms/bms_session.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace gxlink::canbms {
namespace {

TimePoint at(double s) { return time_from_seconds(500.0 + s); }

BatterySnapshot battery() {
  BatterySnapshot b;
  b.voltage_v = 53.12;
  b.current_a = -12.5;
  b.temperature_c = 21.4;
  b.soc_pct = 76.4;
  b.soh_pct = 98;
  b.alarm_levels[1] = 0;  // high voltage: OK
  b.alarm_levels[2] = 1;  // low voltage: warning
  b.alarm_levels[3] = 2;  // high temperature: alarm
  return b;
}

BmsSession make(BmsOptions o = {}) {
  return BmsSession(std::move(o),
                    std::make_shared<StaticLimitPolicy>(LimitValues{55.2, 100.0, 150.0, 44.0}));
}

std::vector<CanFrame> run(BmsSession& s, double from, double to, double step = 0.1) {
  std::vector<CanFrame> out;
  for (double t = from; t <= to + 1e-9; t += step) s.on_tick(at(t), out);
  return out;
}

std::size_t count_id(const std::vector<CanFrame>& v, std::uint32_t id) {
  return static_cast<std::size_t>(
      std::count_if(v.begin(), v.end(), [&](const CanFrame& f) { return f.id == id; }));
}

TEST(CanBmsBmsSession, SilentUntilTheSourceHasData) {
  auto s = make();
  EXPECT_TRUE(run(s, 0, 5).empty());
  EXPECT_EQ(s.state(), BmsState::kWaiting);
}

TEST(CanBmsBmsSession, SendsTheFrameSetWithLimitsEverySecond) {
  auto s = make();
  s.on_source(battery(), at(0));
  auto out = run(s, 0, 9.95);
  EXPECT_EQ(count_id(out, 0x351), 10u);
  EXPECT_EQ(count_id(out, 0x355), 10u);
  EXPECT_EQ(count_id(out, 0x356), 10u);
  EXPECT_EQ(count_id(out, 0x35A), 10u);
  EXPECT_EQ(count_id(out, 0x35E), 1u);
  EXPECT_EQ(count_id(out, 0x35F), 1u);
  ASSERT_EQ(out.front().id, 0x351u);  // limits first
  auto l = std::get<Limits>(*decode(out.front()));
  EXPECT_DOUBLE_EQ(l.charge_voltage_v, 55.2);
  EXPECT_DOUBLE_EQ(l.charge_current_a, 100.0);
  EXPECT_DOUBLE_EQ(l.discharge_current_a, 150.0);
  EXPECT_EQ(l.discharge_voltage_v, 44.0);
  auto soc = std::get<Soc>(*decode(out[1]));
  EXPECT_EQ(soc.soc_pct, 76.0);
  auto dc = std::get<DcStatus>(*decode(out[2]));
  EXPECT_DOUBLE_EQ(*dc.voltage_v, 53.12);
  EXPECT_DOUBLE_EQ(*dc.current_a, -12.5);
  auto al = std::get<Alarms>(*decode(out[3]));
  EXPECT_EQ(al.venus_level(kAlarms[1]), 0);
  EXPECT_EQ(al.venus_level(kAlarms[2]), 1);
  EXPECT_EQ(al.venus_level(kAlarms[3]), 2);
  EXPECT_EQ(al.venus_level(kAlarms[0]), std::nullopt);  // unsupported -> 00
  EXPECT_EQ(al.alarm(kAlarms[0]), PairState::kNotSupported);
  // The neutral manufacturer name (reference §0.5: names select GX quirks).
  auto name = std::find_if(out.begin(), out.end(), [](const CanFrame& f) { return f.id == 0x35E; });
  EXPECT_EQ(std::get<TextMessage>(*decode(*name)).text.view(), "GXLINK");
}

TEST(CanBmsBmsSession, FailSafeSendsZeroCurrentsThenStops) {
  BmsOptions o;
  o.failsafe_hold = seconds(5);
  auto s = make(o);
  s.on_source(battery(), at(0));
  run(s, 0, 2.0);
  s.on_source_lost(at(2.05));
  EXPECT_EQ(s.state(), BmsState::kFailSafe);
  auto fs = run(s, 2.1, 6.95);
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.front().id, 0x351u);  // at once, not a second later
  for (const auto& f : fs) {
    ASSERT_EQ(f.id, 0x351u) << "only limits during the fail-safe";
    auto l = std::get<Limits>(*decode(f));
    EXPECT_DOUBLE_EQ(l.charge_current_a, 0.0);
    EXPECT_DOUBLE_EQ(l.discharge_current_a, 0.0);
    EXPECT_DOUBLE_EQ(l.charge_voltage_v, 55.2);  // never CVL = 0
  }
  EXPECT_GE(fs.size(), 4u);
  auto after = run(s, 7.05, 30);
  EXPECT_TRUE(after.empty());
  EXPECT_EQ(s.state(), BmsState::kStopped);
  // Fresh data brings it back.
  s.on_source(battery(), at(31));
  auto back = run(s, 31, 31);
  ASSERT_FALSE(back.empty());
  EXPECT_DOUBLE_EQ(std::get<Limits>(*decode(back.front())).charge_current_a, 100.0);
}

TEST(CanBmsBmsSession, StaleSourceWithoutUpdatesTriggersFailSafe) {
  BmsOptions o;
  o.source_timeout = seconds(10);
  auto s = make(o);
  s.on_source(battery(), at(0));
  run(s, 0, 9.9);
  EXPECT_EQ(s.state(), BmsState::kRunning);
  run(s, 10.0, 10.0);
  EXPECT_EQ(s.state(), BmsState::kFailSafe);
}

TEST(CanBmsBmsSession, InverterKeepaliveIsToleratedForTenMinutes) {
  auto s = make();
  EXPECT_EQ(s.inverter_link(at(0)), InverterLink::kNeverSeen);
  s.on_frame(CanFrame::standard(0x305, {0, 0, 0, 0, 0, 0, 0, 0}), at(0));
  s.on_frame(CanFrame::standard(0x307, {0x12, 0x34, 0x56, 0x78, 'V', 'I', 'C', 0}), at(0.01));
  EXPECT_TRUE(s.inverter_is_victron());
  EXPECT_EQ(s.inverter_link(at(599)), InverterLink::kOk);
  EXPECT_EQ(s.inverter_link(at(600.02)), InverterLink::kLost);
  // Sending never depends on the inverter.
  s.on_source(battery(), at(700));
  EXPECT_FALSE(run(s, 700, 701).empty());
}

TEST(CanBmsBmsSession, AnInverterThatAppearsGetsTheIdentificationAtOnce) {
  auto s = make();
  s.on_source(battery(), at(0));
  run(s, 0, 3);  // the first slow round went to nobody
  s.on_frame(CanFrame::standard(0x305, {0, 0, 0, 0, 0, 0, 0, 0}), at(3.05));
  auto out = run(s, 3.1, 3.1);
  EXPECT_EQ(count_id(out, 0x35E), 1u);
  s.on_frame(CanFrame::standard(0x305, {0, 0, 0, 0, 0, 0, 0, 0}), at(3.5));
  EXPECT_EQ(count_id(run(s, 3.6, 3.6), 0x35E), 0u);  // only on (re)appearance
}

TEST(CanBmsBmsSession, AlarmLevelsEncodeAsPairs) {
  std::array<std::optional<int>, kAlarms.size()> lv{};
  lv[1] = 2;
  lv[2] = 0;
  auto a = alarms_from_levels(lv);
  EXPECT_EQ(a.alarm(kAlarms[1]), PairState::kActive);
  EXPECT_EQ(a.warning(kAlarms[1]), PairState::kOk);
  EXPECT_EQ(a.alarm(kAlarms[2]), PairState::kOk);
  EXPECT_EQ(a.warning(kAlarms[2]), PairState::kOk);
  // Byte 0, LSB first: general 00, high voltage 01 (active), low voltage 10 (OK).
  EXPECT_EQ(a.bytes[0], 0b00100100);
  // Byte 4: both warnings OK (10), general warning unsupported (00).
  EXPECT_EQ(a.bytes[4], 0b00101000);
}

}  // namespace
}  // namespace gxlink::canbms
