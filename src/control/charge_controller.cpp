// SPDX-License-Identifier: MIT
#include "control/charge_controller.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::control {

const char* to_string(Chemistry c) noexcept { return c == Chemistry::kLfp ? "lfp" : "nmc"; }

std::optional<Chemistry> chemistry_from_string(std::string_view s) noexcept {
  if (s == "lfp") return Chemistry::kLfp;
  if (s == "nmc") return Chemistry::kNmc;
  return std::nullopt;
}

const char* to_string(ChargePhase p) noexcept {
  switch (p) {
    case ChargePhase::kBulk: return "bulk";
    case ChargePhase::kAbsorption: return "absorption";
    case ChargePhase::kFloat: return "float";
  }
  return "?";
}

double ControllerConfig::nominal_cvl_v(ChargePhase p) const noexcept {
  return cells * (p == ChargePhase::kFloat ? cell_float_v : cell_charge_v);
}

std::string ControllerConfig::check() const {
  auto finite = [](std::initializer_list<double> vs) {
    return std::all_of(vs.begin(), vs.end(), [](double v) { return std::isfinite(v); });
  };
  if (cells < 4 || cells > 16) return "cells must be 4..16";
  if (!finite({cell_charge_v,
               cell_float_v,
               cell_target_v,
               cell_float_target_v,
               cell_hysteresis_v,
               cell_protect_v,
               protect_delay_s,
               cell_min_v,
               kp,
               ki,
               max_rate_v_per_s,
               update_period_s,
               cvl_resolution_v,
               absorption_enter_cell_v,
               balanced_spread_v,
               absorption_s,
               absorption_max_s,
               absorption_tail_a,
               max_fall_v_per_s,
               rebulk_soc_pct,
               rebulk_cell_v,
               rebulk_delay_s,
               ccl_max_a,
               dcl_max_a,
               ccl_full_floor}))
    return "every value must be finite";
  if (!(cell_min_v > 0 && cell_min_v < cell_float_v && cell_float_v <= cell_charge_v &&
        cell_charge_v <= cell_target_v && cell_target_v < cell_protect_v))
    return "cell voltages must satisfy min < float <= charge <= target < protect";
  if (!(cell_float_target_v >= cell_float_v && cell_float_target_v <= cell_target_v))
    return "cell_float_target_v must lie between cell_float_v and cell_target_v";
  if (!(cell_hysteresis_v > 0 && cell_hysteresis_v < cell_target_v - cell_min_v))
    return "cell_hysteresis_v must be > 0 and below the target";
  if (!(absorption_enter_cell_v > cell_min_v && absorption_enter_cell_v <= cell_target_v))
    return "absorption_enter_cell_v must lie between cell_min_v and cell_target_v";
  if (!(rebulk_cell_v > cell_min_v && rebulk_cell_v < cell_float_v))
    return "rebulk_cell_v must lie between cell_min_v and cell_float_v";
  if (kp < 0 || ki < 0) return "kp and ki must be >= 0";
  if (!std::isfinite(descend_min_charge_a) || descend_min_charge_a < 0)
    return "descend_min_charge_a must be >= 0";
  if (!(max_rate_v_per_s > 0) || !(max_fall_v_per_s > 0))
    return "max_rate_v_per_s and max_fall_v_per_s must be > 0";
  if (update_period_s < 1) return "update_period_s must be >= 1";
  if (protect_delay_s < 0 || protect_delay_s > 600) return "protect_delay_s must be 0..600";
  if (!std::isfinite(lookahead_s) || lookahead_s < 0 || lookahead_s > 600)
    return "lookahead_s must be 0..600";
  if (cvl_resolution_v <= 0 || cvl_resolution_v > 1) return "cvl_resolution_v must be in (0, 1]";
  if (balanced_spread_v <= 0) return "balanced_spread_v must be > 0";
  if (absorption_s < 0 || absorption_max_s < absorption_s || rebulk_delay_s < 0)
    return "times must be >= 0 and absorption_max_s >= absorption_s";
  if (rebulk_soc_pct < 0 || rebulk_soc_pct > 100) return "rebulk_soc_pct must be 0..100";
  if (ccl_max_a < 0 || ccl_max_a > 6553.5 || dcl_max_a < 0 || dcl_max_a > 6553.5)
    return "ccl_max_a and dcl_max_a must be 0..6553.5";
  if (!(ccl_full_floor > 0 && ccl_full_floor <= 1)) return "ccl_full_floor must be in (0, 1]";
  for (const auto* t :
       {&ccl_temperature, &dcl_temperature, &ccl_soc, &dcl_soc, &ccl_cell_v, &dcl_cell_v})
    if (auto e = t->check(); !e.empty()) return "derating table: " + e;
  return {};
}

