// SPDX-License-Identifier: MIT
// The demo's 48 V house bank (issue 12 item 7, "DC currents that add up"): the simulators the demo
// puts on it, run together with fake time as the demo runs them. At every second what the BMS and
// the SmartShunt measure is what the two MPPTs and the Multi report, less the house DC loads; the
// pack voltage the BMS sends is the bank's; and the chargers' current falls once the bank reaches
// their charge voltage.
#include <gtest/gtest.h>

#include <cmath>

#include "protocols/canbms/codec.hpp"
#include "registry/demo.hpp"
#include "sim/canbms/battery_sim.hpp"
#include "sim/dc_bus.hpp"
#include "sim/nmea2000/vecan_sim.hpp"
#include "sim/vebus/multi_sim.hpp"
#include "sim/vedirect/devices.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::registry {
namespace {

struct Row {
  double t;
  double shunt, bms, mppt, vecan, multi, loads, voltage, bms_pack_v;
};

TEST(DemoHouseBank, BatteryCurrentIsTheSumOfWhatTheDevicesPutIn) {
  sim::DcBus bank;
  bank.nominal_voltage = 48;
  bank.capacity_ah = 280;
  bank.soc = 0.65;

  const sim::vedirect::SimClockOptions day{600, 0.4};  // as the demo: mid-morning, sun up
  sim::vedirect::MpptSimulator mppt(day, sim::vedirect::mppt_150_35_48v());
  sim::vedirect::SmartShuntSimulator shunt(day, 48);
  sim::vebus::MultiSim multi;
  transport::InProcessCanBus vecan_bus{"can2"}, bms_bus{"can0"};
  auto vecan_ep = vecan_bus.attach("mppt");
  sim::nmea2000::VeCanDevice vecan(*vecan_ep, sim::nmea2000::VeCanProduct::kMppt150_70, 0x12345,
                                   0x20, 48);
  auto bms_ep = bms_bus.attach("bms");
  sim::canbms::BatterySimOptions bo;
  bo.max_charge_current_a = 50;
  sim::canbms::BatterySim bms(*bms_ep, bo);
  mppt.attach_bank(bank, "vedirect-mppt");
  shunt.attach_bank(bank);
  multi.attach_bank(bank, "multi");
  vecan.attach_bank(bank, "vecan-mppt");
  bms.attach_bank(bank);

  std::vector<Row> rows;
  TimePoint now{};
  for (int second = 0; second < 900; ++second) {
    const double t = second;
    // The demo's stepper: house loads, then the SOC.
    const double loads = demo_dc_loads(t);
    bank.set_current("dc-loads", -loads);
    for (int i = 0; i < 10; ++i) {  // the CAN devices and the Multi tick every 100 ms
      now += std::chrono::milliseconds(100);
      vecan.tick(now);
      vecan_bus.pump(now);
      multi.on_tick(now);
    }
    (void)mppt.tick(t);
    (void)shunt.tick(t);  // the monitors read last, as a sample of the same instant
    double pack_v = 0;
    for (const auto& f : bms.frames_due(now))
      if (auto m = canbms::decode(f))
        if (const auto* st = std::get_if<canbms::DcStatus>(&*m)) pack_v = st->voltage_v.value_or(0);
    rows.push_back({t, shunt.battery_current(), bms.state().current_a, mppt.battery_current(),
                    vecan.battery_current(), multi.dc_current(), loads, bank.voltage(), pack_v});
    bank.step(1.0);
  }

  int charging_rows = 0;
  for (const Row& r : rows) {
    SCOPED_TRACE(testing::Message() << "t = " << r.t);
    const double sum = r.mppt + r.vecan + r.multi - r.loads;
    // The shunt rounds to 1 mA (its TEXT I field); the rest are exact at the same instant.
    EXPECT_NEAR(r.shunt, sum, 0.001);
    EXPECT_NEAR(r.bms, sum, 1e-9);
    if (r.bms_pack_v > 0) {
      EXPECT_NEAR(r.bms_pack_v, r.voltage, 0.01);  // 0.01 V on the wire
    }
    if (r.mppt + r.vecan + r.multi > 1) ++charging_rows;
  }
  EXPECT_GT(charging_rows, 100);
  // The bank filled and the chargers held it at their charge voltage (the MPPTs' 57.6 V
  // absorption, the Multi's own): their current fell from what the sun and the mains offered.
  const Row& first = rows[60];
  const Row& last = rows.back();
  EXPECT_GT(first.mppt + first.vecan + first.multi, 40.0);
  EXPECT_LT(last.mppt + last.vecan + last.multi, 0.5 * (first.mppt + first.vecan + first.multi));
  EXPECT_LE(last.voltage, 57.6 + 0.05);
  EXPECT_GT(bank.soc, 0.9);
}

}  // namespace
}  // namespace gxlink::registry
