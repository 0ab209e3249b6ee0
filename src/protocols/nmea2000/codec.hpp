// SPDX-License-Identifier: MIT
#pragma once
/// The generic table-driven codec (canboat style: one bit extractor, one sentinel rule).
///
/// decode(): payload of a whole message (after fast-packet/BAM reassembly) → field values in SI.
/// encode(): field values by canboat id → payload. Both are noexcept and allocation-free apart
/// from the caller's reusable `Decoded::fields` vector.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "protocols/nmea2000/pgn_table.hpp"

namespace gxlink::nmea2000 {

enum class ValueState : std::uint8_t {
  kValue,       ///< a valid value
  kUnknown,     ///< "not available" (all ones)
  kOutOfRange,  ///< the sender's error indication (max − 1)
  kMissing,     ///< the payload ended before the field (short 127506 and the like)
};

/// "Not available" rules in one place (canboat fieldtypes.yaml NUMBER, nmea2000.md §1.2):
/// fields of ≥ 2 bits use their highest value for unknown; fields whose maximum is ≥ 7 use
/// max − 1 for "out of range"; signed fields use the highest positive values. A lookup is unknown
/// only at max when the lookup has no name for it.
ValueState classify_raw(const Field& f, std::uint64_t raw) noexcept;

struct FieldValue {
  const Field* field = nullptr;
  std::uint16_t repeat = 0;  ///< 0 outside a repeating set, else 1-based repetition
  ValueState state = ValueState::kValue;
  std::uint64_t raw = 0;
  double value = 0;       ///< SI value for numbers and durations; raw for lookups and PGNs
  std::string_view text;  ///< lookup name, string content (views the payload) or empty

  bool valid() const noexcept { return state == ValueState::kValue; }
};

struct Decoded {
  const PgnDesc* desc = nullptr;
  std::vector<FieldValue> fields;  ///< printable fields in order (reserved bits omitted)
  /// Text converted while decoding (STRING_LAU in UTF-16): field texts may view it. Fixed-size,
  /// so views stay valid; a 223-byte payload needs at most 1.5 bytes of UTF-8 per byte.
  std::array<char, 384> converted{};
  std::size_t converted_used = 0;

  /// The first field with this canboat id (in repetition `repeat`), nullptr when absent.
  const FieldValue* find(std::string_view id, std::uint16_t repeat = 0) const noexcept;
  /// The valid numeric value of a field, nullopt when absent or not available.
  std::optional<double> number(std::string_view id, std::uint16_t repeat = 0) const noexcept;
  /// The raw value of a valid field.
  std::optional<std::uint64_t> raw(std::string_view id, std::uint16_t repeat = 0) const noexcept;
};

/// Decodes a whole message. Errors: kUnknownId (PGN not in the table or no variant matches),
/// kBadLength (shorter than the PGN's minimum). `out` is cleared first; its strings view `payload`.
Result<void> decode(std::uint32_t pgn, ByteView payload, Decoded& out) noexcept;

/// One value to encode, by canboat id. Fields not given are sent as "unknown" (numbers, lookups),
/// reserved bits as 1, spare bits as 0.
struct FieldInput {
  std::string_view id;
  double value = 0;  ///< SI value (numbers, durations) or raw value (lookups, PGNs)
  std::uint16_t repeat = 0;
};

/// Encodes into `out` (which must hold the PGN's nominal length or 223 bytes for variable ones)
/// and returns the length used. kOutOfRange when a value does not fit its field (the sentinels
/// are not valid values), kUnknownId for an unknown field id.
Result<std::size_t> encode(const PgnDesc& d, std::span<const FieldInput> values,
                           MutableByteView out, std::uint16_t repeats = 0) noexcept;

/// 126208 Write Fields (function code 5) to a non-proprietary PGN: sets each `(field index, raw
/// value)` pair. The value width is the target field's width (1-based index into the target PGN's
/// table); used to change a device's data instance (seed 000 Q23).
struct FieldWrite {
  std::uint8_t field_index;  ///< 1-based, as canboat numbers fields
  std::uint64_t raw;
};
Result<std::size_t> encode_write_fields(std::uint32_t target_pgn,
                                        std::span<const FieldWrite> selection,
                                        std::span<const FieldWrite> writes,
                                        MutableByteView out) noexcept;

/// 126208 Acknowledge (function code 2, nmea2000.md §2 `nmeaAcknowledgeGroupFunction`): the
/// answer to a Request/Command/Write Fields for `target_pgn`. `pgn_error` is a PGN_ERROR_CODE
/// (0 Acknowledge), `interval_error` a TRANSMISSION_INTERVAL code, `parameter_errors` one
/// PARAMETER_FIELD code (4 bits) per parameter of the command. Returns the length used in `out`
/// (≥ 6 + ceil(n/2) bytes); kOutOfRange for codes above 15 or more than 32 parameters.
Result<std::size_t> encode_acknowledge(std::uint32_t target_pgn, std::uint8_t pgn_error,
                                       std::uint8_t interval_error,
                                       std::span<const std::uint8_t> parameter_errors,
                                       MutableByteView out) noexcept;

/// The parameter pairs of a 126208 Write/Read Fields (reply) or Command/Request message.
struct GroupFunctionPair {
  std::uint8_t field_index;
  std::uint64_t raw;
};
struct GroupFunction {
  std::uint8_t function = 0;
  std::uint32_t pgn = 0;
  std::vector<GroupFunctionPair> selection;
  std::vector<GroupFunctionPair> parameters;
};
/// Parses 126208 including the variable-width parameter values (widths from the target PGN's
/// table; a target we do not know cannot be parsed: kUnknownId).
Result<GroupFunction> decode_group_function(ByteView payload) noexcept;

}  // namespace gxlink::nmea2000
