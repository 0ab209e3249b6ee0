// SPDX-License-Identifier: MIT
#pragma once
/// CANopen constants as data (STYLE.md rule 12): COB-ID function codes, NMT states and commands,
/// SDO abort codes and EMCY error-code classes, all from CiA 301 (reference/canbms_canopen.md
/// §5.1).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace gxlink::canopen {

/// Pre-defined connection set (CiA 301 §7.3.3): COB-ID = function code + node id.
inline constexpr std::uint32_t kNmtCommandId = 0x000;
inline constexpr std::uint32_t kSyncId = 0x080;
inline constexpr std::uint32_t kEmcyBase = 0x080;
inline constexpr std::uint32_t kTimeId = 0x100;
inline constexpr std::uint32_t kSdoTxBase = 0x580;  ///< server → client (responses)
inline constexpr std::uint32_t kSdoRxBase = 0x600;  ///< client → server (requests)
inline constexpr std::uint32_t kHeartbeatBase = 0x700;
inline constexpr std::uint8_t kMaxNodeId = 127;

/// NMT state as carried in a heartbeat / boot-up byte (bits 6..0; bit 7 is the guarding toggle).
enum class NmtState : std::uint8_t {
  kBootUp = 0x00,
  kStopped = 0x04,
  kOperational = 0x05,
  kPreOperational = 0x7F,
};

/// Known state byte → state; nullopt for a value CiA 301 does not define.
std::optional<NmtState> nmt_state_from_byte(std::uint8_t b) noexcept;
std::string_view to_string(NmtState s) noexcept;

/// NMT command specifiers (byte 0 of a COB-ID 0x000 frame).
enum class NmtCommand : std::uint8_t {
  kStart = 0x01,
  kStop = 0x02,
  kEnterPreOperational = 0x80,
  kResetNode = 0x81,
  kResetCommunication = 0x82,
};
std::optional<NmtCommand> nmt_command_from_byte(std::uint8_t b) noexcept;
std::string_view to_string(NmtCommand c) noexcept;

/// One SDO abort code: the 32-bit value, a short snake_case name for logs/JSON, and the CiA 301
/// meaning in our own words.
struct AbortCodeInfo {
  std::uint32_t code;
  std::string_view name;
  std::string_view description;
};

/// Abort codes the client reacts to specially.
inline constexpr std::uint32_t kAbortToggle = 0x05030000;
inline constexpr std::uint32_t kAbortTimeout = 0x05040000;
inline constexpr std::uint32_t kAbortUnknownCommand = 0x05040001;
inline constexpr std::uint32_t kAbortOutOfMemory = 0x05040005;
inline constexpr std::uint32_t kAbortNoObject = 0x06020000;
inline constexpr std::uint32_t kAbortLengthMismatch = 0x06070010;
inline constexpr std::uint32_t kAbortNoSubIndex = 0x06090011;
inline constexpr std::uint32_t kAbortGeneral = 0x08000000;

/// Every abort code of CiA 301 (table "SDO abort codes"), sorted by code.
std::span<const AbortCodeInfo> abort_codes() noexcept;
/// The table entry for `code`, or nullptr for a code CiA 301 does not list.
const AbortCodeInfo* find_abort_code(std::uint32_t code) noexcept;
/// "object_does_not_exist"; "unknown_abort_code" for a code not in the table.
std::string_view abort_name(std::uint32_t code) noexcept;
/// True for aborts that mean "this object is not there" (retry rarely, not every poll).
bool abort_means_missing(std::uint32_t code) noexcept;

/// EMCY error codes (CiA 301 table "Emergency error codes"): exact codes and classes.
struct EmcyCodeInfo {
  std::uint16_t code;
  std::uint16_t mask;  ///< 0xFFFF exact, 0xFF00 class by high byte, 0xF000 by high nibble
  std::string_view name;
};
/// The most specific description of an EMCY error code ("generic_error", "can_overrun", ...).
std::string_view emcy_name(std::uint16_t code) noexcept;

}  // namespace gxlink::canopen