ControllerConfig defaults_for(Chemistry chem, int cells, double capacity_ah) {
  ControllerConfig c;  // the member initialisers are the LFP values
  c.cells = cells;
  c.ccl_max_a = std::round(capacity_ah * 0.5 * 10) / 10;
  c.dcl_max_a = std::round(capacity_ah * 1.0 * 10) / 10;
  c.descend_min_charge_a = std::round(capacity_ah * 0.01 * 10) / 10;
  c.absorption_tail_a = std::round(capacity_ah * 0.05 * 10) / 10;
  if (chem == Chemistry::kNmc) {
    // NMC has no flat plateau: the highest cell follows the pack closely, so a narrower band.
    c.cell_charge_v = 4.10;
    c.cell_float_v = 4.00;
    c.cell_target_v = 4.15;
    c.cell_float_target_v = 4.15;
    c.cell_hysteresis_v = 0.05;
    c.cell_protect_v = 4.20;
    c.cell_min_v = 3.20;
    c.absorption_enter_cell_v = 4.05;
    c.rebulk_cell_v = 3.80;
    c.ccl_cell_v = {{4.05, 4.10, 4.15, 4.20}, {1, 0.25, 0.1, 0.05}};
    c.dcl_cell_v = {{3.10, 3.20, 3.30, 3.40}, {0, 0.05, 0.25, 1}};
    c.ccl_temperature = {{0, 5, 10, 40, 45, 50}, {0, 0.5, 1, 1, 0.5, 0}};
  }
  return c;
}

ChargeController::ChargeController(ControllerConfig c) : config_(std::move(c)) {
  cvl_ = config_.nominal_cvl_v(phase_);
  ceiling_ = cvl_;
}

void ChargeController::step_phase(const Measurement& m, double cell_max, double cell_min,
                                  double t) {
  const double dt = last_t_ ? t - *last_t_ : 0;
  const double avg = m.pack_v / config_.cells;
  const bool balanced = cell_max - cell_min <= config_.balanced_spread_v;
  const bool at_top = avg >= config_.absorption_enter_cell_v;
  const bool low = avg < config_.rebulk_cell_v;
  rebulk_low_for_s_ = low ? rebulk_low_for_s_ + dt : 0;
  switch (phase_) {
    case ChargePhase::kBulk:
      if (at_top || cell_max >= config_.cell_target_v) {
        phase_ = ChargePhase::kAbsorption;
        absorption_since_ = t;
        balanced_for_s_ = 0;
      }
      break;
    case ChargePhase::kAbsorption:
      // Float once the pack has sat balanced at the top long enough (the cells are full and
      // level), or after the maximum time: an imbalance the balancer cannot fix must not hold the
      // pack at the top for ever (reference/canbms_canopen.md §1.3 does the same with its timer).
      balanced_for_s_ =
          balanced && at_top && m.current_a <= config_.absorption_tail_a ? balanced_for_s_ + dt : 0;
      if (balanced_for_s_ >= config_.absorption_s ||
          t - absorption_since_ >= config_.absorption_max_s) {
        phase_ = ChargePhase::kFloat;
        float_entry_soc_ = m.soc_pct;
      } else if (rebulk_low_for_s_ >= config_.rebulk_delay_s) {
        phase_ = ChargePhase::kBulk;
        integral_ = 0;
      }
      break;
    case ChargePhase::kFloat:
      // By SOC only once the pack has lost charge since float began: an imbalanced pack that
      // could only be filled to 85 % must not be sent back to bulk at once, for ever.
      if ((m.soc_pct && *m.soc_pct < config_.rebulk_soc_pct &&
           (!float_entry_soc_ || *m.soc_pct < *float_entry_soc_ - 5)) ||
          rebulk_low_for_s_ >= config_.rebulk_delay_s) {
        // A new charge starts from the nominal voltage, not from yesterday's reductions.
        phase_ = ChargePhase::kBulk;
        integral_ = 0;
      }
      break;
  }
}

double ChargeController::current_limits(const Measurement& m, double cell_max, double cell_min,
                                        bool charge) const {
  const auto& c = config_;
  const double t_hi = m.temp_max_c.value_or(25), t_lo = m.temp_min_c.value_or(t_hi);
  const auto& temp = charge ? c.ccl_temperature : c.dcl_temperature;
  const double f_temp = std::min(temp.at(t_hi), temp.at(t_lo));
  if (charge) {
    // Protection: a NaN reading at once, a cell at the protection voltage once it has stayed
    // there protect_delay_s.
    if (std::isnan(cell_max)) return 0;
    if (cell_max >= c.cell_protect_v && protect_for_s_ >= c.protect_delay_s) return 0;
    double f_full = std::min(m.soc_pct ? c.ccl_soc.at(*m.soc_pct) : 1.0, c.ccl_cell_v.at(cell_max));
    // seeds/001 §1.5.3: CCL = 0 when full stops the solar chargers; the CVL does the limiting.
    f_full = std::max(f_full, c.ccl_full_floor);
    return c.ccl_max_a * std::min(f_temp, f_full);
  }
  const double f_soc = m.soc_pct ? c.dcl_soc.at(*m.soc_pct) : 1.0;
  const double f_cell = std::isfinite(cell_min) ? c.dcl_cell_v.at(cell_min) : 0.0;
  return c.dcl_max_a * std::min({f_temp, f_soc, f_cell});
}

