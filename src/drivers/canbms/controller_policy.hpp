// SPDX-License-Identifier: MIT
#pragma once
/// `[[canbms-bms]] policy = "controller"`: the BMS role's limits come from
/// control::ChargeController fed with the battery data the role already reads (pack voltage,
/// current, SOC, cell extremes, temperatures). The session's safety rule is untouched: when the
/// source is lost it sends CCL = DCL = 0 and then stops, whatever the policy says.

#include <optional>

#include "control/charge_controller.hpp"
#include "protocols/canbms/bms_session.hpp"

namespace gxlink::drivers::canbms {

class ControllerLimitPolicy final : public gxlink::canbms::LimitPolicy {
 public:
  ControllerLimitPolicy(control::ControllerConfig config, std::optional<double> battery_low_v);

  /// Without a pack voltage there is nothing to control on: the float CVL with CCL = DCL = 0.
  gxlink::canbms::LimitValues limits(const gxlink::canbms::BatterySnapshot& b,
                                     TimePoint now) override;
  const control::ChargeController& controller() const noexcept { return controller_; }

 private:
  control::ChargeController controller_;
  std::optional<double> battery_low_v_;
};

/// The controller's input from a battery snapshot (cell data missing: the controller falls back to
/// pack voltage / cells; temperatures: cell extremes, else the battery temperature).
control::Measurement measurement_from(const gxlink::canbms::BatterySnapshot& b);

}  // namespace gxlink::drivers::canbms
