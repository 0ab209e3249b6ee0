// SPDX-License-Identifier: MIT
#pragma once
/// Victron VE.Can registers (VREG) over PGN 61184 (0xEF00), priority 7, nmea2000.md §4.1:
///   `66 99 | regId lo hi | value (≤ 4 bytes, little-endian)`
/// `66 99` = manufacturer 358 | reserved 11b | industry 4. Commands are addressed (PS = device),
/// values are broadcast (PS = 0xFF). VREQ = register 0x0001 `{reg, mask}`, VACK = 0x0002
/// `{reg, code}`. canboatjs decodes 61184 as "Victron Battery Register" with an unsigned 32-bit
/// payload, which turns signed registers (0x201C −2.800 A) into 4294964496: we decode with
/// Victron's own types.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace gxlink::nmea2000 {

inline constexpr std::uint32_t kVregPgn = 61184;
inline constexpr std::uint8_t kVregPriority = 7;
inline constexpr std::uint16_t kVregRequest = 0x0001;
inline constexpr std::uint16_t kVregAck = 0x0002;
inline constexpr std::uint16_t kVregConsumedAh =
    0xEEFF;  ///< BMV / Lynx Shunt / Lynx Ion, sn32 0.1 Ah

enum class VregType : std::uint8_t { kUn8, kUn16, kSn16, kUn32, kSn32 };

struct VregDesc {
  std::uint16_t id;
  std::string_view name;
  VregType type;
  double scale;  ///< value = raw × scale, in `unit`
  std::string_view unit;
};

/// The register's descriptor, nullptr for registers we do not know. The 0xEExx range is reused
/// per product family; this table has the battery-monitor meaning (the one the driver uses).
const VregDesc* find_vreg(std::uint16_t id) noexcept;

struct Vreg {
  std::uint16_t id = 0;
  ByteView value;  ///< the bytes after the register id (views the payload)
};

/// Checks the `66 99` Victron prefix and splits off the register id. kUnknownId for another
/// manufacturer's proprietary message, kBadLength below 4 bytes.
Result<Vreg> decode_vreg(ByteView payload) noexcept;

/// The register value in its unit, nullopt when unknown, too short or "not available" (all ones).
std::optional<double> vreg_value(const VregDesc& d, ByteView value) noexcept;

/// VACK codes (nmea2000.md §4.1, Victron `regs_payload.h`); a code with bit 15 set is an error.
inline constexpr std::uint16_t kVackOk = 0x0000;
inline constexpr std::uint16_t kVackUnknownRegister = 0x8000;  ///< ERR_REQ
inline constexpr std::uint16_t kVackCommandFailed = 0x8100;    ///< ERR_CMD (e.g. read-only)
inline constexpr std::uint16_t kVackInvalidValue = 0x8300;     ///< INVALID (out of range)
/// "OK", "unknown register", … ; empty for codes without a name (the caller prints the number).
std::string_view vack_text(std::uint16_t code) noexcept;
inline constexpr bool vack_is_error(std::uint16_t code) noexcept { return (code & 0x8000) != 0; }
/// The addressed VACK a device sends after a VREG command: `66 99 02 00 reg code`.
Frame<8> encode_vack(std::uint16_t reg, std::uint16_t code) noexcept;

/// `66 99 id value… ff` in 8 bytes (the DLC is always 8). `value` ≤ 4 bytes.
Frame<8> encode_vreg(std::uint16_t id, ByteView value) noexcept;
/// VREQ for `id` with `mask` (0xFFFF: just this register).
Frame<8> encode_vreg_request(std::uint16_t id, std::uint16_t mask = 0xFFFF) noexcept;
/// Encodes a value of the register's type (kOutOfRange when it does not fit).
Result<Frame<8>> encode_vreg_value(const VregDesc& d, double value) noexcept;

}  // namespace gxlink::nmea2000
