// SPDX-License-Identifier: MIT
// The bank driver against simulated SuperB nodes on an in-process bus, all in fake time.
#include "drivers/canopen/canopen_bank.hpp"

#include <memory>

#include <gtest/gtest.h>

#include "sim/canopen/superb_node_sim.hpp"
#include "support/log_capture.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::drivers::canopen {
namespace {

using transport::InProcessCanBus;

struct Rig {
  TimePoint now = TimePoint{} + seconds(1000);
  InProcessCanBus bus{"can1", [this] { return now; }};
  model::Model model;
  model::DeviceInstances instances;
  std::vector<std::unique_ptr<InProcessCanBus::Endpoint>> endpoints;
  std::vector<std::unique_ptr<sim::canopen::SuperbNodeSim>> sims;
  std::unique_ptr<InProcessCanBus::Endpoint> driver_end;
  std::unique_ptr<CanopenBank> bank;
  std::size_t requests_6051 = 0;

  sim::canopen::SuperbNodeSim& add_sim(sim::canopen::SuperbNodeOptions o) {
    o.cycle_current = false;
    endpoints.push_back(bus.attach("sim" + std::to_string(endpoints.size())));
    sims.push_back(std::make_unique<sim::canopen::SuperbNodeSim>(*endpoints.back(), o, now));
    return *sims.back();
  }
  void start(CanopenConfig cfg) {
    driver_end = bus.attach("driver");
    bank =
        std::make_unique<CanopenBank>(model, instances, std::move(cfg), [this](const CanFrame& f) {
          if (f.id >= 0x600 && f.data[0] == 0x40 && load_le16(f.payload(), 1) == 0x6051)
            ++requests_6051;
          return driver_end->send(f);
        });
    driver_end->set_receiver([this](const CanFrame& f, TimePoint t) { bank->on_frame(f, t); });
    bank->start(now);
  }
  void run_for(Duration d, Duration step = milliseconds(10)) {
    const TimePoint end = now + d;
    while (now < end) {
      now += step;
      for (auto& s : sims) s->on_tick(now);
      bank->on_tick(now);
      bus.pump(now);
    }
  }
  const model::Value& get(const std::string& service, const std::string& path) {
    const model::Service* s = model.find(service);
    static const model::Value kNone;
    return s ? s->get(path) : kNone;
  }
  double num(const std::string& service, const std::string& path) {
    auto v = model::as_double(get(service, path));
    return v ? *v : -9999;
  }
};

const std::string kNode1 = "com.victronenergy.battery.canopen_node1";
const std::string kNode2 = "com.victronenergy.battery.canopen_node2";
const std::string kBank = "com.victronenergy.battery.canopen_bank";

CanopenConfig two_nodes() {
  CanopenConfig c;
  c.interface = "can1";
  c.nodes = {{1, 150.0}, {2, 100.0}};
  return c;
}

/// The bank of two_nodes() with node 1 only.
CanopenConfig node1_only() {
  CanopenConfig c = two_nodes();
  c.nodes = {{1, 150.0}};
  return c;
}

sim::canopen::SuperbNodeOptions node(std::uint8_t id, double soc, double amps, double temp,
                                     bool old = false) {
  sim::canopen::SuperbNodeOptions o;
  o.node_id = id;
  o.soc = soc;
  o.current_a = amps;
  o.temperature_c = temp;
  o.old_firmware = old;
  o.capacity_ah = id == 1 ? 150 : 100;
  return o;
}

TEST(CanopenBank, ConfiguredNodesAreShownDisconnectedUntilHeard) {
  Rig r;
  r.start(two_nodes());
  ASSERT_NE(r.model.find(kNode1), nullptr);
  EXPECT_EQ(r.num(kNode1, "/Connected"), 0);
  EXPECT_EQ(r.num(kBank, "/Connected"), 0);
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 0);
  EXPECT_EQ(r.num(kBank, "/System/NrOfBatteries"), 2);
  r.run_for(seconds(3));
  EXPECT_EQ(r.num(kNode1, "/Connected"), 0);  // nobody there
  EXPECT_FALSE(model::is_valid(r.get(kNode1, "/Dc/0/Voltage")));
}

