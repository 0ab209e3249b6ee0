// SPDX-License-Identifier: MIT
#pragma once
/// Config for the charge controller (control::ControllerConfig): the `controller` table a section
/// may carry (every parameter, each optional over the chemistry's defaults), shared by the sections
/// that run the controller ([[canbms-bms]] policy = "controller").

#include <toml++/toml.h>

#include "control/charge_controller.hpp"
#include "registry/config_schema.hpp"

namespace gxlink::registry {

/// `controller = { ... }` / `[<section>.controller]`: every ControllerConfig member by name;
/// derating tables as arrays of [x, factor] pairs.
KeySchema controller_table_key();

/// defaults_for(chem, cells, capacity_ah), then every key `table` (may be null) sets. Throws
/// std::invalid_argument when the result fails ControllerConfig::check().
control::ControllerConfig controller_config_from(const toml::table* table, control::Chemistry chem,
                                                 int cells, double capacity_ah);

}  // namespace gxlink::registry
