// SPDX-License-Identifier: MIT
#include "registry/charge_control_config.hpp"

#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>

namespace gxlink::registry {
namespace {

using control::ControllerConfig;

struct NumberField {
  const char* name;
  double ControllerConfig::*member;
  const char* description;
  double min, max;
};

// One list drives the schema, the parser and (through the example config test) the docs.
constexpr std::array kNumbers{
    NumberField{"cell_charge_v", &ControllerConfig::cell_charge_v,
                "V per cell: bulk/absorption CVL", 1, 5},
    NumberField{"cell_float_v", &ControllerConfig::cell_float_v, "V per cell: float CVL", 1, 5},
    NumberField{"cell_target_v", &ControllerConfig::cell_target_v,
                "V: the highest cell is held at or below this", 1, 5},
    NumberField{"cell_float_target_v", &ControllerConfig::cell_float_target_v,
                "V: the same in float", 1, 5},
    NumberField{"cell_hysteresis_v", &ControllerConfig::cell_hysteresis_v,
                "V: band under the set-point in which the CVL holds", 0.001, 1},
    NumberField{"cell_protect_v", &ControllerConfig::cell_protect_v,
                "V: a cell at or above this sets CCL = 0", 1, 5},
    NumberField{"protect_delay_s", &ControllerConfig::protect_delay_s,
                "s a cell must stay at cell_protect_v before CCL = 0 (seeds/001 §1.5.4)", 0, 600},
    NumberField{"cell_min_v", &ControllerConfig::cell_min_v,
                "V per cell: the CVL never goes below cells × this", 1, 5},
    NumberField{"kp", &ControllerConfig::kp, "pack V per cell V of a new peak above the set-point",
                0, 100},
    NumberField{"ki", &ControllerConfig::ki, "pack V per (cell V × s)", 0, 10},
    NumberField{"max_rate_v_per_s", &ControllerConfig::max_rate_v_per_s,
                "V/s per cell: fastest rise of the CVL", 1e-6, 1},
    NumberField{"max_fall_v_per_s", &ControllerConfig::max_fall_v_per_s,
                "V/s per cell: fastest fall of the CVL", 1e-6, 1},
    NumberField{"lookahead_s", &ControllerConfig::lookahead_s,
                "s: look this far ahead along the highest cell's rise", 0, 600},
    NumberField{"update_period_s", &ControllerConfig::update_period_s,
                "s: the CVL changes at most this often (seeds/001 §1.5.3: about 20 s)", 1, 3600},
    NumberField{"cvl_resolution_v", &ControllerConfig::cvl_resolution_v,
                "V: CVL step (0x351 carries 0.1 V)", 0.001, 1},
    NumberField{"absorption_enter_cell_v", &ControllerConfig::absorption_enter_cell_v,
                "V per cell: bulk -> absorption", 1, 5},
    NumberField{"balanced_spread_v", &ControllerConfig::balanced_spread_v,
                "V: cells within this count as balanced", 0.001, 1},
    NumberField{"absorption_s", &ControllerConfig::absorption_s,
                "s balanced at the top (below the tail current) before float", 0, 86400},
    NumberField{"absorption_max_s", &ControllerConfig::absorption_max_s,
                "s: float after this long in absorption even if unbalanced", 0, 604800},
    NumberField{"absorption_tail_a", &ControllerConfig::absorption_tail_a,
                "A: absorption counts only below this charge current", 0, 6553.5},
    NumberField{"descend_min_charge_a", &ControllerConfig::descend_min_charge_a,
                "A: the CVL falls towards float only while charging with more than this", 0,
                6553.5},
    NumberField{"rebulk_soc_pct", &ControllerConfig::rebulk_soc_pct, "float -> bulk below this SOC",
                0, 100},
    NumberField{"rebulk_cell_v", &ControllerConfig::rebulk_cell_v,
                "V per cell: float -> bulk below this average...", 1, 5},
    NumberField{"rebulk_delay_s", &ControllerConfig::rebulk_delay_s, "...for this long", 0, 86400},
    NumberField{"ccl_max_a", &ControllerConfig::ccl_max_a, "A: CCL before derating", 0, 6553.5},
    NumberField{"dcl_max_a", &ControllerConfig::dcl_max_a, "A: DCL before derating", 0, 6553.5},
    NumberField{"ccl_full_floor", &ControllerConfig::ccl_full_floor,
                "SOC/cell-voltage derating never takes the CCL below this fraction", 0.001, 1},
};

struct TableField {
  const char* name;
  control::DerateTable ControllerConfig::*member;
  const char* description;
};

constexpr std::array kTables{
    TableField{"ccl_temperature", &ControllerConfig::ccl_temperature,
               "[[°C, factor], ...] for CCL"},
    TableField{"dcl_temperature", &ControllerConfig::dcl_temperature,
               "[[°C, factor], ...] for DCL"},
    TableField{"ccl_soc", &ControllerConfig::ccl_soc, "[[SOC %, factor], ...] for CCL"},
    TableField{"dcl_soc", &ControllerConfig::dcl_soc, "[[SOC %, factor], ...] for DCL"},
    TableField{"ccl_cell_v", &ControllerConfig::ccl_cell_v,
               "[[highest cell V, factor], ...] for CCL"},
    TableField{"dcl_cell_v", &ControllerConfig::dcl_cell_v,
               "[[lowest cell V, factor], ...] for DCL"},
};

/// Reads [[x, factor], ...]; "" and the table, or what is wrong.
std::string read_table(const toml::node& n, control::DerateTable& out) {
  const auto* arr = n.as_array();
  if (!arr) return "must be an array of [x, factor] pairs";
  control::DerateTable t;
  for (const auto& e : *arr) {
    const auto* pair = e.as_array();
    if (!pair || pair->size() != 2) return "each entry must be a pair [x, factor]";
    auto x = (*pair)[0].value<double>(), f = (*pair)[1].value<double>();
    if (!x || !f) return "each entry must hold two numbers";
    t.x.push_back(*x);
    t.factor.push_back(*f);
  }
  if (auto e = t.check(); !e.empty()) return e;
  out = std::move(t);
  return {};
}

}  // namespace

KeySchema controller_table_key() {
  auto fields = std::make_shared<SectionSchema>();
  fields->name = "controller";
  fields->form = SectionForm::kTable;
  fields->description = "charge controller parameters, each over the chemistry's defaults";
  for (const auto& f : kNumbers)
    fields->keys.push_back({.name = f.name,
                            .type = ValueType::kFloat,
                            .description = f.description,
                            .min = f.min,
                            .max = f.max});
  for (const auto& f : kTables)
    fields->keys.push_back({.name = f.name,
                            .type = ValueType::kArray,
                            .description = f.description,
                            .check = [](const toml::node& n) {
                              control::DerateTable t;
                              return read_table(n, t);
                            }});
  return {.name = "controller",
          .type = ValueType::kTable,
          .description = "policy = \"controller\": its parameters (all optional)",
          .fields = fields};
}

ControllerConfig controller_config_from(const toml::table* table, control::Chemistry chem,
                                        int cells, double capacity_ah) {
  ControllerConfig c = control::defaults_for(chem, cells, capacity_ah);
  if (table) {
    for (const auto& f : kNumbers)
      if (auto v = (*table)[f.name].value<double>()) c.*(f.member) = *v;
    for (const auto& f : kTables)
      if (const auto* n = table->get(f.name))
        if (auto e = read_table(*n, c.*(f.member)); !e.empty())
          throw std::invalid_argument(std::string("controller.") + f.name + ": " + e);
  }
  if (auto e = c.check(); !e.empty()) throw std::invalid_argument("controller: " + e);
  return c;
}

KeySchema chemistry_key(const std::string& when) {
  return {.name = "chemistry",
          .type = ValueType::kString,
          .description = when + ": lfp or nmc (its safe per-cell defaults)",
          .choices = {"lfp", "nmc"}};
}

KeySchema cells_key(const std::string& when) {
  return {.name = "cells",
          .type = ValueType::kInteger,
          .description = when + ": cells in series",
          .min = 4,
          .max = 16};
}

ControllerConfig controller_config_for(const toml::table& section, double charge_voltage_v,
                                       double charge_current_a, double discharge_current_a) {
  auto chem = control::chemistry_from_string(section["chemistry"].value_or(std::string()));
  auto cells = section["cells"].value<std::int64_t>();
  if (!chem || !cells || *cells < 4 || *cells > 16)
    throw std::invalid_argument(
        "the charge controller needs chemistry = \"lfp\" or \"nmc\" and cells = 4..16");
  const auto n = static_cast<double>(*cells);
  const toml::table* table = section["controller"].as_table();
  auto cc = controller_config_from(table, *chem, static_cast<int>(*cells), 100);
  // charge_voltage stays the battery maker's CVL (never guessed) and is the controller's highest;
  // a per-cell value in the controller table must say the same.
  if (table && table->contains("cell_charge_v") &&
      std::abs(cc.cell_charge_v * n - charge_voltage_v) > 0.05)
    throw std::invalid_argument("charge_voltage and controller.cell_charge_v × cells disagree");
  cc.cell_charge_v = charge_voltage_v / n;
  // charge_current / discharge_current are the maxima the derating works down from.
  if (!table || !table->contains("ccl_max_a")) cc.ccl_max_a = charge_current_a;
  if (!table || !table->contains("dcl_max_a")) cc.dcl_max_a = discharge_current_a;
  if (auto e = cc.check(); !e.empty()) throw std::invalid_argument("controller: " + e);
  return cc;
}

}  // namespace gxlink::registry
