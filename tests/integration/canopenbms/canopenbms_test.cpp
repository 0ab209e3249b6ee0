// SPDX-License-Identifier: MIT
// Issue 6 item 4, end to end in fake time: two simulated SuperB nodes on a 250 k in-process bus,
// the CANopen bank reading them into the model, the BMS role speaking for the bank's aggregate on a
// 500 k in-process bus, and a GX-role driver on that bus showing what an inverter would see.
#include <cmath>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "drivers/canbms/bms_driver.hpp"
#include "drivers/canbms/gx_driver.hpp"
#include "drivers/canopen/canopen_bank.hpp"
#include "drivers/canopen/canopen_config.hpp"
#include "protocols/canbms/codec.hpp"
#include "sim/canopen/superb_node_sim.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink {
namespace {

namespace cb = gxlink::canbms;
using transport::InProcessCanBus;

constexpr const char* kBank = "com.victronenergy.battery.canopen_bank";
constexpr const char* kNode1 = "com.victronenergy.battery.canopen_node1";
constexpr const char* kGx = "com.victronenergy.battery.socketcan_can0";  // the inverter's view

// The configuration a user writes (config/gxlink.example.toml), minus the live interfaces.
constexpr const char* kCanopenToml = R"(
  interface = "can1"
  nodes = [{ id = 1, capacity_ah = 150 }, { id = 2, capacity_ah = 100 }]
)";

struct Sent {
  TimePoint t;
  CanFrame f;
};

struct Chain {
  TimePoint now = TimePoint{} + seconds(1000);
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};
  InProcessCanBus bus250{"can1", [this] { return now; }};
  InProcessCanBus bus500{"can0", [this] { return now; }};
  std::vector<std::unique_ptr<InProcessCanBus::Endpoint>> sim_ends;
  std::vector<std::unique_ptr<sim::canopen::SuperbNodeSim>> sims;
  std::unique_ptr<InProcessCanBus::Endpoint> bank_end = bus250.attach("canopen");
  std::unique_ptr<drivers::canopen::CanopenBank> bank;
  std::unique_ptr<drivers::canbms::BmsDriver> bms;
  std::unique_ptr<drivers::canbms::GxDriver> gx;
  std::unique_ptr<InProcessCanBus::Endpoint> probe = bus500.attach("probe");
  std::vector<Sent> on_500;  ///< every frame the BMS role put on the 500 k bus

  Chain() {
    probe->set_receiver([this](const CanFrame& f, TimePoint t) {
      if (f.id >= 0x350 && f.id < 0x380) on_500.push_back({t, f});
    });
    drivers::canbms::BmsDriverOptions o;
    o.source_service = kBank;
    o.limits = {14.2, 80.0, 120.0, std::nullopt};  // 12 V SuperB units in parallel
    bms = std::make_unique<drivers::canbms::BmsDriver>(ctx, bus500.attach("bms"), o);
    bms->attach();
    gx = std::make_unique<drivers::canbms::GxDriver>(ctx, bus500.attach("gx"));
    gx->attach();
  }

  sim::canopen::SuperbNodeSim& add_node(std::uint8_t id, double soc, double amps, double temp) {
    sim::canopen::SuperbNodeOptions o;
    o.node_id = id;
    o.capacity_ah = id == 1 ? 150 : 100;
    o.soc = soc;
    o.current_a = amps;
    o.temperature_c = temp;
    o.cycle_current = false;
    sim_ends.push_back(bus250.attach("superb" + std::to_string(id)));
    sims.push_back(std::make_unique<sim::canopen::SuperbNodeSim>(*sim_ends.back(), o, now));
    return *sims.back();
  }

  void start_bank() {
    bank = std::make_unique<drivers::canopen::CanopenBank>(
        model, instances, drivers::canopen::parse_canopen_config(toml::parse(kCanopenToml)),
        [this](const CanFrame& f) { return bank_end->send(f); });
    bank_end->set_receiver([this](const CanFrame& f, TimePoint t) { bank->on_frame(f, t); });
    bank->start(now);
  }

  void run_for(Duration d, Duration step = milliseconds(50)) {
    const TimePoint end = now + d;
    while (now < end) {
      now += step;
      for (auto& s : sims) s->on_tick(now);
      if (bank) bank->on_tick(now);
      bus250.pump(now);
      model.flush();
      bms->on_tick(now);
      gx->on_tick(now);
      bus500.pump(now);
      model.flush();
    }
  }

  const model::Value& get(const char* service, const char* path) const {
    static const model::Value kNone;
    const model::Service* s = model.find(service);
    return s ? s->get(path) : kNone;
  }
  double num(const char* service, const char* path) const {
    return model::as_double(get(service, path)).value_or(-9999);
  }
  std::vector<Sent> limits_since(TimePoint t) const {
    std::vector<Sent> out;
    for (const auto& s : on_500)
      if (s.f.id == cb::kIdLimits && s.t >= t) out.push_back(s);
    return out;
  }
};

