// SPDX-License-Identifier: MIT
// `[dbus]`: every service on D-Bus as com.victronenergy.BusItem, and native services imported.
// On by default (DESIGN.md: "On D-Bus it uses the system bus unless told otherwise"); a missing bus
// is retried in the background and never stops the daemon.
#include <stdexcept>

#include "app/registry.hpp"
#include "publishers/dbus/dbus_publisher.hpp"

namespace gxlink::app {
namespace {

std::unique_ptr<publishers::Publisher> make_dbus(const toml::table& cfg,
                                                 publishers::PublisherContext& ctx) {
  dbus::DbusOptions o;
  o.bus = cfg["bus"].value_or(std::string("system"));
  if (o.bus.empty())
    throw std::runtime_error("bus must be \"system\", \"session\" or a D-Bus address");
  if (auto s = cfg["signals"].value<std::string>()) {
    auto mode = dbus::parse_signal_mode(*s);
    if (!mode)
      throw std::runtime_error("signals must be \"both\", \"items\" or \"properties\", not \"" +
                               *s + "\"");
    o.signals = *mode;
  }
  o.import = cfg["import"].value_or(true);
  o.direct_signals = cfg["direct_signals"].value_or(true);
  return std::make_unique<dbus::DbusPublisher>(ctx, std::move(o));
}

}  // namespace

void register_dbus(Registry& r) { r.publishers["dbus"] = {make_dbus, true}; }

}  // namespace gxlink::app