TEST(CanopenBank, TwoBatteriesAndTheirAggregate) {
  Rig r;
  auto& a = r.add_sim(node(1, 80, 6.0, 21.5));
  auto& b = r.add_sim(node(2, 60, -2.0, 24.0));
  r.start(two_nodes());
  r.run_for(seconds(3));
  EXPECT_EQ(r.num(kNode1, "/Connected"), 1);
  EXPECT_NEAR(r.num(kNode1, "/Dc/0/Voltage"), a.voltage(), 1.0 / 1024);
  EXPECT_DOUBLE_EQ(r.num(kNode1, "/Dc/0/Current"), 6.0);
  EXPECT_DOUBLE_EQ(r.num(kNode2, "/Dc/0/Current"), -2.0);
  EXPECT_DOUBLE_EQ(r.num(kNode1, "/Dc/0/Temperature"), 21.5);
  EXPECT_EQ(r.num(kNode1, "/History/ChargeCycles"), 42);
  // "1.6.0" by segmented upload, published as Venus' integer (issue 12 interop).
  EXPECT_EQ(r.get(kNode1, "/FirmwareVersion"), model::Value(std::int64_t{0x10600}));
  const double soc1 = r.num(kNode1, "/Soc"), soc2 = r.num(kNode2, "/Soc");
  EXPECT_EQ(soc1, std::round(a.soc()));
  EXPECT_EQ(soc2, std::round(b.soc()));
  EXPECT_NEAR(r.num(kNode1, "/Dc/0/Power"), r.num(kNode1, "/Dc/0/Voltage") * 6.0, 1e-9);

  EXPECT_EQ(r.num(kBank, "/Connected"), 1);
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 2);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/Dc/0/Current"), 4.0);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/InstalledCapacity"), 250.0);
  EXPECT_NEAR(r.num(kBank, "/Soc"), (soc1 * 150 + soc2 * 100) / 250, 1e-9);
  EXPECT_NEAR(r.num(kBank, "/Dc/0/Voltage"),
              (r.num(kNode1, "/Dc/0/Voltage") + r.num(kNode2, "/Dc/0/Voltage")) / 2, 1e-9);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/System/MinCellTemperature"), 21.5);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/System/MaxCellTemperature"), 24.0);
  EXPECT_NEAR(r.num(kBank, "/Dc/0/Power"),
              r.num(kNode1, "/Dc/0/Voltage") * 6.0 - r.num(kNode2, "/Dc/0/Voltage") * 2.0, 1e-9);
  EXPECT_EQ(r.get(kBank, "/CanOpen/NodesOnline"), model::Value(std::string("1,2")));

  // Values follow the batteries.
  a.set_current(-10.0);
  r.run_for(seconds(2));
  EXPECT_DOUBLE_EQ(r.num(kBank, "/Dc/0/Current"), -12.0);
}

TEST(CanopenBank, UpdateCounterStepsWhileAnsweringEvenWithSteadyValues) {
  // A bank at rest: 0 A, so no measured value changes. /CanOpen/Updates still steps about once a
  // second (a consumer like the BMS role must not take the bank for stale), and stops with the
  // answers.
  Rig r;
  r.add_sim(node(1, 100, 0.0, 20.0));
  auto& b = r.add_sim(node(2, 100, 0.0, 20.0));
  r.start(two_nodes());
  r.run_for(seconds(3));
  const double v = r.num(kBank, "/Dc/0/Voltage");
  const double bank0 = r.num(kBank, "/CanOpen/Updates"), node0 = r.num(kNode2, "/CanOpen/Updates");
  ASSERT_GE(bank0, 1);
  r.run_for(seconds(10));
  EXPECT_DOUBLE_EQ(r.num(kBank, "/Dc/0/Voltage"), v);  // steady indeed
  EXPECT_GE(r.num(kBank, "/CanOpen/Updates") - bank0, 8);
  EXPECT_LE(r.num(kBank, "/CanOpen/Updates") - bank0, 11);
  EXPECT_GE(r.num(kNode2, "/CanOpen/Updates") - node0, 8);
  b.set_silent(true);
  r.run_for(seconds(6));
  EXPECT_FALSE(model::is_valid(r.get(kNode2, "/CanOpen/Updates")));  // offline: invalid
  const double bank1 = r.num(kBank, "/CanOpen/Updates");
  r.run_for(seconds(3));
  EXPECT_GE(r.num(kBank, "/CanOpen/Updates") - bank1, 2);  // node 1 still answers
  r.sims[0]->set_silent(true);
  r.run_for(seconds(6));
  EXPECT_EQ(r.num(kBank, "/Connected"), 0);
  EXPECT_FALSE(model::is_valid(r.get(kBank, "/CanOpen/Updates")));
}

