// SPDX-License-Identifier: MIT
// The real gxlink binary (`run --demo --dbus ADDRESS`) on a private bus: every demo service is on
// the bus with the same paths as /api/model, and a native service from python is mirrored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "integration/dbus/dbus_test_support.hpp"

namespace gxlink {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kPython = "/usr/bin/python3";
const std::string kScripts = GXLINK_DBUS_SCRIPTS;

json http_get(int port, const std::string& path) {
  const std::string out = test::run(
      {kPython, "-c",
       "import "
       "sys,urllib.request;print(urllib.request.urlopen(sys.argv[1],timeout=10).read().decode())",
       "http://127.0.0.1:" + std::to_string(port) + path});
  return json::parse(out.empty() ? "null" : out);
}

/// The port gxlink's log says it serves HTTP on (started with --http 127.0.0.1:0); 0 when it
/// never says.
int http_port(test::Child& gx) {
  const std::regex serving(R"(http://127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 200; ++i) {
    auto line = gx.read_line(seconds(20));
    if (!line) return 0;
    std::smatch m;
    if (std::regex_search(*line, m, serving)) return std::stoi(m[1]);
  }
  return 0;
}

json client(const std::string& address, std::vector<std::string> args) {
  std::vector<std::string> argv{kPython, kScripts + "/busclient.py", address};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out = test::run(argv);
  return json::parse(out.empty() ? "null" : out);
}

TEST(GxlinkBinaryOnDbus, DemoServicesArePublishedAndANativeServiceIsImported) {
  test::PrivateBus bus;
  const std::string native = "com.victronenergy.battery.test";
  test::Child svc({kPython, kScripts + "/fake_venus_service.py", bus.address(), native});
  ASSERT_EQ(svc.read_line(seconds(20)), "ready");

  test::Child gx({GXLINK_BINARY, "run", "--demo", "--dbus", bus.address(), "--no-tui", "--http",
                  "127.0.0.1:0"},
                 true);
  const int port = http_port(gx);
  ASSERT_GT(port, 0) << "gxlink said nothing about its HTTP port";

  json model;
  for (int i = 0; i < 200; ++i) {
    model = http_get(port, "/api/model");
    if (model.contains(native)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(model.contains(native)) << model.dump();
  EXPECT_EQ(model[native]["/Soc"], 81.5);
  EXPECT_EQ(model[native]["/DeviceInstance"], 7);

  // Every service of the demo is on the bus, with exactly the model's paths. Drivers may still be
  // creating services, so compare the ones present in both after a short settle.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  model = http_get(port, "/api/model");
  auto names = client(bus.address(), {"names"});
  for (auto& [name, paths] : model.items()) {
    if (name == native) continue;
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end())
        << name << " is not on the bus";
    auto items = client(bus.address(), {"getitems", name});
    for (auto& [path, v] : paths.items()) EXPECT_TRUE(items.contains(path)) << name << path;
  }

  svc.write_line("set /Soc 12.5");
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    seen = http_get(port, "/api/model")[native]["/Soc"] == 12.5;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(seen);

  gx.stop(SIGTERM);
  EXPECT_EQ(gx.wait(), 0);
  // Our names are released with the process; the native service is untouched.
  names = client(bus.address(), {"names"});
  EXPECT_NE(std::find(names.begin(), names.end(), native), names.end());
  for (auto& [name, paths] : model.items()) {
    if (name == native) continue;
    EXPECT_EQ(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

// Issue 13, conformance 1: Venus clients (the GUI, systemcalc's monitor) scan a service's paths
// once, when its name appears. So when NameOwnerChanged announces a gxlink device service, every
// path it will ever publish must already answer: GetValue on /Dc/0/Voltage of the VE.Can MPPT
// gave UnknownObject (12 paths at first, 21 later) before each driver declared its path set.
TEST(GxlinkBinaryOnDbus, EveryServiceHasItsWholePathSetWhenItsNameAppears) {
  test::PrivateBus bus;
  test::Child scan({kPython, kScripts + "/busclient.py", bus.address(), "scan", "20",
                    "/Dc/0/Voltage", "/Connected", "/ProductName"});
  ASSERT_EQ(scan.read_line(seconds(20)), "ready");
  test::Child gx({GXLINK_BINARY, "run", "--demo", "--dbus", bus.address(), "--no-tui", "--http",
                  "127.0.0.1:0"},
                 true);
  auto out = scan.read_line(seconds(60));
  ASSERT_TRUE(out) << "the scanner printed nothing";
  const json seen = json::parse(*out, nullptr, false);
  ASSERT_TRUE(seen.is_object()) << *out;
  gx.stop(SIGTERM);
  EXPECT_EQ(gx.wait(), 0);

  bool vecan_mppt = false;
  std::size_t devices = 0;
  for (auto& [name, e] : seen.items()) {
    // The settings service grows by design (AddSetting, as Venus' localsettings); the system
    // and platform services are gxlink's own system layer, not device drivers.
    if (name == "com.victronenergy.settings" || name == "com.victronenergy.system" ||
        name == "com.victronenergy.platform")
      continue;
    ++devices;
    EXPECT_FALSE(e.contains("getitems_error")) << name << ": " << e.dump();
    EXPECT_EQ(e["late"], json::array()) << name << " grew after its name appeared";
    EXPECT_GT(e["at_appear"].size(), 9u) << name << " appeared with only the mandatory paths";
    EXPECT_EQ(e["getvalue"]["/Connected"], "ok") << name;
    EXPECT_EQ(e["getvalue"]["/ProductName"], "ok") << name;
    const std::string type =
        name.substr(std::string("com.victronenergy.").size(), name.find('.', 18) - 18);
    if (type == "solarcharger" || type == "battery" || type == "charger" || type == "vebus") {
      EXPECT_EQ(e["getvalue"]["/Dc/0/Voltage"], "ok") << name;
    }
    if (type == "solarcharger" && name.find("socketcan_") != std::string::npos) vecan_mppt = true;
  }
  EXPECT_TRUE(vecan_mppt) << "no VE.Can MPPT appeared: " << seen.dump();
  EXPECT_GE(devices, 5u) << seen.dump();
}

// Issue 12: the system service's structured paths as a Venus client reads them. On Venus,
// /AvailableBatteryMeasurements is a dict (a{sv}) of measurement id → name and /Batteries a list
// (av) of dicts, one per battery measurement (dbus_systemcalc.py, delegates/batterydata.py);
// /AvailableBatteryServices stays a JSON string. Read with python3-dbus and dbus-send.
TEST(GxlinkBinaryOnDbus, SystemPublishesBatteryDictsAndLists) {
  test::PrivateBus bus;
  test::Child gx({GXLINK_BINARY, "run", "--demo", "--dbus", bus.address(), "--no-tui", "--http",
                  "127.0.0.1:0"},
                 true);
  const int port = http_port(gx);
  ASSERT_GT(port, 0) << "gxlink said nothing about its HTTP port";
  const std::string sys = "com.victronenergy.system";

  // Wait until systemcalc has picked a battery and listed it.
  json batteries;
  for (int i = 0; i < 300; ++i) {
    batteries = client(bus.address(), {"getvalue", sys, "/Batteries"});
    if (batteries.is_object() && batteries["v"].is_array() && !batteries["v"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(batteries["sig"], "av") << batteries.dump();
  int active = 0;
  for (auto& b : batteries["v"]) {
    ASSERT_TRUE(b.is_object()) << b.dump();
    EXPECT_EQ(b["id"]["sig"], "s") << b.dump();
    EXPECT_TRUE(b["id"]["v"].get<std::string>().starts_with("com.victronenergy.")) << b.dump();
    EXPECT_EQ(b["name"]["sig"], "s") << b.dump();
    EXPECT_EQ(b["active_battery_service"]["sig"], "b") << b.dump();
    if (b.contains("voltage")) {
      EXPECT_EQ(b["voltage"]["sig"], "d") << b.dump();
    }
    active += b["active_battery_service"]["v"].get<int>();
  }
  EXPECT_EQ(active, 1) << batteries.dump();

  const json measurements =
      client(bus.address(), {"getvalue", sys, "/AvailableBatteryMeasurements"});
  ASSERT_EQ(measurements["sig"], "a{sv}") << measurements.dump();
  EXPECT_EQ(measurements["v"]["default"], (json{{"v", "Automatic"}, {"sig", "s"}}));
  EXPECT_EQ(measurements["v"]["nobattery"], (json{{"v", "No battery monitor"}, {"sig", "s"}}));
  const json auto_measurement =
      client(bus.address(), {"getvalue", sys, "/AutoSelectedBatteryMeasurement"});
  EXPECT_TRUE(measurements["v"].contains(auto_measurement["v"].get<std::string>()))
      << measurements.dump() << " has no " << auto_measurement.dump();
  const json services = client(bus.address(), {"getvalue", sys, "/AvailableBatteryServices"});
  EXPECT_EQ(services["sig"], "s");
  EXPECT_EQ(json::parse(services["v"].get<std::string>()).size(), measurements["v"].size());
  // GetItems carries the same values (the path set a client scans once).
  const json items = client(bus.address(), {"getitems", sys});
  EXPECT_EQ(items["/AvailableBatteryMeasurements"]["Value"]["sig"], "a{sv}");
  EXPECT_EQ(items["/Batteries"]["Value"]["sig"], "av");

  // GetText is Python's str() of the value, as velib answers it.
  const json text = client(bus.address(), {"gettext", sys, "/AvailableBatteryMeasurements"});
  EXPECT_TRUE(text["v"].get<std::string>().starts_with("{'default': 'Automatic', 'nobattery': "))
      << text.dump();
  EXPECT_TRUE(
      client(bus.address(), {"gettext", sys, "/Batteries"})["v"].get<std::string>().starts_with(
          "[{'id': 'com.victronenergy."));

  // dbus-send, the tool of a shell user: a variant holding an array of dict entries.
  int rc = -1;
  const std::string reply =
      test::run({"/usr/bin/dbus-send", "--bus=" + bus.address(), "--print-reply", "--dest=" + sys,
                 "/AvailableBatteryMeasurements", "com.victronenergy.BusItem.GetValue"},
                &rc);
  EXPECT_EQ(rc, 0) << reply;
  EXPECT_NE(reply.find("variant"), std::string::npos) << reply;
  EXPECT_NE(reply.find("dict entry("), std::string::npos) << reply;
  EXPECT_NE(reply.find("string \"default\""), std::string::npos) << reply;
  EXPECT_NE(reply.find("string \"Automatic\""), std::string::npos) << reply;

  // HTTP /api/model: JSON object and array of objects, as MQTT's {"value": ...} carries them.
  const json model = http_get(port, "/api/model");
  EXPECT_TRUE(model[sys]["/AvailableBatteryMeasurements"].is_object()) << model[sys].dump();
  ASSERT_TRUE(model[sys]["/Batteries"].is_array());
  for (auto& b : model[sys]["/Batteries"]) {
    EXPECT_TRUE(b.is_object());
    EXPECT_TRUE(b["active_battery_service"].is_boolean());
  }
  gx.stop(SIGTERM);
  EXPECT_EQ(gx.wait(), 0);
}

}  // namespace
}  // namespace gxlink
