// SPDX-License-Identifier: MIT
#pragma once
/// VE.Direct TEXT codec: strict value parsing by the field dictionary, the two-block dataset merge
/// (BMV/SmartShunt/newer MPPTs, vedirect_vebus.md §1.6), the BMV-60xS variant (§1.7), firmware
/// version helpers, and the block encoder used by simulators and tests.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "protocols/vedirect/framer.hpp"
#include "protocols/vedirect/tables.hpp"

namespace gxlink::vedirect {

/// Strict signed decimal: optional '-' then digits only, fits int64. nullopt otherwise.
std::optional<std::int64_t> parse_decimal(std::string_view s) noexcept;
/// "0x..." hex or plain decimal (strtoul base 0 without its leniency). nullopt otherwise.
std::optional<std::uint32_t> parse_base0(std::string_view s) noexcept;

enum class ValueKind : std::uint8_t { kNumber, kText, kNotAvailable };

/// A field value in Venus units: `value = raw * scale` for numbers, `text` for strings.
struct FieldValue {
  ValueKind kind = ValueKind::kNotAvailable;
  std::int64_t raw = 0;
  double value = 0;
  std::string_view text;  ///< view of the input for kText
};

/// Parses `value` as field `d` says. "---" gives kNotAvailable (§1.4: SOC, CE, T); so does TTG -1
/// (infinite: not discharging). kBadFormat for anything that is not the field's syntax, so a
/// damaged digit never turns into a number (KinDR007 #211).
Result<FieldValue> parse_field(const FieldDesc& d, std::string_view value) noexcept;

/// Firmware version as Venus shows it (0x0139 for "139", 0x0308 for "0308", 0x0342 for FWE
/// "0342FF"): the digits are the hex nibbles of the version. nullopt when not hex digits.
std::optional<std::int64_t> parse_firmware(std::string_view fw, bool fwe) noexcept;

/// Merged fields of a device across its blocks (§1.6: BMV/SmartShunt send a main block and a
/// history block; newer MPPTs split theirs in two). Later blocks overwrite earlier values; order
/// of first appearance is kept. The identity (PID, or the BMV-60xS "BMV" label without PID) is
/// known once any block carried it.
///
/// Bounded: at most kMaxDatasetFields labels. A real device repeats its labels every block or
/// two, so a label that has not come for kStaleBlocks blocks (a damaged block whose checksum
/// happened to match, a device that printed a one-off label) gives its place to a new one; when
/// every place is fresh, the new label is dropped and counted. Months on a noisy line therefore
/// neither grow memory nor push out the device's real fields.
inline constexpr std::size_t kMaxDatasetFields = 2 * kMaxFields;
inline constexpr std::uint64_t kStaleBlocks = 16;

class Dataset {
 public:
  /// Merges a validated block.
  void merge(const TextBlock& block);
  void clear() {
    fields_.clear();
    seen_.clear();
  }
  /// Labels dropped because the dataset was full of fresh ones.
  std::uint64_t dropped() const noexcept { return dropped_; }
  const std::string* get(std::string_view label) const noexcept;
  const std::vector<std::pair<std::string, std::string>>& fields() const noexcept {
    return fields_;
  }

  /// PID from the "PID" field, if present and well-formed.
  std::optional<std::uint16_t> pid() const noexcept;
  /// True for the BMV-60xS text variant: a "BMV" label ("600S", "602S") and no "PID" (§1.7).
  bool is_bmv60x() const noexcept;
  /// Enough to create a device: a PID or a BMV-60xS.
  bool has_identity() const noexcept { return pid().has_value() || is_bmv60x(); }
  /// The product class: by PID, or battery monitor for the BMV-60xS.
  ProductClass product_class() const noexcept;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<std::uint64_t> seen_;  ///< per field: the block count when it last came
  std::uint64_t blocks_ = 0;
  std::uint64_t dropped_ = 0;
};

/// Encodes one TEXT block: for each field "\r\n<label>\t<value>", then "\r\nChecksum\t" and the
/// byte that makes the block sum to 0 mod 256.
std::string encode_text_block(std::span<const std::pair<std::string, std::string>> fields);

}  // namespace gxlink::vedirect
