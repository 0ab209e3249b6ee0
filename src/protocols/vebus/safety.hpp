// SPDX-License-Identifier: MIT
#pragma once
/// Safety rules for VE.Bus writes (DESIGN.md "Safety rules"): a charge voltage is checked against
/// the unit's nominal battery voltage and against bounds no common chemistry goes beyond, before
/// the unit's own min/max (setting info) is even looked at.

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "protocols/vebus/scaling.hpp"
#include "protocols/vebus/tables.hpp"

namespace gxlink::vebus {

/// Nominal battery voltage 12, 24 or 48 V: from the absorption setting's default (14.4 / 28.8 /
/// 57.6 V) when known, else from a measured battery voltage. nullopt when neither fits a class.
std::optional<int> nominal_voltage_from_absorption_default(double default_volts) noexcept;
std::optional<int> nominal_voltage_from_battery(double volts) noexcept;

/// Bounds per 12 V of nominal voltage, wide enough for flooded / AGM / gel lead-acid and LiFePO4
/// (4 cells per 12 V: 13.8–14.6 V absorption, 13.4–13.8 V float), and narrow enough that a typo
/// (70 V on a 48 V bank, 30 V on a 12 V bank) is refused.
struct ChemistryBounds {
  double absorption_min = 13.0;
  double absorption_max = 15.0;  ///< flooded lead-acid equalise-free maximum
  double float_min = 12.8;
  double float_max = 14.2;
};

/// Checks a charge/float voltage for the unit. Errc::kRefused with a sentence when it is unsafe.
/// `other_voltage`: the current float (when setting absorption) or absorption (when setting float),
/// so that float never ends above absorption.
Result<double> check_voltage_setting(SettingKind kind, double volts, std::optional<int> nominal,
                                     std::optional<double> other_voltage,
                                     const ChemistryBounds& bounds = {});

/// Checks an input current limit against the unit's own min/max (config frame, 0.1 A units).
Result<double> check_current_limit(double amps, double min_amps, double max_amps);

}  // namespace gxlink::vebus
