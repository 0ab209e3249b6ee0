// SPDX-License-Identifier: MIT
#pragma once
/// A shared DC bank for simulators that sit on the same battery (issue 12 item 7: the demo's 48 V
/// house bank, "with DC currents that add up"). Each source or load puts its present current in
/// (positive = into the battery, venus_os.md §5.3 sign conventions); whatever measures the
/// battery (a shunt, a BMS) reads the sum, and every device reads the same bank voltage. The
/// owner (the demo) advances the state of charge with step().
///
/// The bank is the LiFePO4 model the VE.Direct MPPT simulator uses for its own battery: an
/// open-circuit voltage rising with the SOC and steeply above 90 %, and 5 mΩ per 12 V in series.
/// Plain data on the daemon's one loop: no locking.

#include <algorithm>
#include <functional>
#include <map>
#include <string>

namespace gxlink::sim {

struct DcBus {
  int nominal_voltage = 48;
  double capacity_ah = 200;
  double soc = 0.62;       ///< 0..1
  double time_scale = 30;  ///< the demo compresses time: SOC moves this much faster than real

  /// Present current of each contributor by name, positive into the battery.
  std::map<std::string, double, std::less<>> currents;

  double k() const { return nominal_voltage / 12.0; }
  /// Open-circuit voltage at the present SOC.
  double ocv() const { return (12.4 + 1.0 * soc + std::max(0.0, soc - 0.9) * 12.0) * k(); }
  /// Series resistance of the bank.
  double resistance() const { return 0.005 * k(); }
  /// What a battery monitor on the bank measures: the sum of every contributor.
  double battery_current() const {
    double sum = 0;
    for (const auto& [name, i] : currents) sum += i;
    return sum;
  }
  /// The terminal voltage with the present currents.
  double voltage() const { return ocv() + resistance() * battery_current(); }
  void set_current(const std::string& who, double amps) { currents[who] = amps; }
  /// Advances the state of charge over `dt` real seconds.
  void step(double dt) {
    soc = std::clamp(soc + battery_current() * dt / 3600.0 / capacity_ah * time_scale, 0.05, 1.0);
  }
};

}  // namespace gxlink::sim
