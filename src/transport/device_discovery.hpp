// SPDX-License-Identifier: MIT
#pragma once
/// Which serial ports and CAN interfaces this machine has (for `gxlink doctor`). Linux specifics
/// (/dev/serial/by-id, TIOCGSERIAL, /sys/class/net) stay in this layer (STYLE.md rule 10). Nothing
/// here writes to a device: ports are opened read-only and non-blocking only to ask the kernel
/// whether a UART is behind them.

#include <filesystem>
#include <string>
#include <vector>

namespace gxlink::transport {

struct SerialPortInfo {
  std::string path;    ///< the stable /dev/serial/by-id link when there is one, else /dev/ttyXXX
  std::string device;  ///< the kernel name it resolves to: "ttyUSB0"
};

/// Serial ports: every /dev/serial/by-id link, then /dev/ttyUSB*, ttyACM*, ttyAMA* and ttyS* that
/// no link points at. A ttyS*/ttyAMA* without a UART behind it (the kernel lists 4-32 of them
/// whatever the hardware) is left out. `dev` is "/dev" except in tests.
std::vector<SerialPortInfo> list_serial_ports(const std::filesystem::path& dev = "/dev");

/// CAN network interfaces: /sys/class/net/*/type == 280 (ARPHRD_CAN), as "can0", "vcan0".
std::vector<std::string> list_can_interfaces(const std::filesystem::path& net = "/sys/class/net");

/// The kernel name behind a port path: the link's target for /dev/serial/... links, else the
/// path's own file name. Never fails (falls back to the file name).
std::string kernel_device_name(const std::string& path);

}  // namespace gxlink::transport
