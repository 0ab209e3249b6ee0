// SPDX-License-Identifier: MIT
#include "protocols/vedirect/tables.hpp"

#include "protocols/vedirect/framer.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace gxlink::vedirect {
namespace {

// PID → product name, sorted by PID. Ranges per vedirect_vebus.md §1.5 (OpenDTU / KinDR007 tables,
// product names are Victron's); 0xC030 from venus_os.md §2.1 (SmartShunt 500A in real data).
constexpr ProductInfo kProducts[] = {
    {0x0203, "BMV-700"},
    {0x0204, "BMV-702"},
    {0x0205, "BMV-700H"},
    {0x0300, "BlueSolar MPPT 70|15"},
    {0xA040, "BlueSolar MPPT 75|50"},
    {0xA041, "BlueSolar MPPT 150|35"},
    {0xA042, "BlueSolar MPPT 75|15"},
    {0xA043, "BlueSolar MPPT 100|15"},
    {0xA044, "BlueSolar MPPT 100|30"},
    {0xA045, "BlueSolar MPPT 100|50"},
    {0xA046, "BlueSolar MPPT 150|70"},
    {0xA047, "BlueSolar MPPT 150|100"},
    {0xA048, "BlueSolar MPPT 75|50 rev2"},
    {0xA049, "BlueSolar MPPT 100|50 rev2"},
    {0xA04A, "BlueSolar MPPT 100|30 rev2"},
    {0xA04B, "BlueSolar MPPT 150|35 rev2"},
    {0xA04C, "BlueSolar MPPT 75|10"},
    {0xA04D, "BlueSolar MPPT 150|45"},
    {0xA04E, "BlueSolar MPPT 150|60"},
    {0xA04F, "BlueSolar MPPT 150|85"},
    {0xA050, "SmartSolar MPPT 250|100"},
    {0xA051, "SmartSolar MPPT 150|100"},
    {0xA052, "SmartSolar MPPT 150|85"},
    {0xA053, "SmartSolar MPPT 75|15"},
    {0xA054, "SmartSolar MPPT 75|10"},
    {0xA055, "SmartSolar MPPT 100|15"},
    {0xA056, "SmartSolar MPPT 100|30"},
    {0xA057, "SmartSolar MPPT 100|50"},
    {0xA058, "SmartSolar MPPT 150|35"},
    {0xA059, "SmartSolar MPPT 150|100 rev2"},
    {0xA05A, "SmartSolar MPPT 150|85 rev2"},
    {0xA05B, "SmartSolar MPPT 250|70"},
    {0xA05C, "SmartSolar MPPT 250|85"},
    {0xA05D, "SmartSolar MPPT 250|60"},
    {0xA05E, "SmartSolar MPPT 250|45"},
    {0xA05F, "SmartSolar MPPT 100|20"},
    {0xA060, "SmartSolar MPPT 100|20 48V"},
    {0xA061, "SmartSolar MPPT 150|45"},
    {0xA062, "SmartSolar MPPT 150|60"},
    {0xA063, "SmartSolar MPPT 150|70"},
    {0xA064, "SmartSolar MPPT 250|85 rev2"},
    {0xA065, "SmartSolar MPPT 250|100 rev2"},
    {0xA066, "BlueSolar MPPT 100|20"},
    {0xA067, "BlueSolar MPPT 100|20 48V"},
    {0xA068, "SmartSolar MPPT 250|60 rev2"},
    {0xA069, "SmartSolar MPPT 250|70 rev2"},
    {0xA06A, "SmartSolar MPPT 150|45 rev2"},
    {0xA06B, "SmartSolar MPPT 150|60 rev2"},
    {0xA06C, "SmartSolar MPPT 150|70 rev2"},
    {0xA06D, "SmartSolar MPPT 150|85 rev3"},
    {0xA06E, "SmartSolar MPPT 150|100 rev3"},
    {0xA06F, "BlueSolar MPPT 150|45 rev2"},
    {0xA070, "BlueSolar MPPT 150|60 rev2"},
    {0xA071, "BlueSolar MPPT 150|70 rev2"},
    {0xA072, "BlueSolar MPPT 150|45 rev3"},
    {0xA073, "SmartSolar MPPT 150|45 rev3"},
    {0xA074, "SmartSolar MPPT 75|10 rev2"},
    {0xA075, "SmartSolar MPPT 75|15 rev2"},
    {0xA076, "BlueSolar MPPT 100|30 rev3"},
    {0xA077, "BlueSolar MPPT 100|50 rev3"},
    {0xA078, "BlueSolar MPPT 150|35 rev3"},
    {0xA079, "BlueSolar MPPT 75|10 rev2"},
    {0xA07A, "BlueSolar MPPT 75|15 rev2"},
    {0xA07B, "BlueSolar MPPT 100|15 rev2"},
    {0xA07C, "BlueSolar MPPT 75|10 rev3"},
    {0xA07D, "BlueSolar MPPT 75|15 rev3"},
    {0xA07E, "SmartSolar MPPT 100|30 12V"},
    {0xA102, "SmartSolar MPPT VE.Can 150|70"},
    {0xA103, "SmartSolar MPPT VE.Can 150|45"},
    {0xA104, "SmartSolar MPPT VE.Can 150|60"},
    {0xA105, "SmartSolar MPPT VE.Can 150|85"},
    {0xA106, "SmartSolar MPPT VE.Can 150|100"},
    {0xA107, "SmartSolar MPPT VE.Can 250|45"},
    {0xA108, "SmartSolar MPPT VE.Can 250|60"},
    {0xA109, "SmartSolar MPPT VE.Can 250|70"},
    {0xA10A, "SmartSolar MPPT VE.Can 250|85"},
    {0xA10B, "SmartSolar MPPT VE.Can 250|100"},
    {0xA10C, "SmartSolar MPPT VE.Can 150|70 rev2"},
    {0xA10D, "SmartSolar MPPT VE.Can 150|85 rev2"},
    {0xA10E, "SmartSolar MPPT VE.Can 150|100 rev2"},
    {0xA10F, "BlueSolar MPPT VE.Can 150|100"},
    {0xA110, "SmartSolar MPPT RS 450|100"},
    {0xA111, "SmartSolar MPPT RS 450|200"},
    {0xA112, "BlueSolar MPPT VE.Can 250|70"},
    {0xA113, "BlueSolar MPPT VE.Can 250|100"},
    {0xA114, "SmartSolar MPPT VE.Can 250|70 rev2"},
    {0xA115, "SmartSolar MPPT VE.Can 250|100 rev2"},
    {0xA116, "SmartSolar MPPT VE.Can 250|85 rev2"},
    {0xA117, "BlueSolar MPPT VE.Can 150|100 rev2"},
    {0xA2F1, "Phoenix Inverter 12V 1200VA 230V"},  // RexLinz capture, §1.2
    {0xA30A, "Blue Smart IP65 Charger 12|15"},
    {0xA332, "Blue Smart IP22 Charger 12|30 (1)"},
    {0xA333, "Blue Smart IP22 Charger 12|30 (3)"},
    {0xA334, "Blue Smart IP22 Charger 24|16 (1)"},
    {0xA335, "Blue Smart IP22 Charger 24|16 (3)"},
    {0xA336, "Blue Smart IP22 Charger 12|20 (1)"},
    {0xA340, "Phoenix Smart IP43 Charger 12|50 (1+1)"},
    {0xA341, "Phoenix Smart IP43 Charger 12|50 (3)"},
    {0xA342, "Phoenix Smart IP43 Charger 24|25 (1+1)"},
    {0xA343, "Phoenix Smart IP43 Charger 24|25 (3)"},
    {0xA344, "Phoenix Smart IP43 Charger 12|30 (1+1)"},
    {0xA345, "Phoenix Smart IP43 Charger 12|30 (3)"},
    {0xA346, "Phoenix Smart IP43 Charger 24|16 (1+1)"},
    {0xA347, "Phoenix Smart IP43 Charger 24|16 (3)"},
    {0xA381, "BMV-712 Smart"},
    {0xA382, "BMV-710H Smart"},
    {0xA383, "BMV-712 Smart Rev2"},
    {0xA389, "SmartShunt 500A/50mV"},
    {0xA38A, "SmartShunt 1000A/50mV"},
    {0xA38B, "SmartShunt 2000A/50mV"},
    {0xA3F0, "Orion XS 12V/12V-50A"},  // "Smart BuckBoost 12V/12V-50A" in OpenDTU; see §1.5
    {0xA442, "Multi RS Solar 48V 6000VA 230V"},
    {0xC030, "SmartShunt 500A/50mV"},
};

bool in(std::uint16_t pid, std::uint16_t lo, std::uint16_t hi) { return pid >= lo && pid <= hi; }

// TEXT fields (§1.4) → Venus paths (seed 003). Columns: solarcharger, battery, inverter, charger,
// dcdc. Scales turn wire units into Venus units (V, A, W, %, Ah, s, kWh, °C).
// clang-format off: one row per label reads better than wrapped rows.
constexpr FieldDesc kFields[] = {
    // label, type, scale, unit, decimals, description, solar, battery, inverter, charger, dcdc
    {"AC_OUT_I", FieldType::kInt, 0.1, "A", 1, "AC output current", "", "", "/Ac/Out/L1/I", "", ""},
    {"AC_OUT_S", FieldType::kInt, 1, "VA", 0, "AC output apparent power", "", "", "/Ac/Out/L1/S",
     "", ""},
    {"AC_OUT_V", FieldType::kInt, 0.01, "V", 2, "AC output voltage", "", "", "/Ac/Out/L1/V", "",
     ""},
    {"AR", FieldType::kInt, 1, "", 0, "alarm reason bits", "", "", "", "", ""},
    {"Alarm", FieldType::kOnOff, 1, "", 0, "alarm condition", "", "/Alarms/Alarm", "", "", ""},
    {"BMV", FieldType::kString, 1, "", -1, "model description (deprecated)", "", "", "", "", ""},
    {"CE", FieldType::kInt, 0.001, "Ah", 1, "consumed charge", "", "/ConsumedAmphours", "", "", ""},
    {"CS", FieldType::kInt, 1, "", 0, "state of operation", "/State", "", "/State", "/State",
     "/State"},
    {"DC_IN_I", FieldType::kInt, 0.1, "A", 1, "DC input current", "", "", "", "", "/Dc/In/I"},
    {"DC_IN_P", FieldType::kInt, 1, "W", 0, "DC input power", "", "", "", "", "/Dc/In/P"},
    {"DC_IN_V", FieldType::kInt, 0.01, "V", 2, "DC input voltage", "", "", "", "", "/Dc/In/V"},
    {"DM", FieldType::kInt, 0.1, "%", 1, "mid-point deviation", "", "/Dc/0/MidVoltageDeviation", "",
     "", ""},
    {"ERR", FieldType::kInt, 1, "", 0, "error code", "/ErrorCode", "", "", "/ErrorCode",
     "/ErrorCode"},
    {"FW", FieldType::kString, 1, "", -1, "firmware version (16 bit)", "", "", "", "", ""},
    {"FWE", FieldType::kString, 1, "", -1, "firmware version (24 bit)", "", "", "", "", ""},
    {"H1", FieldType::kInt, 0.001, "Ah", 1, "deepest discharge", "", "/History/DeepestDischarge",
     "", "", ""},
    {"H10", FieldType::kInt, 1, "", 0, "automatic synchronisations", "", "/History/AutomaticSyncs",
     "", "", ""},
    {"H11", FieldType::kInt, 1, "", 0, "low main voltage alarms", "", "/History/LowVoltageAlarms",
     "", "", ""},
    {"H12", FieldType::kInt, 1, "", 0, "high main voltage alarms", "", "/History/HighVoltageAlarms",
     "", "", ""},
    {"H13", FieldType::kInt, 1, "", 0, "low aux voltage alarms", "",
     "/History/LowStarterVoltageAlarms", "", "", ""},
    {"H14", FieldType::kInt, 1, "", 0, "high aux voltage alarms", "",
     "/History/HighStarterVoltageAlarms", "", "", ""},
    {"H15", FieldType::kInt, 0.001, "V", 2, "minimum aux voltage", "",
     "/History/MinimumStarterVoltage", "", "", ""},
    {"H16", FieldType::kInt, 0.001, "V", 2, "maximum aux voltage", "",
     "/History/MaximumStarterVoltage", "", "", ""},
    {"H17", FieldType::kInt, 0.01, "kWh", 2, "discharged energy", "", "/History/DischargedEnergy",
     "", "", ""},
    {"H18", FieldType::kInt, 0.01, "kWh", 2, "charged energy", "", "/History/ChargedEnergy", "", "",
     ""},
    {"H19", FieldType::kInt, 0.01, "kWh", 2, "yield total (user resettable)", "/Yield/User", "", "",
     "", ""},
    {"H2", FieldType::kInt, 0.001, "Ah", 1, "last discharge", "", "/History/LastDischarge", "", "",
     ""},
    {"H20", FieldType::kInt, 0.01, "kWh", 2, "yield today", "/History/Daily/0/Yield", "", "", "",
     ""},
    {"H21", FieldType::kInt, 1, "W", 0, "maximum power today", "/History/Daily/0/MaxPower", "", "",
     "", ""},
    {"H22", FieldType::kInt, 0.01, "kWh", 2, "yield yesterday", "/History/Daily/1/Yield", "", "",
     "", ""},
    {"H23", FieldType::kInt, 1, "W", 0, "maximum power yesterday", "/History/Daily/1/MaxPower", "",
     "", "", ""},
    {"H3", FieldType::kInt, 0.001, "Ah", 1, "average discharge", "", "/History/AverageDischarge",
     "", "", ""},
    {"H4", FieldType::kInt, 1, "", 0, "charge cycles", "", "/History/ChargeCycles", "", "", ""},
    {"H5", FieldType::kInt, 1, "", 0, "full discharges", "", "/History/FullDischarges", "", "", ""},
    {"H6", FieldType::kInt, 0.001, "Ah", 1, "cumulative Ah drawn", "", "/History/TotalAhDrawn", "",
     "", ""},
    {"H7", FieldType::kInt, 0.001, "V", 2, "minimum main voltage", "", "/History/MinimumVoltage",
     "", "", ""},
    {"H8", FieldType::kInt, 0.001, "V", 2, "maximum main voltage", "", "/History/MaximumVoltage",
     "", "", ""},
    {"H9", FieldType::kInt, 1, "s", 0, "seconds since last full charge", "",
     "/History/TimeSinceLastFullCharge", "", "", ""},
    {"HC#", FieldType::kString, 1, "", -1, "hardware revision", "", "", "", "", ""},
    {"HSDS", FieldType::kInt, 1, "", 0, "day sequence number", "", "", "", "", ""},
    {"I", FieldType::kInt, 0.001, "A", 2, "main battery current", "/Dc/0/Current", "/Dc/0/Current",
     "", "/Dc/0/Current", "/Dc/0/Current"},
    {"I2", FieldType::kInt, 0.001, "A", 2, "battery current output 2", "", "", "", "/Dc/1/Current",
     ""},
    {"I3", FieldType::kInt, 0.001, "A", 2, "battery current output 3", "", "", "", "/Dc/2/Current",
     ""},
    {"IL", FieldType::kInt, 0.001, "A", 2, "load current", "/Load/I", "", "", "", ""},
    {"LOAD", FieldType::kOnOff, 1, "", 0, "load output state", "/Load/State", "", "", "", ""},
    {"MODE", FieldType::kInt, 1, "", 0, "device mode", "", "", "/Mode", "/Mode", "/Mode"},
    {"MON", FieldType::kInt, 1, "", 0, "DC monitor mode", "", "", "", "", ""},
    {"MPPT", FieldType::kInt, 1, "", 0, "tracker operation mode", "/MppOperationMode", "", "", "",
     ""},
    {"OR", FieldType::kHexInt, 1, "", 0, "off reason bits", "/DeviceOffReason", "",
     "/DeviceOffReason", "/DeviceOffReason", "/DeviceOffReason"},
    {"P", FieldType::kInt, 1, "W", 0, "instantaneous power", "", "/Dc/0/Power", "", "",
     "/Dc/0/Power"},
    {"PID", FieldType::kHexInt, 1, "", 0, "product id", "", "", "", "", ""},
    {"PPV", FieldType::kInt, 1, "W", 0, "panel power", "/Yield/Power", "", "", "", ""},
    {"Relay", FieldType::kOnOff, 1, "", 0, "relay state", "/Relay/0/State", "/Relay/0/State", "",
     "/Relay/0/State", ""},
    {"SER#", FieldType::kString, 1, "", -1, "serial number", "", "", "", "", ""},
    {"SOC", FieldType::kInt, 0.1, "%", 1, "state of charge", "", "/Soc", "", "", ""},
    {"T", FieldType::kInt, 1, "°C", 0, "battery temperature", "", "/Dc/0/Temperature", "",
     "/Dc/0/Temperature", ""},
    {"TTG", FieldType::kInt, 60, "s", 0, "time to go", "", "/TimeToGo", "", "", ""},
    {"V", FieldType::kInt, 0.001, "V", 2, "main battery voltage", "/Dc/0/Voltage", "/Dc/0/Voltage",
     "/Dc/0/Voltage", "/Dc/0/Voltage", "/Dc/0/Voltage"},
    {"V2", FieldType::kInt, 0.001, "V", 2, "battery voltage output 2", "", "", "", "/Dc/1/Voltage",
     ""},
    {"V3", FieldType::kInt, 0.001, "V", 2, "battery voltage output 3", "", "", "", "/Dc/2/Voltage",
     ""},
    {"VM", FieldType::kInt, 0.001, "V", 2, "mid-point voltage", "", "/Dc/0/MidVoltage", "", "", ""},
    {"VPV", FieldType::kInt, 0.001, "V", 2, "panel voltage", "/Pv/V", "", "", "", ""},
    {"VS", FieldType::kInt, 0.001, "V", 2, "auxiliary (starter) voltage", "", "/Dc/1/Voltage", "",
     "", ""},
    {"WARN", FieldType::kInt, 1, "", 0, "warning reason bits", "", "", "", "", ""},
};
// clang-format on

constexpr bool fields_sorted() {
  for (std::size_t i = 1; i < std::size(kFields); ++i)
    if (!(kFields[i - 1].label < kFields[i].label)) return false;
  return true;
}
static_assert(fields_sorted(), "kFields must be sorted by label for binary search");

constexpr AlarmBit kAlarmBits[] = {
    {1, "Low voltage", "/Alarms/LowVoltage", "/Alarms/LowVoltage"},
    {2, "High voltage", "/Alarms/HighVoltage", "/Alarms/HighVoltage"},
    {4, "Low SOC", "/Alarms/LowSoc", ""},
    {8, "Low starter voltage", "/Alarms/LowStarterVoltage", ""},
    {16, "High starter voltage", "/Alarms/HighStarterVoltage", ""},
    {32, "Low temperature", "/Alarms/LowTemperature", "/Alarms/LowTemperature"},
    {64, "High temperature", "/Alarms/HighTemperature", "/Alarms/HighTemperature"},
    {128, "Mid voltage", "/Alarms/MidVoltage", ""},
    {256, "Overload", "", "/Alarms/Overload"},
    {512, "DC ripple", "", "/Alarms/Ripple"},
    {1024, "Low V AC out", "", "/Alarms/LowVoltageAcOut"},
    {2048, "High V AC out", "", "/Alarms/HighVoltageAcOut"},
    {4096, "Short circuit", "", ""},
    {8192, "BMS lockout", "", ""},
};

struct OffReasonBit {
  std::uint32_t bit;
  std::string_view name;
};
constexpr OffReasonBit kOffReasonBits[] = {
    {0x1, "No input power"},
    {0x2, "Switched off (power switch)"},
    {0x4, "Switched off (device mode register)"},
    {0x8, "Remote input"},
    {0x10, "Protection active"},
    {0x20, "Paygo"},
    {0x40, "BMS"},
    {0x80, "Engine shutdown detection"},
    {0x100, "Analysing input voltage"},
};

// HEX registers, sorted by id (§2.3). NV settings (0xEDF0..0xEDFF) are written only on an explicit
// command, never from a loop (§2.3 warning).
constexpr RegisterDesc kRegisters[] = {
    {0x0100, "product_id", RegType::kU32, 1, 0, "", Access::kConstant, "PID"},
    {0x0102, "app_version", RegType::kU32, 1, 0, "", Access::kConstant, "FW"},
    {0x010A, "serial_number", RegType::kString, 1, 0, "", Access::kConstant, "SER#"},
    {0x010B, "model_name", RegType::kString, 1, 0, "", Access::kConstant, ""},
    {0x0120, "device_uptime", RegType::kU32, 1, 0, "s", Access::kReadOnly, ""},
    {0x0140, "capabilities", RegType::kU32, 1, 0, "", Access::kConstant, ""},
    {0x0150, "ble_capabilities", RegType::kU32, 1, 0, "", Access::kConstant, ""},
    {0x0200, "device_mode", RegType::kU8, 1, 0, "", Access::kReadWrite, "MODE"},
    {0x0201, "device_state", RegType::kU8, 1, 0, "", Access::kReadOnly, "CS"},
    {0x0202, "remote_control_used", RegType::kU32, 1, 0, "", Access::kReadOnly, ""},
    {0x0205, "device_off_reason", RegType::kU8, 1, 0, "", Access::kReadOnly, ""},
    {0x0207, "device_off_reason_2", RegType::kU32, 1, 0, "", Access::kReadOnly, "OR"},
    {0x031C, "warning_reason", RegType::kU16, 1, 0, "", Access::kReadOnly, "WARN"},
    {0x031E, "alarm_reason", RegType::kU16, 1, 0, "", Access::kReadOnly, "AR"},
    {0x034E, "relay_control", RegType::kU8, 1, 0, "", Access::kReadWrite, "Relay"},
    {0x034F, "relay_mode", RegType::kU8, 1, 0, "", Access::kReadWrite, ""},
    {0x0FFE, "time_to_go", RegType::kU16, 1, 0, "min", Access::kReadOnly, "TTG"},
    {0x0FFF, "state_of_charge", RegType::kU16, 0.01, 0, "%", Access::kReadOnly, "SOC"},
    {0x104F, "history_total", RegType::kRecord, 1, 0, "", Access::kReadOnly, ""},
    {0x1050, "history_day", RegType::kRecord, 1, 0, "", Access::kReadOnly, ""},  // 0x1050..0x106E
    // Network ("charger link") registers, written by a GX for DVCC. Ids, types and scales:
    // nmea2000.md §4.2 (Victron ve_regs.h: LINK_VSET 0x2001, LINK_VSENSE 0x2002, LINK_TSENSE
    // 0x2003, LINK_CHARGE_CURRENT_LIMIT 0x2015; VE.Can VREGs share the VE.Direct HEX ids) and
    // vedirect_vebus.md §2.3 ("0x200D-F network info/mode/status"; 0x2015 is RAM and resets after
    // ~50 s). All are RAM values: they never touch the device's NV settings.
    {0x2001, "link_charge_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadWrite, ""},
    {0x2002, "link_voltage_sense", RegType::kU16, 0.01, 0, "V", Access::kReadWrite, ""},
    {0x2003, "link_temperature_sense", RegType::kS16, 0.01, 0, "°C", Access::kReadWrite, ""},
    {0x200E, "link_network_mode", RegType::kU8, 1, 0, "", Access::kReadWrite, ""},
    {0x2015, "link_charge_current_limit", RegType::kU16, 0.1, 0, "A", Access::kReadWrite, ""},
    {0x2200, "ac_out_voltage", RegType::kS16, 0.01, 0, "V", Access::kReadOnly, "AC_OUT_V"},
    {0x2201, "ac_out_current", RegType::kS16, 0.1, 0, "A", Access::kReadOnly, "AC_OUT_I"},
    {0x2205, "ac_out_apparent_power", RegType::kS32, 1, 0, "VA", Access::kReadOnly, "AC_OUT_S"},
    {0xED7D, "aux_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadOnly, "VS"},
    {0xED8C, "current_high_res", RegType::kS32, 0.001, 0, "A", Access::kReadOnly, "I"},
    {0xED8D, "battery_voltage", RegType::kS16, 0.01, 0, "V", Access::kReadOnly, "V"},
    {0xED8E, "power", RegType::kS16, 1, 0, "W", Access::kReadOnly, "P"},
    {0xED8F, "battery_current", RegType::kS16, 0.1, 0, "A", Access::kReadOnly, "I"},
    {0xEDA8, "load_output_state", RegType::kU8, 1, 0, "", Access::kReadOnly, "LOAD"},
    {0xEDAD, "load_current", RegType::kU16, 0.1, 0, "A", Access::kReadOnly, "IL"},
    {0xEDB3, "tracker_mode", RegType::kU8, 1, 0, "", Access::kReadOnly, "MPPT"},
    {0xEDBB, "panel_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadOnly, "VPV"},
    {0xEDBC, "panel_power", RegType::kU32, 0.01, 0, "W", Access::kReadOnly, "PPV"},
    {0xEDBD, "panel_current", RegType::kU16, 0.1, 0, "A", Access::kReadOnly, ""},
    {0xEDD0, "max_power_yesterday", RegType::kU16, 1, 0, "W", Access::kReadOnly, "H23"},
    {0xEDD1, "yield_yesterday", RegType::kU16, 0.01, 0, "kWh", Access::kReadOnly, "H22"},
    {0xEDD2, "max_power_today", RegType::kU16, 1, 0, "W", Access::kReadOnly, "H21"},
    {0xEDD3, "yield_today", RegType::kU16, 0.01, 0, "kWh", Access::kReadOnly, "H20"},
    {0xEDD5, "charger_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadOnly, ""},
    {0xEDD7, "charger_current", RegType::kU16, 0.1, 0, "A", Access::kReadOnly, ""},
    {0xEDDA, "charger_error", RegType::kU8, 1, 0, "", Access::kReadOnly, "ERR"},
    {0xEDDB, "charger_internal_temperature", RegType::kS16, 0.01, 0, "°C", Access::kReadOnly, ""},
    {0xEDDC, "user_yield", RegType::kU32, 0.01, 0, "kWh", Access::kReadOnly, "H19"},
    {0xEDDD, "system_yield", RegType::kU32, 0.01, 0, "kWh", Access::kReadOnly, ""},
    {0xEDEC, "battery_temperature", RegType::kU16, 0.01, -273.15, "°C", Access::kReadOnly, "T"},
    {0xEDF0, "battery_max_current", RegType::kU16, 0.1, 0, "A", Access::kReadWrite, ""},
    {0xEDF1, "battery_type", RegType::kU8, 1, 0, "", Access::kReadWrite, ""},
    {0xEDF5, "battery_storage_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadWrite, ""},
    {0xEDF6, "battery_float_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadWrite, ""},
    {0xEDF7, "battery_absorption_voltage", RegType::kU16, 0.01, 0, "V", Access::kReadWrite, ""},
    {0xEEFC, "alarm_buzzer", RegType::kU8, 1, 0, "", Access::kReadWrite, "Alarm"},
    {0xEEFF, "consumed_ah", RegType::kS32, 0.1, 0, "Ah", Access::kReadOnly, "CE"},
};

constexpr bool registers_sorted() {
  for (std::size_t i = 1; i < std::size(kRegisters); ++i)
    if (!(kRegisters[i - 1].id < kRegisters[i].id)) return false;
  return true;
}
static_assert(registers_sorted(), "kRegisters must be sorted by id for binary search");

std::string join_bits(std::uint32_t bits, auto const& table) {
  std::string out;
  for (const auto& e : table) {
    if (!(bits & e.bit)) continue;
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace

std::string_view product_name(std::uint16_t pid) noexcept {
  auto it = std::lower_bound(std::begin(kProducts), std::end(kProducts), pid,
                             [](const ProductInfo& p, std::uint16_t v) { return p.pid < v; });
  if (it == std::end(kProducts) || it->pid != pid) return {};
  return it->name;
}

ProductClass product_class(std::uint16_t pid) noexcept {
  if (in(pid, 0x0203, 0x0205) || in(pid, 0xA381, 0xA383) || in(pid, 0xA389, 0xA38B) ||
      in(pid, 0xC030, 0xC03F))
    return ProductClass::kBatteryMonitor;
  if (pid == 0x0300 || in(pid, 0xA040, 0xA07F) || in(pid, 0xA102, 0xA117))
    return ProductClass::kSolarCharger;
  if (in(pid, 0xA201, 0xA2FF)) return ProductClass::kInverter;
  if (in(pid, 0xA300, 0xA37F)) return ProductClass::kCharger;
  if (in(pid, 0xA3C0, 0xA3FF)) return ProductClass::kDcDc;
  if (in(pid, 0xA440, 0xA44F)) return ProductClass::kMulti;
  return ProductClass::kUnknown;
}

std::string_view service_type(ProductClass c) noexcept {
  switch (c) {
    case ProductClass::kSolarCharger: return "solarcharger";
    case ProductClass::kBatteryMonitor: return "battery";
    case ProductClass::kInverter: return "inverter";
    case ProductClass::kCharger: return "charger";
    case ProductClass::kDcDc: return "dcdc";
    case ProductClass::kMulti: return "multi";
    case ProductClass::kUnknown: break;
  }
  return {};
}

std::span<const ProductInfo> product_table() noexcept { return kProducts; }

std::string_view FieldDesc::path_for(ProductClass c) const noexcept {
  switch (c) {
    case ProductClass::kSolarCharger: return solarcharger;
    case ProductClass::kBatteryMonitor: return battery;
    case ProductClass::kInverter: return inverter;
    case ProductClass::kCharger: return charger;
    case ProductClass::kDcDc: return dcdc;
    default: return {};
  }
}

// Hot path (every field of every block): an open-addressing hash of the labels, built at compile
// time, so a lookup is one hash and usually one comparison.
constexpr std::size_t kFieldHashSize = 256;
constexpr std::size_t field_hash(std::string_view l) noexcept {
  std::size_t h = l.size();
  for (char c : l) h = h * 31 + static_cast<std::uint8_t>(c);
  return h & (kFieldHashSize - 1);
}
constexpr auto kFieldHash = [] {
  std::array<std::uint8_t, kFieldHashSize> t{};
  for (auto& e : t) e = 0xFF;
  for (std::size_t i = 0; i < std::size(kFields); ++i) {
    std::size_t h = field_hash(kFields[i].label);
    while (t[h] != 0xFF) h = (h + 1) & (kFieldHashSize - 1);
    t[h] = static_cast<std::uint8_t>(i);
  }
  return t;
}();
static_assert(std::size(kFields) < kFieldHashSize / 2, "keep the label hash sparse");

const FieldDesc* find_field(std::string_view label) noexcept {
  if (label.size() > kMaxLabel) return nullptr;
  for (std::size_t h = field_hash(label);; h = (h + 1) & (kFieldHashSize - 1)) {
    const std::uint8_t i = kFieldHash[h];
    if (i == 0xFF) return nullptr;
    const std::string_view l = kFields[i].label;
    if (l.size() != label.size()) continue;
    std::size_t c = 0;
    while (c < l.size() && l[c] == label[c]) ++c;
    if (c == l.size()) return &kFields[i];
  }
}

std::span<const FieldDesc> field_table() noexcept { return kFields; }

std::string_view charge_state_text(std::int64_t cs) noexcept {
  switch (cs) {
    case 0: return "Off";
    case 1: return "Low power";
    case 2: return "Fault";
    case 3: return "Bulk";
    case 4: return "Absorption";
    case 5: return "Float";
    case 6: return "Storage";
    case 7: return "Equalize (manual)";
    case 8: return "Passthru";
    case 9: return "Inverting";
    case 10: return "Assisting";
    case 11: return "Power supply";
    case 244: return "Sustain";
    case 245: return "Starting-up";
    case 246: return "Repeated absorption";
    case 247: return "Auto equalize / Recondition";
    case 248: return "BatterySafe";
    case 252: return "External control";
    default: return {};
  }
}

std::string_view error_text(std::int64_t err) noexcept {
  switch (err) {
    case 0: return "No error";
    case 2: return "Battery voltage too high";
    case 17: return "Charger temperature too high";
    case 18: return "Charger over current";
    case 19: return "Charger current reversed";
    case 20: return "Bulk time limit exceeded";
    case 21: return "Current sensor issue";
    case 26: return "Terminals overheated";
    case 28: return "Converter issue";
    case 33: return "Input voltage too high (solar panel)";
    case 34: return "Input current too high (solar panel)";
    case 38: return "Input shutdown (excessive battery voltage)";
    case 39: return "Input shutdown (current flow during off mode)";
    case 65: return "Lost communication with one of devices";
    case 66: return "Synchronised charging device configuration issue";
    case 67: return "BMS connection lost";
    case 68: return "Network misconfigured";
    case 116: return "Factory calibration data lost";
    case 117: return "Invalid/incompatible firmware";
    case 119: return "User settings invalid";
    default: return {};
  }
}

std::string_view tracker_mode_text(std::int64_t mppt) noexcept {
  switch (mppt) {
    case 0: return "Off";
    case 1: return "Voltage or current limited";
    case 2: return "MPP tracker active";
    default: return {};
  }
}

std::string_view monitor_mode_text(std::int64_t mon) noexcept {
  static constexpr std::string_view kNames[] = {
      "Solar charger",   "Wind turbine",   "Shaft generator", "Alternator",     "Fuel cell",
      "Water generator", "DC/DC charger",  "AC charger",      "Generic source", "Battery monitor",
      "Generic load",    "Electric drive", "Fridge",          "Water pump",     "Bilge pump",
      "DC system",       "Inverter",       "Water heater"};
  if (mon < -9 || mon > 8) return {};
  return kNames[mon + 9];
}

std::string_view device_mode_text(std::int64_t mode) noexcept {
  switch (mode) {
    case 1: return "Charger only";
    case 2: return "Inverter on";
    case 3: return "On";
    case 4: return "Off";
    case 5: return "Eco";
    case 0xFD: return "Hibernate";
    default: return {};
  }
}

std::string off_reason_text(std::uint32_t bits) { return join_bits(bits, kOffReasonBits); }
std::string alarm_reason_text(std::uint32_t bits) { return join_bits(bits, kAlarmBits); }
std::span<const AlarmBit> alarm_bits() noexcept { return kAlarmBits; }

const RegisterDesc* find_register(std::uint16_t id) noexcept {
  if (id > 0x1050 && id <= 0x106E) id = 0x1050;  // history days share one description
  auto it = std::lower_bound(std::begin(kRegisters), std::end(kRegisters), id,
                             [](const RegisterDesc& r, std::uint16_t v) { return r.id < v; });
  if (it == std::end(kRegisters) || it->id != id) return nullptr;
  return &*it;
}

std::span<const RegisterDesc> register_table() noexcept { return kRegisters; }

Result<RegisterValue> decode_register_value(const RegisterDesc& d, ByteView v) noexcept {
  RegisterValue out;
  auto need = [&](std::size_t n) { return v.size() >= n; };
  std::int64_t raw = 0;
  bool unknown = false;
  switch (d.type) {
    case RegType::kU8:
      if (!need(1)) return fail(Errc::kBadLength, "u8 register needs 1 byte");
      raw = v[0];
      unknown = raw == 0xFF;
      break;
    case RegType::kU16:
      if (!need(2)) return fail(Errc::kBadLength, "u16 register needs 2 bytes");
      raw = load_le16(v);
      unknown = raw == 0xFFFF;
      break;
    case RegType::kS16:
      if (!need(2)) return fail(Errc::kBadLength, "s16 register needs 2 bytes");
      raw = load_le16s(v);
      unknown = raw == 0x7FFF;
      break;
    case RegType::kU32:
      if (!need(4)) {
        // 0x0102 app version is 3 bytes on some products (§2.3 "u24/u32").
        if (v.size() == 3) {
          raw = load_le24(v);
          break;
        }
        return fail(Errc::kBadLength, "u32 register needs 4 bytes");
      }
      raw = load_le32(v);
      unknown = raw == 0xFFFFFFFF;
      break;
    case RegType::kS32:
      if (!need(4)) return fail(Errc::kBadLength, "s32 register needs 4 bytes");
      raw = load_le32s(v);
      unknown = raw == 0x7FFFFFFF;
      break;
    case RegType::kString: {
      std::size_t n = 0;
      while (n < v.size() && v[n] != 0) ++n;
      out.available = true;
      out.text = std::string_view(reinterpret_cast<const char*>(v.data()), n);
      return out;
    }
    case RegType::kRecord: out.available = !v.empty(); return out;
  }
  out.raw = raw;
  out.available = !unknown;
  out.value = (d.scale < 1 ? static_cast<double>(raw) / std::round(1.0 / d.scale)
                           : static_cast<double>(raw) * d.scale) +
              d.offset;
  return out;
}

Result<HexPayload> encode_register_value(const RegisterDesc& d, double value) noexcept {
  if (!std::isfinite(value)) return fail(Errc::kOutOfRange, "not a number");
  const double rawd = std::round((value - d.offset) / d.scale);
  HexPayload p;
  auto check = [&](double lo, double hi) { return rawd >= lo && rawd <= hi; };
  switch (d.type) {
    case RegType::kU8:
      if (!check(0, 0xFE)) return fail(Errc::kOutOfRange, "value does not fit u8");
      p.push_back(static_cast<std::uint8_t>(rawd));
      return p;
    case RegType::kU16:
      if (!check(0, 0xFFFE)) return fail(Errc::kOutOfRange, "value does not fit u16");
      p.size = 2;
      store_le16(p.data, 0, static_cast<std::uint16_t>(rawd));
      return p;
    case RegType::kS16:
      if (!check(-32768, 32766)) return fail(Errc::kOutOfRange, "value does not fit s16");
      p.size = 2;
      store_le16(p.data, 0, static_cast<std::uint16_t>(static_cast<std::int16_t>(rawd)));
      return p;
    case RegType::kU32:
      if (!check(0, 4294967294.0)) return fail(Errc::kOutOfRange, "value does not fit u32");
      p.size = 4;
      store_le32(p.data, 0, static_cast<std::uint32_t>(rawd));
      return p;
    case RegType::kS32:
      if (!check(-2147483648.0, 2147483646.0))
        return fail(Errc::kOutOfRange, "value does not fit s32");
      p.size = 4;
      store_le32(p.data, 0, static_cast<std::uint32_t>(static_cast<std::int32_t>(rawd)));
      return p;
    case RegType::kString:
    case RegType::kRecord: break;
  }
  return fail(Errc::kUnsupported, "register cannot be encoded from a number");
}

}  // namespace gxlink::vedirect
