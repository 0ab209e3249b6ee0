// SPDX-License-Identifier: MIT
// `[dbus]`: every service on D-Bus as com.victronenergy.BusItem, and native services imported.
// On by default (DESIGN.md: "On D-Bus it uses the system bus unless told otherwise"); a missing bus
// is retried in the background and never stops the daemon.
#include <stdexcept>
#include <string>

#include "publishers/dbus/dbus_publisher.hpp"
#include "registry/registry.hpp"

namespace gxlink::registry {
namespace {

std::unique_ptr<publishers::Publisher> make_dbus(const toml::table& cfg,
                                                 publishers::PublisherContext& ctx) {
  publishers::dbus::DbusOptions o;
  o.bus = cfg["bus"].value_or(std::string("system"));
  if (o.bus.empty())
    throw std::runtime_error("bus must be \"system\", \"session\" or a D-Bus address");
  if (auto s = cfg["signals"].value<std::string>()) {
    auto mode = publishers::dbus::parse_signal_mode(*s);
    if (!mode)
      throw std::runtime_error("signals must be \"both\", \"items\" or \"properties\", not \"" +
                               *s + "\"");
    o.signals = *mode;
  }
  o.import = cfg["import"].value_or(true);
  o.direct_signals = cfg["direct_signals"].value_or(true);
  // Issue 11 item 9: like MQTT's and Modbus' `writes`, but on by default: on a GX, Venus'
  // systemcalc writes DVCC limits over D-Bus, and the bus policy decides who may write at all.
  o.writes = cfg["writes"].value_or(true);
  // Issue 11 item 7: paths per imported service. The mandatory paths alone take 9.
  if (auto n = cfg["import_max_paths"].value<std::int64_t>()) {
    if (*n < 16 || *n > 1'000'000)
      throw std::runtime_error("import_max_paths must be between 16 and 1000000, not " +
                               std::to_string(*n));
    o.import_limits.max_paths = static_cast<std::size_t>(*n);
  }
  return std::make_unique<publishers::dbus::DbusPublisher>(ctx, std::move(o));
}

// Every key make_dbus reads, and `enabled` (daemon.cpp).
SectionSchema dbus_schema() {
  return {
      .name = "dbus",
      .form = SectionForm::kTable,
      .description = "every service on D-Bus as com.victronenergy.BusItem",
      .keys = {
          bool_key("enabled", "false: no D-Bus (as --dbus none)"),
          {.name = "bus",
           .type = ValueType::kString,
           .description = "\"system\", \"session\" or a D-Bus address",
           .check = check_not_empty},
          {.name = "signals",
           .type = ValueType::kString,
           .description = "\"both\", \"items\" or \"properties\"",
           .check = [](const toml::node& n) -> std::string {
             return publishers::dbus::parse_signal_mode(*n.value<std::string>())
                        ? ""
                        : "must be \"both\", \"items\" or \"properties\"";
           }},
          bool_key("import", "mirror the other com.victronenergy.* services on the bus"),
          bool_key("direct_signals", "marshal change signals in gxlink (false: through sd-bus)"),
          bool_key("writes", "SetValue may change device settings (default true)"),
          {.name = "import_max_paths",
           .type = ValueType::kInteger,
           .description = "paths kept per imported service",
           .min = 16,
           .max = 1'000'000},
      }};
}

}  // namespace

void register_dbus(Registry& r) { r.publishers["dbus"] = {make_dbus, true, dbus_schema()}; }

}  // namespace gxlink::registry
