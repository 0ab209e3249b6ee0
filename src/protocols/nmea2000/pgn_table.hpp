// SPDX-License-Identifier: MIT
#pragma once
/// The PGN table: one descriptor per PGN (and per variant of a shared PGN such as 126208 or the
/// proprietary 61184), with canboat's field names, bit layout, resolution, SI unit, signedness and
/// lookups (nmea2000.md §2). Tables are data (STYLE.md rule 12); one generic codec reads them.

#include <cstdint>
#include <span>
#include <string_view>

namespace gxlink::nmea2000 {

struct LookupEntry {
  std::uint32_t value;
  std::string_view name;
};

struct Lookup {
  std::string_view name;
  std::span<const LookupEntry> entries;
  /// The name for `v`, empty when the table has none.
  constexpr std::string_view find(std::uint64_t v) const noexcept {
    for (const auto& e : entries)
      if (e.value == v) return e.name;
    return {};
  }
};

enum class FieldType : std::uint8_t {
  kNumber,     ///< raw * resolution + offset, in SI
  kDuration,   ///< seconds (canboatjs prints "HH:MM:SS"; we keep SI seconds); also canboat TIME
  kDate,       ///< days since 1970-01-01, printed as canboat does ("YYYY.MM.DD")
  kLookup,     ///< enum name from a Lookup
  kPgn,        ///< a 24-bit PGN number
  kStringFix,  ///< fixed-width text, padded with 0xFF / 0x00 / '@' / spaces
  kReserved,   ///< bits that shall be 1; never printed
  kSpare,      ///< bits that shall be 0; never printed
  kBinary,     ///< opaque bytes, printed as hex
  kStringLau,  ///< variable: length byte (counting itself and the next), control byte (0 UTF-16LE,
               ///< 1 ASCII/UTF-8), text (canboat STRING_LAU)
  kStringLz,   ///< variable: length byte, text, terminating zero (canboat STRING_LZ)
  kBitLookup,  ///< each set bit is a name from a Lookup whose values are bit numbers
  kIsoName,    ///< a 64-bit ISO NAME as one number (its subfields are PGN 60928's)
  kFloat,      ///< IEEE-754 single precision, little-endian (canboat FLOAT)
  kDecimal,    ///< binary-coded decimal, two digits a byte, first byte most significant
};

/// The bit offset of a field that follows a variable-length one: it starts where the previous
/// field ended in this payload.
inline constexpr std::uint16_t kAfterPrevious = 0xFFFF;

struct Field {
  std::string_view name;  ///< canboat "Name" (what canboat -json and canboatjs print)
  std::string_view id;    ///< canboat camelCase "Id"
  std::uint16_t bit_offset = 0;  ///< or kAfterPrevious
  std::uint16_t bits = 0;        ///< 0 for variable-length strings
  bool is_signed = false;
  double resolution = 1;
  double offset = 0;
  std::string_view unit;  ///< SI unit after scaling ("V", "A", "K", "s", "Hz", "W", "%")
  FieldType type = FieldType::kNumber;
  const Lookup* lookup = nullptr;
  std::int64_t match = -1;  ///< this value selects the variant (function code, manufacturer)
  /// Every raw value is a value: identifiers such as the ISO NAME fields have no "not available"
  /// or "out of range" codes (Device Instance Lower 7 is instance 7, not "unknown").
  bool plain = false;
};

struct PgnDesc {
  std::uint32_t pgn = 0;
  std::string_view id;
  std::string_view description;
  bool fast = false;             ///< fast-packet transport (from the table, never from length)
  std::uint8_t priority = 6;     ///< default priority for sending
  std::uint16_t min_length = 0;  ///< shorter payloads are rejected
  std::uint16_t length = 0;      ///< nominal length (0 = variable)
  std::span<const Field> fields;
  std::uint8_t repeat_size = 0;         ///< fields at the end that repeat
  std::uint8_t repeat_count_field = 0;  ///< 1-based index of the field holding the count; 0:
                                        ///< the set repeats to the end of the payload
  std::uint32_t interval_ms = 0;        ///< nominal broadcast interval (0 = on request)
};

/// The hand-written descriptors, sorted by PGN; variants of one PGN are consecutive, specific
/// ones first. They take precedence over the ones generated from canboat's database
/// (pgn_table_canboat.hpp) for every PGN they cover: they carry what we verified against devices
/// (plain NAME fields, Victron's proprietary variants).
std::span<const PgnDesc> pgn_table() noexcept;

/// The descriptor for `pgn` whose match fields fit `payload` (nullptr when unknown): the
/// hand-written table first, then canboat's.
const PgnDesc* find_pgn(std::uint32_t pgn, std::span<const std::uint8_t> payload) noexcept;
/// The first descriptor for `pgn` (for encoding by PGN number), nullptr when unknown.
const PgnDesc* find_pgn(std::uint32_t pgn) noexcept;
/// The descriptor with this canboat id ("batteryStatus"), nullptr when unknown.
const PgnDesc* find_pgn_by_id(std::string_view id) noexcept;

/// Whether `pgn` uses the fast-packet transport. Driven by the table plus the NMEA 2000 ranges
/// that are fast by definition (0x1ED00–0x1EE00 and the proprietary 0x1EF00, 0x1FF00–0x1FFFF
/// are decided per manufacturer; we follow canboat's list for the ones we know).
bool is_fast_packet(std::uint32_t pgn) noexcept;

/// Lookups shared with drivers.
extern const Lookup kDcSourceLookup;
extern const Lookup kChargerStateLookup;
extern const Lookup kInverterStateLookup;
extern const Lookup kManufacturerLookup;

}  // namespace gxlink::nmea2000
