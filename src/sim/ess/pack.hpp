// SPDX-License-Identifier: MIT
#pragma once
/// A series pack of N cells for the ESS simulator: per cell an open-circuit-voltage curve of its
/// chemistry, an internal resistance, its own capacity (a fixed spread), its own state of charge
/// (one cell may start ahead: the imbalance of seeds/001 §1.5.3.2) and a passive balancer that
/// bleeds the high cells at the top of charge.

#include <vector>

#include "control/charge_controller.hpp"

namespace gxlink::sim::ess {

/// OCV (V) against state of charge (0..1, a little beyond 1 so overcharge shows as a steep rise
/// instead of a clamp), linearly interpolated.
struct OcvCurve {
  std::vector<double> soc, volts;
  double at(double s) const noexcept;
  /// ∫ OCV d(soc) from a to b, exactly for the piecewise-linear curve (V per unit SOC).
  double integral(double a, double b) const noexcept;
  /// The state of charge at which the curve reaches `v` (first crossing).
  double soc_at(double v) const noexcept;
};
const OcvCurve& ocv_curve(control::Chemistry c) noexcept;

/// Chemistry limits the simulated BMS enforces (its own protection, not the controller's).
struct CellLimits {
  double trip_v;    ///< over-voltage disconnect (LFP 3.65, NMC 4.25)
  double cutoff_v;  ///< under-voltage disconnect
  double nominal_v;
  double charge_v;  ///< the usual full-charge cell voltage (LFP 3.45, NMC 4.10)
};
CellLimits cell_limits(control::Chemistry c) noexcept;

struct PackParams {
  int cells = 16;
  control::Chemistry chemistry = control::Chemistry::kLfp;
  double capacity_ah = 100;
  double capacity_spread = 0.02;  ///< cells span ±this fraction of capacity_ah
  double r_cell_ohm = 0.001;      ///< ±10 % spread across the cells
  double initial_soc = 0.60;
  /// The high cell's extra OCV when the others rest at the float voltage; it is started ahead by
  /// the SOC this needs (clamped at full).
  double imbalance_mv = 0;
  double balancer_a = 0.5;  ///< bleed current per cell
  double balance_start_v =
      3.40;  ///< cells above this and above the lowest by balance_delta_v bleed
  double balance_delta_v = 0.01;
};

class Pack {
 public:
  explicit Pack(const PackParams& p);

  int cells() const noexcept { return static_cast<int>(soc_.size()); }
  double ocv_sum() const noexcept;
  double resistance() const noexcept { return r_total_; }
  double terminal_v(double current_a) const noexcept { return ocv_sum() + current_a * r_total_; }
  double cell_v(int i, double current_a) const noexcept;
  double cell_soc(int i) const noexcept { return soc_[static_cast<std::size_t>(i)]; }
  double cell_capacity_ah(int i) const noexcept { return cap_ah_[static_cast<std::size_t>(i)]; }
  /// Capacity-weighted state of charge, %.
  double soc_pct() const noexcept;
  /// The high cell's actual SOC lead (after clamping).
  double imbalance_soc() const noexcept { return imbalance_soc_; }

  struct StepEnergy {
    double through_ocv_j = 0;  ///< Σ OCV × pack current × dt (energy at the cells' OCV)
    double balancer_j = 0;     ///< bled by the balancers (heat)
    double resistive_j = 0;    ///< I² R
  };
  /// Passes `current_a` (charge positive) for `dt_s` through the pack, with the balancers running
  /// on the cell voltages under that current.
  StepEnergy step(double current_a, double dt_s) noexcept;

  /// Chemical energy now relative to a reference state of charge per cell (J), from the curve.
  double stored_j(const std::vector<double>& reference_soc) const noexcept;
  const std::vector<double>& socs() const noexcept { return soc_; }

 private:
  const OcvCurve& curve_;
  PackParams p_;
  std::vector<double> soc_, cap_ah_, r_;
  double r_total_ = 0;
  double imbalance_soc_ = 0;
};

}  // namespace gxlink::sim::ess
