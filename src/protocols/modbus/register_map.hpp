// SPDX-License-Identifier: MIT
#pragma once
/// The GX register map as data (issue 14 "What to build" 2): rows in the columns of Venus'
/// attributes.csv (venus_os.md §4.1) — service, D-Bus path, D-Bus type, unit, register, Modbus
/// type, scale, R/W — parsed and validated, plus the pure conversions between a model value and
/// its registers (§4.1 scale and word order, §4.2 invalid and overflow), and the unit-id table
/// (§4.2). Sans-I/O: links only core.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gxlink::modbus {

enum class RegisterType : std::uint8_t { kInt16, kUint16, kInt32, kUint32, kUint64, kString };

struct RegisterEntry {
  std::string service_type;  ///< "system", "battery", ... (3rd part of com.victronenergy.<type>)
  std::string path;          ///< "/Dc/0/Voltage"
  char dbus_type = 'd';      ///< y b n q i u x t d s
  std::string unit;          ///< "V", "A", "enum" or empty
  std::uint16_t address = 0;
  RegisterType type = RegisterType::kUint16;
  std::uint16_t count = 1;  ///< registers: 1, 2, 4, or N for string[N]
  double scale = 1;         ///< register = round(value × scale); never 0
  bool writable = false;
  int line = 0;  ///< line in the CSV, for messages

  /// "uint16", "int32", "string[6]"
  std::string type_name() const;
  std::uint32_t last_address() const noexcept { return address + count - 1u; }
};

class RegisterMap {
 public:
  /// Parses the CSV. Blank lines and lines starting with '#' are skipped. Every row must have the
  /// eight columns, a `com.victronenergy.<type>` service, a path starting with '/', a known D-Bus
  /// type and Modbus type (string[1..125] for strings), a finite non-zero scale, R or W (strings
  /// are read-only here), and no two rows may share a register. An error names the line.
  static Result<RegisterMap> parse(std::string_view csv);

  /// The row whose registers include `address`, or nullptr.
  const RegisterEntry* find(std::uint16_t address) const noexcept;
  /// Rows sorted by address.
  std::span<const RegisterEntry> entries() const noexcept { return entries_; }

 private:
  std::vector<RegisterEntry> entries_;
  /// Index into entries_ per register address (-1: unmapped); 64 Ki entries, built once.
  std::vector<std::int32_t> by_address_;
};

/// The map built into gxlink (src/protocols/modbus/gx_register_map.csv, embedded at build time).
std::string_view gx_register_map_csv() noexcept;
/// The parsed built-in map; a broken built-in map throws std::logic_error (a unit test guards it).
const RegisterMap& gx_register_map();

/// How an invalid (not available) value reads (issue 14 "What to build" 4).
enum class InvalidPolicy : std::uint8_t {
  kNotAvailable,  ///< the type's "not available" code: 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, …
  kZero,          ///< 0, as Venus' dbus_modbustcp does (venus#362)
};

/// The "not available" code of a numeric type, as an unsigned bit pattern.
std::uint64_t not_available_code(RegisterType t) noexcept;

/// Writes the `entry.count` registers of a number, high word first (§4.1). `value` is in D-Bus
/// units; nullopt (invalid, missing, not a number, NaN) reads per `policy`. A scaled value beyond
/// the type's range is clamped to MAX−1 (or MIN), so a real value never reads as the
/// not-available code (§4.2, Venus commit 4ac2998). `out` holds `entry.count` registers.
void encode_number(const RegisterEntry& entry, std::optional<double> value, InvalidPolicy policy,
                   std::span<std::uint16_t> out) noexcept;

/// Writes a string as Latin-1, two characters per register, first character in the high byte,
/// padded with 0 (§4.1). `utf8` is valid UTF-8 (the model's strings are); a character beyond
/// Latin-1 becomes '?'. Too long a string is cut.
void encode_string(const RegisterEntry& entry, std::string_view utf8,
                   std::span<std::uint16_t> out) noexcept;

/// The value a write of `registers` (entry.count of them, high word first) stands for, in D-Bus
/// units: the signed or unsigned number ÷ scale.
double decode_registers(const RegisterEntry& entry,
                        std::span<const std::uint16_t> registers) noexcept;

/// Unit id → device instance from Venus' documented table (venus_os.md §4.2, dbus_modbustcp's
/// unitid2di.csv: 100 → 0, 225 → 512, 239 → 288, 246 → 257, 247 → 256, ...); nullopt when the
/// table has no row (the instance is then the unit id itself, venus#170).
std::optional<int> documented_instance(std::uint8_t unit) noexcept;

/// The documented table, for `gxlink modbus-map` and tests: {unit id, device instance}.
struct UnitInstance {
  std::uint8_t unit;
  int instance;
};
std::span<const UnitInstance> documented_unit_ids() noexcept;

}  // namespace gxlink::modbus