TEST(CanopenBank, NodeDroppingOutLeavesTheBankVisiblyAndComesBack) {
  Rig r;
  r.add_sim(node(1, 80, 6.0, 21.5));
  auto& b = r.add_sim(node(2, 60, -2.0, 24.0));
  r.start(two_nodes());
  r.run_for(seconds(3));
  ASSERT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 2);

  b.set_silent(true);
  r.run_for(seconds(2));
  EXPECT_EQ(r.num(kNode2, "/Connected"), 1) << "still inside the node timeout (5 s)";
  r.run_for(seconds(4));
  EXPECT_EQ(r.num(kNode2, "/Connected"), 0);
  EXPECT_FALSE(model::is_valid(r.get(kNode2, "/Dc/0/Current")));
  EXPECT_FALSE(model::is_valid(r.get(kNode2, "/Soc")));
  EXPECT_EQ(r.num(kBank, "/Connected"), 1);
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 1);
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOffline"), 1);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/Dc/0/Current"), 6.0);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/InstalledCapacity"), 150.0);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/Soc"), r.num(kNode1, "/Soc"));
  EXPECT_EQ(r.get(kBank, "/CanOpen/NodesOnline"), model::Value(std::string("1")));
  const auto h = r.bank->health();
  EXPECT_EQ(h.state, HealthState::kWarning);
  EXPECT_NE(h.reason.find("node 2 not answering"), std::string::npos);

  // While away, only a probe per poll interval goes to the silent node, not the whole map.
  const auto before = b.stats().requests;
  r.run_for(seconds(10));
  EXPECT_LE(b.stats().requests - before, 2u * 10 + 2);

  b.set_silent(false);
  r.run_for(seconds(3));
  EXPECT_EQ(r.num(kNode2, "/Connected"), 1);
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 2);
  EXPECT_DOUBLE_EQ(r.num(kBank, "/Dc/0/Current"), 4.0);
  EXPECT_EQ(r.bank->health().state, HealthState::kOk);
}

TEST(CanopenBank, HeartbeatWithoutSdoAnswersIsNotConnected) {
  Rig r;
  r.add_sim(node(1, 80, 6.0, 21.5));
  r.add_sim(node(2, 60, -2.0, 24.0));
  r.start(two_nodes());
  r.run_for(seconds(3));
  ASSERT_EQ(r.num(kNode2, "/Connected"), 1);
  // NMT stop: node 2 keeps its heartbeat (state 0x04) but serves no SDO (CiA 301 §7.3.2.2.4.2).
  auto master = r.bus.attach("master");
  master->send(gxlink::canopen::encode_nmt(gxlink::canopen::NmtCommand::kStop, 2));
  r.run_for(seconds(7));
  EXPECT_EQ(r.num(kNode2, "/Connected"), 0);
  EXPECT_EQ(r.get(kNode2, "/CanOpen/NmtState"), model::Value(std::string("stopped")));
  EXPECT_EQ(r.num(kNode2, "/CanOpen/NodeId"), 2);
  EXPECT_FALSE(model::is_valid(r.get(kNode2, "/Soc")));
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 1);
  // It stays out (no flapping on each heartbeat) until it serves SDO again.
  for (int i = 0; i < 5; ++i) {
    r.run_for(seconds(1));
    EXPECT_EQ(r.num(kNode2, "/Connected"), 0);
  }
  master->send(gxlink::canopen::encode_nmt(gxlink::canopen::NmtCommand::kStart, 2));
  r.run_for(seconds(2));
  EXPECT_EQ(r.num(kNode2, "/Connected"), 1);
  EXPECT_EQ(r.get(kNode2, "/CanOpen/NmtState"), model::Value(std::string("operational")));
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 2);
}

TEST(CanopenBank, AllNodesGoneDisconnectsTheAggregate) {
  Rig r;
  auto& a = r.add_sim(node(1, 80, 6.0, 21.5));
  auto& b = r.add_sim(node(2, 60, -2.0, 24.0));
  r.start(two_nodes());
  r.run_for(seconds(3));
  a.set_silent(true);
  b.set_silent(true);
  r.run_for(seconds(7));
  EXPECT_EQ(r.num(kBank, "/Connected"), 0);
  EXPECT_FALSE(model::is_valid(r.get(kBank, "/Soc")));
  EXPECT_FALSE(model::is_valid(r.get(kBank, "/Dc/0/Current")));
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 0);
}

