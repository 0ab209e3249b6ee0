// SPDX-License-Identifier: MIT
#pragma once
/// Demo mode: simulated devices speak their real wire protocols (over ptys or the in-process CAN
/// bus) and are read back by the real drivers. Each demo part (Registry::demos, registry.hpp) adds
/// its simulators and drivers through a DemoContext; the daemon builds the parts in order.

#include <filesystem>
#include <memory>
#include <vector>

#include "drivers/driver.hpp"
#include "sim/dc_bus.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::registry {

/// The demo's CAN buses, as on a GX with separate ports: each bus carries the devices that share
/// its bit rate on a real installation.
inline constexpr const char* kDemoBmsBus = "can0";      ///< CAN-bus BMS, 500 kbit/s (BMS-Can port)
inline constexpr const char* kDemoCanopenBus = "can1";  ///< SuperB CANopen bank, 250 kbit/s
inline constexpr const char* kDemoVeCanBus = "can2";    ///< VE.Can / NMEA 2000, 250 kbit/s

struct DemoContext {
  drivers::DriverContext& drivers_ctx;
  std::filesystem::path run_dir;  ///< where demo ptys get stable symlinks
  std::vector<std::unique_ptr<drivers::Driver>>& drivers;
  std::vector<std::shared_ptr<void>>& simulators;  ///< kept alive for the daemon's lifetime
  /// Owns the buses; declared by the daemon before its drivers, so they outlive every endpoint.
  std::vector<std::unique_ptr<transport::InProcessCanBus>>& buses;

  /// The in-process bus named `name`, created on first use and pumped on the daemon's loop.
  transport::InProcessCanBus& can_bus(const std::string& name);

  /// The demo's 48 V house bank (issue 12 item 7: "DC currents that add up"): the simulators on
  /// it (BMS, SmartShunt, both MPPTs, the Multi) share one DC model, so the battery current the
  /// BMS and the shunt report is what the chargers, the Multi and the DC loads put in. Created on
  /// first use; the demo keeps it alive and moves it on every second (SOC, the house DC loads).
  sim::DcBus& house_bank();
  std::shared_ptr<sim::DcBus> bank = nullptr;  ///< house_bank(), once made
};

/// The house bank's DC loads (lights, pumps, a fridge that cycles), in A drawn at `t` seconds:
/// the part of the bank's current no device of the demo measures.
double demo_dc_loads(double t);

}  // namespace gxlink::registry
