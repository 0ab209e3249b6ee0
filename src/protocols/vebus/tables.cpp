// SPDX-License-Identifier: MIT
#include "protocols/vebus/tables.hpp"

namespace gxlink::vebus {

const RamVarDescriptor* find_ram_var(std::uint8_t id) noexcept {
  for (const auto& d : kRamVars)
    if (d.id == id) return &d;
  return nullptr;
}

const SettingDescriptor* find_setting(std::string_view cli_name) noexcept {
  for (const auto& d : kSettings)
    if (d.cli_name == cli_name) return &d;
  return nullptr;
}

const SettingDescriptor* find_setting(std::uint16_t id) noexcept {
  for (const auto& d : kSettings)
    if (d.id == id) return &d;
  return nullptr;
}

std::string_view to_string(SwitchState s) noexcept {
  switch (s) {
    case SwitchState::kChargerOnly: return "charger-only";
    case SwitchState::kInverterOnly: return "inverter-only";
    case SwitchState::kOn: return "on";
    case SwitchState::kOff: return "off";
  }
  return "?";
}

std::optional<SwitchState> parse_switch_state(std::string_view t) noexcept {
  if (t == "charger-only" || t == "1") return SwitchState::kChargerOnly;
  if (t == "inverter-only" || t == "2") return SwitchState::kInverterOnly;
  if (t == "on" || t == "3") return SwitchState::kOn;
  if (t == "off" || t == "4") return SwitchState::kOff;
  return std::nullopt;
}

std::string_view device_state_name(std::uint8_t s) noexcept {
  static constexpr std::array<std::string_view, 10> kNames = {
      "down",        "startup",    "off",          "slave",  "invert full",
      "invert half", "invert AES", "power assist", "bypass", "charge"};
  return s < kNames.size() ? kNames[s] : "unknown";
}

std::string_view charge_substate_name(std::uint8_t s) noexcept {
  static constexpr std::array<std::string_view, 9> kNames = {"init",
                                                             "bulk",
                                                             "absorption",
                                                             "float",
                                                             "storage",
                                                             "repeated absorption",
                                                             "forced absorption",
                                                             "equalise",
                                                             "bulk stopped"};
  return s < kNames.size() ? kNames[s] : "unknown";
}

std::int64_t venus_state(std::uint8_t device_state, std::optional<std::uint8_t> substate) noexcept {
  switch (static_cast<DeviceState>(device_state)) {
    case DeviceState::kDown:
    case DeviceState::kOff:
    case DeviceState::kStartup:
    case DeviceState::kSlave: return 0;
    case DeviceState::kInvertFull:
    case DeviceState::kInvertHalf: return 9;
    case DeviceState::kInvertAes: return 1;  // AES (search mode) is Venus "Low Power"
    case DeviceState::kPowerAssist: return 10;
    case DeviceState::kBypass: return 8;
    case DeviceState::kCharge:
      if (!substate) return 3;
      switch (*substate) {
        case 1:
        case 8: return 3;  // bulk, bulk stopped
        case 2:
        case 5:
        case 6: return 4;  // absorption, repeated, forced
        case 3: return 5;
        case 4: return 6;
        case 7: return 7;
        default: return 3;
      }
  }
  return 0;
}

PhaseInfo phase_info(std::uint8_t code) noexcept {
  switch (code) {
    case 0x05: return {4, 0, false};
    case 0x06: return {3, 0, false};
    case 0x07: return {2, 0, false};
    case 0x08: return {1, 1, false};
    case 0x09: return {1, 2, false};
    case 0x0A: return {1, 3, false};
    case 0x0B: return {1, 4, false};
    case 0x0C: return {0, 0, true};
    default: return {};
  }
}

}  // namespace gxlink::vebus
