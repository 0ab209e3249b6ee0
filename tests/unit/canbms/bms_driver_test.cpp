// SPDX-License-Identifier: MIT
#include "drivers/canbms/bms_driver.hpp"

#include <gtest/gtest.h>

#include "drivers/canbms/controller_policy.hpp"
#include "drivers/canbms/gx_driver.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::drivers::canbms {
namespace {
namespace cb = gxlink::canbms;

TimePoint at(double s) { return time_from_seconds(100.0 + s); }
constexpr const char* kSource = "com.victronenergy.battery.ttyUSB0";

struct BmsFixture : ::testing::Test {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  transport::InProcessCanBus bus{"can1"};
  std::unique_ptr<transport::InProcessCanBus::Endpoint> inverter = bus.attach("inverter");
  std::vector<CanFrame> seen;
  model::Service* src = nullptr;

  BmsFixture() {
    inverter->set_receiver([this](const CanFrame& f, TimePoint) { seen.push_back(f); });
    model::ServiceSpec spec;
    spec.type = "battery";
    spec.connection = "ttyUSB0";
    src = &model.add_service(spec);
    src->set("/Dc/0/Voltage", 26.4);
    src->set("/Dc/0/Current", 5.5);
    src->set("/Soc", 81.0);
    src->set("/Alarms/LowVoltage", std::int64_t{1});
    src->set("/System/NrOfModulesOnline", std::int64_t{4});
    src->set("/System/NrOfModulesBlockingCharge", std::int64_t{1});
    src->set("/System/MinVoltageCellId", std::string("M2C7"));
    src->set("/System/MinCellVoltage", 3.211);
    model.flush();
  }
  BmsDriverOptions options() {
    BmsDriverOptions o;
    o.source_service = kSource;
    o.limits = {28.4, 50.0, 80.0, std::nullopt};
    return o;
  }
  void tick(BmsDriver& d, double t) {
    model.flush();
    d.on_tick(at(t));
    bus.pump(at(t));
  }
};

TEST_F(BmsFixture, SnapshotReadsTheSourceService) {
  auto b = snapshot_from_service(*src);
  EXPECT_EQ(b.voltage_v, 26.4);
  EXPECT_EQ(b.soc_pct, 81.0);
  EXPECT_FALSE(b.temperature_c);
  EXPECT_EQ(b.alarm_levels[2], 1);  // low voltage warning
}

TEST_F(BmsFixture, EmulatesTheSourceBatteryOnTheBus) {
  BmsDriver d(ctx, bus.attach("bms"), options());
  d.attach();
  tick(d, 0);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].id, 0x351u);
  auto l = std::get<cb::Limits>(*cb::decode(seen[0]));
  EXPECT_DOUBLE_EQ(l.charge_voltage_v, 28.4);
  EXPECT_DOUBLE_EQ(l.charge_current_a, 50.0);
  EXPECT_DOUBLE_EQ(l.discharge_current_a, 80.0);
  auto dc = std::get<cb::DcStatus>(*cb::decode(seen[2]));
  EXPECT_DOUBLE_EQ(*dc.voltage_v, 26.4);
  EXPECT_EQ(d.session().state(), cb::BmsState::kRunning);
}

TEST_F(BmsFixture, DisconnectedSourceGivesZeroLimitsThenSilence) {
  BmsDriver d(ctx, bus.attach("bms"), options());
  d.attach();
  for (double t = 0; t < 3; t += 0.5) {
    src->set("/Dc/0/Voltage", 26.4 + t / 100);
    tick(d, t);
  }
  src->set("/Connected", std::int64_t{0});
  seen.clear();
  for (double t = 3; t < 8.5; t += 0.5) tick(d, t);
  ASSERT_GE(seen.size(), 5u);
  for (const auto& f : seen) {
    ASSERT_EQ(f.id, 0x351u);
    auto l = std::get<cb::Limits>(*cb::decode(f));
    EXPECT_DOUBLE_EQ(l.charge_current_a, 0.0);
    EXPECT_DOUBLE_EQ(l.discharge_current_a, 0.0);
    EXPECT_DOUBLE_EQ(l.charge_voltage_v, 28.4);
  }
  EXPECT_EQ(d.session().state(), cb::BmsState::kStopped);
  seen.clear();
  for (double t = 8.5; t < 20; t += 0.5) tick(d, t);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(d.health().state, HealthState::kFailed);
}

