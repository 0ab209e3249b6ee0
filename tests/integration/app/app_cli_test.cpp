// SPDX-License-Identifier: MIT
// The gxlink binary as a user runs it: `run` serves /api/model and the dashboard, bad configs are
// refused with a reason, `decode`/`snapshot` follow DESIGN.md's contracts.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;
using test::Process;

TEST(AppCli, DemoServesTheModelAndTheDashboardOnLoopback) {
  const int port = test::free_tcp_port();
  Process gx({GXLINK_BINARY, "run", "--demo", "--no-tui", "--dbus", "none", "--http",
              "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  nlohmann::json model;
  ASSERT_TRUE(test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        if (!res || res->status != 200) return false;
        model = nlohmann::json::parse(res->body, nullptr, false);
        return model.is_object();
      },
      10s))
      << gx.output();
  for (auto& [name, paths] : model.items()) {
    EXPECT_TRUE(name.starts_with("com.victronenergy.")) << name;
    EXPECT_TRUE(paths.contains("/DeviceInstance")) << name;
  }
  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find("/api/model"), std::string::npos);
  EXPECT_EQ(cli.Get("/api/service/com.victronenergy.nope")->status, 404);
  EXPECT_TRUE(gx.running());
  EXPECT_EQ(gx.stop(), 0) << gx.output();
}

TEST(AppCli, ABrokenConfigIsRefusedWithFileAndLine) {
  auto path = std::filesystem::temp_directory_path() /
              ("gxlink-bad-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[http]\nlisten = \n";
  auto [code, out] =
      test::run_command({GXLINK_BINARY, "run", "--config", path.string(), "--no-tui"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find(path.string() + ":2"), std::string::npos) << out;
  std::filesystem::remove(path);
}

TEST(AppCli, UnknownProtocolAndSourceKindsAreUsageErrors) {
  auto [c1, o1] = test::run_command({GXLINK_BINARY, "decode", "smoke-signals", "-"});
  EXPECT_EQ(c1, 2);
  EXPECT_NE(o1.find("unknown protocol"), std::string::npos);
  auto [c2, o2] = test::run_command({GXLINK_BINARY, "snapshot", "nope:/dev/null"});
  EXPECT_EQ(c2, 2);
}

TEST(AppCli, SnapshotOfADbusRecordingIsTheRecordedFinalState) {
  const std::string file = GXLINK_SHARED_DATA "/dbus/dbus-recorder/battery.csv";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "../shared/data is not present";
  auto [code, out] = test::run_command({GXLINK_BINARY, "snapshot", "dbus-recording:" + file});
  ASSERT_EQ(code, 0) << out;
  auto j = nlohmann::json::parse(out.substr(0, out.rfind('}') + 1), nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  auto& s = j["com.victronenergy.battery.ttyO0"];
  EXPECT_EQ(s["/ProductName"], "BMV-702");
  EXPECT_TRUE(s["/HardwareVersion"].is_null());  // ARRAY [] is Venus' invalid
  // The last recorded /Soc change in battery.csv wins over its initial value.
  std::ifstream in(file);
  std::string line, last_soc;
  while (std::getline(in, line))
    if (line.starts_with("/Soc\t") || line.find("\t/Soc\t") != std::string::npos) last_soc = line;
  ASSERT_FALSE(last_soc.empty());
  auto value_col = last_soc.substr(last_soc.find("DOUBLE\t") + 7);
  EXPECT_NEAR(s["/Soc"].get<double>(), std::stod(value_col.substr(0, value_col.find('\t'))), 1e-9);
}

}  // namespace
}  // namespace gxlink
