// SPDX-License-Identifier: MIT
#include "model/venus_formats.hpp"

#include <cmath>
#include <cstdio>

namespace gxlink::model {
namespace {

// Units: "SI units are used for all measurements, with these exceptions: Energy is in kWh and
// temperature is in degrees Celsius" (seed 003, header). The unit texts are the ones GetText
// appends ("26.82V", "85.3%", "12.0°C"); decimals are those of Venus' own VE.Direct and VE.Can
// drivers' texts (V 2, A 1, W 0, kWh 2, Ah 1, AC V 0, Hz 1).

// /State of chargers and inverter/chargers. One list for every type, because the codes agree
// where they overlap: seed 003 solarcharger (l. 791: 0 Off, 2 Fault, 3 Bulk, 4 Absorption,
// 5 Float, 6 Storage, 7 Equalize, 252 External control), vebus (l. 415: 1 Low Power, 8 Passthru,
// 9 Inverting, 10 Power assist, 11 Power supply, 244 Sustain), charger (l. 874: 246 Repeated
// absorption, 247 Auto equalize/Recondition, 248 BatterySafe), inverter (l. 593), dcdc (l. 838),
// alternator (l. 1126); 245 Starting-up from the VE.Direct protocol (vedirect_vebus.md, CS).
constexpr EnumText kChargeState[] = {
    {0, "Off"},
    {1, "Low Power"},
    {2, "Fault"},
    {3, "Bulk"},
    {4, "Absorption"},
    {5, "Float"},
    {6, "Storage"},
    {7, "Equalize"},
    {8, "Passthru"},
    {9, "Inverting"},
    {10, "Power assist"},
    {11, "Power supply"},
    {244, "Sustain"},
    {245, "Starting-up"},
    {246, "Repeated absorption"},
    {247, "Auto equalize/Recondition"},
    {248, "BatterySafe"},
    {252, "External control"},
};

// /Mode of solar chargers, chargers and DC/DC converters: "1=On; 4=Off" (seed 003 l. 801, 836,
// 885).
constexpr EnumText kOnOffMode[] = {{1, "On"}, {4, "Off"}};
// /Mode of a VE.Bus system: "1=Charger Only;2=Inverter Only;3=On;4=Off" (seed 003 l. 409).
constexpr EnumText kVebusMode[] = {
    {1, "Charger Only"}, {2, "Inverter Only"}, {3, "On"}, {4, "Off"}};
// /Mode of an inverter: "2=Inverter on; 4=Off; 5=Low Power/ECO" (seed 003 l. 592).
constexpr EnumText kInverterMode[] = {{2, "Inverter on"}, {4, "Off"}, {5, "Low Power/ECO"}};

// "For all alarms: 0=OK; 1=Warning; 2=Alarm" (seed 003 l. 382 vebus, l. 621 battery, l. 577
// inverter).
constexpr EnumText kAlarm[] = {{0, "Ok"}, {1, "Warning"}, {2, "Alarm"}};
// The AC charger's two alarms: "0=Inactive; 1=Active" (seed 003 l. 918).
constexpr EnumText kChargerAlarm[] = {{0, "Inactive"}, {1, "Active"}};

// /ErrorCode of solar chargers, and of DC/DC converters ("See solar charger section", l. 835):
// seed 003 l. 773; the codes it does not list (21, 26, 28, 33, 38, 39, 65..68, 116, 117, 119)
// from the VE.Direct protocol's ERR list (vedirect_vebus.md §1.5), which the seed links to.
constexpr EnumText kSolarError[] = {
    {0, "No error"},
    {1, "Battery temperature too high"},
    {2, "Battery voltage too high"},
    {3, "Battery temperature sensor miswired (+)"},
    {4, "Battery temperature sensor miswired (-)"},
    {5, "Battery temperature sensor disconnected"},
    {6, "Battery voltage sense miswired (+)"},
    {7, "Battery voltage sense miswired (-)"},
    {8, "Battery voltage sense disconnected"},
    {9, "Battery voltage wire losses too high"},
    {17, "Charger temperature too high"},
    {18, "Charger over-current"},
    {19, "Charger current polarity reversed"},
    {20, "Bulk time limit reached"},
    {22, "Charger temperature sensor miswired"},
    {23, "Charger temperature sensor disconnected"},
    {21, "Current sensor issue"},
    {26, "Terminals overheated"},
    {28, "Converter issue"},
    {33, "Input voltage too high (solar panel)"},
    {34, "Input current too high"},
    {38, "Input shutdown (excessive battery voltage)"},
    {39, "Input shutdown (current flow during off mode)"},
    {65, "Lost communication with one of devices"},
    {66, "Synchronised charging device configuration issue"},
    {67, "BMS connection lost"},
    {68, "Network misconfigured"},
    {116, "Factory calibration data lost"},
    {117, "Invalid/incompatible firmware"},
    {119, "User settings invalid"},
};
// /ErrorCode of AC chargers: seed 003 l. 886.
constexpr EnumText kChargerError[] = {
    {0, "No error"},
    {1, "Battery temperature too high"},
    {2, "Battery voltage too high"},
    {3, "Battery temperature sensor miswired (+)"},
    {4, "Battery temperature sensor miswired (-)"},
    {5, "Battery temperature sensor disconnected"},
    {6, "Battery voltage sense miswired (+)"},
    {7, "Battery voltage sense miswired (-)"},
    {8, "Battery voltage sense disconnected"},
    {9, "Battery voltage wire losses too high"},
    {17, "Charger temperature too high"},
    {18, "Charger over-current"},
    {20, "Bulk time limit reached"},
    {34, "Internal error"},
    {37, "No input voltage"},
    {65, "Device disappeared during parallel operation"},
    {66, "Incompatible device encountered for parallel operation"},
    {67, "BMS connection lost"},
    {113, "Internal error"},
    {114, "Internal error"},
    {115, "Communication lost"},
    {116, "Internal error"},
    {117, "Internal error"},
    {118, "Internal error"},
    {119, "Settings invalid/corrupted"},
    {120, "Internal reference voltage failure"},
};

// /VebusChargeState: seed 003 l. 418.
constexpr EnumText kVebusChargeState[] = {
    {1, "Bulk"},     {2, "Absorption"},        {3, "Float"},
    {4, "Storage"},  {5, "Repeat absorption"}, {6, "Forced absorption"},
    {7, "Equalise"}, {8, "Bulk stopped"}};
// /Leds/*: "0 = Off, 1 = On, 2 = Blinking, 3 = Blinking inverted" (seed 003 l. 440).
constexpr EnumText kLed[] = {{0, "Off"}, {1, "On"}, {2, "Blinking"}, {3, "Blinking inverted"}};
// /Ac/ActiveIn/ActiveInput: "0 = ACin-1, 1 = ACin-2, 240 is none (inverting)" (seed 003 l. 340).
constexpr EnumText kActiveInput[] = {{0, "AC in 1"}, {1, "AC in 2"}, {240, "Disconnected"}};
// /MppOperationMode: seed 003 l. 719; 255 from attributes.csv (venus_os.md §4.3).
constexpr EnumText kMppOperationMode[] = {{0, "Off"},
                                          {1, "Voltage or Current limited"},
                                          {2, "MPPT Tracker active"},
                                          {255, "Not available"}};
// /Relay/N/State: "0=Open;1=Closed" (attributes.csv, venus_os.md §4.3).
constexpr EnumText kRelay[] = {{0, "Open"}, {1, "Closed"}};

// Tanks (seed 003 "Tank levels"): /FluidType "kept in sync with NMEA2000 definitions", /Status.
constexpr EnumText kFluidType[] = {
    {0, "Fuel"},         {1, "Fresh water"}, {2, "Waste water"},       {3, "Live well"},
    {4, "Oil"},          {5, "Black water (sewage)"}, {6, "Gasoline"}, {7, "Diesel"},
    {8, "Liquid Petroleum Gas (LPG)"}, {9, "Liquid Natural Gas (LNG)"}, {10, "Hydraulic oil"},
    {11, "Raw water"}};
constexpr EnumText kTankStatus[] = {
    {0, "Ok"}, {1, "Disconnected"}, {2, "Short circuited"}, {3, "Unknown"}};
// com.victronenergy.temperature /TemperatureType (seed 003).
constexpr EnumText kTemperatureType[] = {{0, "Battery"}, {1, "Fridge"}, {2, "Generic"},
                                         {3, "Room"},    {4, "Outdoor"}, {5, "Water heater"},
                                         {6, "Freezer"}};
// gps /Fix: 0 no fix, 1 fix.
constexpr EnumText kGpsFix[] = {{0, "No fix"}, {1, "Fix"}};

constexpr PathFormat num(std::string_view type, std::string_view path, std::string_view unit,
                         int decimals) {
  return PathFormat{type, path, unit, decimals, TextKind::kNumber, {}};
}
constexpr PathFormat enm(std::string_view type, std::string_view path,
                         std::span<const EnumText> e) {
  return PathFormat{type, path, {}, -1, TextKind::kEnum, e};
}
constexpr PathFormat dur(std::string_view type, std::string_view path) {
  return PathFormat{type, path, "s", 0, TextKind::kDuration, {}};
}

// Type-specific entries come before the "*" ones they refine; find_path_format() prefers them.
// /Connected has no text on purpose: velib's mandatory path has no text callback, so GetText is
// "1" on Venus.
constexpr PathFormat kFormats[] = {
    // Enums per type.
    enm("solarcharger", "/State", kChargeState),
    enm("charger", "/State", kChargeState),
    enm("vebus", "/State", kChargeState),
    enm("inverter", "/State", kChargeState),
    enm("dcdc", "/State", kChargeState),
    enm("multi", "/State", kChargeState),
    enm("alternator", "/State", kChargeState),
    enm("solarcharger", "/Mode", kOnOffMode),
    enm("charger", "/Mode", kOnOffMode),
    enm("dcdc", "/Mode", kOnOffMode),
    enm("alternator", "/Mode", kOnOffMode),
    enm("vebus", "/Mode", kVebusMode),
    enm("inverter", "/Mode", kInverterMode),
    enm("solarcharger", "/ErrorCode", kSolarError),
    enm("dcdc", "/ErrorCode", kSolarError),
    enm("alternator", "/ErrorCode", kSolarError),
    enm("charger", "/ErrorCode", kChargerError),
    enm("charger", "/Alarms/*", kChargerAlarm),
    enm("vebus", "/VebusChargeState", kVebusChargeState),
    enm("vebus", "/Leds/*", kLed),
    enm("vebus", "/Ac/ActiveIn/ActiveInput", kActiveInput),
    enm("solarcharger", "/MppOperationMode", kMppOperationMode),
    enm("solarcharger", "/Pv/#/MppOperationMode", kMppOperationMode),
    enm("tank", "/FluidType", kFluidType),
    enm("tank", "/Status", kTankStatus),
    enm("temperature", "/TemperatureType", kTemperatureType),
    enm("gps", "/Fix", kGpsFix),
    enm("*", "/Alarms/*", kAlarm),
    enm("*", "/Relay/#/State", kRelay),

    // Tanks ("/Level 0 to 100%", "/Remaining m3", "/Capacity m3"), temperature sensors
    // ("/Temperature degrees Celcius"), seed 003; GNSS in degrees, m/s and m as Venus' gps service.
    num("tank", "/Level", "%", 1),
    num("tank", "/Remaining", "m3", 3),
    num("tank", "/Capacity", "m3", 3),
    num("temperature", "/Temperature", "°C", 1),
    num("gps", "/Position/Latitude", "°", 6),
    num("gps", "/Position/Longitude", "°", 6),
    num("gps", "/Altitude", "m", 1),
    num("gps", "/Speed", "m/s", 2),
    num("gps", "/Course", "°", 1),
    // DC: "/Dc/0/Voltage <- V DC", "/Dc/0/Current <- A DC", "/Dc/0/Power <- W",
    // "/Dc/0/Temperature <- °C" (seed 003 battery l. 597-603, charger l. 870-873).
    num("*", "/Dc/#/Voltage", "V", 2),
    num("*", "/Dc/#/Current", "A", 1),
    num("*", "/Dc/#/Power", "W", 0),
    num("*", "/Dc/#/Temperature", "°C", 1),
    num("*", "/Dc/#/MidVoltage", "V", 2),
    num("*", "/Dc/#/MidVoltageDeviation", "%", 1),  // "Percentage deviation"
    num("*", "/Dc/In/V", "V", 2),                   // dcdc l. 832-834
    num("*", "/Dc/In/I", "A", 1),
    num("*", "/Dc/In/P", "W", 0),
    // Battery (seed 003 l. 604-616; attributes.csv units in venus_os.md §4.3).
    num("*", "/Soc", "%", 1),
    num("*", "/Soh", "%", 0),
    num("*", "/ConsumedAmphours", "Ah", 1),
    num("*", "/Capacity", "Ah", 1),
    num("*", "/InstalledCapacity", "Ah", 0),
    dur("*", "/TimeToGo"),  // "Time to in seconds" (l. 609); the GUI shows h:mm
    num("*", "/Info/MaxChargeVoltage", "V", 1),
    num("*", "/Info/BatteryLowVoltage", "V", 1),
    num("*", "/Info/MaxChargeCurrent", "A", 1),
    num("*", "/Info/MaxDischargeCurrent", "A", 1),
    num("*", "/System/MinCellVoltage", "V", 3),
    num("*", "/System/MaxCellVoltage", "V", 3),
    num("*", "/System/MinCellTemperature", "°C", 1),
    num("*", "/System/MaxCellTemperature", "°C", 1),
    num("*", "/Voltages/Cell#", "V", 3),
    num("*", "/Temperatures/Cell#", "°C", 1),
    num("*", "/History/DeepestDischarge", "Ah", 1),
    num("*", "/History/LastDischarge", "Ah", 1),
    num("*", "/History/AverageDischarge", "Ah", 1),
    num("*", "/History/TotalAhDrawn", "Ah", 1),
    num("*", "/History/AhSinceEqualization", "Ah", 1),
    num("*", "/History/AhReturned", "Ah", 1),
    num("*", "/History/MinimumVoltage", "V", 2),
    num("*", "/History/MaximumVoltage", "V", 2),
    num("*", "/History/MinimumStarterVoltage", "V", 2),
    num("*", "/History/MaximumStarterVoltage", "V", 2),
    num("*", "/History/MinimumCellVoltage", "V", 3),
    num("*", "/History/MaximumCellVoltage", "V", 3),
    num("*", "/History/DischargedEnergy", "kWh", 2),
    num("*", "/History/ChargedEnergy", "kWh", 2),
    dur("*", "/History/TimeSinceLastFullCharge"),
    // Solar (seed 003 l. 706-768): "/Yield/Power <- Total PV power (Watts)", "Total kWh".
    num("*", "/Pv/V", "V", 2),
    num("*", "/Pv/I", "A", 1),
    num("*", "/Pv/#/V", "V", 2),
    num("*", "/Pv/#/P", "W", 0),
    num("*", "/Yield/Power", "W", 0),
    num("*", "/Yield/User", "kWh", 2),
    num("*", "/Yield/System", "kWh", 2),
    num("*", "/History/Daily/#/Yield", "kWh", 2),
    num("*", "/History/Daily/#/MaxPower", "W", 0),
    num("*", "/Load/I", "A", 1),
    num("*", "/Settings/ChargeCurrentLimit", "A", 1),
    num("*", "/Link/ChargeVoltage", "V", 2),
    num("*", "/Link/ChargeCurrent", "A", 1),
    num("*", "/Link/VoltageSense", "V", 2),
    num("*", "/Link/TemperatureSense", "°C", 1),
    num("*", "/Link/BatteryCurrent", "A", 1),
    num("*", "/Link/ExtraBatteryCurrent", "A", 3),
    // What DVCC writes into a Multi (venus_os.md §5.4 step 8).
    num("*", "/Dc/0/MaxChargeCurrent", "A", 1),
    num("*", "/BatteryOperationalLimits/MaxChargeVoltage", "V", 2),
    num("*", "/BatteryOperationalLimits/MaxChargeCurrent", "A", 1),
    num("*", "/BatteryOperationalLimits/MaxDischargeCurrent", "A", 1),
    num("*", "/BatteryOperationalLimits/BatteryLowVoltage", "V", 2),
    num("*", "/BatterySense/Voltage", "V", 2),
    num("*", "/BatterySense/Temperature", "°C", 1),
    // AC (seed 003 vebus l. 311-331, charger l. 865-867; "V AC", "A AC", "W", "kWh").
    num("*", "/Ac/ActiveIn/L#/V", "V", 0),
    num("*", "/Ac/ActiveIn/L#/I", "A", 1),
    num("*", "/Ac/ActiveIn/L#/F", "Hz", 1),
    num("*", "/Ac/ActiveIn/L#/P", "W", 0),
    num("*", "/Ac/ActiveIn/L#/S", "VA", 0),
    num("*", "/Ac/ActiveIn/P", "W", 0),
    num("*", "/Ac/ActiveIn/S", "VA", 0),
    num("*", "/Ac/ActiveIn/CurrentLimit", "A", 1),
    num("*", "/Ac/In/#/CurrentLimit", "A", 1),
    num("*", "/Ac/Out/L#/V", "V", 0),
    num("*", "/Ac/Out/L#/I", "A", 1),
    num("*", "/Ac/Out/L#/F", "Hz", 1),
    num("*", "/Ac/Out/L#/P", "W", 0),
    num("*", "/Ac/Out/L#/S", "VA", 0),
    num("*", "/Ac/Out/P", "W", 0),
    num("*", "/Ac/In/L#/V", "V", 0),
    num("*", "/Ac/In/L#/I", "A", 1),
    num("*", "/Ac/In/L#/P", "W", 0),
    num("*", "/Ac/In/CurrentLimit", "A", 1),
};

std::string enum_text(std::span<const EnumText> enums, const Value& v) {
  auto i = as_int(v);
  if (!i) return to_plain_text(v);
  for (const EnumText& e : enums)
    if (e.value == *i) return std::string(e.text);
  return std::to_string(*i);
}

std::string duration_text(const Value& v) {
  auto d = as_double(v);
  if (!d || !std::isfinite(*d)) return to_plain_text(v);
  // Whole minutes, rounded down as the GUI counts them; negative durations keep their sign.
  const double secs = std::fabs(*d);
  if (secs > 1e12) return to_plain_text(v);
  const auto minutes = static_cast<long long>(secs / 60);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%lld:%02lld", *d < 0 ? "-" : "", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace

bool path_matches(std::string_view pattern, std::string_view path) noexcept {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '*' && i + 1 == pattern.size()) return true;
    if (c == '#') {
      const std::size_t start = j;
      while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
      if (j == start) return false;
      ++i;
      continue;
    }
    if (j >= path.size() || path[j] != c) return false;
    ++i;
    ++j;
  }
  return j == path.size();
}

const PathFormat* find_path_format(std::string_view type, std::string_view path) noexcept {
  // Every service declares each of its paths through here, so the type is compared first (cheap,
  // and it rules out most rows) and a "*" row is matched only while none has been found.
  const PathFormat* any = nullptr;
  for (const PathFormat& f : kFormats) {
    const bool own = f.type == type;
    if (!own && (any || f.type != "*")) continue;
    if (!path_matches(f.path, path)) continue;
    if (own) return &f;
    any = &f;
  }
  return any;
}

std::span<const PathFormat> path_formats() noexcept { return kFormats; }

std::string format_text(const PathFormat& f, const Value& value) {
  if (!is_valid(value)) return "---";
  switch (f.kind) {
    case TextKind::kEnum: return enum_text(f.enums, value);
    case TextKind::kDuration: return duration_text(value);
    case TextKind::kNumber: break;
  }
  Item item;
  item.value = value;
  item.meta.unit = std::string(f.unit);
  item.meta.decimals = f.decimals;
  return item.text();
}

ItemMeta venus_format(std::string_view type, std::string_view path) {
  ItemMeta m;
  apply_venus_format(type, path, m);
  return m;
}

void apply_venus_format(std::string_view type, std::string_view path, ItemMeta& meta) {
  const PathFormat* f = find_path_format(type, path);
  if (!f) return;
  if (meta.unit.empty()) meta.unit = std::string(f->unit);
  if (meta.decimals < 0) meta.decimals = f->decimals;
  if (!meta.text && f->kind != TextKind::kNumber)
    meta.text = [f](const Value& v) { return format_text(*f, v); };
}

Value firmware_version_from_text(std::string_view text) {
  if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.remove_prefix(1);
  std::int64_t parts[3] = {0, 0, 0};
  int n = 0;
  std::size_t i = 0;
  while (n < 3) {
    std::int64_t v = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 2) {
      v = v * 16 + (text[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0) return Invalid{};
    parts[n++] = v;
    if (i == text.size() || text[i] == ' ' || text[i] == '-' || text[i] == '(' || text[i] == '+')
      break;  // the end, or a suffix after a separator: "1.02 (build 5)", "2.10-beta"
    if (text[i] != '.') return Invalid{};
    ++i;
  }
  if (n < 2 || text[i - 1] == '.') return Invalid{};  // "1.2.3.4": a fourth part
  return (parts[0] << 16) | (parts[1] << 8) | parts[2];
}

}  // namespace gxlink::model
