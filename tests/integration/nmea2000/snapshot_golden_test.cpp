// SPDX-License-Identifier: MIT
// Golden replay (STYLE.md rule 20): the committed VE.Can simulator capture through the real driver
// (`gxlink snapshot nmea2000:FILE`) must give the committed model. GXLINK_UPDATE_GOLDEN=1
// rewrites the golden file.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace fs = std::filesystem;

namespace {

std::string run(const std::string& cmd) { return gxlink::test::run_shell(cmd).out; }

TEST(Nmea2000Snapshot, SimulatorCaptureMatchesGolden) {
  const fs::path dir = fs::path(GXLINK_TEST_DATA) / "nmea2000";
  const std::string out = run(std::string("'") + GXLINK_BINARY + "' snapshot nmea2000:'" +
                              (dir / "vecan_sim.log").string() + "' 2>/dev/null");
  auto got = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << out;
  for (auto& [svc, paths] : got.items()) paths.erase("/Mgmt/ProcessVersion");
  const fs::path golden = dir / "vecan_sim.snapshot.json";
  if (std::getenv("GXLINK_UPDATE_GOLDEN")) {
    std::ofstream(golden) << got.dump(2) << '\n';
    GTEST_SKIP() << "golden updated";
  }
  std::ifstream in(golden);
  ASSERT_TRUE(in.good()) << golden;
  const auto want = nlohmann::json::parse(in);
  EXPECT_EQ(got, want) << nlohmann::json::diff(want, got).dump(2);
  // The seed-000 roles, spelled out so the golden cannot drift silently.
  ASSERT_TRUE(got.contains("com.victronenergy.solarcharger.socketcan_can0_di0_uc74565"));
  EXPECT_GT(got["com.victronenergy.solarcharger.socketcan_can0_di0_uc74565"]["/Pv/V"].get<double>(),
            80);
  EXPECT_TRUE(got["com.victronenergy.battery.socketcan_can0_di0_uc144470"]["/ConsumedAmphours"]
                  .is_number());
  EXPECT_TRUE(
      got["com.victronenergy.charger.socketcan_can0_di0_uc214375"]["/Ac/In/L1/I"].is_number());
}

}  // namespace