ControlOutput ChargeController::update(const Measurement& m, TimePoint now) {
  const auto& c = config_;
  const double t = to_seconds(now.time_since_epoch());
  // A step back in time or a long gap must not make the integrator jump.
  const double dt = last_t_ ? std::clamp(t - *last_t_, 0.0, 10.0) : 0.0;
  const double fallback = m.pack_v / c.cells;
  const double cell_max = m.cell_max_v.value_or(fallback);
  const double cell_min = m.cell_min_v.value_or(fallback);

  step_phase(m, cell_max, cell_min, t);
  last_t_ = t;
  protect_for_s_ = cell_max >= c.cell_protect_v ? protect_for_s_ + dt : 0;

  const double nominal = c.nominal_cvl_v(phase_);
  const double floor_v = c.cells * c.cell_min_v;
  const double max_step = c.max_rate_v_per_s * c.cells * dt;
  const double max_fall = c.max_fall_v_per_s * c.cells * dt;
  if (!last_output_ || nominal >= ceiling_)
    ceiling_ = nominal;
  else if (m.current_a > c.descend_min_charge_a)
    ceiling_ = std::max(nominal, ceiling_ - max_step);
  const double target = phase_ == ChargePhase::kFloat ? c.cell_float_target_v : c.cell_target_v;
  // Hysteresis: act only when the highest cell is above the set-point or below the band under
  // it. The band is wider than the jump one 0.1 V CVL step gives a cell at the LFP knee (almost
  // the whole step lands on the high cell), so the loop does not hunt between two CAN values.
  if (std::isfinite(cell_max)) {
    if (last_cell_max_ && dt > 0) {
      const double a = std::min(1.0, dt / 10);  // about 10 s of smoothing
      cell_slope_ += a * ((cell_max - *last_cell_max_) / dt - cell_slope_);
    }
    last_cell_max_ = cell_max;
  }
  // Only while charging (a cell racing up the knee), and capped, so a step in the reading (the
  // IR drop changing with a load) cannot by itself pull the CVL down.
  const double ahead =
      cell_max + (m.current_a > 0 ? std::min(c.lookahead_s * std::max(0.0, cell_slope_),
                                             c.cell_hysteresis_v / 4)
                                  : 0.0);
  double e = 0;
  if (!std::isfinite(cell_max))
    e = -1;  // no usable reading: lower the CVL
  else if (ahead > target)
    e = target - ahead;
  else if (cell_max < target - c.cell_hysteresis_v)
    e = target - c.cell_hysteresis_v - cell_max;
  // P acts on each new peak of the excursion above the set-point only, and I on the error; both
  // accumulate into one term, so the cell coming back inside the band does not undo the drop (a
  // plain P on a banded error would step the CVL back up and hunt). Recovery upwards is I only:
  // slow on purpose.
  // Lowering the CVL only helps while the pack is being charged: once it is not, a high cell can
  // only come down by the balancer or by discharging the pack, and a CVL pulled further below the
  // pack's voltage would make the inverter do the latter (seeds/001 §1.5.3) and leave the CVL far
  // down for the next charge. So the downward terms freeze while the pack is not charging.
  if (e < 0 && m.current_a <= 0) e = 0;
  if (e < 0) {
    if (e < error_peak_) {
      integral_ += c.kp * (e - error_peak_);
      error_peak_ = e;
    }
  } else {
    error_peak_ = 0;
  }
  integral_ += c.ki * e * dt;
  // Anti-windup: the term never raises the CVL above the ceiling nor drives it below the floor.
  integral_ = std::clamp(integral_, floor_v - ceiling_, 0.0);
  const double desired = ceiling_ + integral_;
  if (!last_output_) {
    cvl_ = desired;
  } else {
    cvl_ = std::clamp(desired, cvl_ - max_fall, cvl_ + max_step);
  }
  // The term may lead what was applied by one step at most (anti-windup for the rate limit).
  integral_ = std::max(integral_, std::min(0.0, cvl_ - ceiling_ - max_fall));
  // Once the cell is back inside the band, a descent the rate limit is still working off stops
  // where it is (anti-windup for the rate limit).
  if (e >= 0) integral_ = std::max(integral_, std::min(0.0, cvl_ - ceiling_));

  // What 0x351 can carry: the nearest step (a move must pass half a step before it is sent, so a
  // small excursion does not cost a whole step, which is 1.7 % SOC on a 5-cell NMC pack), but never
  // above the ceiling rounded down.
  const double res = c.cvl_resolution_v;
  double candidate =
      std::min(std::round(cvl_ / res) * res, std::floor(ceiling_ / res + 1e-6) * res);
  const bool period_over = t - published_t_ >= c.update_period_s - 1e-9;
  // The pack's resistance as the CVL's own steps show it: a step down of dV cuts the charge
  // current by dV / R once the devices have applied it (within one update period; the DVCC cycle
  // is 3 s). Whatever holds the bus (the inverter at CVL, or the MPPT at CVL + 0.4 V when the
  // inverter cannot feed in more: seeds/001 §1.5.3.3), the response is the same.
  if (step_ && period_over) {
    const double di = step_->current_a - m.current_a;
    // A sample above 20 mΩ per cell is no cell's resistance: something else moved the current.
    if (step_->current_a > 0 && di > 0.1 && step_->dv / di <= 0.02 * c.cells) {
      const double sample = step_->dv / di;
      r_est_ = r_est_ ? 0.5 * *r_est_ + 0.5 * sample : sample;
    }
    step_.reset();
  }
  // seeds/001 §1.5.3: a CVL below what the pack holds makes the system discharge the battery to
  // it (into the grid, or into the loads). With 0x351's 0.1 V steps and a pack of a few mΩ, one
  // step is several amperes, so a step down while the charge current is smaller than that turns
  // charging into discharging: a high cell above its set-point at rest can come down only by the
  // balancer or by discharging the whole pack, and the latter is what the seed warns against. So
  // the CVL steps down only as far as the pack voltage, the current and the learned resistance
  // say the cells still take charge. A cell at its protection voltage is the exception: then a
  // discharge is the lesser harm.
  if (last_output_ && period_over && candidate < last_output_->cvl_v - res / 2 &&
      cell_max < c.cell_protect_v) {
    // How far down the CVL may go: to what the cells hold, the pack voltage less the IR drop
    // (under charge) or plus it (under discharge). Unknown resistance: only a charging pack may
    // be stepped (the first step teaches it), a discharging one is held.
    const double last = last_output_->cvl_v;
    double lowest = last;
    if (r_est_)
      lowest = last - std::floor(std::max(0.0, last - (m.pack_v - m.current_a * *r_est_)) / res +
                                 1e-6) *
                          res;
    else if (m.current_a > 0)
      lowest = candidate;  // free until a step has shown the resistance
    else if (m.current_a == 0)
      lowest = last - std::floor(std::max(0.0, last - m.pack_v) / res + 1e-6) * res;
    if (lowest > candidate) {
      candidate = lowest;
      // The PI's term must not run ahead of what may be sent (anti-windup).
      cvl_ = std::max(cvl_, candidate - res / 2);
      integral_ = std::max(integral_, std::min(0.0, cvl_ - ceiling_));
    }
  }
  if (!last_output_ ||
      (period_over && std::abs(candidate - last_output_->cvl_v) >= c.cvl_resolution_v / 2)) {
    // Only a step that goes below the pack's voltage acts on the current; one that does not
    // (the CCL holds the current) says nothing about the resistance.
    if (last_output_ && candidate < last_output_->cvl_v && m.pack_v > candidate)
      step_ = Step{m.current_a, std::min(last_output_->cvl_v, m.pack_v) - candidate};
    if (!last_output_) last_output_ = ControlOutput{};
    last_output_->cvl_v = candidate;
    published_t_ = t;
  }

  // CCL/DCL: a decrease by half or more, or to zero, goes out at once (protection); anything else
  // at most once per update period, like the CVL.
  auto round_down = [](double a) { return std::max(0.0, std::floor(a * 10 + 1e-6) / 10); };
  const double ccl = round_down(current_limits(m, cell_max, cell_min, true));
  const double dcl = round_down(current_limits(m, cell_max, cell_min, false));
  const bool limits_due = t - limits_t_ >= c.update_period_s - 1e-9;
  auto apply = [&](double& out, double v) {
    if (v == out) return;
    if (limits_due || v <= out * 0.5) {
      out = v;
      limits_t_ = t;
    }
  };
  if (!limits_initialised_) {
    last_output_->ccl_a = ccl;
    last_output_->dcl_a = dcl;
    limits_t_ = t;
    limits_initialised_ = true;
  } else {
    apply(last_output_->ccl_a, ccl);
    apply(last_output_->dcl_a, dcl);
  }
  last_output_->phase = phase_;
  return *last_output_;
}

}  // namespace gxlink::control