cb::Limits limits_of(const CanFrame& f) {
  auto m = cb::decode(f);
  EXPECT_TRUE(m.has_value());
  return m ? std::get<cb::Limits>(*m) : cb::Limits{};
}

// What an inverter is told about a healthy bank: the bank's own figures, the configured limits.
void expect_inverter_sees_bank(const Chain& c) {
  EXPECT_EQ(c.num(kGx, "/Connected"), 1);
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Voltage"), c.num(kBank, "/Dc/0/Voltage"), 0.006);  // 0.01 V
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Current"), c.num(kBank, "/Dc/0/Current"), 0.051);  // 0.1 A
  EXPECT_EQ(c.num(kGx, "/Soc"), std::round(c.num(kBank, "/Soc")));
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Temperature"), c.num(kBank, "/Dc/0/Temperature"), 0.051);
  EXPECT_NEAR(c.num(kGx, "/Info/MaxChargeVoltage"), 14.2, 1e-9);
  EXPECT_NEAR(c.num(kGx, "/Info/MaxChargeCurrent"), 80.0, 1e-9);
  EXPECT_NEAR(c.num(kGx, "/Info/MaxDischargeCurrent"), 120.0, 1e-9);
}

TEST(CanopenBms, TwoBatteryBankAppearsToTheInverterAsOneManagedBattery) {
  Chain c;
  auto& a = c.add_node(1, 80, 6.0, 21.5);
  auto& b = c.add_node(2, 60, -2.0, 24.0);
  c.start_bank();
  c.run_for(seconds(12));  // past one slow round (10 s): 0x35E/0x35F/0x379 again
  ASSERT_EQ(c.num(kBank, "/Connected"), 1);
  ASSERT_EQ(c.num(kBank, "/System/NrOfModulesOnline"), 2);
  expect_inverter_sees_bank(c);
  // Independent of the bank's arithmetic: what the two simulated batteries say.
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Voltage"), (a.voltage() + b.voltage()) / 2, 0.006);
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Current"), 4.0, 0.051);
  // Capacity-weighted: (80 * 150 + 60 * 100) / 250 = 72, not the plain mean 70.
  EXPECT_EQ(c.num(kGx, "/Soc"),
            std::round((std::round(a.soc()) * 150 + std::round(b.soc()) * 100) / 250));
  EXPECT_EQ(c.num(kGx, "/Soc"), 72);
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Temperature"), 24.0, 0.051);  // the warmest unit
  EXPECT_EQ(c.num(kGx, "/InstalledCapacity"), 250);
  EXPECT_EQ(c.num(kGx, "/System/NrOfModulesOnline"), 2);
  EXPECT_EQ(c.num(kGx, "/System/NrOfModulesOffline"), 0);
  EXPECT_FALSE(model::is_valid(c.get(kGx, "/System/MinCellVoltage")));  // SuperB does not say
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kRunning);
  EXPECT_EQ(c.bms->session().inverter_link(c.now), cb::InverterLink::kOk);  // GX's 0x305 seen
}

