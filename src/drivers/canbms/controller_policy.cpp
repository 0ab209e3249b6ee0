// SPDX-License-Identifier: MIT
#include "drivers/canbms/controller_policy.hpp"

#include <cmath>

namespace gxlink::drivers::canbms {

control::Measurement measurement_from(const gxlink::canbms::BatterySnapshot& b) {
  control::Measurement m;
  m.pack_v = b.voltage_v.value_or(0);
  m.current_a = b.current_a.value_or(0);
  m.soc_pct = b.soc_pct;
  m.cell_min_v = b.min_cell_voltage_v;
  m.cell_max_v = b.max_cell_voltage_v;
  m.temp_min_c = b.min_cell_temperature_c ? b.min_cell_temperature_c : b.temperature_c;
  m.temp_max_c = b.max_cell_temperature_c ? b.max_cell_temperature_c : b.temperature_c;
  return m;
}

ControllerLimitPolicy::ControllerLimitPolicy(control::ControllerConfig config,
                                             std::optional<double> battery_low_v)
    : controller_(std::move(config)), battery_low_v_(battery_low_v) {}

gxlink::canbms::LimitValues ControllerLimitPolicy::limits(const gxlink::canbms::BatterySnapshot& b,
                                                          TimePoint now) {
  const auto& c = controller_.config();
  if (!b.voltage_v || !std::isfinite(*b.voltage_v) || *b.voltage_v <= 0)
    return {c.nominal_cvl_v(control::ChargePhase::kFloat), 0, 0, battery_low_v_};
  const auto out = controller_.update(measurement_from(b), now);
  return {out.cvl_v, out.ccl_a, out.dcl_a, battery_low_v_};
}

}  // namespace gxlink::drivers::canbms
