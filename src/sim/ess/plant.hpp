// SPDX-License-Identifier: MIT
#pragma once
/// The system around the battery (seeds/001 §1.5.3, §1.5.4), stepped at a fixed dt:
/// - grid mode (ESS): an MPPT that charges towards CVL + 0.4 V (DVCC's solar offset,
///   reference/venus_os.md §5.4) and is curtailed to 0 when CCL = 0, and an inverter/charger that
///   covers the AC loads from the DC bus (self-consumption) and feeds the excess into the grid to
///   hold the bus at CVL and the charge current at CCL, within its feed-in limit and power;
/// - off-grid mode: an inverter/charger that forms the AC grid and an AC-coupled PV inverter; the
///   inverter/charger raises the frequency (at a bounded slew) to curtail the PV when the battery
///   must take less, and the PV inverter follows its power-frequency droop after a delay and at a
///   ramp (the overshoot window of §1.5.4: "depending on make and model ... and its country
///   settings"). A grid-tie PV inverter is also bound by its grid code: above its over-frequency
///   protection it disconnects at once, and it reconnects only after the frequency has been back
///   in the normal band for its reconnect delay, then ramps its power up slowly (soft start).
///   With CCL = 0 the inverter/charger stops the PV altogether, as it stops the MPPTs on the DC
///   side (§1.5.3 "CCL = 0 ... stops the solar chargers"): it shifts to its upper frequency, which
///   is above the PV inverter's protection, so the PV inverter trips and stays off for at least
///   its reconnect delay.
/// Devices take the BMS limits at each DVCC cycle (every 3 s, venus_os.md §5.4 "ADJUST = 3").
/// The bus is solved algebraically each step (the devices' own loops are taken as fast compared to
/// the 3 s pipeline and the 20 s BMS updates); the dynamics that matter are the BMS update rate,
/// the DVCC cycle, the PV inverter's delay and the cells themselves.

#include <cstddef>
#include <vector>

#include "sim/ess/pack.hpp"

namespace gxlink::sim::ess {

enum class GridMode { kGrid, kOffgrid };

struct PlantParams {
  GridMode mode = GridMode::kGrid;
  double inverter_max_w = 4000;
  double feed_in_limit_w = 3000;
  double inverter_efficiency = 0.95;
  double mppt_max_w = 5000;
  double mppt_offset_v =
      0.4;  ///< seeds/001 §1.5.3: "the MPPT solar charger will add 0.4V to the CVL"
  double dvcc_period_s = 3;
  double min_soc_pct = 10;       ///< ESS minimum SOC: below it the inverter does not discharge
  double acpv_delay_s = 10;      ///< PV inverter: reaction delay to a frequency change
  double acpv_ramp_per_s = 0.2;  ///< PV inverter: output change per second, fraction of available
  /// Power-frequency droop of the PV inverter: full power up to f_start, none at f_end.
  double f_nominal_hz = 50, f_start_hz = 50.2, f_end_hz = 51.5;
  /// The inverter/charger's frequency range and slew. The upper end is the "stop" frequency of
  /// Victron's frequency shifting (53 Hz in its PV Inverter Support assistant, 53.2 Hz on the
  /// Multi RS); the slew is an assumption (no maker publishes it).
  double f_max_hz = 53, f_slew_hz_per_s = 0.25;
  /// Grid-code behaviour of a grid-tie PV inverter (EN 50549-1 / VDE-AR-N 4105 style settings):
  /// over-frequency protection, the band the frequency must be back in, for how long, before it
  /// reconnects, and its soft-start gradient afterwards (10 % of rated power per minute).
  double acpv_trip_hz = 52.0, acpv_reconnect_max_hz = 50.1, acpv_reconnect_s = 60;
  double acpv_soft_start_per_s = 0.1 / 60;
};

struct Limits {
  double cvl_v = 0, ccl_a = 0, dcl_a = 0;
};

/// One step's outcome. Powers in W; pack current charging positive; grid import positive.
struct PlantSample {
  double pack_i_a = 0, pack_v = 0;
  double pv_w = 0;           ///< MPPT output (DC)
  double acpv_w = 0;         ///< AC-coupled PV inverter output
  double inverter_ac_w = 0;  ///< inverter/charger AC side, inverting positive
  double load_w = 0;         ///< load served
  double grid_w = 0;
  double freq_hz = 50;
  bool disconnected = false;  ///< the BMS opened its contactor (cell over/under voltage)
  bool blackout = false;      ///< off grid and the inverter is off
  bool acpv_tripped = false;  ///< off grid: the PV inverter is disconnected (protection/reconnect)
};

/// Energy over the run, J. Balance: pv + acpv + import - export - load
/// = through_ocv + resistive + inverter_loss, and through_ocv = stored + balancer.
struct EnergyAccount {
  double pv_j = 0, acpv_j = 0, import_j = 0, export_j = 0, load_j = 0;
  double inverter_loss_j = 0, resistive_j = 0, balancer_j = 0, through_ocv_j = 0;
};

class Plant {
 public:
  Plant(PlantParams p, Pack& pack, CellLimits limits);

  /// What the BMS sends now (0x351); the devices apply it at their next DVCC cycle.
  void set_bms_limits(const Limits& l) noexcept;
  /// Advances by dt with the given available PV power and AC load demand.
  PlantSample step(double t, double dt, double pv_avail_w, double load_w);
  const EnergyAccount& energy() const noexcept { return energy_; }
  const Limits& device_limits() const noexcept { return devices_; }
  /// Off grid: how often the PV inverter tripped on over-frequency.
  int acpv_trips() const noexcept { return acpv_trips_; }
  bool disconnected() const noexcept { return disconnected_; }

 private:
  PlantSample grid_step(double pv_avail_w, double load_w);
  PlantSample offgrid_step(double t, double dt, double pv_avail_w, double load_w);
  double dc_of_ac(double ac) const noexcept;
  double ac_of_dc(double dc) const noexcept;

  PlantParams p_;
  Pack& pack_;
  double trip_v_, cutoff_v_;
  Limits bms_{}, devices_{};
  bool have_limits_ = false;
  double next_dvcc_t_ = 0;
  bool disconnected_ = false;
  EnergyAccount energy_;
  // Off grid: the PV inverter's output and the frequency history it reacts to.
  double acpv_w_ = 0;
  double acpv_k_ = 1;
  double freq_hz_ = 50;  ///< the inverter/charger's output frequency (slew-limited)
  bool acpv_connected_ = true;
  bool acpv_soft_start_ = false;  ///< ramping up after a reconnect
  double acpv_in_band_s_ = 0;     ///< while disconnected: time the frequency has been normal
  int acpv_trips_ = 0;
  std::vector<double> freq_line_;
  std::size_t freq_head_ = 0;
};

}  // namespace gxlink::sim::ess
