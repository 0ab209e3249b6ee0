// SPDX-License-Identifier: MIT
#pragma once
/// Demo mode: simulated devices speak their real wire protocols (over ptys or the in-process CAN
/// bus) and are read back by the real drivers.

#include <filesystem>
#include <memory>
#include <vector>

#include "drivers/driver.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::app {

struct DemoContext {
  drivers::DriverContext& drivers_ctx;
  std::filesystem::path run_dir;        ///< where demo ptys get stable symlinks
  transport::InProcessCanBus& can_bus;  ///< the demo's CAN bus ("can0", 500 kbit/s devices)
  transport::InProcessCanBus&
      can_bus_250k;  ///< a second bus ("can1") for 250 kbit/s CANopen batteries
  std::vector<std::unique_ptr<drivers::Driver>>& drivers;
  std::vector<std::shared_ptr<void>>& simulators;  ///< kept alive for the daemon's lifetime
};

/// Builds every registered demo part.
void build_demo(DemoContext& demo);

}  // namespace gxlink::app
