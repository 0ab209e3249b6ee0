// SPDX-License-Identifier: MIT
#pragma once
/// CAN-bus BMS frames ↔ typed messages (seeds/001 §2-§3). Pure, noexcept, no heap per frame.
///
/// Conventions (seeds/001 §2 and its notes):
///  - all numbers little-endian, except the 0x35F firmware version (big-endian, "MSB first");
///  - CCL and DCL are unsigned (up to 6553.5 A); battery current is signed (negative = discharge);
///  - a field that does not fit in a short frame (DLC < 8) is "not available" (nullopt);
///  - sentinels become nullopt in one place each: 0xFFFF for unsigned 16-bit fields, 0x0000/0xFFFF
///    for 0x373 ("send either 0x0000, 0xFFFF"), 0x35F capacity 0 ("set to zero if unused"),
///    0x351 discharge voltage 0 (not sent by most batteries; seeds/001 §5.2 shows it as "--");
///  - out-of-range values (SOC/SOH > 100 %, a negative battery voltage) are nullopt, never a
///  number.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "core/can_frame.hpp"
#include "core/result.hpp"
#include "protocols/canbms/tables.hpp"

namespace gxlink::canbms {

/// One 2-bit alarm/warning pair of 0x35A, read as `(byte >> shift) & 3` (seeds/001 §2 0x35A table).
enum class PairState : std::uint8_t {
  kNotSupported = 0,   ///< 00
  kActive = 1,         ///< 01
  kOk = 2,             ///< 10
  kNotSupported3 = 3,  ///< 11, also "not supported"
};
const char* to_string(PairState s) noexcept;
inline bool is_supported(PairState s) noexcept {
  return s == PairState::kActive || s == PairState::kOk;
}

/// Up to 8 characters of 7-bit ASCII (seeds/001: 0x35E, 0x370/0x371, 0x374-0x377, 0x380-0x382).
struct Text8 {
  std::array<char, 8> chars{};
  std::uint8_t len = 0;

  std::string_view view() const noexcept { return {chars.data(), len}; }
  /// Keeps printable 7-bit ASCII (0x20..0x7E) up to 8 characters; "unprintable characters will be
  /// ignored" and zero padding is dropped (seeds/001 0x374-0x377 notes).
  static Text8 from_wire(ByteView b) noexcept;
  /// Truncates to 8 characters and replaces anything outside 7-bit printable ASCII with '?'.
  static Text8 from_text(std::string_view s) noexcept;
  friend bool operator==(const Text8& a, const Text8& b) noexcept { return a.view() == b.view(); }
};

/// 0x351: the only message that controls charging (seeds/001 §2, 0x35A notes).
struct Limits {
  double charge_voltage_v = 0;                ///< CVL, un16 × 0.1 V
  double charge_current_a = 0;                ///< CCL, un16 × 0.1 A (unsigned: up to 6553.5 A)
  double discharge_current_a = 0;             ///< DCL, un16 × 0.1 A
  std::optional<double> discharge_voltage_v;  ///< un16 × 0.1 V; "not used (yet)" by Victron
  friend bool operator==(const Limits&, const Limits&) = default;
};

/// 0x355.
struct Soc {
  std::optional<double> soc_pct;  ///< un16 × 1 %
  std::optional<double> soh_pct;  ///< un16 × 1 %
  std::optional<double>
      soc_hires_pct;  ///< un16 × 0.01 % (optional; "not supported (yet)" by Victron)
  friend bool operator==(const Soc&, const Soc&) = default;
};

/// 0x356.
struct DcStatus {
  std::optional<double> voltage_v;      ///< sn16 × 0.01 V
  std::optional<double> current_a;      ///< sn16 × 0.1 A, negative = discharge
  std::optional<double> temperature_c;  ///< sn16 × 0.1 °C
  friend bool operator==(const DcStatus&, const DcStatus&) = default;
};

/// 0x35A: 13 alarm pairs in bytes 0-3, the same warnings in bytes 4-7. Missing bytes read as 00.
struct Alarms {
  std::array<std::uint8_t, 8> bytes{};
  std::uint8_t len = 8;

