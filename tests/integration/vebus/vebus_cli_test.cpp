// SPDX-License-Identifier: MIT
// `gxlink vebus` (the real binary, GXLINK_BINARY) against the simulated Multi on a pty.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "protocols/vebus/tables.hpp"
#include "sim/vebus/pty_multi_sim.hpp"
#include "support/process.hpp"

namespace gxlink {
namespace {

namespace vb = gxlink::vebus;
using sim::vebus::MultiSimOptions;
using sim::vebus::PtyMultiSim;

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

/// Runs the simulator's loop on a thread while the CLI runs; the sim is only inspected after.
struct CliRig {
  asio::io_context io;
  PtyMultiSim sim;
  explicit CliRig(MultiSimOptions so = {}) : sim(io, so) {}

  Run gxlink(const std::string& args) {
    auto guard = asio::make_work_guard(io);
    std::thread t([this] { io.run(); });
    const std::string cmd = std::string(GXLINK_BINARY) + " vebus --port " + sim.slave_path() +
                            " --timeout 60 " + args + " 2>&1";
    auto [code, out] = test::run_shell(cmd);
    Run r{code, std::move(out)};
    io.stop();
    t.join();
    io.restart();
    return r;
  }
};

class VebusCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(GXLINK_BINARY)) GTEST_SKIP() << "gxlink binary not built";
  }
};

TEST_F(VebusCli, DryRunShowsTheFrameAndSendsNothing) {
  CliRig rig;
  auto r = rig.gxlink("set absorption 56.0 --dry-run");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("unit: 48 V battery"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("57.60 V -> 56.00 V"), std::string::npos) << r.out;
  // Seed 002's frame, with the RAM-only bit set: 07 FF 58 37 03 02 E0 15 71.
  EXPECT_NE(r.out.find("frame: 07ff58370302e01571"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dry run: nothing sent"), std::string::npos) << r.out;
  EXPECT_EQ(rig.sim.sim().writes_received(), 0u);
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatAbsorption).ram, 5760);
}

TEST_F(VebusCli, RefusesSeventyVoltsOnA48VoltUnit) {
  CliRig rig;
  auto r = rig.gxlink("set absorption 70");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("refused"), std::string::npos) << r.out;
  EXPECT_EQ(rig.sim.sim().writes_received(), 0u);
}

TEST_F(VebusCli, RefusesThirtyVoltsOnA12VoltUnit) {
  MultiSimOptions so;
  so.nominal_voltage = 12;
  CliRig rig(so);
  auto r = rig.gxlink("set float 30");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("12 V battery"), std::string::npos) << r.out;
  EXPECT_EQ(rig.sim.sim().writes_received(), 0u);
}

TEST_F(VebusCli, SetsFloatRamOnlyAndConfirmsByReadBack) {
  CliRig rig;
  auto r = rig.gxlink("set float 54.0");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("confirmed by read-back"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("float = 54.00 V"), std::string::npos) << r.out;
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatFloat).ram, 5400);
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatFloat).eeprom, 5520);
}

TEST_F(VebusCli, PersistWarnsAndWritesEeprom) {
  CliRig rig;
  auto r = rig.gxlink("set absorption 56.5 --persist");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("warning: --persist"), std::string::npos) << r.out;
  EXPECT_EQ(rig.sim.sim().settings().at(vb::setting::kUBatAbsorption).eeprom, 5650);
}

TEST_F(VebusCli, ModeAndInputCurrentLimitAndGet) {
  CliRig rig;
  auto m = rig.gxlink("set mode charger-only");
  EXPECT_EQ(m.status, 0) << m.out;
  EXPECT_EQ(rig.sim.sim().switch_state(), vb::SwitchState::kChargerOnly);
  auto l = rig.gxlink("set input-current-limit 12");
  EXPECT_EQ(l.status, 0) << l.out;
  EXPECT_DOUBLE_EQ(rig.sim.sim().current_limit(), 12.0);
  auto g = rig.gxlink("get all");
  EXPECT_EQ(g.status, 0) << g.out;
  EXPECT_NE(g.out.find("mode = charger-only"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("input-current-limit = 12.0 A"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("absorption = 57.60 V"), std::string::npos) << g.out;
  auto bad = rig.gxlink("set input-current-limit 80");
  EXPECT_EQ(bad.status, 2) << bad.out;
}

}  // namespace
}  // namespace gxlink

namespace gxlink {
namespace {

Run run_shell(const std::string& cmd) {
  auto [code, out] = test::run_shell(cmd + " 2>&1");
  return {code, std::move(out)};
}

const std::string kFixture = std::string(GXLINK_TEST_DATA) + "/vebus/multi_replies.bin";

TEST_F(VebusCli, DecodeMk2PrintsOneLinePerFrame) {
  auto r = run_shell(std::string(GXLINK_BINARY) + " decode mk2 " + kFixture);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("decode mk2: 57 messages, 0 errors"), std::string::npos) << r.out;
  bool address_reply = false;  // the 'A' reply naming address 0, whatever the key order
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("command", "") == "A" && j.value("address", -1) == 0)
      address_reply = true;
  }
  EXPECT_TRUE(address_reply) << r.out;
  EXPECT_NE(r.out.find("\"kind\":\"dc_info\""), std::string::npos);
  EXPECT_NE(r.out.find("\"kind\":\"config\""), std::string::npos);
}

