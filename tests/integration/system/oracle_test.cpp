// SPDX-License-Identifier: MIT
// Differential test against Victron's own dbus-systemcalc-py (issue 12): venus_oracle.sh runs the
// real systemcalc and localsettings on a private bus against a recorded system, second by second;
// gxlink replays the same recordings with `snapshot --system --every 1`. The active battery,
// /Dc/Battery/* and /Dc/Pv/Power must agree within a few seconds of lag (the oracle runs in real
// time, its samples are not aligned to the recording's seconds). Runs only when VENUS_SYSTEMCALC
// and VENUS_LOCALSETTINGS point at prepared checkouts (see the header of venus_oracle.sh);
// Victron's code is never part of this repository.
#include <algorithm>

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/process.hpp"

namespace gxlink {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string shared_dir() {
  const char* env = std::getenv("GXLINK_SHARED_DATA");
  return std::string(env ? env : GXLINK_SHARED_DATA);
}

// Numbers within a relative 1e-6, structures member by member (issue 12: /Batteries, a list of
// dicts, whose order follows the services' discovery on Venus: compared by "id").
bool same(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::fabs(x - y) <= 1e-6 * std::max(1.0, std::fabs(x));
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto& [k, v] : a.items())
      if (!b.contains(k) || !same(v, b[k])) return false;
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    auto by_id = [](const json& j) {
      std::vector<const json*> v;
      for (auto& e : j) v.push_back(&e);
      std::stable_sort(v.begin(), v.end(), [](const json* x, const json* y) {
        return x->is_object() && y->is_object() && x->value("id", "") < y->value("id", "");
      });
      return v;
    };
    auto x = by_id(a), y = by_id(b);
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same(*x[i], *y[i])) return false;
    return true;
  }
  return a == b;
}

std::vector<json> json_lines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

struct Demo {
  const char* name;
  std::vector<const char*> files;
  int seconds;
};

void PrintTo(const Demo& d, std::ostream* os) { *os << d.name; }

class VenusOracle : public ::testing::TestWithParam<Demo> {};

TEST_P(VenusOracle, SystemcalcAgreesWithVictronsOnTheRecording) {
  const Demo& demo = GetParam();
  if (!std::getenv("VENUS_SYSTEMCALC") || !std::getenv("VENUS_LOCALSETTINGS"))
    GTEST_SKIP() << "VENUS_SYSTEMCALC / VENUS_LOCALSETTINGS not set (venus_oracle.sh header)";
  const fs::path rec = fs::path(shared_dir()) / "dbus" / "dbus-recorder";
  const fs::path oracle = fs::path(shared_dir()) / ".." / "tools" / "venus_oracle.sh";
  if (!fs::exists(rec) || !fs::exists(oracle)) GTEST_SKIP() << "no ../shared data or tools";

  const fs::path dir =
      fs::temp_directory_path() / ("gxlink-oracle-" + std::to_string(::getpid()) + "-" + demo.name);
  fs::create_directories(dir / "rec");
  std::vector<std::string> args = {GXLINK_BINARY, "snapshot", "--system", "--every", "1"};
  for (auto* f : demo.files) {
    fs::create_symlink(rec / f, dir / "rec" / f);
    args.push_back("dbus-recording:" + (rec / f).string());
  }
  // The AC input types a GX has by default (localsettings starts empty in the oracle).
  std::ofstream(dir / "rec" / "setup") << "com.victronenergy.settings "
                                          "/Settings/SystemSetup/AcInput1 1\n"
                                          "com.victronenergy.settings "
                                          "/Settings/SystemSetup/AcInput2 2\n";
  args.insert(args.begin() + 3, {"--settings", (dir / "rec" / "setup").string()});
  const fs::path out = dir / "oracle.jsonl";
  auto [orc, olog] = test::run_command({"/bin/bash", oracle.string(), (dir / "rec").string(),
                                        out.string(), std::to_string(demo.seconds)},
                                       std::chrono::seconds(demo.seconds + 120));
  std::ifstream in(out);
  std::stringstream otext;
  otext << in.rdbuf();
  auto theirs = json_lines(otext.str());
  std::string cmd;
  for (auto& a : args) cmd += "'" + a + "' ";
  auto [gc, gout] = test::run_command({"/bin/sh", "-c", cmd + "2>/dev/null"});
  fs::remove_all(dir);
  ASSERT_EQ(orc, 0) << olog;
  ASSERT_EQ(gc, 0);
  auto ours = json_lines(gout);
  ASSERT_FALSE(theirs.empty()) << olog;
  ASSERT_FALSE(ours.empty());

  std::map<long, const json*> by_t;
  for (auto& r : ours) by_t[r["t"].get<long>()] = &r["model"]["com.victronenergy.system"];
  const char* paths[] = {
      "/ActiveBatteryService", "/Dc/Battery/Voltage", "/Dc/Battery/Current", "/Dc/Battery/Power",
      "/Dc/Battery/Soc", "/Dc/Battery/State", "/Dc/Pv/Power", "/Dc/Alternator/Power",
      "/Dc/InverterCharger/Power", "/Ac/ActiveIn/Source", "/Ac/Grid/L1/Power",
      "/Ac/Consumption/L1/Power", "/SystemState/State",
      // Issue 12: the battery choices as a JSON string, a dict and a list of dicts.
      "/AvailableBatteryServices", "/AvailableBatteryMeasurements", "/AvailableBatteries",
      "/AutoSelectedBatteryMeasurement", "/Batteries"};
  for (const char* p : paths) {
    // batterydata.py refreshes /Batteries on its own 5 s timer.
    const long kLag = std::string_view(p) == "/Batteries" ? 6 : 3;
    int total = 0, agree = 0;
    for (auto& line : theirs) {
      const json& sys = line["system"];
      if (!sys.is_object() || !sys.contains(p)) continue;
      const long t = std::lround(line["t"].get<double>());
      ++total;
      for (long d = -kLag; d <= kLag; ++d) {
        auto it = by_t.find(t + d);
        if (it != by_t.end() && it->second->contains(p) && same((*it->second)[p], sys[p])) {
          ++agree;
          break;
        }
      }
    }
    std::cout << demo.name << " " << p << ": " << agree << "/" << total << " samples agree\n";
    EXPECT_GT(total, 0) << p;
    EXPECT_GE(agree * 100, total * 95) << p << ": " << agree << "/" << total;
  }
}

INSTANTIATE_TEST_SUITE_P(Recordings, VenusOracle,
                         ::testing::Values(Demo{"ess",
                                                {"battery.csv", "vebus.csv", "solarcharger.csv",
                                                 "grid.csv", "pvinverter.csv"},
                                                95},
                                           Demo{"boat2",
                                                {"demo2_alternator.csv", "demo2_battery.csv",
                                                 "demo2_hydropack_battery.csv",
                                                 "demo2_solarcharger.csv", "demo2_vebus.csv"},
                                                15}),
                         [](const ::testing::TestParamInfo<Demo>& p) {
                           return std::string(p.param.name);
                         });

}  // namespace
}  // namespace gxlink