TEST(CanopenBms, BankAtRestIsNotTakenForStale) {
  // Zero current and a steady SOC: no measured value changes for minutes. The bank's update
  // counter keeps the source fresh, so the BMS role must not fall into its 30 s fail-safe.
  Chain c;
  c.add_node(1, 100, 0.0, 20.0);
  c.add_node(2, 100, 0.0, 20.0);
  c.start_bank();
  c.run_for(seconds(90), milliseconds(100));
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kRunning);
  expect_inverter_sees_bank(c);
  for (const auto& s : c.limits_since(c.now - seconds(80)))
    EXPECT_NEAR(limits_of(s.f).charge_current_a, 80.0, 1e-9);
}

TEST(CanopenBms, OneNodeDropsOutAndTheBatteryGoesOnWithTheOther) {
  Chain c;
  auto& a = c.add_node(1, 70, 5.0, 22.0);
  auto& b = c.add_node(2, 40, 3.0, 25.0);
  c.start_bank();
  c.run_for(seconds(5));
  ASSERT_EQ(c.num(kGx, "/System/NrOfModulesOnline"), 2);
  b.set_silent(true);
  c.run_for(seconds(8));
  EXPECT_EQ(c.num(kBank, "/System/NrOfModulesOnline"), 1);
  EXPECT_EQ(c.num(kGx, "/System/NrOfModulesOnline"), 1);
  EXPECT_EQ(c.num(kGx, "/System/NrOfModulesOffline"), 1);
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Voltage"), a.voltage(), 0.006);
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Current"), 5.0, 0.051);
  EXPECT_EQ(c.num(kGx, "/Soc"), std::round(a.soc()));
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Temperature"), 22.0, 0.051);
  // The limits stay as configured, and keep going long past the source timeout.
  c.run_for(seconds(60), milliseconds(100));
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kRunning);
  expect_inverter_sees_bank(c);
  EXPECT_EQ(c.num(kGx, "/InstalledCapacity"), 150);  // 0x379 is in the 10 s round
  // Node 2 back: the bank and the emulated battery are whole again.
  b.set_silent(false);
  c.run_for(seconds(5));
  EXPECT_EQ(c.num(kGx, "/System/NrOfModulesOnline"), 2);
  EXPECT_NEAR(c.num(kGx, "/Dc/0/Current"), 8.0, 0.051);
}

TEST(CanopenBms, WholeBankSilentGivesZeroLimitsThenSilenceAndTheGxDisconnects) {
  Chain c;
  auto& a = c.add_node(1, 80, 6.0, 21.5);
  auto& b = c.add_node(2, 60, -2.0, 24.0);
  c.start_bank();
  c.run_for(seconds(5));
  ASSERT_EQ(c.num(kGx, "/Connected"), 1);
  const TimePoint silent_at = c.now;
  a.set_silent(true);
  b.set_silent(true);
  TimePoint bank_lost{};
  for (int i = 0; i < 200 && c.num(kBank, "/Connected") == 1; ++i) {
    c.run_for(milliseconds(50));
    bank_lost = c.now;
  }
  ASSERT_EQ(c.num(kBank, "/Connected"), 0);  // node_timeout (5 s) after the last answer
  EXPECT_LE(bank_lost - silent_at, seconds(7));
  c.run_for(seconds(20));

  const auto after = c.limits_since(bank_lost);
  ASSERT_FALSE(after.empty());
  // Zero limits within a tick of the bank going away, CVL kept (never 0: seeds/001 §1.5) ...
  EXPECT_LE(after.front().t - bank_lost, milliseconds(600));
  for (const auto& s : after) {
    const auto l = limits_of(s.f);
    EXPECT_DOUBLE_EQ(l.charge_current_a, 0.0);
    EXPECT_DOUBLE_EQ(l.discharge_current_a, 0.0);
    EXPECT_NEAR(l.charge_voltage_v, 14.2, 1e-9);
  }
  // ... for the fail-safe hold (5 s), then nothing: 0x351 stops.
  EXPECT_GE(after.size(), 4u);
  EXPECT_GE(after.back().t - after.front().t, seconds(4));
  EXPECT_LE(after.back().t - after.front().t, seconds(6));
  EXPECT_TRUE(c.limits_since(after.back().t + milliseconds(1)).empty());
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kStopped);
  // The inverter side: the last thing it heard was CCL = DCL = 0, and after 3 s of silence the
  // battery is gone.
  EXPECT_EQ(c.num(kGx, "/Connected"), 0);
  EXPECT_FALSE(model::is_valid(c.get(kGx, "/Info/MaxChargeCurrent")));
}