TEST(CanopenBank, MissingObjectsStayInvalidAndAreRetriedRarely) {
  Rig r;
  r.add_sim(node(1, 80, 6.0, 21.5));
  auto& old = r.add_sim(node(2, 60, -2.0, 24.0, /*old firmware*/ true));
  r.start(two_nodes());
  r.run_for(seconds(3));
  EXPECT_TRUE(model::is_valid(r.get(kNode1, "/ConsumedAmphours")));
  EXPECT_FALSE(model::is_valid(r.get(kNode2, "/ConsumedAmphours")));
  EXPECT_FALSE(model::is_valid(r.get(kNode2, "/History/AhReturned")));
  EXPECT_EQ(r.num(kNode2, "/CanOpen/MissingObjects"), 2);
  EXPECT_EQ(r.num(kNode2, "/Connected"), 1);
  EXPECT_EQ(r.get(kNode2, "/FirmwareVersion"), model::Value(std::int64_t{0x10004}));  // "1.0.4"
  // The bank has no consumed Ah unless every member has one.
  EXPECT_FALSE(model::is_valid(r.get(kBank, "/ConsumedAmphours")));
  const std::size_t asked = r.requests_6051;  // node 1 once per 10 s, node 2 once
  r.run_for(std::chrono::minutes(5), milliseconds(50));
  // Node 1 (has it): every 10 s → ~30; node 2 (lacks it): not again within 10 minutes.
  const std::size_t in_5_min = r.requests_6051 - asked;
  EXPECT_GE(in_5_min, 28u);
  EXPECT_LE(in_5_min, 32u);
  r.run_for(std::chrono::minutes(6), milliseconds(50));
  EXPECT_EQ(r.num(kNode2, "/CanOpen/MissingObjects"), 2);
  EXPECT_GT(old.stats().aborts_sent, 2u) << "asked again after the back-off";
  EXPECT_LE(old.stats().aborts_sent, 4u);
  EXPECT_EQ(r.bank->stats().missing_objects, old.stats().aborts_sent);
}

TEST(CanopenBank, RebootAsksAgainForMissingObjects) {
  Rig r;
  auto& old = r.add_sim(node(2, 60, -2.0, 24.0, true));
  CanopenConfig c = two_nodes();
  c.nodes = {{2, 100.0}};
  r.start(c);
  r.run_for(seconds(3));
  const auto aborts = old.stats().aborts_sent;
  EXPECT_EQ(aborts, 2u);
  old.reboot(r.now);
  r.run_for(seconds(1));
  EXPECT_EQ(old.stats().aborts_sent, aborts + 2);
}

TEST(CanopenBank, TimeoutsInvalidateButRetriesRecover) {
  Rig r;
  auto& a = r.add_sim(node(1, 80, 6.0, 21.5));
  CanopenConfig c = node1_only();
  r.start(c);
  r.run_for(seconds(2));
  ASSERT_EQ(r.num(kNode1, "/Connected"), 1);
  a.drop_next_requests(1);  // one lost request: the retry answers it
  r.run_for(seconds(2));
  EXPECT_TRUE(model::is_valid(r.get(kNode1, "/Dc/0/Voltage")));
  EXPECT_GE(r.bank->sdo_stats().retries, 1u);
  EXPECT_EQ(r.bank->sdo_stats().failed, 0u);
}

TEST(CanopenBank, WrongToggleFromTheNodeLeavesTheStringInvalid) {
  Rig r;
  auto& a = r.add_sim(node(1, 80, 6.0, 21.5));
  CanopenConfig c = node1_only();
  a.corrupt_next_toggle();  // the first segmented upload is 0x100A
  r.start(c);
  r.run_for(seconds(2));
  EXPECT_EQ(r.bank->sdo_stats().toggle_errors, 1u);
  EXPECT_FALSE(model::is_valid(r.get(kNode1, "/FirmwareVersion")));
  EXPECT_TRUE(model::is_valid(r.get(kNode1, "/Dc/0/Voltage")));
}

