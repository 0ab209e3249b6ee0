// SPDX-License-Identifier: MIT
#include "sim/ess/plant.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::sim::ess {

Plant::Plant(PlantParams p, Pack& pack, CellLimits limits)
    : p_(p), pack_(pack), trip_v_(limits.trip_v), cutoff_v_(limits.cutoff_v) {}

void Plant::set_bms_limits(const Limits& l) noexcept {
  bms_ = l;
  if (!have_limits_) devices_ = l;
  have_limits_ = true;
}

double Plant::dc_of_ac(double ac) const noexcept {
  return ac >= 0 ? ac / p_.inverter_efficiency : ac * p_.inverter_efficiency;
}
double Plant::ac_of_dc(double dc) const noexcept {
  return dc >= 0 ? dc * p_.inverter_efficiency : dc / p_.inverter_efficiency;
}

namespace {
/// The current (charge positive) at which a source E with resistance R absorbs power p: R i² + E i
/// = p, written in the form that stays accurate for small p.
double current_for_power(double e, double r, double p) {
  const double d = std::max(0.0, e * e + 4 * r * p);
  return 2 * p / (e + std::sqrt(d));
}
}  // namespace

PlantSample Plant::grid_step(double pv_avail_w, double load_w) {
  const Limits& l = devices_;
  const double e = pack_.ocv_sum(), r = pack_.resistance();
  PlantSample s;
  s.load_w = load_w;
  if (disconnected_) {  // no battery: no MPPT, no inverter; the loads run from the grid
    s.grid_w = load_w;
    s.pack_v = e;
    s.disconnected = true;
    return s;
  }
  // DVCC: CCL = 0 sets the solar chargers' current to 0 (seeds/001 §1.5.3).
  const double pv_av = l.ccl_a > 0 ? std::min(pv_avail_w, p_.mppt_max_w) : 0.0;
  const bool may_discharge = l.dcl_a > 0 && pack_.soc_pct() > p_.min_soc_pct;
  const double pac_max = std::min(p_.inverter_max_w, load_w + p_.feed_in_limit_w);
  double pac = std::min(load_w, p_.inverter_max_w);  // self-consumption: grid set-point 0
  if (!may_discharge) pac = std::min(pac, ac_of_dc(pv_av));
  double i = current_for_power(e, r, pv_av - dc_of_ac(pac));
  // ESS: hold the bus at CVL and the charge current at CCL by feeding in (a CVL below the pack's
  // voltage therefore discharges the battery into the grid: seeds/001 §1.5.3).
  double i_cap = std::min(l.ccl_a, (l.cvl_v - e) / r);
  i_cap = std::max(i_cap, may_discharge ? -l.dcl_a : 0.0);
  if (i > i_cap) {
    const double v = e + r * i_cap;
    pac = std::min(ac_of_dc(pv_av - v * i_cap), pac_max);
    i = current_for_power(e, r, pv_av - dc_of_ac(pac));
  } else if (may_discharge && i < -l.dcl_a) {
    const double v = e - r * l.dcl_a;
    pac = std::max(0.0, ac_of_dc(pv_av + v * l.dcl_a));
    i = current_for_power(e, r, pv_av - dc_of_ac(pac));
  }
  // The MPPT regulates its own output voltage at CVL + 0.4 V.
  double pv = pv_av;
  const double vm = l.cvl_v + p_.mppt_offset_v;
  if (e + r * i > vm) {
    const double im = (vm - e) / r;
    pv = std::clamp(vm * im + dc_of_ac(pac), 0.0, pv_av);
    i = current_for_power(e, r, pv - dc_of_ac(pac));
  }
  s.pack_i_a = i;
  s.pack_v = e + r * i;
  s.pv_w = pv;
  s.inverter_ac_w = pac;
  s.grid_w = load_w - pac;
  return s;
}

