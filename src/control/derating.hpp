// SPDX-License-Identifier: MIT
#pragma once
/// Derating tables: a factor (0..1) of the maximum charge or discharge current as a function of one
/// measured quantity (temperature, SOC, cell voltage), linearly interpolated between points and
/// held flat beyond the first and last point (the tables of reference/canbms_canopen.md §1.4, as
/// data).

#include <string>
#include <vector>

namespace gxlink::control {

struct DerateTable {
  std::vector<double> x;       ///< strictly increasing breakpoints (°C, %, V)
  std::vector<double> factor;  ///< one factor per breakpoint, each in [0, 1]

  /// The factor at `value`; 1 for an empty table (no derating configured).
  double at(double value) const noexcept;
  /// "" if the table is usable, else what is wrong with it.
  std::string check() const;
};

}  // namespace gxlink::control
