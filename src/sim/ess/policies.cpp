// SPDX-License-Identifier: MIT
#include "sim/ess/policies.hpp"

#include <cmath>

namespace gxlink::sim::ess {

const char* to_string(PolicyKind p) noexcept {
  switch (p) {
    case PolicyKind::kController: return "controller";
    case PolicyKind::kNaiveStatic: return "naive-static";
    case PolicyKind::kVMinusConstant: return "v-minus-constant";
  }
  return "?";
}

std::optional<PolicyKind> policy_from_string(std::string_view s) noexcept {
  for (auto k : {PolicyKind::kController, PolicyKind::kNaiveStatic, PolicyKind::kVMinusConstant})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

namespace {

class ControllerPolicy final : public Policy {
 public:
  explicit ControllerPolicy(const control::ControllerConfig& c) : controller_(c) {}
  Limits decide(const control::Measurement& m, double t_s) override {
    const auto out = controller_.update(m, time_from_seconds(t_s));
    return {out.cvl_v, out.ccl_a, out.dcl_a};
  }
  int phase() const override { return static_cast<int>(controller_.phase()); }

 private:
  control::ChargeController controller_;
};

/// "Full" as such BMSes see it (seeds/001 §1.5.2): the pack at 99 % SOC or one cell fully charged
/// (at the charge voltage, LFP 3.45 V, NMC 4.10 V); charging resumes below 95 % SOC or when every
/// cell has sunk to the float voltage.
class FullLatch {
 public:
  explicit FullLatch(const control::ControllerConfig& c) : c_(c) {}
  bool update(const control::Measurement& m) {
    const double cell_max = m.cell_max_v.value_or(m.pack_v / c_.cells);
    const double soc = m.soc_pct.value_or(50);
    if (!full_ && (cell_max >= c_.cell_charge_v + 0.005 || soc >= 99))
      full_ = true;
    else if (full_ && (soc < 95 || cell_max < c_.cell_float_v))
      full_ = false;
    return full_;
  }

 private:
  const control::ControllerConfig& c_;
  bool full_ = false;
};

class NaiveStaticPolicy final : public Policy {
 public:
  explicit NaiveStaticPolicy(const control::ControllerConfig& c) : c_(c), full_(c_) {}
  Limits decide(const control::Measurement& m, double) override {
    return {c_.nominal_cvl_v(control::ChargePhase::kBulk), full_.update(m) ? 0.0 : c_.ccl_max_a,
            c_.dcl_max_a};
  }

 private:
  control::ControllerConfig c_;
  FullLatch full_;
};

class VMinusConstantPolicy final : public Policy {
 public:
  explicit VMinusConstantPolicy(const control::ControllerConfig& c) : c_(c), full_(c_) {}
  Limits decide(const control::Measurement& m, double t_s) override {
    const bool full = full_.update(m);
    if (!full) {
      cvl_ = c_.nominal_cvl_v(control::ChargePhase::kBulk);
    } else if (!was_full_ || t_s - last_t_ >= c_.update_period_s) {
      // Even updated only every 20 s, this follows the pack down: seeds/001 §1.5.3.
      cvl_ = m.pack_v - kOffsetPerCellV * c_.cells;
      last_t_ = t_s;
    }
    was_full_ = full;
    return {cvl_, c_.ccl_max_a, c_.dcl_max_a};
  }

 private:
  static constexpr double kOffsetPerCellV = 0.0125;  // 0.2 V for 16 cells
  control::ControllerConfig c_;
  FullLatch full_;
  bool was_full_ = false;
  double cvl_ = 0, last_t_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_policy(PolicyKind kind, const control::ControllerConfig& config) {
  switch (kind) {
    case PolicyKind::kController: return std::make_unique<ControllerPolicy>(config);
    case PolicyKind::kNaiveStatic: return std::make_unique<NaiveStaticPolicy>(config);
    case PolicyKind::kVMinusConstant: return std::make_unique<VMinusConstantPolicy>(config);
  }
  return nullptr;
}

}  // namespace gxlink::sim::ess
