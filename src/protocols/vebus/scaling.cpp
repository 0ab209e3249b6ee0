// SPDX-License-Identifier: MIT
#include "protocols/vebus/scaling.hpp"

#include <cmath>
#include <string>

namespace gxlink::vebus {

double RamVarInfo::factor() const noexcept {
  if (!supported() || is_bit()) return 0.0;
  unsigned s = scale;
  if (s >= 0x8000) s = 0x10000 - s;
  if (s >= 0x4000) return 1.0 / static_cast<double>(0x8000 - s);
  return static_cast<double>(s);
}

double RamVarInfo::to_value(std::uint16_t raw) const noexcept {
  if (!supported()) return 0.0;
  if (is_bit()) {
    const unsigned bit = (scale - 1u) & 0x0F;
    return ((raw >> bit) & 1u) ? 1.0 : 0.0;
  }
  const double r =
      is_signed() ? static_cast<double>(static_cast<std::int16_t>(raw)) : static_cast<double>(raw);
  return factor() * (r + offset);
}

double RamVarInfo::to_value_wide(std::uint32_t raw) const noexcept {
  if (!supported() || is_bit()) return 0.0;
  return factor() * (static_cast<double>(raw) + offset);
}

Result<std::uint16_t> RamVarInfo::to_raw(double value) const {
  if (!supported() || is_bit()) return fail(Errc::kUnsupported, "RAM var has no numeric scale");
  const double r = std::round(value / factor() - offset);
  const double lo = is_signed() ? -32768.0 : 0.0;
  const double hi = is_signed() ? 32767.0 : 65535.0;
  if (!(r >= lo && r <= hi)) return fail(Errc::kOutOfRange, "value does not fit the RAM var");
  return static_cast<std::uint16_t>(static_cast<std::int32_t>(r));
}

double SettingInfo::factor() const noexcept {
  if (scale == 0) return 0.0;
  if (scale < 0) return 1.0 / -static_cast<double>(scale);
  return static_cast<double>(scale);
}

double SettingInfo::to_value(std::uint16_t raw) const noexcept {
  return factor() * (static_cast<double>(raw) + offset);
}

Result<std::uint16_t> SettingInfo::to_raw(double value) const {
  if (scale == 0) return fail(Errc::kUnsupported, "setting has scale 0");
  if (!std::isfinite(value)) return fail(Errc::kOutOfRange, "not a number");
  const double r = std::round(value / factor() - offset);
  if (r < min_raw || r > max_raw)
    return fail(Errc::kOutOfRange, "raw " + std::to_string(static_cast<long long>(r)) +
                                       " outside the unit's range [" + std::to_string(min_raw) +
                                       ", " + std::to_string(max_raw) + "]");
  return static_cast<std::uint16_t>(r);
}

double period_to_hz(const RamVarInfo& info, std::uint16_t raw) noexcept {
  if (raw == 0 || raw == 0xFF || !info.supported()) return 0.0;
  const double t = info.to_value(raw);
  return t > 0 ? 10.0 / t : 0.0;
}

}  // namespace gxlink::vebus
