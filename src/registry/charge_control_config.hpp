// SPDX-License-Identifier: MIT
#pragma once
/// Config for the charge controller (control::ControllerConfig), shared by every section that runs
/// it ([[canbms-bms]] policy = "controller", [system.charge_control]): the battery's `chemistry`
/// and `cells`, and the `controller` table (every parameter, each optional over the chemistry's
/// defaults).

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

/// `chemistry = "lfp" | "nmc"` and `cells = 4..16`; `when` says when the section reads them.
KeySchema chemistry_key(const std::string& when);
KeySchema cells_key(const std::string& when);

/// The controller of a section that carries `chemistry`, `cells` and an optional `controller`
/// table: the chemistry's defaults, the table's keys, then the battery maker's `charge_voltage_v`
/// as the highest CVL (never guessed; a `controller.cell_charge_v` must say the same) and the
/// maximum currents the derating works down from (unless the table sets ccl_max_a / dcl_max_a).
/// Throws std::invalid_argument saying what is missing or wrong.
control::ControllerConfig controller_config_for(const toml::table& section, double charge_voltage_v,
                                                double charge_current_a,
                                                double discharge_current_a);

}  // namespace gxlink::registry