TEST(CanopenBms, GxDisconnectsAboutThreeSecondsAfterTheLastLimits) {
  Chain c;
  auto& a = c.add_node(1, 80, 6.0, 21.5);
  c.add_node(2, 60, -2.0, 24.0).set_silent(true);
  c.start_bank();
  c.run_for(seconds(8));
  ASSERT_EQ(c.num(kGx, "/Connected"), 1);
  a.set_silent(true);
  // Run until the BMS role has gone quiet, then watch the GX side second by second.
  for (int i = 0; i < 400 && c.bms->session().state() != cb::BmsState::kStopped; ++i)
    c.run_for(milliseconds(50));
  ASSERT_EQ(c.bms->session().state(), cb::BmsState::kStopped);
  const auto zeros = c.limits_since(TimePoint{});
  ASSERT_FALSE(zeros.empty());
  const TimePoint last = zeros.back().t;
  EXPECT_DOUBLE_EQ(limits_of(zeros.back().f).charge_current_a, 0.0);
  while (c.now < last + milliseconds(2500)) c.run_for(milliseconds(50));
  EXPECT_EQ(c.num(kGx, "/Connected"), 1);  // still within the GX's 3 s
  EXPECT_NEAR(c.num(kGx, "/Info/MaxChargeCurrent"), 0.0, 1e-9);
  EXPECT_NEAR(c.num(kGx, "/Info/MaxDischargeCurrent"), 0.0, 1e-9);
  c.run_for(seconds(2));
  EXPECT_EQ(c.num(kGx, "/Connected"), 0);
}

TEST(CanopenBms, BankThatAppearsAfterTheBmsRoleIsPickedUp) {
  // The BMS role may start before the CANopen driver (config order): it waits, silent.
  Chain c;
  c.add_node(1, 80, 6.0, 21.5);
  c.add_node(2, 60, -2.0, 24.0);
  c.run_for(seconds(3));
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kWaiting);
  EXPECT_TRUE(c.limits_since(TimePoint{}).empty());
  EXPECT_NE(c.num(kGx, "/Connected"), 1);
  c.start_bank();
  c.run_for(seconds(5));
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kRunning);
  expect_inverter_sees_bank(c);
  EXPECT_EQ(c.num(kGx, "/Soc"), 72);
}

TEST(CanopenBms, BankComingBackAfterTheFailSafeResumesTheBattery) {
  Chain c;
  auto& a = c.add_node(1, 80, 6.0, 21.5);
  auto& b = c.add_node(2, 60, -2.0, 24.0);
  c.start_bank();
  c.run_for(seconds(5));
  a.set_silent(true);
  b.set_silent(true);
  c.run_for(seconds(20));
  ASSERT_EQ(c.bms->session().state(), cb::BmsState::kStopped);
  a.set_silent(false);
  b.set_silent(false);
  c.run_for(seconds(5));
  EXPECT_EQ(c.bms->session().state(), cb::BmsState::kRunning);
  expect_inverter_sees_bank(c);
  EXPECT_EQ(c.num(kNode1, "/Connected"), 1);
}

}  // namespace
}  // namespace gxlink
