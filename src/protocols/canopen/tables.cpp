// SPDX-License-Identifier: MIT
#include "protocols/canopen/tables.hpp"

#include <algorithm>
#include <array>

namespace gxlink::canopen {
namespace {

// CiA 301 v4.2 §7.2.4.3.17 "Protocol SDO abort transfer", table of abort codes. The list matches
// what python canopen, CANopenNode and lely name (reference/canbms_canopen.md §5.1); the wording of
// the descriptions is ours. Sorted by code for the binary search below.
constexpr std::array kAbortTable = {
    AbortCodeInfo{0x05030000, "toggle_bit_not_alternated", "toggle bit not alternated"},
    AbortCodeInfo{0x05040000, "sdo_protocol_timed_out", "SDO protocol timed out"},
    AbortCodeInfo{0x05040001, "invalid_command_specifier",
                  "client/server command specifier not valid or unknown"},
    AbortCodeInfo{0x05040002, "invalid_block_size", "invalid block size (block mode)"},
    AbortCodeInfo{0x05040003, "invalid_sequence_number", "invalid sequence number (block mode)"},
    AbortCodeInfo{0x05040004, "crc_error", "CRC error (block mode)"},
    AbortCodeInfo{0x05040005, "out_of_memory", "out of memory"},
    AbortCodeInfo{0x06010000, "unsupported_access", "unsupported access to an object"},
    AbortCodeInfo{0x06010001, "write_only", "attempt to read a write-only object"},
    AbortCodeInfo{0x06010002, "read_only", "attempt to write a read-only object"},
    AbortCodeInfo{0x06020000, "object_does_not_exist",
                  "object does not exist in the object dictionary"},
    AbortCodeInfo{0x06040041, "cannot_map_to_pdo", "object cannot be mapped to the PDO"},
    AbortCodeInfo{0x06040042, "pdo_length_exceeded",
                  "number and length of mapped objects exceed PDO length"},
    AbortCodeInfo{0x06040043, "parameter_incompatibility", "general parameter incompatibility"},
    AbortCodeInfo{0x06040047, "internal_incompatibility",
                  "general internal incompatibility in the device"},
    AbortCodeInfo{0x06060000, "hardware_error", "access failed due to a hardware error"},
    AbortCodeInfo{0x06070010, "length_mismatch",
                  "data type does not match, length of service parameter does not match"},
    AbortCodeInfo{0x06070012, "length_too_high",
                  "data type does not match, length of service parameter too high"},
    AbortCodeInfo{0x06070013, "length_too_low",
                  "data type does not match, length of service parameter too low"},
    AbortCodeInfo{0x06090011, "subindex_does_not_exist", "sub-index does not exist"},
    AbortCodeInfo{0x06090030, "invalid_value", "invalid value for parameter (download only)"},
    AbortCodeInfo{0x06090031, "value_too_high",
                  "value of parameter written too high (download only)"},
    AbortCodeInfo{0x06090032, "value_too_low",
                  "value of parameter written too low (download only)"},
    AbortCodeInfo{0x06090036, "max_less_than_min", "maximum value is less than minimum value"},
    AbortCodeInfo{0x060A0023, "resource_not_available", "resource not available: SDO connection"},
    AbortCodeInfo{0x08000000, "general_error", "general error"},
    AbortCodeInfo{0x08000020, "cannot_store",
                  "data cannot be transferred or stored to the application"},
    AbortCodeInfo{0x08000021, "cannot_store_local_control",
                  "data cannot be transferred or stored because of local control"},
    AbortCodeInfo{0x08000022, "cannot_store_device_state",
                  "data cannot be transferred or stored because of the present device state"},
    AbortCodeInfo{0x08000023, "no_object_dictionary",
                  "object dictionary dynamic generation failed or no object dictionary present"},
    AbortCodeInfo{0x08000024, "no_data_available", "no data available"},
};

static_assert(std::is_sorted(kAbortTable.begin(), kAbortTable.end(),
                             [](const AbortCodeInfo& a, const AbortCodeInfo& b) {
                               return a.code < b.code;
                             }));

// CiA 301 §7.2.7.1 table "Emergency error codes": exact codes first, then classes by high byte,
// then by high nibble; the first match is the most specific.
constexpr std::array kEmcyTable = {
    EmcyCodeInfo{0x0000, 0xFFFF, "error_reset_or_no_error"},
    EmcyCodeInfo{0x8110, 0xFFFF, "can_overrun"},
    EmcyCodeInfo{0x8120, 0xFFFF, "can_error_passive"},
    EmcyCodeInfo{0x8130, 0xFFFF, "life_guard_or_heartbeat_error"},
    EmcyCodeInfo{0x8140, 0xFFFF, "recovered_from_bus_off"},
    EmcyCodeInfo{0x8150, 0xFFFF, "can_id_collision"},
    EmcyCodeInfo{0x8210, 0xFFFF, "pdo_not_processed_length"},
    EmcyCodeInfo{0x8220, 0xFFFF, "pdo_length_exceeded"},
    EmcyCodeInfo{0x8230, 0xFFFF, "dam_mpdo_not_processed"},
    EmcyCodeInfo{0x8240, 0xFFFF, "unexpected_sync_length"},
    EmcyCodeInfo{0x8250, 0xFFFF, "rpdo_timeout"},
    EmcyCodeInfo{0x1000, 0xFF00, "generic_error"},
    EmcyCodeInfo{0x2100, 0xFF00, "current_device_input"},
    EmcyCodeInfo{0x2200, 0xFF00, "current_inside_device"},
    EmcyCodeInfo{0x2300, 0xFF00, "current_device_output"},
    EmcyCodeInfo{0x3100, 0xFF00, "mains_voltage"},
    EmcyCodeInfo{0x3200, 0xFF00, "voltage_inside_device"},
    EmcyCodeInfo{0x3300, 0xFF00, "output_voltage"},
    EmcyCodeInfo{0x4100, 0xFF00, "ambient_temperature"},
    EmcyCodeInfo{0x4200, 0xFF00, "device_temperature"},
    EmcyCodeInfo{0x6100, 0xFF00, "internal_software"},
    EmcyCodeInfo{0x6200, 0xFF00, "user_software"},
    EmcyCodeInfo{0x6300, 0xFF00, "data_set"},
    EmcyCodeInfo{0x8100, 0xFF00, "communication"},
    EmcyCodeInfo{0x8200, 0xFF00, "protocol_error"},
    EmcyCodeInfo{0xFF00, 0xFF00, "device_specific"},
    EmcyCodeInfo{0x2000, 0xF000, "current"},
    EmcyCodeInfo{0x3000, 0xF000, "voltage"},
    EmcyCodeInfo{0x4000, 0xF000, "temperature"},
    EmcyCodeInfo{0x5000, 0xF000, "device_hardware"},
    EmcyCodeInfo{0x6000, 0xF000, "device_software"},
    EmcyCodeInfo{0x7000, 0xF000, "additional_modules"},
    EmcyCodeInfo{0x8000, 0xF000, "monitoring"},
    EmcyCodeInfo{0x9000, 0xF000, "external_error"},
    EmcyCodeInfo{0xF000, 0xF000, "additional_functions"},
};

}  // namespace

std::optional<NmtState> nmt_state_from_byte(std::uint8_t b) noexcept {
  switch (b) {
    case 0x00: return NmtState::kBootUp;
    case 0x04: return NmtState::kStopped;
    case 0x05: return NmtState::kOperational;
    case 0x7F: return NmtState::kPreOperational;
    default: return std::nullopt;
  }
}

std::string_view to_string(NmtState s) noexcept {
  switch (s) {
    case NmtState::kBootUp: return "boot_up";
    case NmtState::kStopped: return "stopped";
    case NmtState::kOperational: return "operational";
    case NmtState::kPreOperational: return "pre_operational";
  }
  return "unknown";
}

std::optional<NmtCommand> nmt_command_from_byte(std::uint8_t b) noexcept {
  switch (b) {
    case 0x01: return NmtCommand::kStart;
    case 0x02: return NmtCommand::kStop;
    case 0x80: return NmtCommand::kEnterPreOperational;
    case 0x81: return NmtCommand::kResetNode;
    case 0x82: return NmtCommand::kResetCommunication;
    default: return std::nullopt;
  }
}

std::string_view to_string(NmtCommand c) noexcept {
  switch (c) {
    case NmtCommand::kStart: return "start";
    case NmtCommand::kStop: return "stop";
    case NmtCommand::kEnterPreOperational: return "enter_pre_operational";
    case NmtCommand::kResetNode: return "reset_node";
    case NmtCommand::kResetCommunication: return "reset_communication";
  }
  return "unknown";
}

std::span<const AbortCodeInfo> abort_codes() noexcept { return kAbortTable; }

const AbortCodeInfo* find_abort_code(std::uint32_t code) noexcept {
  auto it = std::lower_bound(kAbortTable.begin(), kAbortTable.end(), code,
                             [](const AbortCodeInfo& a, std::uint32_t c) { return a.code < c; });
  return it != kAbortTable.end() && it->code == code ? &*it : nullptr;
}

std::string_view abort_name(std::uint32_t code) noexcept {
  const AbortCodeInfo* a = find_abort_code(code);
  return a ? a->name : std::string_view("unknown_abort_code");
}

bool abort_means_missing(std::uint32_t code) noexcept {
  // 0x06020000 and 0x06090011 are what older SuperB firmware returns for objects it lacks
  // (seed 004: 0x6051/0x6052 need firmware 1.2); "no data" (0x08000024) is not permanent.
  return code == kAbortNoObject || code == kAbortNoSubIndex;
}

std::string_view emcy_name(std::uint16_t code) noexcept {
  for (const auto& e : kEmcyTable)
    if ((code & e.mask) == e.code) return e.name;
  return "unknown";
}

}  // namespace gxlink::canopen
