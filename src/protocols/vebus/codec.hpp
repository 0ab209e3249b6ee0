// SPDX-License-Identifier: MIT
#pragma once
/// MK2 commands (encoders) and replies (decoders). Pure functions on frames, noexcept; values come
/// out RAW (as sent) and are scaled by the caller with the unit's own RAM-var / setting info
/// (scaling.hpp), because the info frames use the RAM-var scales (vedirect_vebus.md §4.4).

#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "core/result.hpp"
#include "protocols/vebus/framer.hpp"
#include "protocols/vebus/scaling.hpp"
#include "protocols/vebus/tables.hpp"

namespace gxlink::vebus {

// ---- commands ----------------------------------------------------------------------------------

/// 'A' 01 <addr>: select the VE.Bus address to talk to (seed 002: `04 FF 41 01 00 BB`).
WireFrame encode_set_address(std::uint8_t address) noexcept;
/// 'A' 00 00: ask which address is selected.
WireFrame encode_get_address() noexcept;
/// 'V': interface version (`02 FF 56 A9`).
WireFrame encode_version() noexcept;
/// 'L': LED status (`02 FF 4C B3`).
WireFrame encode_led() noexcept;
/// 'F' <n>: 0 DC info, 1..4 AC info of L1..L4, 5 master config frame (`03 FF 46 00 B8`).
WireFrame encode_info_request(std::uint8_t which) noexcept;
/// 'H' without argument: MK3 line-state query; an MK2 does not know it (used for MK2/MK3
/// detection).
WireFrame encode_line_state_query() noexcept;
/// 'S' <state> <limit u16 LE> 01 <flags 0x80>: remote switch and input current limit, limit in
/// 0.1 A (j9brown); `limit_amps` empty → 0x8000 "leave unchanged".
WireFrame encode_switch(SwitchState state, std::optional<double> limit_amps) noexcept;

/// Winmon commands, sent with letter W, X, Y or Z (replies echo the letter; X/Y/Z let a late reply
/// be told from the current one). Ids of 0x31/0x35/0x36/0x33/0x32 are u16 LE (mk2.py); ReadRAMVar
/// takes up to 6 one-byte ids.
WireFrame encode_read_ram_vars(std::uint8_t letter, std::span<const std::uint8_t> ids) noexcept;
WireFrame encode_read_setting(std::uint8_t letter, std::uint16_t id) noexcept;
WireFrame encode_get_ram_var_info(std::uint8_t letter, std::uint16_t id) noexcept;
WireFrame encode_get_setting_info(std::uint8_t letter, std::uint16_t id) noexcept;
/// WriteViaID 0x37 <flags> <id u8> <value u16 LE>: flags bit0 setting, bit1 RAM only (tables.hpp).
WireFrame encode_write_via_id(std::uint8_t letter, bool is_setting, bool ram_only, std::uint8_t id,
                              std::uint16_t raw) noexcept;
/// The older two-frame write: 0x33 (setting id) or 0x32 (RAM var id), then 0x34 with the data.
WireFrame encode_write_setting(std::uint8_t letter, std::uint16_t id) noexcept;
WireFrame encode_write_ram_var(std::uint8_t letter, std::uint16_t id) noexcept;
WireFrame encode_write_data(std::uint8_t letter, std::uint16_t raw) noexcept;
/// 0x05 / 0x06: the unit's firmware version number, low / high word (§4.5; replies 0x82 / 0x83).
WireFrame encode_software_version(std::uint8_t letter, int part) noexcept;
/// 0x0E <action>: 0 inquire, 1 force equalise, 2 force absorption, 3 force float.
WireFrame encode_device_state(std::uint8_t letter, std::uint8_t action) noexcept;

// ---- replies -----------------------------------------------------------------------------------

struct AddressReply {
  bool set = false;
  std::uint8_t address = 0;
};
struct VersionReply {
  std::uint32_t version = 0;
  std::uint8_t mode = 0;  ///< 'B' / 'W', otherwise the current address (mk2.py)
};
struct LedReply {
  std::uint8_t on = 0;
  std::uint8_t blink = 0;
  std::optional<std::uint8_t> alarms;       ///< 4th byte when sent
  std::optional<std::uint8_t> vebus_error;  ///< 5th byte & 0x1F (velib)
};
struct SwitchReply {};
struct LineStateReply {
  std::uint8_t state = 0;
};
/// DC info frame (type 0x20, phase byte 0x0C): raw RAM-var words.
struct DcInfoRaw {
  std::uint8_t device_state = 0;
  std::uint16_t ubat = 0;              ///< RAM var 4
  std::uint32_t inverter_current = 0;  ///< u24, RAM var 5 scale; battery → inverter
  std::uint32_t charger_current = 0;   ///< u24, RAM var 5 scale; charger → battery
  std::uint8_t inverter_period = 0;    ///< RAM var 7
};
/// AC info frame (type 0x20, phase byte 0x05..0x0B).
struct AcInfoRaw {
  std::uint8_t bf_factor = 1;        ///< mains current multiplier (units in parallel)
  std::uint8_t inverter_factor = 1;  ///< inverter current multiplier
  std::uint8_t device_state = 0;
  PhaseInfo phase;
  std::uint16_t mains_u = 0;      ///< RAM var 0
  std::uint16_t mains_i = 0;      ///< RAM var 1, × bf_factor
  std::uint16_t inverter_u = 0;   ///< RAM var 2
  std::uint16_t inverter_i = 0;   ///< RAM var 3, × inverter_factor
  std::uint8_t mains_period = 0;  ///< RAM var 8
};
/// Master config frame (type 0x41, reply to 'F' 5).
struct ConfigInfo {
  std::uint8_t active_input = 0;  ///< bits 0-1: last active AC input (0 = AC-in 1)
  bool limit_overridden_by_panel = false;
  std::uint8_t number_of_inputs = 0;
  bool remote_panel_detected = false;
  std::uint16_t min_limit = 0;     ///< 0.1 A
  std::uint16_t max_limit = 0;     ///< 0.1 A
  std::uint16_t actual_limit = 0;  ///< 0.1 A
  std::uint8_t switch_register = 0;
  /// The remote switch position from the switch register: bit 4 "charge", bit 5 "invert"
  /// (both → On, none → Off). Assumption from the MK2 document's register layout.
  SwitchState switch_state() const noexcept;
};
/// A winmon reply: the echoed letter, the response code and its bytes.
struct WinmonReply {
  std::uint8_t letter = 'W';
  std::uint8_t code = 0;
  Frame<kMaxLength> data;  ///< bytes after the response code
};
struct ResetNotice {};
/// A valid frame we have no decoder for (VE.Bus traffic types 0x21, 0x38, ...), or a host → MK2
/// command ('F', 'V' without data, winmon codes below 0x80) as seen in two-way captures.
struct OtherFrame {
  std::uint8_t type = 0;
  std::uint8_t command = 0;
};

/// The firmware version number from a 0x82 reply: a combined reply carries all 32 bits
/// (`… 58 82 F0 68 28 00 …`), a split one the low word; `high` completes it from 0x83.
std::optional<std::uint32_t> software_version_low(const WinmonReply& w) noexcept;
std::optional<std::uint16_t> software_version_high(const WinmonReply& w) noexcept;
/// The VE.Bus firmware version number as Venus shows it: the number's decimal digits are
/// <product><3-digit version>, and Venus publishes both digit strings read as hex (vebus.csv in
/// ../shared/data: /ProductId 0x2620 "2620", /FirmwareVersion 0x422 "422"). 2620422 → {0x2620,
/// 0x422}. nullopt below 1000 (no product part).
struct VebusIdentity {
  std::int64_t product_id;
  std::int64_t firmware_version;
};
std::optional<VebusIdentity> vebus_identity(std::uint32_t version_number) noexcept;

using Reply = std::variant<AddressReply, VersionReply, LedReply, SwitchReply, LineStateReply,
                           DcInfoRaw, AcInfoRaw, ConfigInfo, WinmonReply, ResetNotice, OtherFrame>;

/// Decodes a checksum-valid frame. Errors: kTruncated / kBadLength when a known frame is too short.
Result<Reply> decode(const Mk2Frame& f) noexcept;

/// Winmon payload helpers. Each checks the code and the length.
/// 0x85: the u16 values, in request order.
Result<Frame<16>> ram_values(const WinmonReply& r) noexcept;  // pairs of bytes → see ram_value()
std::uint16_t ram_value(const Frame<16>& words, std::size_t i) noexcept;
/// 0x8E [+ 0x8F] in the combined (8E s s o o), split (8E s s 8F o o), scale-only and empty forms.
/// Empty or scale 0 → a RamVarInfo with scale 0 (not supported).
Result<RamVarInfo> ram_var_info(const WinmonReply& r) noexcept;
/// 0x89 combined (scale, offset, default, min, max [, access]) or split (89 ss 8A oo 8B dd 8C mm
/// 8D xx). 0x91 → kUnsupported.
Result<SettingInfo> setting_info(const WinmonReply& r) noexcept;
/// 0x86 → raw value; 0x91 → kUnsupported.
Result<std::uint16_t> setting_value(const WinmonReply& r) noexcept;
/// 0x94 → device state and substate.
struct DeviceStateReply {
  std::uint8_t state = 0;
  std::uint8_t substate = 0;
};
Result<DeviceStateReply> device_state(const WinmonReply& r) noexcept;

}  // namespace gxlink::vebus
