// SPDX-License-Identifier: MIT
#pragma once
/// A dynamic CVL/CCL/DCL charge controller for a battery built from cells (issue 16).
///
/// Victron's advice (seeds/001 §1.5.3): when the battery wants less charge, lower the CVL rather
/// than sending CCL = 0 (which curtails the solar chargers), never drop the CVL below what the pack
/// holds (the system then discharges the battery to that set-point), avoid "measured voltage minus
/// a constant", keep the loop slow and stable and do not update more often than about every 20 s.
///
/// What it does, every call (time is an input; no clock, no I/O, no logging):
/// - Phases bulk -> absorption -> float from pack and cell state, back to bulk on re-bulk rules.
/// - The CVL is the phase's nominal pack voltage, lowered by a PI controller on the highest cell
///   voltage when that cell reaches its limit. The PI has a hysteresis band (no action while the
///   highest cell is inside [target - hysteresis, target]), a P term on new peaks only, anti-windup
///   (its term is clamped between the floor and the ceiling), a bounded rate of change, and the
///   output is published at most once per update period, rounded down to the CAN resolution (0x351:
///   0.1 V).
/// - CCL/DCL are the configured maxima times derating factors (temperature, SOC, cell voltage).
///   SOC and cell-voltage factors never take the CCL below a floor merely because the battery is
///   full; only a cell at its protection voltage or a temperature table can take it to 0.

#include <optional>
#include <string>
#include <string_view>

#include "control/derating.hpp"
#include "core/time.hpp"

namespace gxlink::control {

enum class Chemistry { kLfp, kNmc };
const char* to_string(Chemistry c) noexcept;
std::optional<Chemistry> chemistry_from_string(std::string_view s) noexcept;

enum class ChargePhase { kBulk, kAbsorption, kFloat };
const char* to_string(ChargePhase p) noexcept;

/// Every parameter of the controller. Cell voltages in V per cell; pack values are derived with
/// `cells`. defaults_for() gives safe values per chemistry; config may override each one.
struct ControllerConfig {
  int cells = 16;                     ///< cells in series, 4..16 (checked by check())
  double cell_charge_v = 3.45;        ///< bulk/absorption nominal CVL per cell
  double cell_float_v = 3.375;        ///< float nominal CVL per cell
  double cell_target_v = 3.45;        ///< PI set-point: the highest cell is held at or below this
  double cell_float_target_v = 3.45;  ///< PI set-point in float (= cell_target_v: float must not
                                      ///< pull a cell down, that discharges the pack)
  double cell_hysteresis_v = 0.10;    ///< band below the set-point in which the PI holds still
  double cell_protect_v = 3.60;       ///< at or above: CCL = 0 (protection, not "full")...
  /// ...once a cell has stayed there this long. seeds/001 §1.5.4: off grid, a load switched off
  /// while the AC-coupled PV is producing pushes PV into a full battery until the PV inverter has
  /// reacted to the frequency shift; the IR rise of that surge must not count as an over-voltage
  /// ("not too quickly switch the battery off on cell over voltage"), and a CCL = 0 then would
  /// make the inverter/charger shut the PV inverter down altogether. The cell-voltage derating
  /// still cuts the CCL to its floor at once; the BMS's own trip voltage stays instant.
  double protect_delay_s = 30;
  double cell_min_v = 2.90;           ///< lower bound for the CVL (never below cells × this)
  double kp = 2.0;                    ///< pack V per cell V of error
  double ki = 0.05;                   ///< pack V per (cell V × s)
  double max_rate_v_per_s = 0.0005;   ///< per cell: bound on how fast the CVL may rise
  double max_fall_v_per_s = 0.002;    ///< per cell: bound on how fast the CVL may fall
  /// The upper side of the error looks this far ahead along the highest cell's rise (a smoothed
  /// slope), so the CVL starts to fall before a cell racing up the knee overshoots.
  double lookahead_s = 30;
  double update_period_s = 20;    ///< seeds/001 §1.5.3: "not ... more than once every 20 s"
  double cvl_resolution_v = 0.1;  ///< 0x351 encodes CVL in 0.1 V
  double absorption_enter_cell_v = 3.40;  ///< bulk -> absorption when the pack averages this
  double balanced_spread_v = 0.03;        ///< cells within this count as balanced
  double absorption_s = 900;              ///< balanced and at the top this long -> float
  double absorption_tail_a = 5;           ///< "at the top" also needs the charge current below this
  double absorption_max_s = 7200;  ///< float after this long in absorption even if unbalanced
  double rebulk_soc_pct = 90;      ///< float -> bulk below this SOC
  double rebulk_cell_v = 3.20;     ///< float -> bulk when the pack averages below this...
  double rebulk_delay_s = 60;      ///< ...for this long
  /// The CVL descends towards a lower phase voltage (float) only while the pack charges with more
  /// than this, so the descent never discharges the battery (seeds/001 §1.5.3: a CVL below the
  /// pack's voltage makes the system discharge it). A cell above its set-point still lowers it.
  double descend_min_charge_a = 1;
  double ccl_max_a = 100;
  double dcl_max_a = 100;
  double ccl_full_floor = 0.05;  ///< SOC/cell-voltage derating never goes below this factor
  DerateTable ccl_temperature{{0, 2, 5, 10, 40, 45, 50, 55}, {0, 0.25, 0.5, 1, 1, 0.5, 0.25, 0}};
  DerateTable dcl_temperature{{-20, -10, 0, 45, 55, 60}, {0, 0.25, 1, 1, 0.25, 0}};
  DerateTable ccl_soc{{85, 90, 95, 98}, {1, 0.5, 0.2, 0.1}};
  DerateTable dcl_soc{{5, 10, 15, 20}, {0.1, 0.2, 0.5, 1}};
  DerateTable ccl_cell_v{{3.40, 3.45, 3.50, 3.55}, {1, 0.25, 0.1, 0.05}};
  DerateTable dcl_cell_v{{2.80, 2.90, 3.00, 3.10}, {0, 0.05, 0.25, 1}};