  PairState pair(std::size_t byte, unsigned shift) const noexcept {
    return byte < len ? static_cast<PairState>((bytes[byte] >> shift) & 3u)
                      : PairState::kNotSupported;
  }
  PairState alarm(const AlarmInfo& a) const noexcept { return pair(a.byte, a.shift); }
  PairState warning(const AlarmInfo& a) const noexcept { return pair(a.byte + 4u, a.shift); }
  void set(std::size_t byte, unsigned shift, PairState s) noexcept {
    bytes[byte] = static_cast<std::uint8_t>((bytes[byte] & ~(3u << shift)) |
                                            (static_cast<unsigned>(s) << shift));
  }
  /// Venus /Alarms/* value for one pair: 2 = alarm, 1 = warning, 0 = OK, nullopt when neither the
  /// alarm nor the warning is supported by the battery.
  std::optional<int> venus_level(const AlarmInfo& a) const noexcept;
  friend bool operator==(const Alarms& a, const Alarms& b) noexcept;
};

/// 0x35E, 0x370, 0x371, 0x374-0x377, 0x380-0x382: which one is in `id`.
struct TextMessage {
  std::uint32_t id = 0;
  Text8 text;
  friend bool operator==(const TextMessage&, const TextMessage&) = default;
};

/// 0x35F.
struct BatteryInfo {
  std::optional<std::uint16_t> model;        ///< un16 LE; "not implemented, ambiguously used"
  std::optional<std::uint16_t> firmware;     ///< un16 big-endian
  std::optional<double> online_capacity_ah;  ///< un16 LE; 0 = unused
  friend bool operator==(const BatteryInfo&, const BatteryInfo&) = default;
};

/// 0x360: 0xFF in byte 0 forces charging; "any other value" does not.
struct ForceCharge {
  bool requested = false;
  friend bool operator==(const ForceCharge&, const ForceCharge&) = default;
};

/// 0x372; 0xFFFF = "not supported".
struct Modules {
  std::optional<std::uint16_t> ok, blocking_charge, blocking_discharge, offline;
  friend bool operator==(const Modules&, const Modules&) = default;
};

/// 0x373: cell voltages in mV and temperatures in Kelvin on the wire.
struct CellExtremes {
  std::optional<double> min_cell_voltage_v, max_cell_voltage_v;
  std::optional<double> min_cell_temperature_c, max_cell_temperature_c;
  friend bool operator==(const CellExtremes&, const CellExtremes&) = default;
};

/// 0x378: un32 × 100 Wh each, carried here in kWh (Venus' unit for energy).
struct Energy {
  std::optional<double> charged_kwh, discharged_kwh;
  friend bool operator==(const Energy&, const Energy&) = default;
};

/// 0x379.
struct InstalledCapacity {
  std::optional<double> capacity_ah;
  friend bool operator==(const InstalledCapacity&, const InstalledCapacity&) = default;
};

/// 0x305 / 0x306: the inverter's keepalive (8 zero bytes from a GX).
struct Keepalive {
  std::uint32_t id = kIdKeepalive;
  friend bool operator==(const Keepalive&, const Keepalive&) = default;
};

/// 0x307: `12 34 56 78 'V' 'I' 'C' 00`; `victron` when bytes 4-6 spell VIC.
struct InverterId {
  bool victron = true;
  friend bool operator==(const InverterId&, const InverterId&) = default;
};

/// 0x359, 0x35B, 0x35C: frames that batteries in the field send; kept raw, never acted on.
struct Tolerated {
  CanFrame frame;
  friend bool operator==(const Tolerated&, const Tolerated&) = default;
};

using Message =
    std::variant<Limits, Soc, DcStatus, Alarms, TextMessage, BatteryInfo, ForceCharge, Modules,
                 CellExtremes, Energy, InstalledCapacity, Keepalive, InverterId, Tolerated>;

/// Decodes one frame. Errors: kUnknownId (id not in kMessages), kUnsupported (29-bit id or RTR;
/// the protocol is CAN 2.0A data frames, seeds/001 §1.2), kBadLength (DLC below the message's
/// minimum, with the reason in `detail`).
Result<Message> decode(const CanFrame& f) noexcept;

/// The identifier a message goes out on.
std::uint32_t message_id(const Message& m) noexcept;

/// Encodes a message as an 8-byte standard frame (0x35A keeps its length; Tolerated is sent as it
/// came). Values are rounded to the wire scale and clamped to the field's range; nullopt becomes
/// the field's "not available" encoding, so decode(encode(m)) == m for every decodable m.
CanFrame encode(const Message& m) noexcept;

/// The battery name per seeds/001 FAQ Q2: 0x370+0x371 if present, else 0x35E (replaced by a
/// readable name when kKnownManufacturers knows it), else "CAN-bus BMS battery".
std::string_view battery_name(std::string_view name_370_371, std::string_view manufacturer,
                              std::string_view fallback = kDefaultBatteryName) noexcept;

}  // namespace gxlink::canbms
