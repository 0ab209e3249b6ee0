// SPDX-License-Identifier: MIT
#pragma once
/// What a GX tells the Multi about the battery besides DVCC (Venus' vebussocwriter delegate,
/// dbus-systemcalc-py v2.256, MIT: facts only):
///  - every second, `/ExtraBatteryCurrent` = the solar chargers' charge current, so that the
///    Multi's own SOC counter and its bulk timer see what the MPPTs put in (written whenever the
///    Multi has the path, with or without a solar charger: once a SOC was written the Multi stops
///    adjusting its own until it gets an extra current);
///  - every 10 s, `/Soc` = the active battery monitor's SOC, unless the active battery is the
///    Multi itself, or a hub-2 assistant keeps its own books (`/Hub2` present: write; an
///    assistant id of the hub-2 family in `/Devices/0/Assistants`, or no assistant list yet:
///    don't).
/// Both run whether or not DVCC is on, as on a GX. Status: `/Control/ExtraBatteryCurrent` and
/// `/Control/VebusSoc` on com.victronenergy.system (1 when written).

#include <optional>

#include "system/component.hpp"

namespace gxlink::system {

class VebusSocWriter : public SystemComponent {
 public:
  explicit VebusSocWriter(SystemContext& ctx) : ctx_(ctx) {}

  std::string_view name() const override { return "vebus-soc"; }
  void start() override;
  void on_tick(TimePoint now) override;
  void stop() override;

  /// Seconds between SOC writes (vebussocwriter.py: a 10 s timer).
  static constexpr double kSocSeconds = 10.0;

 private:
  bool must_write_soc(const model::Service& vebus) const;

  SystemContext& ctx_;
  model::Service* system_ = nullptr;
  std::optional<TimePoint> last_soc_;
};

}  // namespace gxlink::system
