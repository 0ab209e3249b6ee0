// SPDX-License-Identifier: MIT
#include "protocols/vebus/safety.hpp"

#include <cmath>
#include <cstdio>

namespace gxlink::vebus {
namespace {

std::string fmt_v(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f V", v);
  return b;
}

}  // namespace

std::optional<int> nominal_voltage_from_absorption_default(double v) noexcept {
  if (v >= 12.0 && v <= 17.0) return 12;
  if (v >= 24.0 && v <= 34.0) return 24;
  if (v >= 48.0 && v <= 68.0) return 48;
  return std::nullopt;
}

std::optional<int> nominal_voltage_from_battery(double v) noexcept {
  if (v >= 9.0 && v <= 17.0) return 12;
  if (v >= 18.0 && v <= 34.0) return 24;
  if (v >= 36.0 && v <= 68.0) return 48;
  return std::nullopt;
}

Result<double> check_voltage_setting(SettingKind kind, double volts, std::optional<int> nominal,
                                     std::optional<double> other, const ChemistryBounds& b) {
  if (!std::isfinite(volts)) return fail(Errc::kRefused, "not a number");
  if (kind != SettingKind::kChargeVoltage && kind != SettingKind::kFloatVoltage)
    return fail(Errc::kRefused, "not a charge voltage setting");
  if (!nominal)
    return fail(Errc::kRefused,
                "the unit's nominal battery voltage (12/24/48 V) is not known; refusing to write");
  const double k = *nominal / 12.0;
  const bool abs = kind == SettingKind::kChargeVoltage;
  const double lo = (abs ? b.absorption_min : b.float_min) * k;
  const double hi = (abs ? b.absorption_max : b.float_max) * k;
  if (volts < lo || volts > hi)
    return fail(Errc::kRefused, std::string(abs ? "absorption " : "float ") + fmt_v(volts) +
                                    " is outside " + fmt_v(lo) + " .. " + fmt_v(hi) + " for a " +
                                    std::to_string(*nominal) + " V battery");
  if (other) {
    if (abs && volts < *other)
      return fail(Errc::kRefused,
                  "absorption " + fmt_v(volts) + " would be below float " + fmt_v(*other));
    if (!abs && volts > *other)
      return fail(Errc::kRefused,
                  "float " + fmt_v(volts) + " would be above absorption " + fmt_v(*other));
  }
  return volts;
}

Result<double> check_current_limit(double amps, double min_amps, double max_amps) {
  if (!std::isfinite(amps)) return fail(Errc::kRefused, "not a number");
  if (amps < min_amps || amps > max_amps) {
    char b[128];
    std::snprintf(b, sizeof b, "input current limit %.1f A is outside the unit's %.1f .. %.1f A",
                  amps, min_amps, max_amps);
    return fail(Errc::kRefused, b);
  }
  return amps;
}

}  // namespace gxlink::vebus