PlantSample Plant::offgrid_step(double t, double dt, double pv_avail_w, double load_w) {
  (void)t;
  const Limits& l = devices_;
  const double e = pack_.ocv_sum(), r = pack_.resistance();
  PlantSample s;
  // Island mode: DCL = 0 switches the inverter off (reference/canbms_canopen.md §0.4), and so
  // does an open contactor; the PV inverter needs the grid the inverter forms.
  if (disconnected_ || l.dcl_a <= 0) {
    s.blackout = true;
    s.disconnected = disconnected_;
    s.pack_v = e;
    s.freq_hz = 0;
    acpv_w_ = 0;
    acpv_k_ = 0;
    acpv_connected_ = false;  // no grid: it disconnects too (not counted as a frequency trip)
    acpv_in_band_s_ = 0;
    freq_hz_ = p_.f_nominal_hz;
    s.acpv_tripped = true;
    return s;
  }
  // The inverter/charger's frequency target. Charge disabled (CCL = 0): no PV at all, the upper
  // frequency. Otherwise the PV power it wants is the load plus what the battery may take (CCL, and
  // the current at which the bus sits at CVL), and it aims at the point of the droop that gives
  // it (the feedback loop of a real unit settles there; modelled as the settled point). Above CVL
  // it curtails the PV down to the load but not below: as a charger it stops charging, it does
  // not drain the battery to reach the CVL (there is no grid to feed into).
  double f_target = p_.f_max_hz;
  if (l.ccl_a > 0) {
    const double i_allow = std::max(0.0, std::min(l.ccl_a, (l.cvl_v - e) / r));
    const double pac_allow = ac_of_dc(-(e + r * i_allow) * i_allow);
    const double want = load_w - pac_allow;
    const double k_want = pv_avail_w > 0 ? std::clamp(want / pv_avail_w, 0.0, 1.0) : 1.0;
    f_target = k_want >= 1 ? p_.f_nominal_hz
                           : p_.f_start_hz + (1 - k_want) * (p_.f_end_hz - p_.f_start_hz);
  }
  const double slew = p_.f_slew_hz_per_s * dt;
  freq_hz_ = std::clamp(f_target, freq_hz_ - slew, freq_hz_ + slew);
  const double f = freq_hz_;
  // The PV inverter's droop sees the frequency of acpv_delay_s ago.
  const auto slots = static_cast<std::size_t>(std::max(1.0, std::round(p_.acpv_delay_s / dt)));
  if (freq_line_.size() != slots) {
    freq_line_.assign(slots, p_.f_nominal_hz);
    freq_head_ = 0;
  }
  const double f_seen = freq_line_[freq_head_];
  freq_line_[freq_head_] = f;
  freq_head_ = (freq_head_ + 1) % slots;
  // Grid code: over-frequency protection acts at once (within a fraction of a second), unlike
  // the droop; once off, the PV inverter waits for the frequency to be back in the normal band
  // for its reconnect delay, and then ramps up from zero.
  if (acpv_connected_ && f > p_.acpv_trip_hz) {
    acpv_connected_ = false;
    acpv_in_band_s_ = 0;
    acpv_k_ = 0;
    ++acpv_trips_;
  } else if (!acpv_connected_) {
    acpv_in_band_s_ = f <= p_.acpv_reconnect_max_hz ? acpv_in_band_s_ + dt : 0;
    if (acpv_in_band_s_ >= p_.acpv_reconnect_s) {
      acpv_connected_ = true;
      acpv_soft_start_ = true;
    }
  }
  if (acpv_connected_) {
    const double k_seen =
        f_seen <= p_.f_start_hz
            ? 1.0
            : std::clamp((p_.f_end_hz - f_seen) / (p_.f_end_hz - p_.f_start_hz), 0.0, 1.0);
    const double up = (acpv_soft_start_ ? p_.acpv_soft_start_per_s : p_.acpv_ramp_per_s) * dt;
    const double down = p_.acpv_ramp_per_s * dt;
    acpv_k_ = std::clamp(k_seen, acpv_k_ - down, acpv_k_ + up);
    if (acpv_soft_start_ && acpv_k_ >= k_seen) acpv_soft_start_ = false;
  }
  acpv_w_ = pv_avail_w * acpv_k_;
  double pac = std::clamp(load_w - acpv_w_, -p_.inverter_max_w, p_.inverter_max_w);
  s.freq_hz = f;
  s.acpv_tripped = !acpv_connected_;
  s.acpv_w = load_w - pac;  // whatever the charger cannot take is curtailed at once
  s.inverter_ac_w = pac;
  s.load_w = load_w;
  s.pack_i_a = current_for_power(e, r, -dc_of_ac(pac));
  s.pack_v = e + r * s.pack_i_a;
  return s;
}

PlantSample Plant::step(double t, double dt, double pv_avail_w, double load_w) {
  if (t >= next_dvcc_t_) {
    devices_ = bms_;
    next_dvcc_t_ = t + p_.dvcc_period_s;
  }
  PlantSample s = p_.mode == GridMode::kGrid ? grid_step(pv_avail_w, load_w)
                                             : offgrid_step(t, dt, pv_avail_w, load_w);
  const auto pe = pack_.step(s.pack_i_a, dt);
  energy_.through_ocv_j += pe.through_ocv_j;
  energy_.balancer_j += pe.balancer_j;
  energy_.resistive_j += pe.resistive_j;
  energy_.pv_j += s.pv_w * dt;
  energy_.acpv_j += s.acpv_w * dt;
  energy_.load_j += s.load_w * dt;
  energy_.import_j += std::max(0.0, s.grid_w) * dt;
  energy_.export_j += std::max(0.0, -s.grid_w) * dt;
  energy_.inverter_loss_j += (dc_of_ac(s.inverter_ac_w) - s.inverter_ac_w) * dt;
  // The BMS's own protection: a cell at its trip voltage (or cut-off) opens the contactor.
  if (!disconnected_) {
    for (int c = 0; c < pack_.cells(); ++c) {
      const double v = pack_.cell_v(c, s.pack_i_a);
      if (v >= trip_v_ || v <= cutoff_v_) disconnected_ = true;
    }
  }
  s.disconnected = disconnected_;
  return s;
}

}  // namespace gxlink::sim::ess
