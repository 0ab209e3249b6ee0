// SPDX-License-Identifier: MIT
#pragma once
/// VE.Bus tables as data (STYLE.md rule 12): RAM variables, settings the CLI knows, device states,
/// charge substates, LEDs (vedirect_vebus.md §4.4, §4.6; Venus paths from seeds/003).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocols/vebus/scaling.hpp"

namespace gxlink::vebus {

/// MK2 command letters (type 0xFF frames, §4.3).
namespace cmd {
inline constexpr std::uint8_t kAddress = 'A';
inline constexpr std::uint8_t kVersion = 'V';
inline constexpr std::uint8_t kInfo = 'F';
inline constexpr std::uint8_t kLed = 'L';
inline constexpr std::uint8_t kSwitch = 'S';
inline constexpr std::uint8_t kLineState = 'H';  ///< MK3 only: standby / panel-detect lines
inline constexpr std::uint8_t kWinmonW = 'W';
inline constexpr std::uint8_t kWinmonX = 'X';
inline constexpr std::uint8_t kWinmonY = 'Y';
inline constexpr std::uint8_t kWinmonZ = 'Z';
}  // namespace cmd

constexpr bool is_winmon_letter(std::uint8_t c) noexcept {
  return c == 'W' || c == 'X' || c == 'Y' || c == 'Z';
}

/// Winmon command codes (§4.5, velib vebus_device.h).
namespace wm {
inline constexpr std::uint8_t kSendLedStatus = 0x02;
inline constexpr std::uint8_t kSendSoftwareVersionPart0 = 0x05;
inline constexpr std::uint8_t kSendSoftwareVersionPart1 = 0x06;
inline constexpr std::uint8_t kGetSetDeviceState = 0x0E;
inline constexpr std::uint8_t kReadRamVar = 0x30;
inline constexpr std::uint8_t kReadSetting = 0x31;
inline constexpr std::uint8_t kWriteRamVar = 0x32;
inline constexpr std::uint8_t kWriteSetting = 0x33;
inline constexpr std::uint8_t kWriteData = 0x34;
inline constexpr std::uint8_t kGetSettingInfo = 0x35;
inline constexpr std::uint8_t kGetRamVarInfo = 0x36;
inline constexpr std::uint8_t kWriteViaId = 0x37;
// responses
inline constexpr std::uint8_t kUnknownCommand = 0x80;
inline constexpr std::uint8_t kSoftwareVersionPart0 = 0x82;
inline constexpr std::uint8_t kSoftwareVersionPart1 = 0x83;
inline constexpr std::uint8_t kReadRamOk = 0x85;
inline constexpr std::uint8_t kReadSettingOk = 0x86;
inline constexpr std::uint8_t kWriteRamOk = 0x87;
inline constexpr std::uint8_t kWriteSettingOk = 0x88;
inline constexpr std::uint8_t kSettingScale = 0x89;
inline constexpr std::uint8_t kSettingOffset = 0x8A;
inline constexpr std::uint8_t kSettingDefault = 0x8B;
inline constexpr std::uint8_t kSettingMin = 0x8C;
inline constexpr std::uint8_t kSettingMax = 0x8D;
inline constexpr std::uint8_t kRamVarScale = 0x8E;
inline constexpr std::uint8_t kRamVarOffset = 0x8F;
inline constexpr std::uint8_t kRamVarNotSupported = 0x90;
inline constexpr std::uint8_t kSettingNotSupported = 0x91;
inline constexpr std::uint8_t kDeviceState = 0x94;
inline constexpr std::uint8_t kAccessLevelRequired = 0x9B;
}  // namespace wm

/// WriteViaID (0x37) flags: bit 0 = the id is a setting (else a RAM var), bit 1 = RAM only, do not
/// store in EEPROM (velib, mk2.py WriteViaID). Seed 002 calls 0x01 "RAM only"; that contradicts
/// both implementations: 0x01 writes the setting AND its EEPROM copy. We follow the
/// implementations.
namespace wvi {
inline constexpr std::uint8_t kSetting = 0x01;
inline constexpr std::uint8_t kRamOnly = 0x02;
}  // namespace wvi

/// RAM variable ids (§4.6).
namespace ram {
inline constexpr std::uint8_t kUMainsRms = 0;
inline constexpr std::uint8_t kIMainsRms = 1;
inline constexpr std::uint8_t kUInverterRms = 2;
inline constexpr std::uint8_t kIInverterRms = 3;
inline constexpr std::uint8_t kUBat = 4;
inline constexpr std::uint8_t kIBat = 5;
inline constexpr std::uint8_t kUBatRipple = 6;
inline constexpr std::uint8_t kInverterPeriod = 7;
inline constexpr std::uint8_t kMainsPeriod = 8;
inline constexpr std::uint8_t kSignedAcLoadCurrent = 9;
inline constexpr std::uint8_t kVirtualSwitchPosition = 10;
inline constexpr std::uint8_t kIgnoreAcInputState = 11;
inline constexpr std::uint8_t kMultiFunctionalRelay = 12;
inline constexpr std::uint8_t kChargeState = 13;  ///< SOC of the battery monitor
inline constexpr std::uint8_t kInverterPower1 = 14;
inline constexpr std::uint8_t kInverterPower2 = 15;  ///< AC input power (mk2.py: "spec is wrong")
inline constexpr std::uint8_t kOutputPower = 16;
}  // namespace ram

struct RamVarDescriptor {
  std::uint8_t id;
  std::string_view name;
  std::string_view unit;
  /// A typical scale/offset (MultiPlus-II captures, §4.7) used only for OFFLINE decoding
  /// (`gxlink decode mk2`, snapshots) where the unit's own 0x8E/0x8F replies are not in the
  /// capture. The live session always asks the unit.
  RamVarInfo typical;
};

inline constexpr std::array<RamVarDescriptor, 17> kRamVars = {{
    {0, "UMainsRMS", "V", {0x7F9C, 0}},
    {1, "IMainsRMS", "A", {0x8064, 0}},
    {2, "UInverterRMS", "V", {0x7F9C, 0}},
    {3, "IInverterRMS", "A", {0x8064, 0}},
    {4, "UBat", "V", {0x7F9C, 0}},
    {5, "IBat", "A", {0x800A, 0}},
    {6, "UBatRMS", "V", {0x7F9C, 0}},
    {7, "InverterPeriod", "s", {0x7857, 0x0100}},
    {8, "MainsPeriod", "s", {0x7C2F, 0}},
    {9, "SignedACLoadCurrent", "A", {0x8064, 0}},
    {10, "VirtualSwitchPosition", "", {0, 0}},
    {11, "IgnoreACInputState", "", {1, static_cast<std::int16_t>(0x8000)}},
    {12, "MultiFunctionalRelayState", "", {1, static_cast<std::int16_t>(0x8000)}},
    {13, "ChargeState", "%", {0x7F38, 0}},
    {14, "InverterPower1", "W", {0x8001, 0}},
    {15, "InverterPower2", "W", {0x8001, 0}},
    {16, "OutputPower", "W", {0x8001, 0}},
}};

const RamVarDescriptor* find_ram_var(std::uint8_t id) noexcept;

/// Setting ids (§4.6).
namespace setting {
inline constexpr std::uint16_t kFlags0 = 0;
inline constexpr std::uint16_t kFlags1 = 1;
inline constexpr std::uint16_t kUBatAbsorption = 2;
inline constexpr std::uint16_t kUBatFloat = 3;
inline constexpr std::uint16_t kIBatBulk = 4;
inline constexpr std::uint16_t kUInvSetpoint = 5;
inline constexpr std::uint16_t kIMainsLimit = 6;
inline constexpr std::uint16_t kRepeatedAbsorptionTime = 7;
inline constexpr std::uint16_t kRepeatedAbsorptionInterval = 8;
inline constexpr std::uint16_t kMaximumAbsorptionDuration = 9;
inline constexpr std::uint16_t kChargeCharacteristic = 10;
inline constexpr std::uint16_t kUBatLowLimitForInverter = 11;
inline constexpr std::uint16_t kUBatLowHysteresisForInverter = 12;
inline constexpr std::uint16_t kNumberOfSlavesConnected = 13;
}  // namespace setting

/// What kind of safety rule applies to a setting the CLI may write.
enum class SettingKind { kChargeVoltage, kFloatVoltage, kCurrent, kOther };

struct SettingDescriptor {
  std::uint16_t id;
  std::string_view cli_name;  ///< the name `gxlink vebus get|set` uses
  std::string_view name;      ///< the MK2 document's name
  std::string_view unit;
  SettingKind kind;
  bool cli_writable;
};

inline constexpr std::array<SettingDescriptor, 8> kSettings = {{
    {setting::kUBatAbsorption, "absorption", "UBatAbsorption", "V", SettingKind::kChargeVoltage,
     true},
    {setting::kUBatFloat, "float", "UBatFloat", "V", SettingKind::kFloatVoltage, true},
    {setting::kIBatBulk, "charge-current", "IBatBulk", "A", SettingKind::kCurrent, false},
    {setting::kUInvSetpoint, "inverter-voltage", "UInvSetpoint", "V", SettingKind::kOther, false},
    {setting::kIMainsLimit, "input-current-limit-setting", "IMainsLimit", "A",
     SettingKind::kCurrent, false},
    {setting::kRepeatedAbsorptionTime, "repeated-absorption-time", "RepeatedAbsorptionTime", "h",
     SettingKind::kOther, false},
    {setting::kMaximumAbsorptionDuration, "max-absorption-time", "MaximumAbsorptionDuration", "h",
     SettingKind::kOther, false},
    {setting::kUBatLowLimitForInverter, "low-battery-shutdown", "UBatLowLimitForInverter", "V",
     SettingKind::kOther, false},
}};

const SettingDescriptor* find_setting(std::string_view cli_name) noexcept;
const SettingDescriptor* find_setting(std::uint16_t id) noexcept;

/// 'S' switch states = Venus /Mode values (seeds/003: 1 Charger Only, 2 Inverter Only, 3 On, 4
/// Off).
enum class SwitchState : std::uint8_t { kChargerOnly = 1, kInverterOnly = 2, kOn = 3, kOff = 4 };
std::string_view to_string(SwitchState s) noexcept;
std::optional<SwitchState> parse_switch_state(std::string_view text) noexcept;

/// Device state byte of the info frames (§4.4).
enum class DeviceState : std::uint8_t {
  kDown = 0,
  kStartup = 1,
  kOff = 2,
  kSlave = 3,
  kInvertFull = 4,
  kInvertHalf = 5,
  kInvertAes = 6,
  kPowerAssist = 7,
  kBypass = 8,
  kCharge = 9,
};
std::string_view device_state_name(std::uint8_t s) noexcept;
/// Charge substate (GetSetDeviceState 0x94): the same numbers as Venus /VebusChargeState.
std::string_view charge_substate_name(std::uint8_t s) noexcept;
/// Venus /State from the device state and, when charging, the substate (seeds/003 /State list).
std::int64_t venus_state(std::uint8_t device_state, std::optional<std::uint8_t> substate) noexcept;

/// LED bits (§4.4), in the order of the Venus /Leds/* paths.
struct LedDescriptor {
  std::uint8_t mask;
  std::string_view path;
};
inline constexpr std::array<LedDescriptor, 8> kLeds = {{
    {0x01, "/Leds/Mains"},
    {0x02, "/Leds/Absorption"},
    {0x04, "/Leds/Bulk"},
    {0x08, "/Leds/Float"},
    {0x10, "/Leds/Inverter"},
    {0x20, "/Leds/Overload"},
    {0x40, "/Leds/LowBattery"},
    {0x80, "/Leds/Temperature"},
}};
/// Venus LED value: 0 off, 1 on, 2 blinking, 3 blinking inverted.
constexpr std::int64_t led_value(std::uint8_t on, std::uint8_t blink, std::uint8_t mask) noexcept {
  const bool o = (on & mask) != 0, b = (blink & mask) != 0;
  return o ? (b ? 3 : 1) : (b ? 2 : 0);
}

/// Phase byte of an AC info frame → phase number 1..4 and the phase count when the frame says it.
struct PhaseInfo {
  int phase = 0;        ///< 1..4; 0 for the DC frame or an unknown code
  int phase_count = 0;  ///< from the L1 codes (0x08 → 1, 0x09 → 2, 0x0A → 3, 0x0B → 4); else 0
  bool dc = false;
};
PhaseInfo phase_info(std::uint8_t code) noexcept;

}  // namespace gxlink::vebus
