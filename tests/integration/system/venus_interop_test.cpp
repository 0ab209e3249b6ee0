// SPDX-License-Identifier: MIT
// Interop with Venus' own system software (issue 12): Victron's real dbus-systemcalc-py and
// localsettings on a private bus, against `gxlink run --demo` with `[system] enabled = false`
// (gxlink as a driver add-on beside Venus' systemcalc) and DVCC on. Venus' DVCC must reach
// gxlink's devices: its writes land in the MPPT's /Link/* and the Multi's limits, and the
// simulated MPPT acts on them (state 252, external control).
//
// Runs only when VENUS_SYSTEMCALC and VENUS_LOCALSETTINGS point at prepared checkouts (see the
// header of ../shared/tools/venus_oracle.sh) and the shared tools are present; Victron's code is
// never part of this repository.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace gxlink {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

fs::path shared_tools() {
  const char* env = std::getenv("GXLINK_SHARED_DATA");
  return fs::path(env ? env : GXLINK_SHARED_DATA).parent_path() / "tools";
}

std::vector<std::string> on_bus(const std::string& bus, const std::string& dir,
                                const std::string& command) {
  return {"env", "DBUS_SYSTEM_BUS_ADDRESS=" + bus, "DBUS_SESSION_BUS_ADDRESS=" + bus, "/bin/sh",
          "-c", "cd '" + dir + "' && exec " + command};
}

std::optional<double> num(const json& m, const std::string& svc, const char* path) {
  if (!m.contains(svc) || !m[svc].contains(path) || !m[svc][path].is_number()) return std::nullopt;
  return m[svc][path].get<double>();
}

TEST(VenusInterop, VenusSystemcalcDvccReachesGxlinkDevices) {
  const std::string sc = env_or_empty("VENUS_SYSTEMCALC");
  const std::string ls = env_or_empty("VENUS_LOCALSETTINGS");
  if (sc.empty() || ls.empty() || !fs::exists(fs::path(sc) / "dbus_systemcalc.py") ||
      !fs::exists(fs::path(sc) / "ext/velib_python/vedbus.py") ||
      !fs::exists(fs::path(ls) / "localsettings.py"))
    GTEST_SKIP() << "Victron's systemcalc/localsettings not prepared (venus_oracle.sh header)";
  const fs::path oracle = shared_tools() / "venus_oracle.py";
  if (!fs::exists(oracle)) GTEST_SKIP() << "shared tools absent: " << oracle;
  if (test::run_command({"/usr/bin/python3", "-c", "import dbus, gi, lxml, psutil"}).first != 0)
    GTEST_SKIP() << "python3-dbus, -gi, -lxml or -psutil missing (scripts/packages.d)";

  const fs::path dir = fs::temp_directory_path() / ("gxlink-venus-interop-" + std::to_string(::getpid()));
  fs::create_directories(dir / "settings");
  fs::permissions(dir, fs::perms::owner_all);

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
      10s));
  auto has_name = [&](const std::string& name) {
    auto [code, out] = test::run_command(
        {"dbus-send", "--bus=" + address, "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:" + name});
    return code == 0 && out.find("boolean true") != std::string::npos;
  };

  // Venus' localsettings, with DVCC on (venus_os.md §5.4: /Settings/Services/Bol bit 0).
  test::Process settings(on_bus(address, ls,
                                "/usr/bin/python3 localsettings.py --path '" +
                                    (dir / "settings").string() + "' --no-delay"));
  ASSERT_TRUE(test::eventually([&] { return has_name("com.victronenergy.settings"); }, 30s))
      << settings.output();
  std::ofstream(dir / "setup") << "com.victronenergy.settings /Settings/Services/Bol 1\n";
  auto [setup_rc, setup_out] = test::run_command(
      on_bus(address, dir.string(),
             "/usr/bin/python3 '" + oracle.string() + "' setup '" + (dir / "setup").string() + "'"));
  ASSERT_EQ(setup_rc, 0) << setup_out;

  // gxlink as a driver add-on: its devices on the bus, no system layer of its own.
  std::ofstream(dir / "gxlink.toml") << "[general]\ndemo = true\ndata_dir = \""
                                     << (dir / "data").string()
                                     << "\"\n[system]\nenabled = false\n";
  const int port = test::free_tcp_port();
  test::Process gx({GXLINK_BINARY, "run", "--config", (dir / "gxlink.toml").string(), "--no-tui",
                    "--dbus", address, "--http", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(test::eventually(
      [&] { return has_name("com.victronenergy.solarcharger.ttyUSB0"); }, 30s))
      << gx.output();

  test::Process systemcalc(on_bus(address, sc, "/usr/bin/python3 dbus_systemcalc.py"));

  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(1);
  const std::string mppt = "com.victronenergy.solarcharger.ttyUSB0";
  const std::string multi = "com.victronenergy.vebus.ttyMK3";
  const std::string bms = "com.victronenergy.battery.socketcan_can0";
  json m;
  const bool reached = test::eventually(
      [&] {
        auto res = cli.Get("/api/model");
        if (!res || res->status != 200) return false;
        m = json::parse(res->body, nullptr, false);
        return m.is_object() && num(m, mppt, "/Link/ChargeVoltage") &&
               num(m, mppt, "/Link/ChargeCurrent") && m[mppt]["/State"] == 252 &&
               num(m, multi, "/BatteryOperationalLimits/MaxChargeCurrent");
      },
      60s);
  EXPECT_TRUE(reached) << "systemcalc:\n"
                       << systemcalc.output() << "\ngxlink:\n"
                       << gx.output() << "\nmodel: " << m.dump();
  if (reached) {
    // Venus' DVCC: the MPPT gets the BMS's CVL (no quirk, no ESS) and BMS mode 13.
    EXPECT_DOUBLE_EQ(*num(m, mppt, "/Link/ChargeVoltage"), *num(m, bms, "/Info/MaxChargeVoltage"));
    EXPECT_EQ(m[mppt]["/Link/NetworkMode"], 13);
    EXPECT_FALSE(m.contains("com.victronenergy.system"));  // Venus' own, not ours, on the bus
    // VE.Can chargers: Venus' DVCC writes the voltage and mode into the NMEA 2000 driver's
    // com.victronenergy.vecan.<interface> service (venus_os.md §5.4 step 2), which puts them on
    // the bus (the demo's VE.Can bus is can2).
    const std::string vecan = "com.victronenergy.vecan.can2";
    EXPECT_TRUE(test::eventually(
        [&] {
          auto res = cli.Get("/api/model");
          if (!res || res->status != 200) return false;
          m = json::parse(res->body, nullptr, false);
          return m.is_object() && num(m, vecan, "/Link/ChargeVoltage") &&
                 num(m, vecan, "/Link/NetworkMode");
        },
        20s))
        << m.dump();
    if (num(m, vecan, "/Link/ChargeVoltage")) {
      EXPECT_DOUBLE_EQ(*num(m, vecan, "/Link/ChargeVoltage"),
                       *num(m, bms, "/Info/MaxChargeVoltage"));
      EXPECT_EQ(m[vecan]["/Link/NetworkMode"], 13);
    }
  }
  systemcalc.stop();
  EXPECT_EQ(gx.stop(), 0) << gx.output();
  settings.stop();
  bus.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace gxlink
