// SPDX-License-Identifier: MIT
// Table-driven systemcalc cases. The devices, settings and expected values are facts taken from
// Victron's dbus-systemcalc-py tests/systemcalc_test.py (v2.256, MIT): each row names the test
// it comes from. The code here is ours.
#include "system/systemcalc.hpp"

#include <cmath>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "system/system_layer.hpp"

namespace gxlink::system {
namespace {

using model::Value;
using Values = std::vector<std::pair<std::string, Value>>;

Value D(double v) { return Value{v}; }
Value I(std::int64_t v) { return Value{v}; }
Value S(const char* v) { return Value{std::string(v)}; }
const Value kNone{};
/// A structured value (dict or list) as systemcalc publishes it.
Value T(model::TreeNode n) {
  auto t = model::Tree::make(std::move(n));
  EXPECT_TRUE(t.has_value());
  return t ? Value{*t} : Value{};
}

struct Device {
  std::string name;
  Values values;
  bool connected = true;
  std::string product_name = "dummy";
};

struct Case {
  const char* name;  ///< the systemcalc_test.py test the facts come from
  std::vector<Device> add;
  std::vector<std::string> remove;                                 ///< base devices removed
  std::vector<std::tuple<std::string, std::string, Value>> patch;  ///< service, path, value
  Values settings;
  Values expect;
};

// gtest prints a parameter it cannot print as bytes; the name says which facts failed.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

constexpr const char* kVebus = "com.victronenergy.vebus.ttyO1";

// systemcalc_test.py setUp: a Multi on ttyO1, instance 0, grid on AC-in 1, genset on AC-in 2.
Device base_multi() {
  return {kVebus,
          {{"/Ac/ActiveIn/L1/P", I(123)},
           {"/Ac/ActiveIn/L1/I", D(0.6)},
           {"/Ac/ActiveIn/ActiveInput", I(0)},
           {"/Ac/ActiveIn/Connected", I(1)},
           {"/Ac/Out/L1/P", I(100)},
           {"/Ac/Out/L1/I", D(0.4)},
           {"/Dc/0/Voltage", D(12.25)},
           {"/Dc/0/Current", I(-8)},
           {"/Soc", D(53.2)},
           {"/State", I(3)}},
          true,
          "Multi"};
}

class Rig {
 public:
  Rig() : layer_(io_, model_, [] { return TimePoint{}; }) {
    auto calc = std::make_unique<SystemCalc>(layer_.context());
    calc_ = calc.get();
    layer_.add(std::move(calc));
    layer_.start();
    layer_.settings().set("/Settings/SystemSetup/AcInput1", I(1));
    layer_.settings().set("/Settings/SystemSetup/AcInput2", I(2));
  }

  void add(const Device& d) {
    std::string_view rest = std::string_view(d.name).substr(model::kServicePrefix.size());
    model::ServiceSpec spec;
    spec.type = std::string(rest.substr(0, rest.find('.')));
    spec.connection = std::string(rest.substr(rest.find('.') + 1));
    spec.mgmt_connection = "dummy";
    spec.product_name = d.product_name;
    auto& s = model_.add_service(spec);
    s.set("/Connected", I(d.connected ? 1 : 0));
    for (auto& [p, v] : d.values) s.set(p, v);
  }
  void tick() { layer_.tick(TimePoint{}); }
  model::Model& model() { return model_; }
  Settings& settings() { return layer_.settings(); }
  SystemCalc& calc() { return *calc_; }
  const model::Service& system() { return *model_.find(kSystemService); }

