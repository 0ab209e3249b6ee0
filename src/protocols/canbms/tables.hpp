// SPDX-License-Identifier: MIT
#pragma once
/// The CAN-bus BMS protocol as data (STYLE.md rule 12): every identifier the seed lists
/// (seeds/001 §2 and §3), what it carries, its minimum length, and the 0x35A alarm pairs.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace gxlink::canbms {

// Identifiers, seeds/001 §2 (battery → inverter) and §3 (inverter → battery).
inline constexpr std::uint32_t kIdLimits = 0x351;
inline constexpr std::uint32_t kIdSoc = 0x355;
inline constexpr std::uint32_t kIdDc = 0x356;
inline constexpr std::uint32_t kIdPylonAlarms = 0x359;  // tolerated (FAQ Q1: one maker's alarms)
inline constexpr std::uint32_t kIdAlarms = 0x35A;
inline constexpr std::uint32_t kIdSmaExtra = 0x35B;      // tolerated (SMA-style emitters send it)
inline constexpr std::uint32_t kIdRequestFlags = 0x35C;  // tolerated (Pylontech request flags)
inline constexpr std::uint32_t kIdManufacturer = 0x35E;
inline constexpr std::uint32_t kIdBatteryInfo = 0x35F;
inline constexpr std::uint32_t kIdForceCharge = 0x360;
inline constexpr std::uint32_t kIdName1 = 0x370;
inline constexpr std::uint32_t kIdName2 = 0x371;
inline constexpr std::uint32_t kIdModules = 0x372;
inline constexpr std::uint32_t kIdCellExtremes = 0x373;
inline constexpr std::uint32_t kIdMinCellVoltageId = 0x374;
inline constexpr std::uint32_t kIdMaxCellVoltageId = 0x375;
inline constexpr std::uint32_t kIdMinCellTemperatureId = 0x376;
inline constexpr std::uint32_t kIdMaxCellTemperatureId = 0x377;
inline constexpr std::uint32_t kIdEnergy = 0x378;
inline constexpr std::uint32_t kIdInstalledCapacity = 0x379;
inline constexpr std::uint32_t kIdSerial1 = 0x380;
inline constexpr std::uint32_t kIdSerial2 = 0x381;
inline constexpr std::uint32_t kIdFamily = 0x382;
inline constexpr std::uint32_t kIdKeepalive = 0x305;
inline constexpr std::uint32_t kIdInverterId = 0x307;

enum class Direction : std::uint8_t { kFromBattery, kFromInverter };

struct MessageInfo {
  std::uint32_t id;
  std::string_view name;  ///< snake_case, used as "kind" in decode output
  std::uint8_t min_len;   ///< shortest DLC that carries the first field(s) we need
  Direction direction;
  bool tolerated;  ///< accepted from the field but not part of the seed's table
};

/// Every identifier we decode. Minimum lengths: seeds/001 §2 allows DLC < 8 (0x373 "shorten the
/// message using a lower DLC"); fields that do not fit are "not available". 0x351 needs CVL, CCL
/// and DCL (6 bytes): a limits frame without its current limits cannot be acted on safely.
inline constexpr std::array<MessageInfo, 26> kMessages = {{
    {kIdLimits, "limits", 6, Direction::kFromBattery, false},
    {kIdSoc, "soc", 2, Direction::kFromBattery, false},
    {kIdDc, "dc", 2, Direction::kFromBattery, false},
    {kIdPylonAlarms, "pylon_alarms", 0, Direction::kFromBattery, true},
    {kIdAlarms, "alarms", 1, Direction::kFromBattery, false},
    {kIdSmaExtra, "sma_extra", 0, Direction::kFromBattery, true},
    {kIdRequestFlags, "request_flags", 0, Direction::kFromBattery, true},
    {kIdManufacturer, "manufacturer", 0, Direction::kFromBattery, false},
    {kIdBatteryInfo, "battery_info", 2, Direction::kFromBattery, false},
    {kIdForceCharge, "force_charge", 1, Direction::kFromBattery, false},
    {kIdName1, "name_1", 0, Direction::kFromBattery, false},
    {kIdName2, "name_2", 0, Direction::kFromBattery, false},
    {kIdModules, "modules", 2, Direction::kFromBattery, false},
    {kIdCellExtremes, "cell_extremes", 4, Direction::kFromBattery, false},
    {kIdMinCellVoltageId, "min_cell_voltage_id", 0, Direction::kFromBattery, false},
    {kIdMaxCellVoltageId, "max_cell_voltage_id", 0, Direction::kFromBattery, false},
    {kIdMinCellTemperatureId, "min_cell_temperature_id", 0, Direction::kFromBattery, false},
    {kIdMaxCellTemperatureId, "max_cell_temperature_id", 0, Direction::kFromBattery, false},
    {kIdEnergy, "energy", 4, Direction::kFromBattery, false},
    {kIdInstalledCapacity, "installed_capacity", 2, Direction::kFromBattery, false},
    {kIdSerial1, "serial_1", 0, Direction::kFromBattery, false},
    {kIdSerial2, "serial_2", 0, Direction::kFromBattery, false},
    {kIdFamily, "family", 0, Direction::kFromBattery, false},
    {kIdKeepalive, "keepalive", 0, Direction::kFromInverter, false},
    {0x306, "keepalive_306", 0, Direction::kFromInverter,
     true},  // seen next to 0x305 (reference §0.1)
    {kIdInverterId, "inverter_id", 0, Direction::kFromInverter, false},
}};

