// SPDX-License-Identifier: MIT
#pragma once
/// VE.Bus unit state → `com.victronenergy.vebus.<connection>` with the Venus paths of seeds/003
/// (and the path names of the real dbus-recorder capture vebus.csv). Used by the live driver and
/// by `gxlink snapshot mk2:FILE`.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "model/device_instances.hpp"
#include "model/model.hpp"
#include "protocols/vebus/session.hpp"

namespace gxlink::drivers::vebus {

/// What the writable paths call; return kOk when the write was accepted (queued).
struct VebusWriteHooks {
  std::function<model::WriteResult(int mode)> set_mode;
  std::function<model::WriteResult(double amps)> set_current_limit;
  /// A GX's DVCC write (kDvccPaths); on kOk the mapping shows the value.
  std::function<model::WriteResult(std::string_view path, double value)> dvcc;
};

/// The paths a GX's DVCC writes into a vebus service (venus_os.md §5.4 step 8, batterysense):
/// the Multi's charge current and the BMS's operational limits and sensed battery values.
inline constexpr std::string_view kDvccPaths[] = {
    "/Dc/0/MaxChargeCurrent",
    "/BatteryOperationalLimits/MaxChargeVoltage",
    "/BatteryOperationalLimits/MaxChargeCurrent",
    "/BatteryOperationalLimits/MaxDischargeCurrent",
    "/BatteryOperationalLimits/BatteryLowVoltage",
    "/BatterySense/Voltage",
    "/BatterySense/Temperature",
};

class VebusMapping {
 public:
  VebusMapping(model::Model& m, model::DeviceInstances& instances, const std::string& connection,
               VebusWriteHooks hooks = {});
  /// Writes everything the state holds; empty fields become invalid. `connected` false invalidates
  /// the service (/Connected = 0) as the safety rules ask.
  void apply(const gxlink::vebus::UnitState& s, bool connected);
  model::Service& service() { return *svc_; }

 private:
  void declare();
  model::Model& model_;
  model::Service* svc_ = nullptr;
  VebusWriteHooks hooks_;
  bool connected_ = true;
};

/// Offline decoding for captures (`gxlink snapshot mk2:FILE`, `gxlink decode mk2`): frames are
/// applied without the requests that caused them, so info frames are scaled with the typical
/// RAM-var scales of tables.hpp and winmon replies (which do not say what they answer) are only
/// used when they describe themselves (0x94 device state).
class PassiveDecoder {
 public:
  PassiveDecoder();
  /// Returns false when the frame could not be decoded.
  bool apply(const gxlink::vebus::Mk2Frame& f);
  const gxlink::vebus::UnitState& state() const { return state_; }

 private:
  gxlink::vebus::UnitState state_;
};

}  // namespace gxlink::drivers::vebus
