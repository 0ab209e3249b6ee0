// SPDX-License-Identifier: MIT
#include "publishers/history/history_paths.hpp"

#include <array>

namespace gxlink::publishers::history {
namespace {

// The paths a GX owner looks back at (what VRM's standard graphs plot: battery voltage, current,
// power and SOC, PV, AC in and out, and the charger/inverter state), per Venus service type. Names
// are Venus D-Bus paths (seed 003). Deadbands are about one displayed digit of the path's Venus
// format, so sensor noise below what the GUI shows is not stored.
const std::array kDefaults = {
    // com.victronenergy.system (systemcalc): the whole system in a few series.
    PathRule{"system", "/Dc/Battery/Voltage", 0.01},
    PathRule{"system", "/Dc/Battery/Current", 0.1},
    PathRule{"system", "/Dc/Battery/Power", 1},
    PathRule{"system", "/Dc/Battery/Soc", 0.1},
    PathRule{"system", "/Dc/Battery/State", 0},
    PathRule{"system", "/Dc/Pv/Power", 1},
    PathRule{"system", "/Dc/System/Power", 1},
    PathRule{"system", "/Ac/Consumption/L*/Power", 1},
    PathRule{"system", "/Ac/Grid/L*/Power", 1},
    PathRule{"system", "/Ac/Genset/L*/Power", 1},
    PathRule{"system", "/SystemState/State", 0},
    // batteries (BMV/SmartShunt, CAN-bus BMS, CANopen, Lynx): the measurement and the BMS limits.
    PathRule{"battery", "/Dc/0/Voltage", 0.01},
    PathRule{"battery", "/Dc/0/Current", 0.1},
    PathRule{"battery", "/Dc/0/Power", 1},
    PathRule{"battery", "/Dc/0/Temperature", 0.1},
    PathRule{"battery", "/Soc", 0.1},
    PathRule{"battery", "/Info/MaxChargeVoltage", 0.01},
    PathRule{"battery", "/Info/MaxChargeCurrent", 0.1},
    PathRule{"battery", "/Info/MaxDischargeCurrent", 0.1},
    // MPPT solar chargers.
    PathRule{"solarcharger", "/Pv/V", 0.1},
    PathRule{"solarcharger", "/Yield/Power", 1},
    PathRule{"solarcharger", "/Dc/0/Voltage", 0.01},
    PathRule{"solarcharger", "/Dc/0/Current", 0.1},
    PathRule{"solarcharger", "/State", 0},
    // Multi/Quattro (VE.Bus): AC in and out, DC side, state.
    PathRule{"vebus", "/Ac/ActiveIn/L*/V", 0.1},
    PathRule{"vebus", "/Ac/ActiveIn/L*/P", 1},
    PathRule{"vebus", "/Ac/Out/L*/V", 0.1},
    PathRule{"vebus", "/Ac/Out/L*/P", 1},
    PathRule{"vebus", "/Dc/0/Voltage", 0.01},
    PathRule{"vebus", "/Dc/0/Current", 0.1},
    PathRule{"vebus", "/State", 0},
    // Inverters, chargers, DC-DC converters and alternators (VE.Direct, VE.Can).
    PathRule{"inverter", "/Ac/Out/L*/V", 0.1},
    PathRule{"inverter", "/Ac/Out/L*/P", 1},
    PathRule{"inverter", "/Dc/0/Voltage", 0.01},
    PathRule{"inverter", "/State", 0},
    PathRule{"charger", "/Dc/0/Voltage", 0.01},
    PathRule{"charger", "/Dc/0/Current", 0.1},
    PathRule{"charger", "/State", 0},
    PathRule{"dcdc", "/Dc/0/Voltage", 0.01},
    PathRule{"dcdc", "/Dc/0/Current", 0.1},
    PathRule{"dcdc", "/State", 0},
    PathRule{"alternator", "/Dc/0/Voltage", 0.01},
    PathRule{"alternator", "/Dc/0/Power", 1},
    // AC meters and PV inverters.
    PathRule{"grid", "/Ac/Power", 1},
    PathRule{"genset", "/Ac/Power", 1},
    PathRule{"acload", "/Ac/Power", 1},
    PathRule{"pvinverter", "/Ac/Power", 1},
    // Tanks and temperature sensors.
    PathRule{"tank", "/Level", 0.1},
    PathRule{"temperature", "/Temperature", 0.1},
};

}  // namespace

std::span<const PathRule> default_path_rules() { return kDefaults; }

std::optional<PathRule> parse_path_rule(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const auto path = text.substr(colon + 1);
  if (path.size() < 2 || path.front() != '/') return std::nullopt;
  return PathRule{std::string(text.substr(0, colon)), std::string(path), 0};
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point per '*' (a star cannot cross '/', so backtracking
  // stops at a slash); patterns are short config strings.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos && text[star_t] != '/') {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string_view service_type_of(std::string_view service) {
  constexpr std::string_view kPrefix = "com.victronenergy.";
  if (!service.starts_with(kPrefix)) return {};
  auto rest = service.substr(kPrefix.size());
  return rest.substr(0, rest.find('.'));
}

const PathRule* match_rule(std::span<const PathRule> rules, std::string_view service,
                           std::string_view path) {
  const auto type = service_type_of(service);
  for (const auto& r : rules)
    if (glob_match(r.service_type, type) && glob_match(r.path, path)) return &r;
  return nullptr;
}

}  // namespace gxlink::publishers::history
