// SPDX-License-Identifier: MIT
#pragma once
/// The system layer as a whole: the settings service and the components, started in order
/// (systemcalc before DVCC before notifications), ticked once a second on one clock and stopped in
/// reverse order. The daemon ticks it from a steady timer; `snapshot --system` ticks it on the
/// recording's clock.

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "system/component.hpp"
#include "system/settings.hpp"

namespace gxlink::system {

class SystemLayer {
 public:
  /// `settings_file` empty: settings are not persisted.
  SystemLayer(asio::io_context& io, model::Model& model, std::function<TimePoint()> now,
              std::filesystem::path settings_file = {});
  SystemLayer(const SystemLayer&) = delete;
  SystemLayer& operator=(const SystemLayer&) = delete;
  ~SystemLayer();

  SystemContext& context() noexcept { return ctx_; }
  Settings& settings() noexcept { return settings_; }

  /// Adds a component; components run in the order they were added.
  void add(std::unique_ptr<SystemComponent> c);
  SystemComponent* find(std::string_view name) const;

  /// Publishes the settings, then starts every component. A component that throws is reported
  /// through `on_error` and left out (it must not take the daemon down).
  void start(const std::function<void(std::string_view, const std::exception&)>& on_error = {});
  /// One tick of every component at `now`; exceptions are contained like start's.
  void tick(TimePoint now);
  void stop();

 private:
  Settings settings_;
  SystemContext ctx_;
  std::vector<std::unique_ptr<SystemComponent>> components_;
  std::function<void(std::string_view, const std::exception&)> on_error_;
  bool started_ = false;
};

}  // namespace gxlink::system