// policy = "controller" (issue 16): the limits follow the source's cells, and the fail-safe is the
// session's, whatever the policy.
TEST_F(BmsFixture, ControllerPolicyLowersCvlForAHighCellAndKeepsTheFailSafe) {
  auto cfg = control::defaults_for(control::Chemistry::kLfp, 8);
  cfg.ccl_max_a = 50;
  cfg.dcl_max_a = 80;
  auto policy = std::make_shared<ControllerLimitPolicy>(cfg, std::nullopt);
  BmsDriver d(ctx, bus.attach("bms"), options(), policy);
  d.attach();
  src->set("/System/MaxCellVoltage", 3.35);
  tick(d, 0);
  ASSERT_FALSE(seen.empty());
  auto l = std::get<cb::Limits>(*cb::decode(seen[0]));
  EXPECT_DOUBLE_EQ(l.charge_voltage_v, 27.6);  // 8 × 3.45, not the static 28.4
  EXPECT_DOUBLE_EQ(l.charge_current_a, 50.0);
  // One cell runs up the knee: the CVL comes down, in 0.1 V steps, not more often than 20 s.
  src->set("/System/MaxCellVoltage", 3.58);  // above the 3.45 V set-point, below protection
  std::vector<std::pair<double, double>> changes;
  double last = l.charge_voltage_v;
  for (double t = 1; t < 120; t += 1) {
    seen.clear();
    tick(d, t);
    for (const auto& f : seen)
      if (f.id == 0x351u) {
        const double cvl = std::get<cb::Limits>(*cb::decode(f)).charge_voltage_v;
        if (cvl != last) changes.push_back({t, cvl});
        last = cvl;
      }
  }
  ASSERT_GE(changes.size(), 2u);
  EXPECT_LT(last, 27.6);
  for (std::size_t i = 1; i < changes.size(); ++i)
    EXPECT_GE(changes[i].first - changes[i - 1].first, 20 - 1e-9);
  // Full but not at protection: CCL stays above 0.
  const double ccl = std::get<cb::Limits>(*cb::decode(seen[0])).charge_current_a;
  EXPECT_GT(ccl, 0);
  // Source lost: CCL = DCL = 0, then silence.
  src->set("/Connected", std::int64_t{0});
  seen.clear();
  for (double t = 120; t < 126; t += 0.5) tick(d, t);
  ASSERT_FALSE(seen.empty());
  for (const auto& f : seen) {
    auto z = std::get<cb::Limits>(*cb::decode(f));
    EXPECT_DOUBLE_EQ(z.charge_current_a, 0.0);
    EXPECT_DOUBLE_EQ(z.discharge_current_a, 0.0);
  }
  EXPECT_EQ(d.session().state(), cb::BmsState::kStopped);
}

