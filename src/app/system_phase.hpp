// SPDX-License-Identifier: MIT
#pragma once
/// Wires the system layer (src/system) from the registry: `gxlink run` starts it between drivers
/// and publishers and ticks it once a second; `snapshot --system` ticks it on a recording's clock.
/// `[system] enabled = false` leaves it out, so that gxlink can run beside Venus' own systemcalc
/// without two com.victronenergy.system on one bus (DESIGN.md).

#include <filesystem>
#include <functional>
#include <memory>

#include <toml++/toml.h>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "registry/config_schema.hpp"
#include "system/system_layer.hpp"

namespace gxlink::app {

bool system_enabled(const toml::table& cfg);
/// The `[system]` section: `enabled`, and the keys every registered component declares.
registry::SectionSchema system_schema();

/// The layer with every registered component, in order; not started. `settings_file` empty: the
/// settings are not persisted.
std::unique_ptr<system::SystemLayer> make_system_layer(const toml::table& cfg, asio::io_context& io,
                                                       model::Model& model,
                                                       std::function<TimePoint()> now,
                                                       std::filesystem::path settings_file);

/// The daemon's system phase: the layer on the steady clock, ticked every second.
class SystemPhase {
 public:
  SystemPhase(const toml::table& cfg, asio::io_context& io, model::Model& model,
              std::filesystem::path settings_file);
  ~SystemPhase() { stop(); }
  void stop();
  system::Settings& settings() { return layer_->settings(); }

 private:
  void schedule();
  std::unique_ptr<system::SystemLayer> layer_;
  asio::steady_timer timer_;
};

/// nullptr when `[system] enabled = false`.
std::unique_ptr<SystemPhase> start_system_phase(const toml::table& cfg, asio::io_context& io,
                                                model::Model& model,
                                                const std::filesystem::path& data_dir);

}  // namespace gxlink::app
