// SPDX-License-Identifier: MIT
#include "sim/ess/pack.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::sim::ess {

double OcvCurve::at(double s) const noexcept {
  if (s <= soc.front()) return volts.front();
  if (s >= soc.back()) return volts.back();
  const auto hi =
      static_cast<std::size_t>(std::upper_bound(soc.begin(), soc.end(), s) - soc.begin());
  const std::size_t lo = hi - 1;
  return volts[lo] + (s - soc[lo]) / (soc[hi] - soc[lo]) * (volts[hi] - volts[lo]);
}

double OcvCurve::integral(double a, double b) const noexcept {
  if (a == b) return 0;
  if (a > b) return -integral(b, a);
  // Trapezoids between a, every breakpoint inside (a, b), and b: exact for a linear interpolant.
  double sum = 0, x = a, y = at(a);
  for (std::size_t i = 0; i < soc.size(); ++i) {
    if (soc[i] <= a) continue;
    if (soc[i] >= b) break;
    sum += (soc[i] - x) * (volts[i] + y) / 2;
    x = soc[i];
    y = volts[i];
  }
  return sum + (b - x) * (at(b) + y) / 2;
}

double OcvCurve::soc_at(double v) const noexcept {
  if (v <= volts.front()) return soc.front();
  for (std::size_t i = 1; i < soc.size(); ++i)
    if (volts[i] >= v)
      return soc[i - 1] + (v - volts[i - 1]) / (volts[i] - volts[i - 1]) * (soc[i] - soc[i - 1]);
  return soc.back();
}

const OcvCurve& ocv_curve(control::Chemistry c) noexcept {
  // Shapes of typical cells, not of one datasheet: LFP is flat from 15 % to 95 % and rises
  // steeply in the last percent (the "knee" that makes imbalance visible only at the top); NMC
  // rises steadily. Beyond 100 % both climb fast, so an overcharge reaches the trip voltage.
  static const OcvCurve kLfp{{0.00, 0.03, 0.08, 0.15, 0.30, 0.50, 0.70, 0.85, 0.92, 0.95, 0.97,
                              0.985, 0.993, 0.998, 1.000, 1.004, 1.008, 1.02},
                             {2.50, 2.95, 3.15, 3.22, 3.27, 3.29, 3.31, 3.33, 3.34, 3.35, 3.37,
                              3.40, 3.45, 3.52, 3.56, 3.65, 3.80, 4.20}};
  static const OcvCurve kNmc{{0.00, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90,
                              0.95, 1.00, 1.005, 1.01, 1.03},
                             {3.00, 3.30, 3.45, 3.55, 3.62, 3.67, 3.73, 3.80, 3.88, 3.96, 4.06,
                              4.12, 4.18, 4.22, 4.28, 4.45}};
  return c == control::Chemistry::kLfp ? kLfp : kNmc;
}

CellLimits cell_limits(control::Chemistry c) noexcept {
  if (c == control::Chemistry::kLfp) return {3.65, 2.50, 3.2, 3.45};
  return {4.25, 3.00, 3.6, 4.10};
}

Pack::Pack(const PackParams& p) : curve_(ocv_curve(p.chemistry)), p_(p) {
  const auto n = static_cast<std::size_t>(p.cells);
  soc_.assign(n, p.initial_soc);
  cap_ah_.resize(n);
  r_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    // A fixed, deterministic spread: cells ordered by a stride so neighbours differ.
    const double u = n > 1 ? static_cast<double>((i * 7) % n) / static_cast<double>(n - 1) : 0.5;
    cap_ah_[i] = p.capacity_ah * (1 + p.capacity_spread * (2 * u - 1));
    r_[i] = p.r_cell_ohm * (1 + 0.1 * (1 - 2 * u));
    r_total_ += r_[i];
  }
  if (p.imbalance_mv > 0) {
    const double float_v = control::defaults_for(p.chemistry, p.cells).cell_float_v;
    const double s_float = curve_.soc_at(float_v);
    const double s_high = std::min(1.0, curve_.soc_at(float_v + p.imbalance_mv / 1000));
    imbalance_soc_ = std::max(0.0, s_high - s_float);
    auto& high = soc_[n / 2];
    high = std::min(1.0, high + imbalance_soc_);
  }
}

double Pack::ocv_sum() const noexcept {
  double e = 0;
  for (double s : soc_) e += curve_.at(s);
  return e;
}

double Pack::cell_v(int i, double current_a) const noexcept {
  const auto k = static_cast<std::size_t>(i);
  return curve_.at(soc_[k]) + current_a * r_[k];
}

double Pack::soc_pct() const noexcept {
  double q = 0, c = 0;
  for (std::size_t i = 0; i < soc_.size(); ++i) {
    q += soc_[i] * cap_ah_[i];
    c += cap_ah_[i];
  }
  return 100 * q / c;
}

Pack::StepEnergy Pack::step(double current_a, double dt_s) noexcept {
  StepEnergy e;
  double v_min = 1e9;
  for (int i = 0; i < cells(); ++i) v_min = std::min(v_min, cell_v(i, current_a));
  for (std::size_t i = 0; i < soc_.size(); ++i) {
    const double ocv = curve_.at(soc_[i]);
    const double v = ocv + current_a * r_[i];
    const bool bleed =
        p_.balancer_a > 0 && v > p_.balance_start_v && v - v_min > p_.balance_delta_v;
    const double i_bal = bleed ? p_.balancer_a : 0;
    e.through_ocv_j += ocv * current_a * dt_s;
    e.balancer_j += ocv * i_bal * dt_s;
    e.resistive_j += current_a * current_a * r_[i] * dt_s;
    soc_[i] += (current_a - i_bal) * dt_s / 3600 / cap_ah_[i];
    soc_[i] = std::max(soc_[i], 0.0);
  }
  return e;
}

double Pack::stored_j(const std::vector<double>& reference_soc) const noexcept {
  double j = 0;
  for (std::size_t i = 0; i < soc_.size(); ++i)
    j += curve_.integral(reference_soc[i], soc_[i]) * cap_ah_[i] * 3600;
  return j;
}

}  // namespace gxlink::sim::ess
