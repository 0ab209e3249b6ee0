// SPDX-License-Identifier: MIT
#pragma once
/// The charge-limit policies the simulator compares (issue 16 item 5):
/// - controller: control::ChargeController;
/// - naive-static: a hard-coded CVL and CCL = 0 once the battery or one cell is full, the
///   "typical AC-coupled" BMS of seeds/001 §1.5.2;
/// - v-minus-constant: once full, CVL = measured pack voltage minus a constant, which seeds/001
///   §1.5.3 says "should be avoided".

#include <memory>
#include <optional>
#include <string_view>

#include "control/charge_controller.hpp"
#include "sim/ess/plant.hpp"

namespace gxlink::sim::ess {

enum class PolicyKind { kController, kNaiveStatic, kVMinusConstant };
const char* to_string(PolicyKind p) noexcept;
std::optional<PolicyKind> policy_from_string(std::string_view s) noexcept;

class Policy {
 public:
  virtual ~Policy() = default;
  /// The limits the BMS sends at time `t_s` (called once a second).
  virtual Limits decide(const control::Measurement& m, double t_s) = 0;
  /// The controller's phase, for the trace (0 bulk, 1 absorption, 2 float); -1 if none.
  virtual int phase() const { return -1; }
};

/// `config` gives every policy the same nominal voltages and currents, so only the law differs.
std::unique_ptr<Policy> make_policy(PolicyKind kind, const control::ControllerConfig& config);

}  // namespace gxlink::sim::ess
