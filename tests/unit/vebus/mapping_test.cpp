// SPDX-License-Identifier: MIT
#include "drivers/vebus/vebus_mapping.hpp"

#include <gtest/gtest.h>

#include "model/model.hpp"
#include "protocols/vebus/codec.hpp"

namespace gxlink::drivers::vebus {
namespace {

namespace vb = gxlink::vebus;

vb::UnitState sample_state() {
  vb::UnitState s;
  s.phase_count = 1;
  vb::PhaseValues p;
  p.in_v = 238.99;
  p.in_i = 1.41;
  p.in_f = 50.1;
  p.out_v = 238.99;
  p.out_i = 0.26;
  p.out_f = 49.9;
  s.phases[0] = p;
  s.dc_voltage = 56.84;
  s.dc_current = 1.9;
  s.device_state = 9;
  s.charge_substate = 2;
  s.leds = vb::LedReply{0x03, 0x00, {}, {}};  // mains + absorption (vebus.csv)
  vb::ConfigInfo c;
  c.actual_limit = 500;
  c.min_limit = 30;
  c.max_limit = 500;
  c.switch_register = 0x30;
  s.config = c;
  s.input_power = 366;
  s.output_power = 38;
  s.soc = 100;
  return s;
}

TEST(VebusMapping, PathsMatchTheVenusRecording) {
  model::Model m;
  model::DeviceInstances inst;
  VebusMapping map(m, inst, "ttyO1");
  map.apply(sample_state(), true);
  const auto* s = m.find("com.victronenergy.vebus.ttyO1");
  ASSERT_NE(s, nullptr);
  // Values of the real capture data/dbus/dbus-recorder/vebus.csv for the same state.
  EXPECT_EQ(s->get("/DeviceInstance"), model::Value(std::int64_t{257}));
  EXPECT_EQ(s->get("/State"), model::Value(std::int64_t{4}));  // absorption
  EXPECT_EQ(s->get("/VebusMainState"), model::Value(std::int64_t{9}));
  EXPECT_EQ(s->get("/VebusChargeState"), model::Value(std::int64_t{2}));
  EXPECT_EQ(s->get("/Mode"), model::Value(std::int64_t{3}));
  EXPECT_EQ(s->get("/Leds/Mains"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s->get("/Leds/Absorption"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s->get("/Leds/Bulk"), model::Value(std::int64_t{0}));
  EXPECT_EQ(s->get("/Ac/ActiveIn/ActiveInput"), model::Value(std::int64_t{0}));
  EXPECT_EQ(s->get("/Ac/In/1/CurrentLimit"), model::Value(50.0));
  EXPECT_EQ(s->get("/Ac/ActiveIn/L1/P"), model::Value(std::int64_t{366}));
  EXPECT_EQ(s->get("/Ac/Out/L1/P"), model::Value(std::int64_t{38}));
  EXPECT_EQ(s->get("/Dc/0/Voltage"), model::Value(56.84));
  EXPECT_EQ(s->get("/Alarms/L1/Overload"), model::Value(std::int64_t{0}));
  EXPECT_FALSE(model::is_valid(s->get("/Ac/ActiveIn/L2/V")));
  EXPECT_FALSE(model::is_valid(s->get("/Alarms/L2/Overload")));
  const auto* limit = s->find("/Ac/In/1/CurrentLimit");
  ASSERT_TRUE(limit->meta.min && limit->meta.max);
  EXPECT_DOUBLE_EQ(*limit->meta.min, 3.0);
  EXPECT_DOUBLE_EQ(*limit->meta.max, 50.0);
}

TEST(VebusMapping, InvertingShowsNoActiveInputAndAlarmsFromLeds) {
  model::Model m;
  model::DeviceInstances inst;
  VebusMapping map(m, inst, "ttyUSB0");
  auto st = sample_state();
  st.device_state = 4;                         // invert full
  st.leds = vb::LedReply{0x30, 0x40, {}, {}};  // inverter + overload on, low battery blinking
  map.apply(st, true);
  const auto* s = m.find("com.victronenergy.vebus.ttyUSB0");
  EXPECT_EQ(s->get("/State"), model::Value(std::int64_t{9}));
  EXPECT_EQ(s->get("/Ac/ActiveIn/ActiveInput"), model::Value(std::int64_t{240}));
  EXPECT_EQ(s->get("/Alarms/Overload"), model::Value(std::int64_t{2}));
  EXPECT_EQ(s->get("/Alarms/LowBattery"), model::Value(std::int64_t{1}));
  EXPECT_EQ(s->get("/Leds/LowBattery"), model::Value(std::int64_t{2}));
}

TEST(VebusMapping, LostLinkInvalidatesAndWritesGoToHooks) {
  model::Model m;
  model::DeviceInstances inst;
  int mode_written = 0;
  double limit_written = 0;
  VebusWriteHooks hooks{[&](int v) {
                          mode_written = v;
                          return model::WriteResult::kOk;
                        },
                        [&](double a) {
                          limit_written = a;
                          return model::WriteResult::kOk;
                        },
                        nullptr};
  VebusMapping map(m, inst, "ttyUSB0", hooks);
  map.apply(sample_state(), true);
  EXPECT_EQ(m.write("com.victronenergy.vebus.ttyUSB0", "/Mode", std::int64_t{1}),
            model::WriteResult::kOk);
  EXPECT_EQ(mode_written, 1);
  EXPECT_EQ(m.write("com.victronenergy.vebus.ttyUSB0", "/Mode", std::int64_t{5}),
            model::WriteResult::kOutOfRange);
  EXPECT_EQ(m.write("com.victronenergy.vebus.ttyUSB0", "/Ac/In/1/CurrentLimit", 12.0),
            model::WriteResult::kOk);
  EXPECT_DOUBLE_EQ(limit_written, 12.0);
  EXPECT_EQ(m.write("com.victronenergy.vebus.ttyUSB0", "/Ac/In/1/CurrentLimit", 80.0),
            model::WriteResult::kOutOfRange);
  EXPECT_EQ(m.write("com.victronenergy.vebus.ttyUSB0", "/Dc/0/Voltage", 12.0),
            model::WriteResult::kNotWritable);
  map.apply(vb::UnitState{}, false);
  const auto* s = m.find("com.victronenergy.vebus.ttyUSB0");
  EXPECT_EQ(s->get("/Connected"), model::Value(std::int64_t{0}));
  EXPECT_FALSE(model::is_valid(s->get("/Dc/0/Voltage")));
}

TEST(VebusMapping, PassiveDecoderUsesTypicalScales) {
  PassiveDecoder pd;
  const std::uint8_t ac[] = {0x20, 0x01, 0x01, 0x01, 0x09, 0x08, 0xEC, 0x5A,
                             0x5F, 0xFF, 0xEC, 0x5A, 0x08, 0x00, 0xC3};
  auto f = vb::encode_frame(ac[0], ByteView(ac + 1, sizeof ac - 1));
  auto t = vb::take(f.view());
  ASSERT_EQ(t.status, vb::TakeStatus::kFrame);
  ASSERT_TRUE(pd.apply(t.frame));
  ASSERT_TRUE(pd.state().phases[0]);
  EXPECT_NEAR(pd.state().phases[0]->in_v, 232.76, 1e-9);
  EXPECT_NEAR(pd.state().phases[0]->in_i, -1.61, 1e-9);
}

}  // namespace
}  // namespace gxlink::drivers::vebus

namespace gxlink::drivers::vebus {
namespace {

// DVCC's paths exist from the start and are writable; the driver's hook decides, and only an
// accepted value is shown (issue 12: Venus' writes got UnknownObject before).
TEST(VebusMapping, DvccPathsGoToTheHookAndShowOnlyAcceptedValues) {
  model::Model m;
  model::DeviceInstances inst;
  std::vector<std::pair<std::string, double>> seen;
  VebusWriteHooks hooks{nullptr, nullptr, [&](std::string_view path, double v) {
                          seen.emplace_back(std::string(path), v);
                          return v > 100 ? model::WriteResult::kOutOfRange
                                         : model::WriteResult::kOk;
                        }};
  VebusMapping map(m, inst, "ttyUSB0", hooks);
  map.apply(sample_state(), true);
  const std::string svc = "com.victronenergy.vebus.ttyUSB0";
  for (auto p : kDvccPaths) ASSERT_NE(m.find(svc)->find(p), nullptr) << p;
  EXPECT_EQ(m.find(svc)->get("/FirmwareFeatures/BolFrame"), model::Value(std::int64_t{0}));
  EXPECT_EQ(m.write(svc, "/BatteryOperationalLimits/MaxChargeCurrent", model::Value(42.0)),
            model::WriteResult::kOk);
  EXPECT_EQ(m.find(svc)->get("/BatteryOperationalLimits/MaxChargeCurrent"), model::Value(42.0));
  EXPECT_EQ(m.write(svc, "/Dc/0/MaxChargeCurrent", model::Value(150.0)),
            model::WriteResult::kOutOfRange);
  EXPECT_FALSE(model::is_valid(m.find(svc)->get("/Dc/0/MaxChargeCurrent")));
  EXPECT_EQ(m.write(svc, "/BatterySense/Voltage", model::Value(std::string("x"))),
            model::WriteResult::kBadType);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, "/BatteryOperationalLimits/MaxChargeCurrent");
}

}  // namespace
}  // namespace gxlink::drivers::vebus
