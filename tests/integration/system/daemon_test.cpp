// SPDX-License-Identifier: MIT
// The system layer in `gxlink run`: on by default, off with `[system] enabled = false` (DESIGN.md:
// beside Venus' own systemcalc there must be no second com.victronenergy.system).
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;

nlohmann::json run_demo_until(const std::string& config_text,
                              const std::function<bool(const nlohmann::json&)>& done) {
  auto dir = std::filesystem::temp_directory_path() /
             ("gxlink-system-" + std::to_string(::getpid()) + "-" +
              std::to_string(std::hash<std::string>{}(config_text) % 100000));
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  const auto cfg = dir / "gxlink.toml";
  std::ofstream(cfg) << "[general]\ndemo = true\ndata_dir = \"" << (dir / "data").string() << "\"\n"
                     << config_text;
  const int port = test::free_tcp_port();
  test::Process gx({GXLINK_BINARY, "run", "--config", cfg.string(), "--no-tui", "--dbus", "none",
                    "--http", "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  nlohmann::json model;
  const bool ok = test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        if (!res || res->status != 200) return false;
        model = nlohmann::json::parse(res->body, nullptr, false);
        return model.is_object() && done(model);
      },
      15s);
  EXPECT_TRUE(ok) << gx.output();
  EXPECT_EQ(gx.stop(), 0) << gx.output();
  std::filesystem::remove_all(dir);
  return model;
}

TEST(SystemDaemon, TheDemoRunsSystemcalcAndSettings) {
  auto m = run_demo_until("", [](const nlohmann::json& j) {
    return j.contains("com.victronenergy.system") &&
           j["com.victronenergy.system"]["/Dc/Battery/Voltage"].is_number() &&
           j["com.victronenergy.system"]["/Dc/Pv/Power"].is_number();
  });
  const auto& s = m["com.victronenergy.system"];
  EXPECT_TRUE(s["/ActiveBatteryService"].is_string());
  EXPECT_TRUE(m.contains("com.victronenergy.settings"));
  EXPECT_EQ(m["com.victronenergy.settings"]["/Settings/SystemSetup/BatteryService"], "default");
  // Notifications (issue 12 item 5) in Venus' platform service.
  ASSERT_TRUE(m.contains("com.victronenergy.platform"));
  EXPECT_EQ(m["com.victronenergy.platform"]["/Notifications/AcknowledgeAll"], 0);
  EXPECT_TRUE(m["com.victronenergy.platform"]["/Notifications/NumberOfNotifications"].is_number());
}

TEST(SystemDaemon, SystemEnabledFalseLeavesItOut) {
  auto m = run_demo_until("[system]\nenabled = false\n", [](const nlohmann::json& j) {
    // Wait until the demo's devices are up, so that a system layer would have started.
    return j.contains("com.victronenergy.vebus.ttyMK3") &&
           j.contains("com.victronenergy.solarcharger.ttyUSB0");
  });
  EXPECT_FALSE(m.contains("com.victronenergy.system"));
  EXPECT_FALSE(m.contains("com.victronenergy.settings"));
  EXPECT_FALSE(m.contains("com.victronenergy.platform"));
}

// A setting written over D-Bus (as the GUI or Venus tools write it) is validated, persisted in
// data_dir and still there after a restart.
TEST(SystemDaemon, ASettingWrittenOverDbusSurvivesARestart) {
  test::Process bus({"dbus-daemon", "--session", "--nofork", "--print-address=1"});
  std::string address;
  ASSERT_TRUE(test::eventually(
      [&] {
        auto out = bus.output();
        auto at = out.find("unix:");
        if (at == std::string::npos || out.find('\n', at) == std::string::npos) return false;
        address = out.substr(at, out.find('\n', at) - at);
        return true;
      },
      10s))
      << bus.output();
  const auto dir =
      std::filesystem::temp_directory_path() / ("gxlink-settings-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  const auto cfg = dir / "gxlink.toml";
  std::ofstream(cfg) << "[general]\ndemo = true\ndata_dir = \"" << (dir / "data").string()
                     << "\"\n";
  auto set_value = [&](const std::string& path, const std::string& variant) {
    return test::run_command({"dbus-send", "--bus=" + address, "--print-reply",
                              "--dest=com.victronenergy.settings", path,
                              "com.victronenergy.BusItem.SetValue", variant});
  };
  const std::string path = "/Settings/SystemSetup/MaxChargeCurrent";
  {
    test::Process gx({GXLINK_BINARY, "run", "--config", cfg.string(), "--no-tui", "--dbus", address,
                      "--http", "127.0.0.1:" + std::to_string(test::free_tcp_port())});
    ASSERT_TRUE(test::eventually(
        [&] {
          auto [code, out] = set_value(path, "variant:int32:50");
          return code == 0 && out.find("int32 0") != std::string::npos;
        },
        15s))
        << gx.output();
    // Out of range (-1..10000) and of the wrong type: refused, nothing changes.
    auto [c1, o1] = set_value(path, "variant:int32:20000");
    EXPECT_EQ(o1.find("int32 0"), std::string::npos) << o1;
    auto [c2, o2] = set_value(path, "variant:string:fifty");
    EXPECT_EQ(o2.find("int32 0"), std::string::npos) << o2;
    EXPECT_EQ(gx.stop(), 0) << gx.output();
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir / "data" / "settings.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const int port = test::free_tcp_port();
  test::Process gx({GXLINK_BINARY, "run", "--config", cfg.string(), "--no-tui", "--dbus", "none",
                    "--http", "127.0.0.1:" + std::to_string(port)});
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  nlohmann::json value;
  EXPECT_TRUE(test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        if (!res || res->status != 200) return false;
        auto m = nlohmann::json::parse(res->body, nullptr, false);
        if (!m.is_object() || !m.contains("com.victronenergy.settings")) return false;
        value = m["com.victronenergy.settings"][path];
        return true;
      },
      15s))
      << gx.output();
  EXPECT_EQ(value, 50);
  EXPECT_EQ(gx.stop(), 0) << gx.output();
  std::filesystem::remove_all(dir);
}

TEST(SystemDaemon, TheSystemSectionIsValidated) {
  auto path = std::filesystem::temp_directory_path() /
              ("gxlink-system-cfg-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[system]\nenabled = false\n";
  auto [ok, out_ok] =
      test::run_command({GXLINK_BINARY, "run", "--check-config", "--config", path.string()});
  EXPECT_EQ(ok, 0) << out_ok;
  std::ofstream(path) << "[system]\nenabled = \"no\"\ncolour = 1\n";
  auto [bad, out_bad] =
      test::run_command({GXLINK_BINARY, "run", "--check-config", "--config", path.string()});
  EXPECT_EQ(bad, 2);
  EXPECT_NE(out_bad.find(path.string() + ":2"), std::string::npos) << out_bad;
  EXPECT_NE(out_bad.find(path.string() + ":3"), std::string::npos) << out_bad;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace gxlink
