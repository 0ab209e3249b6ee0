// SPDX-License-Identifier: MIT
#include "sim/ess/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gxlink::sim::ess {

const char* to_string(ScenarioKind s) noexcept {
  switch (s) {
    case ScenarioKind::kFeedIn: return "feed-in";
    case ScenarioKind::kImbalance: return "imbalance";
    case ScenarioKind::kExcessPv: return "excess-pv";
    case ScenarioKind::kOffgridAc: return "offgrid-ac";
  }
  return "?";
}

std::optional<ScenarioKind> scenario_from_string(std::string_view s) noexcept {
  for (auto k : {ScenarioKind::kFeedIn, ScenarioKind::kImbalance, ScenarioKind::kExcessPv,
                 ScenarioKind::kOffgridAc})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

namespace {

/// Powers are scaled to the pack (1 C power = capacity × nominal pack voltage), so every cell
/// count sees the same C-rates.
struct Profile {
  ScenarioKind kind;
  double c_power_w;

  double pv_avail_w(double t) const {
    if (kind == ScenarioKind::kOffgridAc) return 0.8 * c_power_w;
    // A bench supply on the PV input (seeds/001 §1.5.3.1 step 2), with one dip (a cloud on a real
    // roof) where the load is larger than the PV and the battery rightly supplies it.
    if (t >= 9000 && t < 9600) return 0.05 * c_power_w;
    return 0.6 * c_power_w;
  }
  double load_w(double t) const {
    const double base = 0.05 * c_power_w;
    if (kind == ScenarioKind::kOffgridAc) {
      // A big load switched off at once while the PV produces (§1.5.4), every 30 minutes.
      const double m = std::fmod(t, 1800);
      return m >= 600 && m < 1200 ? base + 0.65 * c_power_w : base;
    }
    // "Switching on and off of sizeable AC loads" (§1.5.3.1 check 3).
    const double m = std::fmod(t, 3600);
    if (m >= 1200 && m < 1800) return base + 0.35 * c_power_w;
    if (m >= 2700 && m < 2760) return base + 0.3 * c_power_w;
    return base;
  }
};

double default_imbalance_mv(ScenarioKind s) {
  switch (s) {
    case ScenarioKind::kFeedIn: return 0;
    case ScenarioKind::kImbalance: return 100;
    case ScenarioKind::kExcessPv: return 20;
    case ScenarioKind::kOffgridAc: return 50;
  }
  return 0;
}

/// seeds/001 §1.5.3.x and §1.5.4 say "wait for the battery to fully charge and ensure that" it does
/// not switch off on over-voltage while loads are switched on and off, with no end to the test.
/// The grid scenarios settle within 4 h. Off grid a limit policy can fail slowly: "V minus a
/// constant" takes its CVL from the pack right after each load-off surge has lifted it, so the CVL
/// and the highest cell ratchet up surge after surge until a cell trips, 2.3-12.3 h in (LFP, every
/// cell count 4..16 and imbalance 0-300 mV) and up to 22.8 h (NMC). Four hours showed only the
/// first of these trips; the off-grid test therefore runs one day of its bench supply.
double default_hours(ScenarioKind s) { return s == ScenarioKind::kOffgridAc ? 24 : 4; }

PlantParams plant_for(ScenarioKind s, double c_power_w) {
  PlantParams p;
  p.mode = s == ScenarioKind::kOffgridAc ? GridMode::kOffgrid : GridMode::kGrid;
  p.inverter_max_w = 0.8 * c_power_w;
  p.mppt_max_w = 0.7 * c_power_w;
  // §1.5.4: how long the PV inverter keeps pushing depends on its make and country settings.
  p.acpv_delay_s = 15;
  // Excess PV (§1.5.3.3): "more power ... than the inverter/charger can feed back".
  p.feed_in_limit_w = s == ScenarioKind::kExcessPv ? 0.1 * c_power_w : 0.7 * c_power_w;
  return p;
}

}  // namespace

RunResult run(const RunOptions& o) {
  if (o.cells < 4 || o.cells > 16) throw std::invalid_argument("cells must be 4..16");
  const double hours = o.hours.value_or(default_hours(o.scenario));
  if (!(hours > 0 && hours <= 48)) throw std::invalid_argument("hours must be in (0, 48]");
  const double imbalance_mv = o.imbalance_mv.value_or(default_imbalance_mv(o.scenario));
  if (!(imbalance_mv >= 0 && imbalance_mv <= 1000))
    throw std::invalid_argument("imbalance-mv must be 0..1000");
  if (!(o.dt_s > 0 && o.dt_s <= 1)) throw std::invalid_argument("dt must be in (0, 1] s");

  const auto chem = o.chemistry;
  control::ControllerConfig cfg =
      o.controller ? *o.controller : control::defaults_for(chem, o.cells, o.capacity_ah);
  cfg.cells = o.cells;
  if (auto e = cfg.check(); !e.empty()) throw std::invalid_argument("controller: " + e);
  const CellLimits lim = cell_limits(chem);

  PackParams pp;
  pp.cells = o.cells;
  pp.chemistry = chem;
  pp.capacity_ah = o.capacity_ah;
  pp.imbalance_mv = imbalance_mv;
  pp.balance_start_v = chem == control::Chemistry::kLfp ? 3.40 : 4.05;
  Pack pack(pp);
  const std::vector<double> initial_soc = pack.socs();
  // "Full": the highest cell within 1 % SOC of the chemistry's usual full-charge voltage (the same
  // for every policy).
  const double full_soc = ocv_curve(chem).soc_at(lim.charge_v) - 0.01;
  const double c_power_w = o.capacity_ah * o.cells * lim.nominal_v;
  const Profile profile{o.scenario, c_power_w};
  const PlantParams plant_params = plant_for(o.scenario, c_power_w);
  Plant plant(plant_params, pack, lim);
  auto policy = make_policy(o.policy, cfg);

  RunResult r;
  r.options = o;
  r.hours = hours;
  r.imbalance_mv = imbalance_mv;
  r.imbalance_soc_pct = pack.imbalance_soc() * 100;
  r.trip_v = lim.trip_v;
  r.capacity_ah = o.capacity_ah;
  r.feed_in_limit_w = plant_params.mode == GridMode::kGrid ? plant_params.feed_in_limit_w : 0;
  const bool grid = plant_params.mode == GridMode::kGrid;

  const auto seconds_total = static_cast<long>(std::llround(hours * 3600));
  const auto substeps = static_cast<int>(std::llround(1.0 / o.dt_s));
  const double dt = 1.0 / substeps;
  if (o.keep_trace) r.trace.reserve(static_cast<std::size_t>(seconds_total) + 1);

  // Scores, accumulated per substep (exact) or per second.
  double max_cell = 0, blackout_s = 0, discharge_ah_covered = 0;
  std::optional<double> disconnect_t, full_t;
  std::optional<double> last_cvl, last_cvl_change_t;
  double min_cvl_interval = 1e9;
  long cvl_changes = 0;
  struct CvlStep {
    double t, delta;
  };
  std::vector<CvlStep> cvl_steps;
  // Charge/discharge state per second (held 30 s to count), for the oscillation check.
  struct Flip {
    double t;
  };
  std::vector<Flip> flips;
  int cur_sign = 0, cand_sign = 0;
  double cand_since = 0;
  double fed_j = 0, potential_j = 0;
  const double i_flip = 0.02 * o.capacity_ah;
  double last_i = 0, last_load = 0, reaction_until = -1;
  // Off grid, a load switched on is first carried by the battery until the PV inverter, curtailed
  // by frequency, has reacted (its delay and ramp: §1.5.4); that discharge is not the limits'
  // doing.
  const double reaction_s =
      (plant_params.f_end_hz - plant_params.f_nominal_hz) / plant_params.f_slew_hz_per_s +
      plant_params.acpv_delay_s + 1 / plant_params.acpv_ramp_per_s + 5;
  PlantSample s{};
  s.pack_v = pack.terminal_v(0);

  for (long sec = 0; sec <= seconds_total; ++sec) {
    const auto t = static_cast<double>(sec);
    control::Measurement m;
    m.current_a = last_i;
    m.pack_v = pack.terminal_v(last_i);
    double cmin = 1e9, cmax = 0;
    for (int c = 0; c < pack.cells(); ++c) {
      const double v = pack.cell_v(c, last_i);
      cmin = std::min(cmin, v);
      cmax = std::max(cmax, v);
    }
    m.cell_min_v = cmin;
    m.cell_max_v = cmax;
    m.soc_pct = pack.soc_pct();
    m.temp_min_c = m.temp_max_c = 25;
    Limits l = policy->decide(m, t);
    // 0x351 carries 0.1 V and 0.1 A (seeds/001 §2): what the devices can see.
    l.cvl_v = std::round(l.cvl_v * 10) / 10;
    l.ccl_a = std::round(l.ccl_a * 10) / 10;
    l.dcl_a = std::round(l.dcl_a * 10) / 10;
    plant.set_bms_limits(l);
    if (last_cvl && std::abs(l.cvl_v - *last_cvl) > 1e-9) {
      ++cvl_changes;
      if (last_cvl_change_t) min_cvl_interval = std::min(min_cvl_interval, t - *last_cvl_change_t);
      last_cvl_change_t = t;
      cvl_steps.push_back({t, l.cvl_v - *last_cvl});
    }
    last_cvl = l.cvl_v;

    if (!full_t) {
      double top = 0;
      for (int c = 0; c < pack.cells(); ++c) top = std::max(top, pack.cell_soc(c));
      if (top >= full_soc) full_t = t;
    }
    const bool settled = full_t.has_value();
    if (o.keep_trace) {
      TraceRow row{t,
                   l.cvl_v,
                   l.ccl_a,
                   l.dcl_a,
                   m.pack_v,
                   last_i,
                   *m.soc_pct,
                   cmin,
                   cmax,
                   s.pv_w,
                   s.load_w,
                   s.grid_w,
                   profile.pv_avail_w(t),
                   s.acpv_w,
                   s.freq_hz,
                   policy->phase(),
                   {}};
      row.cell_v.reserve(static_cast<std::size_t>(pack.cells()));
      for (int c = 0; c < pack.cells(); ++c)
        row.cell_v.push_back(static_cast<float>(pack.cell_v(c, last_i)));
      r.trace.push_back(std::move(row));
    }
    if (sec == seconds_total) break;

    for (int k = 0; k < substeps; ++k) {
      const double ts = t + k * dt;
      const double pv_avail = profile.pv_avail_w(ts), load = profile.load_w(ts);
      s = plant.step(ts, dt, pv_avail, load);
      if (!grid && load > last_load + 0.05 * c_power_w) reaction_until = ts + reaction_s;
      last_load = load;
      const bool reacting = ts < reaction_until;
      for (int c = 0; c < pack.cells(); ++c)
        max_cell = std::max(max_cell, pack.cell_v(c, s.pack_i_a));
      if (s.disconnected && !disconnect_t) disconnect_t = ts;
      if (s.blackout) blackout_s += dt;
      // PV alone could cover the load (with the inverter's loss and a margin): any discharge now is
      // the charge limits' doing (seeds/001 §1.5.3: a too-low CVL discharges the battery).
      const double pv_ac = pv_avail * plant_params.inverter_efficiency;
      if (!reacting && pv_ac >= load + 0.02 * c_power_w && s.pack_i_a < 0)
        discharge_ah_covered += -s.pack_i_a * dt / 3600;
      if (grid && settled && pv_ac >= load + 0.02 * c_power_w) {
        fed_j += std::max(0.0, -s.grid_w) * dt;
        potential_j += std::min(plant_params.feed_in_limit_w, pv_ac - load) * dt;
      }
    }
    last_i = s.pack_i_a;
    // Charge/discharge alternation while PV covers the load, each state held for 30 s.
    const double pv_ac_now = profile.pv_avail_w(t) * plant_params.inverter_efficiency;
    const bool covered = pv_ac_now >= profile.load_w(t) + 0.02 * c_power_w;
    const int sign = !covered ? cur_sign : s.pack_i_a > i_flip ? 1 : s.pack_i_a < -i_flip ? -1 : 0;
    if (sign != 0 && sign != cur_sign) {
      if (sign != cand_sign) {
        cand_sign = sign;
        cand_since = t;
      } else if (t - cand_since >= 30) {
        if (cur_sign != 0 && settled) flips.push_back({t});
        cur_sign = sign;
      }
    } else {
      cand_sign = 0;
    }
  }

  r.energy = plant.energy();
  r.stored_j = pack.stored_j(initial_soc);
  r.sim_seconds = static_cast<double>(seconds_total);

  // Scores over the settled part: from "full" to the end.
  const double settled_h =
      full_t ? std::max(1e-9, (static_cast<double>(seconds_total) - *full_t) / 3600) : 0;
  long reversals = 0;
  for (std::size_t i = 1; i < cvl_steps.size(); ++i)
    if (full_t && cvl_steps[i].t >= *full_t &&
        (cvl_steps[i].delta > 0) != (cvl_steps[i - 1].delta > 0))
      ++reversals;
  const double reversals_per_h = full_t ? static_cast<double>(reversals) / settled_h : 0;
  const double flips_per_h = full_t ? static_cast<double>(flips.size()) / settled_h : 0;
  const double discharge_pct = 100 * discharge_ah_covered / o.capacity_ah;

  auto add = [&](std::string name, double value, double limit, bool pass, std::string meaning) {
    r.checks.push_back({std::move(name), value, limit, pass, std::move(meaning)});
  };
  add("max_cell_v", max_cell, lim.trip_v, max_cell < lim.trip_v,
      "highest cell voltage seen; must stay below the trip voltage");
  add("disconnect_t_s", disconnect_t.value_or(-1), -1, !disconnect_t,
      "time the BMS opened its contactor on a cell limit; -1 = never");
  if (!grid) {
    add("blackout_s", blackout_s, 0, blackout_s == 0, "seconds the off-grid loads went unpowered");
    // seeds/001 §1.5.4: off grid the limits steer the PV inverter through the frequency. A PV
    // inverter pushed past its over-frequency protection is off for at least its reconnect delay
    // and then soft-starts, so the battery carries the loads with the sun up: the limits asked for
    // more than curtailment. (Its own protection, not a tuning: the count is of events.)
    const int trips = plant.acpv_trips();
    add("acpv_trips", trips, 0, trips == 0,
        "times the AC-coupled PV inverter tripped on over-frequency (off >= its reconnect delay)");
  }
  add("cvl_min_interval_s", cvl_changes > 1 ? min_cvl_interval : -1, 19,
      cvl_changes <= 1 || min_cvl_interval >= 19,
      "shortest time between two CVL changes; about 20 s or more (seeds/001 §1.5.3)");
  add("cvl_reversals_per_h", reversals_per_h, 6, full_t && reversals_per_h <= 6,
      "CVL direction changes per hour after full: hunting");
  add("charge_discharge_flips_per_h", flips_per_h, 2, full_t && flips_per_h < 2,
      "charge/discharge alternations per hour after full while PV covers the load: sustained "
      "oscillation");
  // seeds/001 §1.5.3: a CVL below what the pack holds discharges it. The controller steps its CVL
  // down only as far as the measured current and the resistance its own steps revealed say the
  // cells still take charge; before the first step has revealed it, that one 0.1 V step can turn
  // a small charge into a discharge (on a 4- or 5-cell pack one step is about 20 A) until the
  // balancer has levelled the high cell. Measured over cells 4..16, LFP and NMC, imbalance
  // 0..300 mV in all four scenarios: at most 1.6 % (NMC 5 cells); "V minus a constant" and CCL = 0
  // when full cost 5..40 %. Hence 2 %.
  add("discharge_while_pv_covers_pct", discharge_pct, 2, discharge_pct <= 2,
      "battery discharge (% of capacity) while PV alone covered the load: caused by the limits");
  if (grid) {
    const double ratio = potential_j > 0 ? fed_j / potential_j : 0;
    add("feed_in_ratio", ratio, 0.9, full_t && ratio >= 0.9 && ratio <= 1.05,
        "energy fed in after full / PV surplus the inverter could feed in; stable feed-in is "
        "0.9..1.05");
  }
  add("time_to_full_s", full_t.value_or(-1), hours * 3600, full_t.has_value(),
      "time until the highest cell came within 1 % SOC of full (OCV at LFP 3.45 V, NMC 4.10 V); -1 "
      "= never");
  r.pass = std::all_of(r.checks.begin(), r.checks.end(), [](const Check& c) { return c.pass; });
  return r;
}

}  // namespace gxlink::sim::ess
