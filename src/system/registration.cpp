// SPDX-License-Identifier: MIT
// The system layer's components (issue 12). DVCC (order 10), the Multi's SOC and extra current
// (15) and notifications (20) register here beside systemcalc, which runs first because they read
// its battery and BMS choice.
#include <optional>
#include <stdexcept>

#include "registry/charge_control_config.hpp"
#include "registry/registry.hpp"
#include "system/dvcc.hpp"
#include "system/notifications.hpp"
#include "system/systemcalc.hpp"
#include "system/vebus_soc_writer.hpp"

namespace gxlink::registry {
namespace {

constexpr const char* kWhen = "enabled = true";

/// `[system.charge_control]` → the controller DVCC runs, or nothing when it is absent or off.
/// The battery maker's values are required as in [[canbms-bms]] policy = "controller", and parsed
/// by the same code (controller_config_for). Throws std::invalid_argument saying what is wrong.
std::optional<control::ControllerConfig> charge_control_from(const toml::table* t) {
  if (!t || !(*t)["enabled"].value_or(false)) return std::nullopt;
  auto cvl = (*t)["charge_voltage"].value<double>();
  auto ccl = (*t)["charge_current"].value<double>();
  auto dcl = (*t)["discharge_current"].value<double>();
  if (!cvl || !ccl || !dcl)
    throw std::invalid_argument(
        "enabled = true needs charge_voltage (the battery maker's, never guessed), "
        "charge_current and discharge_current");
  return controller_config_for(*t, *cvl, *ccl, *dcl);
}

KeySchema charge_control_key() {
  auto fields = std::make_shared<SectionSchema>();
  fields->name = "charge_control";
  fields->form = SectionForm::kTable;
  fields->description = "gxlink's charge controller in DVCC (issue 16)";
  fields->keys = {
      bool_key("enabled",
               "true: DVCC runs the charge controller for an active battery that sends no limits "
               "of its own (default false: as Venus, no limits without a BMS)"),
      chemistry_key(kWhen),
      cells_key(kWhen),
      {.name = "charge_voltage",
       .type = ValueType::kFloat,
       .description = "V, from the battery maker's manual (never guessed): the highest CVL",
       .min = 0,
       .max = 1000,
       .min_exclusive = true},
      {.name = "charge_current",
       .type = ValueType::kFloat,
       .description = "A: the CCL before derating",
       .min = 0,
       .max = 6553.5},
      {.name = "discharge_current",
       .type = ValueType::kFloat,
       .description = "A: the DCL before derating",
       .min = 0,
       .max = 6553.5},
      controller_table_key(),
  };
  return {.name = "charge_control",
          .type = ValueType::kTable,
          .description = "DVCC's limits from gxlink's charge controller when no BMS sends any",
          .check = [](const toml::node& n) -> std::string {
            charge_control_from(n.as_table());  // throws what is wrong with the keys together
            return {};
          },
          .fields = fields};
}

}  // namespace

void register_system(Registry& r) {
  r.systems["systemcalc"] = {[](const toml::table&, system::SystemContext& ctx) {
                               return std::make_unique<system::SystemCalc>(ctx);
                             },
                             0};
  r.systems["dvcc"] = {[](const toml::table& cfg, system::SystemContext& ctx) {
                         system::DvccOptions o;
                         o.charge_control = charge_control_from(cfg["charge_control"].as_table());
                         return std::make_unique<system::Dvcc>(ctx, std::move(o));
                       },
                       10,
                       {charge_control_key()}};
  r.systems["vebus-soc"] = {[](const toml::table&, system::SystemContext& ctx) {
                              return std::make_unique<system::VebusSocWriter>(ctx);
                            },
                            15};
  r.systems["notifications"] = {[](const toml::table&, system::SystemContext& ctx) {
                                  return std::make_unique<system::Notifications>(ctx);
                                },
                                20};
}

}  // namespace gxlink::registry
