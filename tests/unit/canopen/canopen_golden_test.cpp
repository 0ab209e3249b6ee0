// SPDX-License-Identifier: MIT
// Golden replay (STYLE.md rule 20): `gxlink decode canopen` and `gxlink snapshot canopen:` on the
// committed capture tests/data/canopen/superb_bank.candump must print exactly the committed
// .golden files. GXLINK_UPDATE_GOLDEN=1 rewrites them. The capture itself was recorded from the
// simulator and the driver by DISABLED_RecordFixture below (run it with
// --gtest_also_run_disabled_tests to record it again), then given three hand-made lines at the end
// (a stray response, a short heartbeat and an unknown SDO command) to exercise the error paths.
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "drivers/canopen/canopen_bank.hpp"
#include "sim/canopen/superb_node_sim.hpp"
#include "transport/candump.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::drivers::canopen {
namespace {

const std::string kDir = std::string(GXLINK_TEST_DATA) + "/canopen/";

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

void check_golden(const std::string& actual, const std::string& golden_name) {
  const std::string path = kDir + golden_name;
  if (std::getenv("GXLINK_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << path;
  }
  const std::string expected = read_file(path);
  ASSERT_FALSE(expected.empty()) << path << " is missing";
  EXPECT_EQ(actual, expected) << "differs from " << path << " (GXLINK_UPDATE_GOLDEN=1 to accept)";
}

TEST(CanopenGolden, DecodeMatches) {
  // stderr is part of the golden here: the decode problems are printed without timestamps.
  const std::string cmd =
      std::string(GXLINK_BINARY) + " decode canopen " + kDir + "superb_bank.candump 2>&1";
  const std::string out = run(cmd);
  EXPECT_NE(out.find("\"abort\":\"object_does_not_exist\""), std::string::npos);
  EXPECT_NE(out.find("decode canopen: "), std::string::npos);
  check_golden(out, "superb_bank.decode.golden");
}

TEST(CanopenGolden, SnapshotMatches) {
  const std::string cmd =
      std::string(GXLINK_BINARY) + " snapshot canopen:" + kDir + "superb_bank.candump 2>/dev/null";
  const std::string out = run(cmd);
  // What the capture holds: node 1 (fw 1.6) answering throughout, node 2 (fw 1.0, no 0x6051/0x6052)
  // going silent after 2.5 s, so the bank ends with one battery.
  EXPECT_NE(out.find("\"com.victronenergy.battery.canopen_bank\""), std::string::npos);
  EXPECT_NE(out.find("\"/System/NrOfModulesOnline\": 1"), std::string::npos);
  check_golden(out, "superb_bank.snapshot.golden");
}

// Issue 13, conformance 2: superb_bank_narrow.candump is superb_bank.candump with every 0x6060
// (voltage, declared u32) answer turned into a 2-byte expedited upload (0x4B, the same value).
// The battery must still show its voltage, and so the bank its member.
TEST(CanopenGolden, NarrowVoltageAnswersStillGiveAVoltageAndABank) {
  const std::string cmd = std::string(GXLINK_BINARY) + " snapshot canopen:" + kDir +
                          "superb_bank_narrow.candump 2>/dev/null";
  const auto j = nlohmann::json::parse(run(cmd), nullptr, false);
  ASSERT_TRUE(j.is_object());
  const auto& node = j["com.victronenergy.battery.canopen_node1"];
  ASSERT_TRUE(node.is_object());
  ASSERT_TRUE(node["/Dc/0/Voltage"].is_number()) << node.dump(2);
  EXPECT_NEAR(node["/Dc/0/Voltage"].get<double>(), 13.411, 0.001);
  EXPECT_GT(node["/CanOpen/NarrowAnswers"].get<int>(), 0);
  const auto& bank = j["com.victronenergy.battery.canopen_bank"];
  EXPECT_EQ(bank["/System/NrOfModulesOnline"], 1) << bank.dump(2);
  ASSERT_TRUE(bank["/Dc/0/Voltage"].is_number());
  EXPECT_NEAR(bank["/Dc/0/Voltage"].get<double>(), 13.411, 0.001);
  // The same model as from the full-width capture, but for the counter.
  auto wide = nlohmann::json::parse(run(std::string(GXLINK_BINARY) + " snapshot canopen:" + kDir +
                                        "superb_bank.candump 2>/dev/null"),
                                    nullptr, false);
  auto narrow = j;
  for (auto* m : {&wide, &narrow})
    for (auto& [name, svc] : m->items()) svc.erase("/CanOpen/NarrowAnswers");
  EXPECT_EQ(narrow, wide);
}

TEST(CanopenGolden, DISABLED_RecordFixture) {
  TimePoint now = time_from_seconds(1700000000.0);
  transport::InProcessCanBus bus("can1", [&] { return now; });
  std::ofstream out(kDir + "superb_bank.candump");
  auto recorder = bus.attach("recorder");
  recorder->set_receiver([&](const CanFrame& f, TimePoint t) {
    out << transport::format_candump_log(f, to_seconds(t.time_since_epoch()), "can1") << '\n';
  });
  auto e1 = bus.attach("n1");
  auto e2 = bus.attach("n2");
  sim::canopen::SuperbNodeOptions o1;
  o1.node_id = 1;
  o1.soc = 81;
  o1.current_a = 6.25;
  o1.cycle_current = false;
  sim::canopen::SuperbNodeOptions o2 = o1;
  o2.node_id = 2;
  o2.old_firmware = true;
  o2.soc = 64;
  o2.current_a = -1.5;
  o2.temperature_c = 24.0;
  o2.capacity_ah = 100;
  sim::canopen::SuperbNodeSim n1(*e1, o1, now), n2(*e2, o2, now);
  model::Model m;
  model::DeviceInstances inst;
  auto de = bus.attach("driver");
  CanopenConfig cfg;
  cfg.nodes = {{1, 150}, {2, 100}};
  CanopenBank bank(m, inst, cfg, [&](const CanFrame& f) { return de->send(f); });
  de->set_receiver([&](const CanFrame& f, TimePoint t) { bank.on_frame(f, t); });
  bank.start(now);
  const TimePoint start = now;
  bool emcy = false;
  while (now - start < seconds(8)) {
    now += milliseconds(5);
    if (now - start >= milliseconds(2500)) n2.set_silent(true);
    if (!emcy && now - start >= seconds(3)) {
      emcy = true;
      n1.send_emcy(0x4210, 0x09);
    }
    n1.on_tick(now);
    n2.on_tick(now);
    bank.on_tick(now);
    bus.pump(now);
  }
}

}  // namespace
}  // namespace gxlink::drivers::canopen