TEST(ControllerPolicy, MeasurementComesFromTheSnapshot) {
  cb::BatterySnapshot b;
  b.voltage_v = 53.1;
  b.current_a = -4;
  b.soc_pct = 77;
  b.min_cell_voltage_v = 3.30;
  b.max_cell_voltage_v = 3.34;
  b.temperature_c = 21;
  b.max_cell_temperature_c = 24;
  const auto m = measurement_from(b);
  EXPECT_DOUBLE_EQ(m.pack_v, 53.1);
  EXPECT_DOUBLE_EQ(m.current_a, -4);
  EXPECT_EQ(m.soc_pct, 77);
  EXPECT_EQ(m.cell_min_v, 3.30);
  EXPECT_EQ(m.cell_max_v, 3.34);
  EXPECT_EQ(m.temp_min_c, 21);  // no cell minimum: the battery temperature
  EXPECT_EQ(m.temp_max_c, 24);
  // No pack voltage: nothing to control on, so no current either way.
  ControllerLimitPolicy p(control::defaults_for(control::Chemistry::kLfp, 16), 44.0);
  const auto l = p.limits(cb::BatterySnapshot{}, at(0));
  EXPECT_DOUBLE_EQ(l.charge_current_a, 0);
  EXPECT_DOUBLE_EQ(l.discharge_current_a, 0);
  EXPECT_NEAR(l.charge_voltage_v, 54.0, 1e-9);
  EXPECT_EQ(l.battery_low_voltage_v, 44.0);
}

TEST_F(BmsFixture, SteadyConnectedSourceKeepsTheEmulationRunning) {
  // A battery at rest: identical values for minutes. The inverter must keep its limits.
  BmsDriver d(ctx, bus.attach("bms"), options());
  d.attach();
  for (double t = 0; t < 300; t += 0.5) tick(d, t);
  EXPECT_EQ(d.session().state(), cb::BmsState::kRunning);
  seen.clear();
  tick(d, 300);
  tick(d, 301);
  ASSERT_FALSE(seen.empty());
  auto l = std::get<cb::Limits>(*cb::decode(seen[0]));
  EXPECT_DOUBLE_EQ(l.charge_current_a, 50.0);
}

TEST_F(BmsFixture, RemovedSourceServiceTriggersTheFailSafe) {
  BmsDriver d(ctx, bus.attach("bms"), options());
  d.attach();
  tick(d, 0);
  model.remove_service(kSource);
  src = nullptr;
  tick(d, 0.5);
  EXPECT_EQ(d.session().state(), cb::BmsState::kFailSafe);
}

TEST_F(BmsFixture, BothRolesTogetherMirrorTheSourceIntoAGxService) {
  // Battery emulation and GX role on one bus: the GX-side service must show the source's values.
  BmsDriver bms(ctx, bus.attach("bms"), options());
  GxDriver gx(ctx, bus.attach("gx"));
  bms.attach();
  gx.attach();
  for (double t = 0; t < 3; t += 0.25) {
    src->set("/Dc/0/Current", 5.5 + t);
    tick(bms, t);
    gx.on_tick(at(t));
    bus.pump(at(t));
  }
  const model::Service* mirrored = model.find("com.victronenergy.battery.socketcan_can1");
  ASSERT_NE(mirrored, nullptr);
  EXPECT_EQ(mirrored->get("/Info/MaxChargeVoltage"), model::Value{28.4});
  EXPECT_EQ(mirrored->get("/Soc"), model::Value{81.0});
  EXPECT_EQ(mirrored->get("/Alarms/LowVoltage"), model::Value{std::int64_t{1}});
  EXPECT_EQ(mirrored->get("/ProductName"), model::Value{std::string("GXLINK")});
  EXPECT_EQ(mirrored->get("/System/NrOfModulesOnline"), model::Value{std::int64_t{4}});
  EXPECT_EQ(mirrored->get("/System/NrOfModulesBlockingCharge"), model::Value{std::int64_t{1}});
  EXPECT_FALSE(model::is_valid(mirrored->get("/System/NrOfModulesOffline")));  // 0xFFFF: unknown
  EXPECT_EQ(mirrored->get("/System/MinVoltageCellId"), model::Value{std::string("M2C7")});
  EXPECT_EQ(mirrored->get("/System/MinCellVoltage"), model::Value{3.211});
  EXPECT_EQ(bms.session().inverter_link(at(3)),
            cb::InverterLink::kOk);  // the GX's 0x305 reached it
  EXPECT_TRUE(bms.session().inverter_is_victron());
}

}  // namespace
}  // namespace gxlink::drivers::canbms
