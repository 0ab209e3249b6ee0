// SPDX-License-Identifier: MIT
#pragma once
/// systemcalc: `com.victronenergy.system`, computed from the model once a second as Venus'
/// dbus-systemcalc-py computes it (venus_os.md §5.1–5.3; rules read from dbus_systemcalc.py and its
/// delegates multi, batterysoc, batterysense, batteryservice, invertercharger, pvinverter,
/// acinput and systemstate at v2.256, MIT). It selects the active battery and the BMS and fills
/// /Dc/*, /Ac/* and /SystemState/*. It writes nothing into devices: DVCC does, as its own
/// component, and reads the choice through battery_service() / bms_service().

#include <set>
#include <string>

#include "system/component.hpp"

namespace gxlink::system {

inline constexpr std::string_view kSystemService = "com.victronenergy.system";

class SystemCalc : public SystemComponent {
 public:
  explicit SystemCalc(SystemContext& ctx) : ctx_(ctx) {}

  std::string_view name() const override { return "systemcalc"; }
  void start() override;
  void on_tick(TimePoint now) override;
  void stop() override;

  /// Recomputes at once (on_tick does this; tests call it directly).
  void update();

  /// The full service name of the active battery ("com.victronenergy.battery.ttyO0"), or empty.
  const std::string& battery_service() const noexcept { return battery_service_; }
  /// The full service name of the BMS DVCC follows, or empty.
  const std::string& bms_service() const noexcept { return bms_service_; }

 private:
  /// Publishes a structured value (model::Tree) at `path`.
  void set_tree(std::string_view path, model::TreeNode node);

  SystemContext& ctx_;
  model::Service* service_ = nullptr;
  std::string battery_service_;
  std::string bms_service_;
  /// Batteries whose /Info/MaxChargeVoltage has been valid (velib DbusMonitor.seen).
  std::set<std::string, std::less<>> seen_bms_;
  /// Batteries/Configuration entries this run added to the settings, at most kMaxBatteryConfigs.
  std::size_t battery_configs_ = 0;
  static constexpr std::size_t kMaxBatteryConfigs = 64;
};

}  // namespace gxlink::system