/// nullptr for an identifier the tables do not know.
const MessageInfo* find_message(std::uint32_t id) noexcept;

/// One alarm/warning pair of 0x35A (seeds/001 §2 table): the alarm sits in bytes 0-3, the matching
/// warning four bytes later. `path` is the Venus /Alarms path (seeds/003 battery section); empty
/// when Venus has no path for it.
struct AlarmInfo {
  std::string_view name;
  std::uint8_t byte;   ///< alarm byte 0..3; the warning is byte + 4
  std::uint8_t shift;  ///< 0, 2, 4 or 6
  std::string_view path;
};

inline constexpr std::array<AlarmInfo, 13> kAlarms = {{
    {"general", 0, 0, ""},  // "(not implemented)" in the seed; Venus' /Alarms/Alarm is deprecated
    {"high_voltage", 0, 2, "/Alarms/HighVoltage"},
    {"low_voltage", 0, 4, "/Alarms/LowVoltage"},
    {"high_temperature", 0, 6, "/Alarms/HighTemperature"},
    {"low_temperature", 1, 0, "/Alarms/LowTemperature"},
    {"high_charge_temperature", 1, 2, "/Alarms/HighChargeTemperature"},
    {"low_charge_temperature", 1, 4, "/Alarms/LowChargeTemperature"},
    {"high_current", 1, 6, "/Alarms/HighDischargeCurrent"},
    {"high_charge_current", 2, 0, "/Alarms/HighChargeCurrent"},
    {"contactor", 2, 2, "/Alarms/Contactor"},
    {"short_circuit", 2, 4, ""},
    {"bms_internal", 2, 6, "/Alarms/InternalFailure"},
    {"cell_imbalance", 3, 0, "/Alarms/CellImbalance"},
}};

/// "System status (online/offline)": byte 7, bits 2+3 (seeds/001 §2, 0x35A footnote).
inline constexpr std::uint8_t kSystemStatusByte = 7;
inline constexpr std::uint8_t kSystemStatusShift = 2;

/// 0x307 bytes (seeds/001 §3): 12 34 56 78 'V' 'I' 'C' 00.
inline constexpr std::array<std::uint8_t, 8> kInverterIdPayload = {0x12, 0x34, 0x56, 0x78,
                                                                   'V',  'I',  'C',  0x00};

/// The name the GX shows when nothing identifies the battery (seeds/001 FAQ Q2).
inline constexpr std::string_view kDefaultBatteryName = "CAN-bus BMS battery";

/// 0x35E names the GX may replace "by a more readable name" (FAQ Q2). Only names that are
/// unambiguous abbreviations go here; everything else is shown literally.
struct KnownManufacturer {
  std::string_view wire;
  std::string_view readable;
};
inline constexpr std::array<KnownManufacturer, 2> kKnownManufacturers = {{
    {"PYLON", "Pylontech battery"},
    {"BYD", "BYD battery"},
}};

}  // namespace gxlink::canbms
