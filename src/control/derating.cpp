// SPDX-License-Identifier: MIT
#include "control/derating.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::control {

double DerateTable::at(double value) const noexcept {
  if (x.empty() || x.size() != factor.size()) return 1.0;
  if (std::isnan(value)) return factor.front() < factor.back() ? factor.front() : factor.back();
  if (value <= x.front()) return factor.front();
  if (value >= x.back()) return factor.back();
  const auto hi = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), value) - x.begin());
  const std::size_t lo = hi - 1;
  const double w = (value - x[lo]) / (x[hi] - x[lo]);
  return factor[lo] + w * (factor[hi] - factor[lo]);
}

std::string DerateTable::check() const {
  if (x.size() != factor.size()) return "breakpoints and factors differ in length";
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(factor[i])) return "values must be finite";
    if (factor[i] < 0 || factor[i] > 1) return "factors must be in [0, 1]";
    if (i > 0 && !(x[i] > x[i - 1])) return "breakpoints must be strictly increasing";
  }
  return {};
}

}  // namespace gxlink::control
