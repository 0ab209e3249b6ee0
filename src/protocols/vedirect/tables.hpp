// SPDX-License-Identifier: MIT
#pragma once
/// VE.Direct tables as data (STYLE.md rule 12): products by PID, the TEXT field dictionary with
/// units, scales and Venus paths per service type, the enumerations, and the HEX register table.
/// Sources: vedirect_vebus.md §1.4-§1.7 (fields, enums), §2.3 (registers); Venus paths from
/// seeds/003_b6eeae514e155336.txt.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocols/vedirect/hex.hpp"

namespace gxlink::vedirect {

/// What a product is, which decides its Venus service type.
enum class ProductClass : std::uint8_t {
  kUnknown,
  kSolarCharger,    ///< BlueSolar/SmartSolar MPPT → solarcharger
  kBatteryMonitor,  ///< BMV-60xS/70x/71x, SmartShunt → battery
  kInverter,        ///< Phoenix inverters → inverter
  kCharger,         ///< Blue Smart / Phoenix Smart AC chargers → charger
  kDcDc,            ///< Orion XS and friends → dcdc
  kMulti,           ///< Multi RS → multi
};

struct ProductInfo {
  std::uint16_t pid;
  std::string_view name;
};

/// The product name for a PID, empty when the table does not know it.
std::string_view product_name(std::uint16_t pid) noexcept;
/// The class of a PID by the ranges of §1.5; kUnknown outside them.
ProductClass product_class(std::uint16_t pid) noexcept;
/// "solarcharger", "battery", "inverter", "charger", "dcdc", "multi"; empty for kUnknown.
std::string_view service_type(ProductClass c) noexcept;
std::span<const ProductInfo> product_table() noexcept;

/// How a TEXT value is written on the wire.
enum class FieldType : std::uint8_t {
  kInt,     ///< signed decimal; "---" = not available
  kHexInt,  ///< "0x..." (OR, PID); strtoul base 0
  kOnOff,   ///< "ON"/"OFF" (also "On"/"Off")
  kString,  ///< text as sent (SER#, BMV, FW, FWE, HC#)
};

/// One TEXT label: its type, the factor from wire units to the Venus (SI) unit, and the Venus path
/// per service type (empty = not published for that type).
struct FieldDesc {
  std::string_view label;
  FieldType type;
  double scale;  ///< venus_value = wire_value * scale
  std::string_view unit;
  int decimals;
  std::string_view description;
  std::string_view solarcharger;
  std::string_view battery;
  std::string_view inverter;
  std::string_view charger;
  std::string_view dcdc;

  std::string_view path_for(ProductClass c) const noexcept;
};

/// Finds a label (case-sensitive, as on the wire); nullptr for unknown labels.
const FieldDesc* find_field(std::string_view label) noexcept;
std::span<const FieldDesc> field_table() noexcept;

// Enumerations (§1.5). Unknown codes give an empty view; callers show the number.
std::string_view charge_state_text(std::int64_t cs) noexcept;    ///< CS, HEX 0x0201
std::string_view error_text(std::int64_t err) noexcept;          ///< ERR, HEX 0xEDDA
std::string_view tracker_mode_text(std::int64_t mppt) noexcept;  ///< MPPT, HEX 0xEDB3
std::string_view monitor_mode_text(std::int64_t mon) noexcept;   ///< MON
std::string_view device_mode_text(std::int64_t mode) noexcept;   ///< MODE, HEX 0x0200
/// OR bits joined with ", " ("No input power, Remote input"); "" for 0.
std::string off_reason_text(std::uint32_t bits);
/// AR / WARN bits joined with ", ".
std::string alarm_reason_text(std::uint32_t bits);

/// AR/WARN bit → Venus alarm path (battery and inverter services, seed 003).
struct AlarmBit {
  std::uint32_t bit;
  std::string_view name;
  std::string_view battery_path;
  std::string_view inverter_path;
};
std::span<const AlarmBit> alarm_bits() noexcept;

// HEX registers (§2.3).
enum class RegType : std::uint8_t { kU8, kU16, kS16, kU32, kS32, kString, kRecord };
enum class Access : std::uint8_t { kConstant, kReadOnly, kReadWrite };

struct RegisterDesc {
  std::uint16_t id;
  std::string_view name;
  RegType type;
  double scale;   ///< value = raw * scale + offset, in `unit`
  double offset;  ///< only 0xEDEC (0.01 K → °C) uses it
  std::string_view unit;
  Access access;
  std::string_view text_label;  ///< the TEXT twin, if any
};

/// Binary search in the id-sorted table; history days 0x1050..0x106E map to one entry.
const RegisterDesc* find_register(std::uint16_t id) noexcept;
std::span<const RegisterDesc> register_table() noexcept;

struct RegisterValue {
  bool available = false;  ///< false for the all-ones "unknown" sentinels (§2.2)
  std::int64_t raw = 0;
  double value = 0;       ///< raw * scale + offset
  std::string_view text;  ///< kString: the NUL-trimmed characters (a view into the input)
};

/// Decodes a register's little-endian value bytes. kBadLength when too short for its type.
Result<RegisterValue> decode_register_value(const RegisterDesc& d, ByteView value) noexcept;
/// Encodes `value` (in the register's unit) for a SET. kOutOfRange when it does not fit the type;
/// kUnsupported for strings and records.
Result<HexPayload> encode_register_value(const RegisterDesc& d, double value) noexcept;

}  // namespace gxlink::vedirect