  double nominal_cvl_v(ChargePhase p) const noexcept;
  /// "" if every value is usable, else the first problem found.
  std::string check() const;
};

/// Safe defaults for `cells` cells of `chem` (LFP: 3.45/3.375 V charge/float, trip 3.65 V; NMC:
/// 4.10/4.00 V, trip 4.25 V) and currents for a `capacity_ah` battery (0.5 C charge, 1 C
/// discharge).
ControllerConfig defaults_for(Chemistry chem, int cells, double capacity_ah = 100);

/// What the controller reads each call. Missing cell data makes it fall back to pack voltage /
/// cells.
struct Measurement {
  double pack_v = 0;
  double current_a = 0;  ///< charging positive
  std::optional<double> soc_pct;
  std::optional<double> cell_min_v, cell_max_v;
  std::optional<double> temp_min_c, temp_max_c;
};

struct ControlOutput {
  double cvl_v = 0;
  double ccl_a = 0;
  double dcl_a = 0;
  ChargePhase phase = ChargePhase::kBulk;
};

class ChargeController {
 public:
  explicit ChargeController(ControllerConfig c);

  /// Advances the controller to `now` (calls may come at any rate; 1 s is typical) and returns the
  /// limits to send. The CVL changes at most once per update period.
  ControlOutput update(const Measurement& m, TimePoint now);

  ChargePhase phase() const noexcept { return phase_; }
  const ControllerConfig& config() const noexcept { return config_; }
  /// The unrounded, rate-limited CVL the PI is driving (for traces and tests).
  double internal_cvl_v() const noexcept { return cvl_; }
  /// The pack resistance learned from the CVL's own steps down, if any yet.
  std::optional<double> learned_resistance_ohm() const noexcept { return r_est_; }

 private:
  void step_phase(const Measurement& m, double cell_max, double cell_min, double t);
  double current_limits(const Measurement& m, double cell_max, double cell_min, bool charge) const;

  ControllerConfig config_;
  ChargePhase phase_ = ChargePhase::kBulk;
  std::optional<double> last_t_;
  double integral_ = 0;  ///< pack V, <= 0: how far the PI has lowered the CVL below the ceiling
  double error_peak_ = 0;
  std::optional<double> last_cell_max_;
  double cell_slope_ =
      0;  ///< V/s, smoothed  ///< most negative error since the cell was last at or below target
  double cvl_ = 0;      ///< rate-limited CVL before rounding
  double ceiling_ = 0;  ///< the phase voltage the PI works below (descends only while charging)
  std::optional<ControlOutput> last_output_;  ///< what was last published
  double published_t_ = 0;
  bool limits_initialised_ = false;
  double limits_t_ = 0;
  double absorption_since_ = 0;
  double balanced_for_s_ = 0;
  double rebulk_low_for_s_ = 0;
  double protect_for_s_ = 0;  ///< how long the highest cell has been at or above cell_protect_v
  /// The last published step down, and the current before it (for the resistance estimate).
  struct Step {
    double current_a, dv;  ///< dv: the part of the step below the pack's voltage
  };
  std::optional<Step> step_;
  std::optional<double> r_est_;  ///< pack resistance (Ω) as seen through the CVL's own steps
  std::optional<double> float_entry_soc_;
};

}  // namespace gxlink::control
