// SPDX-License-Identifier: MIT
#pragma once
/// DVCC: passes the active BMS's limits (CVL/CCL/DCL) to every charger, as Venus'
/// dbus-systemcalc-py delegates/dvcc.py and batterysense.py do (venus_os.md §5.4, issue 12 item 4;
/// rules read from v2.256, MIT, and ported, not copied). It reads the model and systemcalc's
/// battery and BMS choice, writes into devices only through Model::write and only to paths the
/// device has, and publishes its status (/Control/*, /Dvcc/*) on com.victronenergy.system.
///
/// Where gxlink is stricter than Venus (issue 12 "Safety rule"): the BMS's CCL bounds the total
/// charge current of every source. Measured current of sources DVCC cannot set (alternators and
/// DC-DC converters without /Link/ChargeCurrent, chargers it cannot set, uncontrollable solar
/// chargers) is taken off before the controllable chargers' budget and before the Multi's share.
///
/// gxlink's own addition (issue 16): with `[system.charge_control] enabled = true`, when no BMS
/// is selected and the active battery publishes no limits of its own (no /Info/MaxChargeVoltage),
/// DVCC runs the charge controller (control::ChargeController) on that battery's measurements and
/// distributes its CVL/CCL/DCL exactly as a BMS's. Venus' DVCC without a BMS sends no charge
/// voltage at all (venus_os.md §5.4 steps 1 and 8: only the user's current limit), so this never
/// happens unless configured, and its status says where the limits come from
/// (/Dvcc/ChargeControl/*).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "control/charge_controller.hpp"
#include "system/component.hpp"

namespace gxlink::system {

/// What the quirks table reads from the BMS (delegates/batteryservice.py Battery properties).
struct BmsReading {
  std::int64_t product_id = 0;
  std::optional<double> cvl;  ///< /Info/MaxChargeVoltage
  std::optional<double> ccl;  ///< /Info/MaxChargeCurrent
  std::optional<double> voltage;
  std::optional<double> capacity;  ///< /InstalledCapacity
  std::optional<double> max_cell;
  std::optional<double> min_cell;
  bool charge_voltage_control = false;  ///< /Capabilities/ChargeVoltageControl == 1
};

struct QuirkResult {
  std::optional<double> cv;
  std::optional<double> ccl;
  bool stop_on_mcc0 = false;
  bool quick_adjust = false;
};

/// The quirks table (dvcc.py BEHAVIOURS, keyed by the BMS's /ProductId). `pylontech_cv` is the
/// Pylontech 15-cell filter's state (starts at 52.5 V), updated when that rule runs.
QuirkResult apply_quirks(const BmsReading& bms, double& pylontech_cv);

/// One controllable charger in the current sharing: its capacity (/Settings/ChargeCurrentLimit),
/// its present limit (/Link/ChargeCurrent; updated) and its smoothed current.
struct ShareCharger {
  double currentlimit;
  double maxchargecurrent;
  double smoothed;
};

/// Shares `mcc` among two or more chargers by headroom (dvcc.py _distribute_current): each gets
/// the same fraction P = (mcc − actual) ÷ (capacity − actual) of its room to grow, rounded to
/// 0.1 A with the rounding error carried to the next. Leaves the limits alone when the chargers
/// already run at capacity.
void distribute_current(std::vector<ShareCharger>& chargers, double mcc);

/// Venus' low-pass filter (dvcc.py LowPassFilter): v += (x − v)·ω.
struct LowPass {
  double omega;
  double value = 0;
  double update(double x) { return value += (x - value) * omega; }
};

struct DvccOptions {
  /// [system.charge_control]: the controller DVCC runs for an active battery without limits of
  /// its own; nullopt (the default) leaves DVCC as Venus' (no limits without a BMS).
  std::optional<control::ControllerConfig> charge_control;
};

class Dvcc : public SystemComponent {
 public:
  explicit Dvcc(SystemContext& ctx, DvccOptions options = {})
      : ctx_(ctx), options_(std::move(options)) {}

  std::string_view name() const override { return "dvcc"; }
  void start() override;
  void on_tick(TimePoint now) override;
  void stop() override;

  /// Seconds between control writes (dvcc.py ADJUST: "keep this at 3 and above", the solar
  /// chargers switch to HEX mode on each write). Every controlled path is written each cycle,
  /// changed or not: a charger in BMS mode needs it at least every 60 s or raises error #67.
  static constexpr double kAdjustSeconds = 3.0;

 private:
  void publish_off();
  void update_filters();
  /// Feeds the charge controller (each second) from the battery it runs on; leaves
  /// `controller_out_` empty when it has nothing to run on or that battery's data is lost.
  void update_controller(TimePoint now);
  void publish_controller();
  void cycle();
  void write(std::string_view service, std::string_view path, const model::Value& v);
  void set_status(std::string_view path, const model::Value& v);

  SystemContext& ctx_;
  DvccOptions options_;
  model::Service* system_ = nullptr;
  /// The charge controller and the battery service it runs on (reset when that battery changes
  /// or its data is lost: it starts again from bulk, as after a restart).
  std::optional<control::ChargeController> controller_;
  std::string controller_battery_;
  bool controller_cells_seen_ = false;  ///< that battery has published its cell extremes
  std::optional<control::ControlOutput> controller_out_;  ///< this second's limits, if any
  std::optional<TimePoint> controller_t_;                 ///< when it last ran
  std::optional<TimePoint> last_cycle_;
  bool multi_unlimited_ = false;  ///< 10000 A written to the Multi since its last limit
  /// Smoothed /Dc/0/Current per charger (dvcc.py SolarCharger._smoothed_current, ω = 2π/20).
  std::map<std::string, LowPass, std::less<>> smoothed_;
  LowPass vebus_dc_{2 * 3.141592653589793 / 30};  ///< the Multi's DC current, capped at −capacity
  LowPass dcsys_{2 * 3.141592653589793 / 20};     ///< the measured DC-system current
  double pylontech_cv_ = 52.5;
  bool bms_seen_ = false;
};

}  // namespace gxlink::system
