// SPDX-License-Identifier: MIT
#pragma once
/// Scaling of VE.Bus RAM variables and settings. The two follow DIFFERENT rules
/// (vedirect_vebus.md §4.7); both come from the unit itself (winmon 0x36 / 0x35), never guessed for
/// a write.
///
/// RAM var info (reply 0x8E scale, 0x8F offset):
///   s = scale as u16; s >= 0x8000 → the value is signed and s = 0x10000 − s;
///   s >= 0x4000 → factor = 1 / (0x8000 − s), else factor = s;
///   value = factor × (raw + offset)  (offset s16).
///   offset == 0x8000 → the variable is a bit: bit (scale − 1) of the raw word.
///   scale == 0 → not supported.
///   Worked: 0x7F9C → 1/100 (UBat raw 5684 → 56.84 V); 0x800A → signed 1/10;
///   0x7857 offset 0x0100 → 1/1961.
/// Setting info (reply 0x89): scale s16; scale < 0 → factor = 1 / −scale, else factor = scale;
///   value = factor × (raw + offset); raw is u16 and must lie in [min, max] (raw units).
///   Worked: scale −100 (0xFF9C) → 0.01: UBatAbsorption 56.00 V ↔ raw 5600 (0x15E0, seed 002).

#include <cstdint>
#include <optional>

#include "core/result.hpp"

namespace gxlink::vebus {

struct RamVarInfo {
  std::uint16_t scale = 0;  ///< as sent
  std::int16_t offset = 0;  ///< as sent (0x8000 → bit variable)

  bool supported() const noexcept { return scale != 0; }
  bool is_bit() const noexcept { return static_cast<std::uint16_t>(offset) == 0x8000; }
  bool is_signed() const noexcept { return !is_bit() && scale >= 0x8000; }
  /// Multiplier applied to (raw + offset); 0 when unsupported or a bit variable.
  double factor() const noexcept;
  /// The physical value of a raw 16-bit word (bit variables give 0.0 / 1.0).
  double to_value(std::uint16_t raw) const noexcept;
  /// Same for wider raw fields (the u24 DC currents of the info frame; never signed).
  double to_value_wide(std::uint32_t raw) const noexcept;
  /// The raw word for a value (for WriteViaID on a RAM var); error when not representable.
  Result<std::uint16_t> to_raw(double value) const;
};

struct SettingInfo {
  std::int16_t scale = 0;
  std::int16_t offset = 0;
  std::uint16_t default_raw = 0;
  std::uint16_t min_raw = 0;
  std::uint16_t max_raw = 0;
  std::optional<std::uint8_t> access_level;

  double factor() const noexcept;
  double to_value(std::uint16_t raw) const noexcept;
  /// Rounds to the nearest raw step; kOutOfRange when outside [min_raw, max_raw], kUnsupported
  /// when the scale is 0.
  Result<std::uint16_t> to_raw(double value) const;
  double min_value() const noexcept { return to_value(min_raw); }
  double max_value() const noexcept { return to_value(max_raw); }
  double default_value() const noexcept { return to_value(default_raw); }
};

/// f = 10 / (factor × (raw + offset)) for the period RAM vars 7 and 8 (time base 0.1 s); raw 0 or
/// 0xFF means "no signal" → 0 Hz (invertergui).
double period_to_hz(const RamVarInfo& info, std::uint16_t raw) noexcept;

}  // namespace gxlink::vebus