 private:
  asio::io_context io_;
  model::Model model_;
  SystemLayer layer_;
  SystemCalc* calc_ = nullptr;
};

::testing::AssertionResult matches(const Value& want, const Value& got) {
  if (!model::is_valid(want)) {
    if (!model::is_valid(got)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "want invalid, got " << model::to_plain_text(got);
  }
  auto w = model::as_double(want), g = model::as_double(got);
  if (w) {
    if (g && std::fabs(*w - *g) <= 1e-9 * std::max(1.0, std::fabs(*w)))
      return ::testing::AssertionSuccess();
  } else if (model::same_value(want, got)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "want " << model::to_plain_text(want) << ", got " << model::to_plain_text(got);
}

const Device kSolar1{"com.victronenergy.solarcharger.ttyO1",
                     {{"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(9.7)}}};

const std::vector<Case> kCases = {
    {"test_battery_selection_default",
     {},
     {},
     {},
     {},
     {{"/Dc/Battery/Soc", D(53.2)},
      {"/Dc/Battery/Current", I(-8)},
      {"/Dc/Battery/Power", D(-8 * 12.25)},
      {"/Dc/Battery/Voltage", D(12.25)},
      {"/Dc/Battery/State", I(2)},
      {"/ActiveBatteryService", S("com.victronenergy.vebus/0")},
      {"/AutoSelectedBatteryService", S("Multi on dummy")},
      {"/AutoSelectedBatteryMeasurement", S("com_victronenergy_vebus_0/Dc/0")},
      {"/Dc/Battery/BatteryService", S(kVebus)}}},
    {"test_battery_selection",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("com.victronenergy.vebus/0")}},
     {{"/Dc/Battery/Soc", D(53.2)},
      {"/Dc/Battery/Current", I(-8)},
      {"/Dc/Battery/Power", D(-8 * 12.25)},
      {"/Dc/Battery/Voltage", D(12.25)},
      {"/ActiveBatteryService", S("com.victronenergy.vebus/0")},
      {"/AutoSelectedBatteryService", kNone}}},
    {"test_battery_selection_solarcharger",
     {kSolar1,
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Load/I", I(5)}, {"/Dc/0/Voltage", D(12.5)}, {"/Dc/0/Current", I(10)}}}},
     {},
     {},
     {},
     {{"/Dc/Battery/Soc", kNone},
      {"/Dc/Battery/Current", D((12.4 * 9.7 + 12.5 * 10 - 12.25 * 8) / 12.25)},
      {"/Dc/Battery/Power", D(12.4 * 9.7 + 12.5 * 10 - 12.25 * 8)},
      {"/Dc/Battery/Voltage", D(12.25)},
      {"/ActiveBatteryService", kNone},
      {"/AutoSelectedBatteryService", S("No battery monitor found")}}},
    {"test_battery_selection_solarcharger_no_vebus_voltage",
     {kSolar1},
     {},
     {{kVebus, "/Dc/0/Voltage", kNone}},
     {},
     {{"/Dc/Battery/Soc", kNone},
      {"/Dc/Battery/Current", D(9.7)},
      {"/Dc/Battery/Power", D(9.7 * 12.4)},
      {"/Dc/Battery/Voltage", D(12.4)},
      {"/ActiveBatteryService", kNone}}},
    {"test_battery_selection_solarcharger_no_voltage",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Dc/0/Voltage", kNone}, {"/Dc/0/Current", kNone}}}},
     {},
     {},
     {},
     {{"/Dc/Battery/Soc", kNone},
      {"/Dc/Battery/Current", I(-8)},
      {"/Dc/Battery/Power", D(-12.25 * 8)},
      {"/Dc/Battery/Voltage", D(12.25)},
      {"/ActiveBatteryService", kNone}}},
    {"test_battery_selection_inverter (vebus preferred)",
     {{"com.victronenergy.inverter.ttyO1",
       {{"/Dc/0/Voltage", D(12.8)}, {"/Ac/Out/L1/V", I(230)}, {"/Ac/Out/L1/I", D(1.0)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("nobattery")}},
     {{"/Dc/Battery/Voltage", D(12.25)}, {"/Dc/Battery/VoltageService", S(kVebus)}}},
    {"test_battery_selection_inverter (no vebus)",
     {{"com.victronenergy.inverter.ttyO1",
       {{"/Dc/0/Voltage", D(12.8)}, {"/Ac/Out/L1/V", I(230)}, {"/Ac/Out/L1/I", D(1.0)}}}},
     {kVebus},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("nobattery")}},
     {{"/Dc/Battery/Voltage", D(12.8)},
      {"/Dc/Battery/VoltageService", S("com.victronenergy.inverter.ttyO1")},
      {"/Ac/Consumption/L1/Power", D(230)},
      {"/Ac/ConsumptionOnOutput/L1/Power", D(230)},
      {"/Ac/Consumption/NumberOfPhases", I(1)}}},
    {"test_battery_selection_inverter_with_soc (vebus preferred)",
     {{"com.victronenergy.inverter.ttyO1",
       {{"/Dc/0/Voltage", D(12.8)},
        {"/Ac/Out/L1/V", I(230)},
        {"/Ac/Out/L1/I", D(1.0)},
        {"/Soc", I(55)}}}},
     {},
     {},
     {},
     {{"/Dc/Battery/Voltage", D(12.25)},
      {"/Dc/Battery/Soc", D(53.2)},
      {"/Dc/Battery/VoltageService", S(kVebus)},
      {"/ActiveBatteryService", S("com.victronenergy.vebus/0")}}},
    {"test_battery_selection_inverter_with_soc (no vebus)",
     {{"com.victronenergy.inverter.ttyO1",
       {{"/Dc/0/Voltage", D(12.8)},
        {"/Ac/Out/L1/V", I(230)},
        {"/Ac/Out/L1/I", D(1.0)},
        {"/Soc", I(55)}}}},
     {kVebus},
     {},
     {},
     {{"/Dc/Battery/Voltage", D(12.8)},
      {"/Dc/Battery/Soc", I(55)},
      {"/ActiveBatteryService", S("com.victronenergy.inverter/0")},
      {"/Dc/Battery/VoltageService", S("com.victronenergy.inverter.ttyO1")}}},
    {"test_battery_insecure_connection_no_voltage_service",
     {{"com.victronenergy.battery.ttyO2",
       {{"/Dc/0/Voltage", D(12.4)},
        {"/Dc/0/Current", D(5.6)},
        {"/Dc/0/Power", D(69.4)},
        {"/Soc", I(80)},
        {"/DeviceInstance", I(2)},
        {"/Mgmt/InsecureConnection", I(1)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("com.victronenergy.battery/2")}},
     {{"/Dc/Battery/Voltage", D(12.4)}, {"/Dc/Battery/VoltageService", kNone}}},
    {"test_battery_insecure_connection_secure_has_voltage_service",
     {{"com.victronenergy.battery.ttyO2",
       {{"/Dc/0/Voltage", D(12.4)},
        {"/Dc/0/Current", D(5.6)},
        {"/Dc/0/Power", D(69.4)},
        {"/Soc", I(80)},
        {"/DeviceInstance", I(2)},
        {"/Mgmt/InsecureConnection", I(0)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("com.victronenergy.battery/2")}},
     {{"/Dc/Battery/Voltage", D(12.4)},
      {"/Dc/Battery/VoltageService", S("com.victronenergy.battery.ttyO2")}}},
    {"test_battery_selection_solarcharger_extra_current",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Load/I", I(5)}, {"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(9.7)}}},
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Load/I", I(10)}, {"/Dc/0/Voltage", I(12)}, {"/Dc/0/Current", I(10)}}}},
     {},
     {{kVebus, "/ExtraBatteryCurrent", I(0)}},
     {},
     {{"/Dc/Battery/Soc", D(53.2)},
      {"/Dc/Battery/Current", D((12.4 * 9.7 + 12 * 10 - 12.25 * 8) / 12.25)},
      {"/Dc/Battery/Power", D(12.4 * 9.7 + 12 * 10 - 12.25 * 8)},
      {"/Dc/Battery/Voltage", D(12.25)},
      {"/ActiveBatteryService", S("com.victronenergy.vebus/0")}}},
    {"test_battery_selection_no_battery",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("nobattery")}},
     {{"/Dc/Battery/Soc", kNone},
      {"/Dc/Battery/Current", I(-8)},
      {"/Dc/Battery/Power", D(-8 * 12.25)},
      {"/Dc/Battery/Voltage", D(12.25)},
      {"/ActiveBatteryService", kNone},
      {"/AutoSelectedBatteryService", kNone}}},
    {"test_battery_no_battery2",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("com.victronenergy.battery/2")},
      {"/Settings/SystemSetup/HasDcSystem", I(1)}},
     {{"/Dc/System/Power", kNone}, {"/Dc/Battery/Power", kNone}, {"/ActiveBatteryService", kNone}}},
    {"test_battery_selection_bms_first",
     {{"com.victronenergy.battery.ttyO2",
       {{"/Dc/0/Voltage", D(51.8)},
        {"/Dc/0/Current", I(3)},
        {"/Dc/0/Power", D(155.4)},
        {"/Soc", I(95)},
        {"/DeviceInstance", I(257)},
        {"/ProductId", I(0x203)}},
       true,
       "battery"},
      {"com.victronenergy.battery.socketcan_can1",
       {{"/Dc/0/Voltage", D(52.8)},
        {"/Dc/0/Current", I(4)},
        {"/Dc/0/Power", D(152.4)},
        {"/Soc", I(95)},
        {"/DeviceInstance", I(512)},
        {"/Info/MaxChargeCurrent", I(25)},
        {"/Info/MaxChargeVoltage", D(53.2)},
        {"/Info/MaxDischargeCurrent", I(25)},
        {"/ProductId", I(0xB009)}},
       true,
       "battery"}},
     {},
     {},
     {},
     {{"/ActiveBatteryService", S("com.victronenergy.battery/512")},
      {"/ActiveBmsService", S("com.victronenergy.battery.socketcan_can1")},
      {"/ActiveBmsInstance", I(512)},
      {"/Dc/Battery/ProductId", I(0xB009)},
      {"/Dc/Battery/Voltage", D(52.8)},
      {"/Dvcc/Alarms/MultipleBatteries", I(0)}}},
    {"test_available_battery_measurement",
     {},
     {},
     {},
     {},
     {{"/AvailableBatteryMeasurements",
       T(model::TreeDict{{"default", "Automatic"},
                         {"nobattery", "No battery monitor"},
                         {"com_victronenergy_vebus_0/Dc/0", "Multi on dummy"}})},
      {"/AutoSelectedBatteryMeasurement", S("com_victronenergy_vebus_0/Dc/0")}}},
    {"test_available_battery_measurement_2",
     {{"com.victronenergy.battery.ttyO2",
       {{"/Dc/0/Voltage", D(12.3)},
        {"/Dc/0/Current", D(5.3)},
        {"/Dc/0/Power", I(65)},
        {"/Soc", D(15.3)},
        {"/DeviceInstance", I(2)}},
       true,
       "battery"}},
     {},
     {},
     {},
     {{"/AvailableBatteryMeasurements",
       T(model::TreeDict{{"default", "Automatic"},
                         {"nobattery", "No battery monitor"},
                         {"com_victronenergy_vebus_0/Dc/0", "Multi on dummy"},
                         {"com_victronenergy_battery_2/Dc/0", "battery on dummy"}})},
      {"/AutoSelectedBatteryMeasurement", S("com_victronenergy_battery_2/Dc/0")}}},
    {"test_battery_selection_wrong_format",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/BatteryService", S("wrong format")}},
     {{"/AvailableBatteryServices",
       S(R"({"default": "Automatic", "nobattery": "No battery monitor", )"
         R"("com.victronenergy.vebus/0": "Multi on dummy"})")},
      {"/AutoSelectedBatteryService", kNone},
      {"/ActiveBatteryService", kNone}}},
    {"test_solar_charger_no_load_output",
     {{"com.victronenergy.solarcharger.ttyO1", {{"/Dc/0/Voltage", I(12)}, {"/Dc/0/Current", I(8)}}},
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Dc/0/Voltage", D(12.5)}, {"/Dc/0/Current", I(10)}}}},
     {},
     {},
     {},
     {{"/Dc/System/Power", kNone}, {"/Dc/Pv/Power", D(12 * 8 + 12.5 * 10)}}},
    {"test_solar_charger_with_load_output (HasDcSystem 0)",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Dc/0/Voltage", I(12)}, {"/Dc/0/Current", I(8)}, {"/Load/I", I(5)}}},
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Dc/0/Voltage", D(12.5)}, {"/Dc/0/Current", I(10)}, {"/Load/I", I(5)}}}},
     {},
     {},
     {},
     {{"/Dc/System/Power", kNone}, {"/Dc/Pv/Power", D(12 * (8 + 5) + 12.5 * (10 + 5))}}},
    {"test_solar_charger_with_load_output (HasDcSystem 1)",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Dc/0/Voltage", I(12)}, {"/Dc/0/Current", I(8)}, {"/Load/I", I(5)}}},
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Dc/0/Voltage", D(12.5)}, {"/Dc/0/Current", I(10)}, {"/Load/I", I(5)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/HasDcSystem", I(1)}},
     {{"/Dc/System/Power", D(12 * 5 + 12.5 * 5)},
      {"/Dc/System/Current", D(10)},
      {"/Dc/System/MeasurementType", I(0)},
      {"/Dc/Pv/Power", D(12 * (8 + 5) + 12.5 * (10 + 5))}}},
    {"test_multi_dc_power",
     {},
     {},
     {},
     {},
     {{"/Dc/Vebus/Current", I(-8)},
      {"/Dc/Vebus/Power", D(-8 * 12.25)},
      {"/VebusService", S(kVebus)},
      {"/VebusInstance", I(0)}}},
    {"test_multi_dc_power_2",
     {},
     {},
     {{kVebus, "/Dc/0/Power", D(-98.7)}},
     {},
     {{"/Dc/Vebus/Current", I(-8)}, {"/Dc/Vebus/Power", D(-98.7)}}},
    {"test_multi_dc_power_4",
     {},
     {},
     {{kVebus, "/Dc/0/Current", D(6.5)}, {kVebus, "/Dc/0/Voltage", kNone}},
     {},
     {{"/Dc/Vebus/Current", D(6.5)}, {"/Dc/Vebus/Power", kNone}}},
    {"test_dc_charger_battery",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Load/I", I(5)}, {"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(9.7)}}},
      {"com.victronenergy.battery.ttyO2",
       {{"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(5.6)}, {"/Dc/0/Power", I(120)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/HasDcSystem", I(1)}},
     {{"/Dc/System/Power", D(12.4 * 9.7 - 120 - 12.25 * 8 + 12.4 * 5)},
      {"/Dc/Battery/Power", I(120)},
      {"/Dc/Battery/State", I(1)},
      {"/Dc/Pv/Power", D(12.4 * (9.7 + 5))}}},
    {"test_when_hasdcsystem_is_disabled_system_should_be_invalid",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/HasDcSystem", I(0)}},
     {{"/Dc/System/Power", kNone}}},
    {"test_calculation_of_dc_system",
     {{"com.victronenergy.battery.ttyO2",
       {{"/Dc/0/Voltage", D(12.3)},
        {"/Dc/0/Current", D(5.3)},
        {"/Dc/0/Power", I(65)},
        {"/Soc", D(15.3)},
        {"/DeviceInstance", I(2)}}},
      {"com.victronenergy.solarcharger.ttyO1",
       {{"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(9.7)}, {"/Load/I", I(5)}}},
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Dc/0/Voltage", D(12.3)}, {"/Dc/0/Current", I(10)}, {"/Load/I", I(11)}}},
      {"com.victronenergy.charger.ttyO1", {{"/Dc/0/Voltage", D(12.7)}, {"/Dc/0/Current", D(6.3)}}},
      {"com.victronenergy.charger.ttyO4", {{"/Dc/0/Voltage", D(12.9)}, {"/Dc/0/Current", I(6)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/HasDcSystem", I(1)}},
     {{"/Dc/System/Power",
       D(12.4 * (9.7 + 5) + 12.3 * (10 + 11) + 12.7 * 6.3 + 12.9 * 6 - 12.25 * 8 - 65)},
      {"/Dc/System/Current",
       D((12.4 * (9.7 + 5) + 12.3 * (10 + 11) + 12.7 * 6.3 + 12.9 * 6 - 12.25 * 8 - 65) / 12.3)},
      {"/Dc/Charger/Power", D(12.7 * 6.3 + 12.9 * 6)},
      {"/Dc/Battery/Soc", D(15.3)}}},
    {"test_calculation_of_dc_system (battery removed)",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(9.7)}, {"/Load/I", I(5)}}},
      {"com.victronenergy.solarcharger.ttyO2",
       {{"/Dc/0/Voltage", D(12.3)}, {"/Dc/0/Current", I(10)}, {"/Load/I", I(11)}}},
      {"com.victronenergy.charger.ttyO1", {{"/Dc/0/Voltage", D(12.7)}, {"/Dc/0/Current", D(6.3)}}},
      {"com.victronenergy.charger.ttyO4", {{"/Dc/0/Voltage", D(12.9)}, {"/Dc/0/Current", I(6)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/HasDcSystem", I(1)}},
     {{"/Dc/System/Power", D(12.4 * 5 + 12.3 * 11)},
      {"/Dc/System/Current", D((12.4 * 5 + 12.3 * 11) / 12.25)}}},
    {"test_alternator_power",
     {{"com.victronenergy.alternator.ttyO1", {{"/Dc/0/Power", I(139)}}}},
     {kVebus},
     {},
     {},
     {{"/Dc/Alternator/Power", I(139)}}},
    {"test_derive_battery",
     {{"com.victronenergy.solarcharger.ttyO1",
       {{"/Load/I", I(5)}, {"/Dc/0/Voltage", D(12.4)}, {"/Dc/0/Current", D(9.7)}}},
      {"com.victronenergy.charger.ttyO1", {{"/Dc/0/Voltage", D(12.7)}, {"/Dc/0/Current", D(6.3)}}}},
     {},
     {},
     {{"/Settings/SystemSetup/HasDcSystem", I(0)}},
     {{"/Dc/Battery/Power", D(12.4 * 9.7 + 12.7 * 6.3 - 12.25 * 8)},
      {"/Dc/Battery/Current", D((12.4 * 9.7 + 12.7 * 6.3 - 12.25 * 8) / 12.25)},
      {"/Dc/Battery/Voltage", D(12.25)}}},
    {"test_ac_in_grid",
     {},
     {},
     {},
     {},
     {{"/Ac/ActiveIn/Source", I(1)},
      {"/Ac/Grid/L1/Power", I(123)},
      {"/Ac/Grid/L2/Power", kNone},
      {"/Ac/Grid/L1/Current", D(0.6)},
      {"/Ac/Genset/NumberOfPhases", kNone},
      {"/Ac/Consumption/L1/Power", I(100)},
      {"/Ac/Consumption/L2/Power", kNone},
      {"/Ac/ConsumptionOnOutput/L1/Power", I(100)},
      {"/Ac/ConsumptionOnInput/L1/Power", I(0)},
      {"/Ac/ConsumptionOnInput/L2/Power", kNone}}},
    {"test_ac_in_genset",
     {},
     {},
     {{kVebus, "/Ac/ActiveIn/ActiveInput", I(1)}},
     {},
     {{"/Ac/ActiveIn/Source", I(2)},
      {"/Ac/Genset/L1/Power", I(123)},
      {"/Ac/Genset/L1/Current", D(0.6)},
      {"/Ac/Grid/L1/Power", kNone}}},
    {"test_ac_in_not_available",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/AcInput1", I(0)}},
     {{"/Ac/ActiveIn/Source", I(0)},
      {"/Ac/Grid/NumberOfPhases", kNone},
      {"/Ac/Genset/NumberOfPhases", kNone}}},
    {"test_ac_in_shore",
     {},
     {},
     {},
     {{"/Settings/SystemSetup/AcInput1", I(3)}},
     {{"/Ac/ActiveIn/Source", I(3)},
      {"/Ac/Grid/NumberOfPhases", I(1)},
      {"/Ac/Genset/NumberOfPhases", kNone}}},
    {"test_ac_gridmeter",
     {{"com.victronenergy.grid.ttyUSB1", {{"/Ac/L1/Power", I(1230)}, {"/Ac/L1/Current", D(5.1)}}},
      {"com.victronenergy.pvinverter.fronius_122_2312",
       {{"/Ac/L1/Power", I(500)}, {"/Ac/L1/Current", D(2.1)}, {"/Position", I(0)}}}},
     {},
     {},
     {},
     {{"/Ac/Grid/L1/Power", I(1230)},
      {"/Ac/Grid/NumberOfPhases", I(1)},
      {"/Ac/Consumption/L1/Power", D(1230 - 123 + 100 + 500)},
      {"/Ac/Consumption/L1/Current", D(5.1 - 0.6 + 0.4 + 2.1)},
      {"/Ac/ConsumptionOnOutput/L1/Power", I(100)},
      {"/Ac/ConsumptionOnOutput/L1/Current", D(0.4)},
      {"/Ac/ConsumptionOnInput/L1/Power", D(1230 - 123 + 500)},
      {"/Ac/ConsumptionOnInput/L1/Current", D(5.1 - 0.6 + 2.1)},
      {"/Ac/PvOnGrid/L1/Power", I(500)}}},
    {"test_pv_on_output",
     {{"com.victronenergy.pvinverter.fronius_122_2312",
       {{"/Ac/L1/Power", I(500)}, {"/Ac/L1/Current", D(2.1)}, {"/Position", I(1)}}}},
     {},
     {{kVebus, "/Ac/Out/L1/P", I(-100)}, {kVebus, "/Ac/Out/L1/I", D(-0.4)}},
     {},
     {{"/Ac/ActiveIn/Source", I(1)},
      {"/Ac/Grid/L1/Power", I(123)},
      {"/Ac/Grid/NumberOfPhases", I(1)},
      {"/Ac/Consumption/L1/Power", D(500 - 100)},
      {"/Ac/ConsumptionOnInput/L1/Power", I(0)},
      {"/Ac/ConsumptionOnOutput/L1/Power", D(500 - 100)},
      {"/Ac/ConsumptionOnOutput/L1/Current", D(2.1 - 0.4)},
      {"/Ac/PvOnOutput/L1/Power", I(500)},
      {"/Ac/PvOnOutput/L1/Current", D(2.1)}}},
};

class SystemCalcCase : public ::testing::TestWithParam<Case> {};

TEST_P(SystemCalcCase, MatchesVictronsSystemcalcFacts) {
  const Case& c = GetParam();
  Rig rig;
  rig.add(base_multi());
  for (const auto& d : c.add) rig.add(d);
  for (const auto& r : c.remove) rig.model().remove_service(r);
  for (const auto& [svc, path, v] : c.patch) rig.model().find(svc)->set(path, v);
  for (const auto& [path, v] : c.settings)
    ASSERT_EQ(rig.settings().set(path, v), model::WriteResult::kOk) << path;
  rig.tick();
  for (const auto& [path, want] : c.expect)
    EXPECT_TRUE(matches(want, rig.system().get(path))) << c.name << ": " << path;
}

INSTANTIATE_TEST_SUITE_P(Facts, SystemCalcCase, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           std::string n = std::to_string(p.index) + "_" + p.param.name;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

// test_battery_state: the ±30 W rule.
TEST(SystemCalc, BatteryStateFollowsTheThirtyWattRule) {
  Rig rig;
  rig.add(base_multi());
  rig.add({"com.victronenergy.battery.ttyO2",
           {{"/Dc/0/Voltage", D(12.3)},
            {"/Dc/0/Current", D(5.3)},
            {"/Dc/0/Power", I(40)},
            {"/DeviceInstance", I(2)}}});
  auto* bat = rig.model().find("com.victronenergy.battery.ttyO2");
  const std::pair<double, std::int64_t> steps[] = {{40, 1}, {-40, 2}, {1, 0},
                                                   {30, 0}, {-30, 0}, {30.5, 1}};
  for (auto [p, state] : steps) {
    bat->set("/Dc/0/Power", D(p));
    rig.tick();
    EXPECT_TRUE(matches(I(state), rig.system().get("/Dc/Battery/State"))) << p << " W";
  }
}

// The choice follows the setting at once, and a chosen battery that goes away is not replaced.
TEST(SystemCalc, AChosenBatteryThatIsGoneIsNotReplaced) {
  Rig rig;
  rig.add(base_multi());
  rig.add(
      {"com.victronenergy.battery.ttyO2", {{"/Dc/0/Voltage", D(12.3)}, {"/DeviceInstance", I(2)}}});
  rig.tick();
  EXPECT_TRUE(matches(S("com.victronenergy.battery/2"), rig.system().get("/ActiveBatteryService")));
  EXPECT_EQ(rig.calc().battery_service(), "com.victronenergy.battery.ttyO2");
  rig.settings().set("/Settings/SystemSetup/BatteryService", S("com.victronenergy.battery/2"));
  rig.model().remove_service("com.victronenergy.battery.ttyO2");
  rig.tick();
  EXPECT_TRUE(matches(kNone, rig.system().get("/ActiveBatteryService")));
  EXPECT_EQ(rig.calc().battery_service(), "");
  // Auto picks the Multi again.
  rig.settings().set("/Settings/SystemSetup/BatteryService", S("default"));
  rig.tick();
  EXPECT_TRUE(matches(S("com.victronenergy.vebus/0"), rig.system().get("/ActiveBatteryService")));
}

// A disconnected battery (or one without /ProductName) is not auto-selected
// (_remove_unconnected_services; test_disconnected_vebus_is_ignored_in_auto_mode).
TEST(SystemCalc, UnconnectedServicesAreNotAutoSelected) {
  Rig rig;
  rig.add(base_multi());
  Device b{"com.victronenergy.battery.ttyO2", {{"/Dc/0/Voltage", D(12.3)}}, false};
  rig.add(b);
  rig.tick();
  EXPECT_TRUE(matches(S("com.victronenergy.vebus/0"), rig.system().get("/ActiveBatteryService")));
  rig.model().find(b.name)->set("/Connected", I(1));
  rig.tick();
  EXPECT_TRUE(matches(S("com.victronenergy.battery/0"), rig.system().get("/ActiveBatteryService")));
}

// BMS selection (delegates/batteryservice.py) and venus#420's alarm.
TEST(SystemCalc, BmsSelectionAndMultipleBatteriesAlarm) {
  Rig rig;
  Device bms1{"com.victronenergy.battery.socketcan_can0",
              {{"/Dc/0/Voltage", D(52.0)},
               {"/DeviceInstance", I(512)},
               {"/Info/MaxChargeVoltage", D(55.2)}}};
  Device bms2{"com.victronenergy.battery.socketcan_can1",
              {{"/Dc/0/Voltage", D(52.1)},
               {"/DeviceInstance", I(513)},
               {"/Info/MaxChargeVoltage", D(55.0)}}};
  Device shunt{"com.victronenergy.battery.ttyO0",
               {{"/Dc/0/Voltage", D(52.2)}, {"/DeviceInstance", I(0)}}};
  rig.add(shunt);
  rig.add(bms1);
  rig.add(bms2);
  rig.tick();
  // A BMS beats a lower-instance shunt for the battery, and the lowest BMS wins.
  EXPECT_TRUE(
      matches(S("com.victronenergy.battery/512"), rig.system().get("/ActiveBatteryService")));
  EXPECT_EQ(rig.calc().bms_service(), bms1.name);
  EXPECT_TRUE(matches(I(0), rig.system().get("/Dvcc/Alarms/MultipleBatteries")));  // DVCC off
  rig.settings().set("/Settings/Services/Bol", I(1));
  rig.tick();
  EXPECT_TRUE(matches(I(1), rig.system().get("/Dvcc/Alarms/MultipleBatteries")));
  // The user picks the shunt as the battery: the BMS is still the lowest BMS.
  rig.settings().set("/Settings/SystemSetup/BatteryService", S("com.victronenergy.battery/0"));
  rig.tick();
  EXPECT_TRUE(matches(S("com.victronenergy.battery/0"), rig.system().get("/ActiveBatteryService")));
  EXPECT_EQ(rig.calc().bms_service(), bms1.name);
  // Explicit BMS instance; one that is not a BMS gives none; -255 gives none.
  rig.settings().set("/Settings/SystemSetup/BmsInstance", I(513));
  rig.tick();
  EXPECT_EQ(rig.calc().bms_service(), bms2.name);
  rig.settings().set("/Settings/SystemSetup/BmsInstance", I(0));
  rig.tick();
  EXPECT_EQ(rig.calc().bms_service(), "");
  EXPECT_TRUE(matches(kNone, rig.system().get("/ActiveBmsService")));
  rig.settings().set("/Settings/SystemSetup/BmsInstance", I(-255));
  rig.tick();
  EXPECT_EQ(rig.calc().bms_service(), "");
}

TEST(SystemCalc, PerBatterySettingsAreDeclared) {
  Rig rig;
  rig.add(base_multi());
  rig.add(
      {"com.victronenergy.battery.ttyO2", {{"/Dc/0/Voltage", D(12.3)}, {"/DeviceInstance", I(2)}}});
  rig.tick();
  EXPECT_EQ(rig.settings().get_int(battery_setting_path("com.victronenergy.battery/2", "Enabled")),
            1);
  EXPECT_EQ(rig.settings().get_int(battery_setting_path("com.victronenergy.vebus/0", "Enabled")),
            0);
  EXPECT_EQ(
      rig.settings().get_string(battery_setting_path("com.victronenergy.battery/2", "Service")),
      "com.victronenergy.battery/2");
}

// test_available_battery_measurement_3: the dict follows a battery that comes and goes.
TEST(SystemCalc, AvailableBatteryMeasurementsFollowServicesThatComeAndGo) {
  Rig rig;
  rig.add(base_multi());
  rig.tick();
  const auto count = [&] {
    const auto* t = std::get_if<model::Tree>(&rig.system().get("/AvailableBatteryMeasurements"));
    return t && t->root().dict() ? t->root().dict()->size() : 0u;
  };
  EXPECT_EQ(count(), 3u);
  rig.add({"com.victronenergy.battery.ttyO2",
           {{"/Dc/0/Voltage", D(12.3)}, {"/DeviceInstance", I(2)}},
           true,
           "battery"});
  rig.tick();
  EXPECT_EQ(count(), 4u);
  const auto* t = std::get_if<model::Tree>(&rig.system().get("/AvailableBatteryMeasurements"));
  ASSERT_TRUE(t);
  const auto* name = t->root().find("com_victronenergy_battery_2/Dc/0");
  ASSERT_TRUE(name);
  EXPECT_EQ(std::get<std::string>(name->v), "battery on dummy");
  rig.model().remove_service("com.victronenergy.battery.ttyO2");
  rig.tick();
  EXPECT_EQ(count(), 3u);
}

// delegates/batterydata.py and Victron's tests/batterydata_test.py: two batteries, instance 0
// and 1, the second with a custom name.
class Batteries : public ::testing::Test {
 protected:
  void SetUp() override {
    rig.add({"com.victronenergy.battery.ttyO1",
             {{"/Dc/0/Voltage", D(12.15)},
              {"/Dc/0/Current", D(5.3)},
              {"/Dc/0/Power", I(65)},
              {"/Dc/0/Temperature", I(25)},
              {"/Soc", D(15.3)},
              {"/DeviceInstance", I(0)}},
             true,
             "battery"});
    rig.add({"com.victronenergy.battery.ttyO2",
             {{"/Dc/0/Voltage", D(12.15)},
              {"/Dc/0/Current", D(5.3)},
              {"/Dc/0/Power", I(65)},
              {"/Dc/0/Temperature", I(25)},
              {"/Soc", D(15.3)},
              {"/DeviceInstance", I(1)},
              {"/CustomName", S("Sled battery")}},
             true,
             "battery"});
    rig.tick();
  }
  const model::TreeList& list() {
    const auto* t = std::get_if<model::Tree>(&rig.system().get("/Batteries"));
    static const model::TreeList kEmpty;
    EXPECT_TRUE(t && t->root().list()) << model::to_plain_text(rig.system().get("/Batteries"));
    return t && t->root().list() ? *t->root().list() : kEmpty;
  }
  std::map<std::int64_t, model::TreeNode> by_instance(const char* key) {
    std::map<std::int64_t, model::TreeNode> out;
    for (auto& b : list()) {
      const auto* inst = b.find("instance");
      const auto* v = b.find(key);
      if (inst && v) out[std::get<std::int64_t>(inst->v)] = *v;
    }
    return out;
  }
  void enable(const std::string& id, bool on) {
    const std::string path = battery_setting_path(id, "Enabled");
    if (!rig.settings().has(path)) rig.settings().add({path, SettingType::kInt, I(0), 0, 1});
    ASSERT_EQ(rig.settings().set(path, I(on ? 1 : 0)), model::WriteResult::kOk);
  }
  Rig rig;
};

// The per-battery configuration is keyed by device instance; a service whose instance keeps
// changing (an imported one) added three settings each time, for ever, and the settings file
// grew until load() refused it. Now at most 64 entries per run.
TEST_F(Batteries, PerBatteryConfigurationEntriesAreBounded) {
  for (int i = 2; i < 200; ++i) {
    rig.model().find("com.victronenergy.battery.ttyO2")->set("/DeviceInstance", I(i));
    rig.tick();
  }
  std::size_t enabled = 0;
  for (int i = 0; i < 200; ++i)
    enabled += rig.settings().has(
        battery_setting_path("com.victronenergy.battery/" + std::to_string(i), "Enabled"));
  EXPECT_EQ(enabled, 64u);
}

// test_batteries_path: both listed, the first active, names from /CustomName or /ProductName.
TEST_F(Batteries, BothAreListedWithTheActiveOneMarked) {
  ASSERT_EQ(list().size(), 2u);
  auto active = by_instance("active_battery_service");
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(std::get<bool>(active[0].v), true);
  EXPECT_EQ(std::get<bool>(active[1].v), false);
  auto names = by_instance("name");
  EXPECT_EQ(std::get<std::string>(names[0].v), "battery");
  EXPECT_EQ(std::get<std::string>(names[1].v), "Sled battery");
  for (auto& b : list())
    for (const char* f : {"id", "voltage", "current", "name"}) EXPECT_TRUE(b.find(f)) << f;
  // The whole entry, in batterydata.py's key order; keys without a value (TimeToGo, State) are
  // left out.
  const model::TreeNode first = model::TreeDict{{"id", "com.victronenergy.battery.ttyO1"},
                                                {"instance", 0},
                                                {"voltage", 12.15},
                                                {"current", 5.3},
                                                {"power", 65},
                                                {"temperature", 25},
                                                {"soc", 15.3},
                                                {"name", "battery"},
                                                {"state", 1},
                                                {"active_battery_service", true}};
  EXPECT_TRUE(model::same_node(list()[0], first)) << model::tree_text(list()[0]);
}

// test_battery_naming: a configured name wins over /CustomName and /ProductName.
TEST_F(Batteries, AConfiguredNameIsUsed) {
  const std::string path = battery_setting_path("com.victronenergy.battery/1", "Name");
  ASSERT_TRUE(rig.settings().has(path));  // declared by systemcalc at the first tick
  ASSERT_EQ(rig.settings().set(path, S("Thruster Bank")), model::WriteResult::kOk);
  rig.tick();
  EXPECT_EQ(std::get<std::string>(by_instance("name")[1].v), "Thruster Bank");
}

// test_main_battery_always_listed: disabled batteries are not listed, except the active one.
TEST_F(Batteries, TheActiveBatteryIsAlwaysListed) {
  enable("com.victronenergy.battery/0", false);
  enable("com.victronenergy.battery/1", false);
  rig.tick();
  ASSERT_EQ(list().size(), 1u);
  EXPECT_EQ(std::get<std::string>(list()[0].find("name")->v), "battery");
}

// Values follow the devices, and a battery that goes is dropped; a starter channel is listed once
// enabled (SecondaryBatteryTracker: id "<service>:1", no instance).
TEST_F(Batteries, ListFollowsValuesBatteriesAndChannels) {
  rig.model().find("com.victronenergy.battery.ttyO2")->set("/Dc/0/Power", I(-100));
  rig.model().find("com.victronenergy.battery.ttyO2")->set("/TimeToGo", I(3600));
  rig.tick();
  EXPECT_EQ(std::get<std::int64_t>(by_instance("state")[1].v), 2);
  EXPECT_EQ(std::get<std::int64_t>(by_instance("timetogo")[1].v), 3600);
  rig.model().remove_service("com.victronenergy.battery.ttyO2");
  rig.tick();
  EXPECT_EQ(list().size(), 1u);

  rig.model().find("com.victronenergy.battery.ttyO1")->set("/Dc/1/Voltage", D(12.9));
  rig.tick();
  EXPECT_EQ(list().size(), 1u);  // a second channel is hidden by default
  enable("com.victronenergy.battery/0/1", true);
  rig.tick();
  ASSERT_EQ(list().size(), 2u);
  const model::TreeNode starter = model::TreeDict{{"id", "com.victronenergy.battery.ttyO1:1"},
                                                  {"voltage", 12.9},
                                                  {"name", "battery"},
                                                  {"active_battery_service", false}};
  EXPECT_TRUE(model::same_node(list()[1], starter)) << model::tree_text(list()[1]);
  // /AvailableBatteries names every valid measurement with its channel and type (a JSON string).
  EXPECT_TRUE(matches(S(R"({"com.victronenergy.battery/0": {"name": "battery", "channel": null, )"
                        R"("type": "battery"}, "com.victronenergy.battery/0/1": {"name": )"
                        R"("battery", "channel": 1, "type": "battery"}})"),
                      rig.system().get("/AvailableBatteries")));
}

// A Multi is always a valid measurement but hidden unless enabled or active.
TEST(SystemCalc, BatteriesListTheMultiWhenItIsTheBattery) {
  Rig rig;
  rig.add(base_multi());
  rig.tick();
  const auto* t = std::get_if<model::Tree>(&rig.system().get("/Batteries"));
  ASSERT_TRUE(t && t->root().list());
  ASSERT_EQ(t->root().list()->size(), 1u);
  const model::TreeNode multi = model::TreeDict{
      {"id", kVebus},        {"instance", 0}, {"voltage", 12.25}, {"current", -8},
      {"power", 12.25 * -8}, {"soc", 53.2},   {"name", "Multi"},  {"active_battery_service", true}};
  EXPECT_TRUE(model::same_node(t->root().list()->front(), multi))
      << model::tree_text(t->root().list()->front());
}

TEST(SystemCalc, StopRemovesTheSystemService) {
  asio::io_context io;
  model::Model m;
  {
    SystemLayer layer(io, m, [] { return TimePoint{}; });
    layer.add(std::make_unique<SystemCalc>(layer.context()));
    layer.start();
    EXPECT_NE(m.find(kSystemService), nullptr);
    EXPECT_NE(m.find(kSettingsService), nullptr);
    EXPECT_NE(layer.find("systemcalc"), nullptr);
    EXPECT_EQ(layer.context().find("systemcalc"), layer.find("systemcalc"));
  }
  EXPECT_EQ(m.find(kSystemService), nullptr);
  EXPECT_EQ(m.find(kSettingsService), nullptr);
}

}  // namespace
}  // namespace gxlink::system