TEST(CanopenBank, TwoDevicesWithOneNodeIdAreReported) {
  Rig r;
  r.add_sim(node(1, 80, 6.0, 21.5));
  r.add_sim(node(1, 40, 1.0, 30.0));
  CanopenConfig c = node1_only();
  r.start(c);
  r.run_for(seconds(3));
  EXPECT_EQ(r.num(kNode1, "/CanOpen/DuplicateNodeId"), 1);
  EXPECT_GT(r.bank->sdo_stats().duplicates, 0u);
  EXPECT_NE(r.bank->health().reason.find("two devices"), std::string::npos);
}

TEST(CanopenBank, EmcyIsShown) {
  Rig r;
  auto& a = r.add_sim(node(1, 80, 6.0, 21.5));
  CanopenConfig c = node1_only();
  r.start(c);
  r.run_for(seconds(1));
  a.send_emcy(0x4210, 0x09);
  r.run_for(milliseconds(100));
  EXPECT_EQ(r.num(kNode1, "/CanOpen/LastEmcyCode"), 0x4210);
  EXPECT_EQ(r.get(kNode1, "/CanOpen/LastEmcy"), model::Value(std::string("device_temperature")));
  EXPECT_EQ(r.bank->stats().emcy, 1u);
}

// A faulty node may repeat an EMCY many times a second, or reboot in a loop: the model shows
// every one, the journal gets one line per node and code a minute and then says how many it
// left out (issue 11 item 8).
TEST(CanopenBank, RepeatedEmcyAndBootUpAreLoggedOncePerWindow) {
  test::LogCapture log;
  Rig r;
  auto& a = r.add_sim(node(1, 80, 6.0, 21.5));
  CanopenConfig c = node1_only();
  r.start(c);
  r.run_for(seconds(1));
  ASSERT_EQ(log.lines("booted").size(), 1u);  // the sim's boot-up at start
  for (int i = 0; i < 200; ++i) {
    a.send_emcy(0x4210, 0x09);
    a.reboot(r.now);
    r.run_for(milliseconds(20));
  }
  EXPECT_EQ(r.bank->stats().emcy, 200u);
  EXPECT_EQ(r.num(kNode1, "/CanOpen/LastEmcyCode"), 0x4210);
  EXPECT_EQ(log.lines("EMCY 0x4210").size(), 1u);  // 4 s of EMCYs: one line
  EXPECT_EQ(log.lines("booted").size(), 1u);  // 200 reboots in the same minute

  r.run_for(seconds(60));
  a.send_emcy(0x4210, 0x09);
  a.reboot(r.now);
  r.run_for(milliseconds(100));
  const auto emcy = log.lines("EMCY 0x4210");
  ASSERT_EQ(emcy.size(), 2u);
  EXPECT_NE(emcy[1].find("(199 similar messages suppressed)"), std::string::npos) << emcy[1];
  const auto boots = log.lines("booted");
  ASSERT_EQ(boots.size(), 2u);
  EXPECT_NE(boots[1].find("(200 similar messages suppressed)"), std::string::npos) << boots[1];
  a.send_emcy(0x5000, 0x01);  // another code from the same node is a message of its own
  r.run_for(milliseconds(100));
  EXPECT_EQ(log.lines("EMCY 0x5000").size(), 1u);
}

TEST(CanopenBank, NodesAreDiscoveredWhenNoListIsGiven) {
  Rig r;
  r.add_sim(node(5, 80, 6.0, 21.5));
  r.add_sim(node(9, 60, 1.0, 21.5));
  CanopenConfig c;
  c.listen_only = false;
  r.start(c);
  r.run_for(seconds(3));
  EXPECT_EQ(r.bank->nodes(), (std::vector<std::uint8_t>{5, 9}));
  EXPECT_EQ(r.num("com.victronenergy.battery.canopen_node5", "/Connected"), 1);
  EXPECT_EQ(r.num(kBank, "/System/NrOfModulesOnline"), 2);
}

TEST(CanopenBank, ForeignNodesAreIgnoredWithAList) {
  Rig r;
  r.add_sim(node(1, 80, 6.0, 21.5));
  r.add_sim(node(7, 60, 1.0, 21.5));
  CanopenConfig c = node1_only();
  r.start(c);
  r.run_for(seconds(3));
  EXPECT_EQ(r.model.find("com.victronenergy.battery.canopen_node7"), nullptr);
  EXPECT_GT(r.bank->stats().foreign_nodes, 0u);
}

}  // namespace
}  // namespace gxlink::drivers::canopen
