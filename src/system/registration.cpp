// SPDX-License-Identifier: MIT
// The system layer's components (issue 12). DVCC (order 10) and notifications (order 20) register
// here beside systemcalc, which runs first because they read its battery and BMS choice.
#include "registry/registry.hpp"
#include "system/dvcc.hpp"
#include "system/notifications.hpp"
#include "system/systemcalc.hpp"

namespace gxlink::registry {

void register_system(Registry& r) {
  r.systems["systemcalc"] = {[](const toml::table&, system::SystemContext& ctx) {
                               return std::make_unique<system::SystemCalc>(ctx);
                             },
                             0};
  r.systems["dvcc"] = {[](const toml::table&, system::SystemContext& ctx) {
                         return std::make_unique<system::Dvcc>(ctx);
                       },
                       10};
  r.systems["notifications"] = {[](const toml::table&, system::SystemContext& ctx) {
                                  return std::make_unique<system::Notifications>(ctx);
                                },
                                20};
}

}  // namespace gxlink::registry