TEST_F(VebusCli, DecodeMk2CountsGarbageAndRecovers) {
  // The fixture with 7 junk bytes spliced in after the first frame.
  std::ifstream in(kFixture, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 6u);
  bytes.insert(6, std::string("\x13\x37\xFF\x00\x05\x99\x42", 7));
  const auto tmp = std::filesystem::temp_directory_path() / "gxlink_vebus_garbage.bin";
  std::ofstream(tmp, std::ios::binary) << bytes;
  auto r = run_shell(std::string(GXLINK_BINARY) + " decode mk2 " + tmp.string());
  std::filesystem::remove(tmp);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("decode mk2: 57 messages, 1 errors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dropped 7 byte(s) at offset 6"), std::string::npos) << r.out;
}

// Issue 13: decode printed the DC frame's inverter period but not the output frequency snapshot
// derives from it. Every value decode derives must equal what snapshot publishes at that path.
TEST_F(VebusCli, DecodeCarriesEveryDerivedValueAndAgreesWithSnapshot) {
  auto d = run_shell(std::string(GXLINK_BINARY) + " decode mk2 " + kFixture + " 2>/dev/null");
  auto s = run_shell(std::string(GXLINK_BINARY) + " snapshot mk2:" + kFixture + " 2>/dev/null");
  ASSERT_EQ(d.status, 0);
  ASSERT_EQ(s.status, 0);
  auto snap = nlohmann::json::parse(
      s.out.substr(s.out.find("{\n"), s.out.rfind("\n}") + 2 - s.out.find("{\n")), nullptr, false);
  ASSERT_TRUE(snap.is_object()) << s.out;
  const auto& svc = snap["com.victronenergy.vebus.multi_replies"];
  std::map<std::string, double> last;  // the last value decode printed for each path
  std::map<std::string, std::string> units;
  std::istringstream lines(d.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("{")) continue;  // the summary on stderr
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    if (!j.contains("values")) continue;
    for (auto& [path, v] : j["values"].items()) {
      last[path] = v.get<double>();
      units[path] = j["units"][path].get<std::string>();
    }
  }
  ASSERT_TRUE(last.count("/Dc/0/Voltage") && last.count("/Ac/Out/L1/F")) << d.out;
  EXPECT_EQ(units["/Ac/Out/L1/F"], "Hz");
  EXPECT_EQ(units["/Dc/0/Voltage"], "V");
  for (auto& [path, v] : last) {
    ASSERT_TRUE(svc.contains(path) && svc[path].is_number()) << path;
    EXPECT_NEAR(svc[path].get<double>(), v, 1e-6) << path;
  }
}

TEST_F(VebusCli, SnapshotMk2GoesThroughTheDriverMapping) {
  auto r = run_shell(std::string(GXLINK_BINARY) + " snapshot mk2:" + kFixture);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("\"com.victronenergy.vebus.multi_replies\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"/Mode\": 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"/State\": 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"/Leds/Bulk\": 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"/Ac/In/1/CurrentLimit\": 16.0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"/Mgmt/Connection\": \"VE.Bus\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace gxlink

namespace gxlink {
namespace {

/// Numbers equal within 1e-9, everything else exactly.
bool same_json(const nlohmann::json& a, const nlohmann::json& b, std::string& where) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(x))) return true;
    return false;
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) {
      where = "object sizes differ";
      return false;
    }
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key()) || !same_json(it.value(), b[it.key()], where)) {
        where = it.key() + (where.empty() ? "" : " / " + where);
        return false;
      }
    }
    return true;
  }
  return a == b;
}

TEST_F(VebusCli, SnapshotMatchesTheGoldenFile) {
  // Golden replay (STYLE.md rule 20). GXLINK_UPDATE_GOLDEN=1 rewrites the golden file.
  const std::string golden = std::string(GXLINK_TEST_DATA) + "/vebus/multi_replies.golden.json";
  const auto tmp = std::filesystem::temp_directory_path() / "gxlink_vebus_snapshot.json";
  const int st = std::system((std::string(GXLINK_BINARY) + " snapshot mk2:" + kFixture + " > " +
                              tmp.string() + " 2>/dev/null")
                                 .c_str());
  ASSERT_EQ(st, 0);
  std::ifstream got_in(tmp);
  auto got = nlohmann::json::parse(got_in, nullptr, false);
  std::filesystem::remove(tmp);
  ASSERT_FALSE(got.is_discarded());
  if (std::getenv("GXLINK_UPDATE_GOLDEN")) {
    std::ofstream(golden) << got.dump(2) << '\n';
    GTEST_SKIP() << "golden file rewritten";
  }
  std::ifstream want_in(golden);
  auto want = nlohmann::json::parse(want_in, nullptr, false);
  ASSERT_FALSE(want.is_discarded()) << golden;
  std::string where;
  EXPECT_TRUE(same_json(want, got, where)) << "differs at " << where;
}

}  // namespace
}  // namespace gxlink
