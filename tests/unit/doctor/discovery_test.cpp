// SPDX-License-Identifier: MIT
// Port and CAN interface discovery on a fake /dev and /sys/class/net tree.
#include "transport/device_discovery.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace gxlink::transport {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("gxlink-discovery-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

TEST(DeviceDiscovery, ByIdLinksComeFirstAndTheirTargetsAreNotListedTwice) {
  TempDir t;
  const fs::path dev = t.path / "dev";
  fs::create_directories(dev / "serial" / "by-id");
  for (const char* n : {"ttyUSB0", "ttyUSB1", "ttyUSB10", "ttyUSB2", "ttyACM0", "tty0", "ttyUSBx"})
    std::ofstream(dev / n) << "";
  fs::create_symlink("../../ttyUSB1", dev / "serial" / "by-id" / "usb-VictronEnergy_MK3-if00");
  fs::create_symlink("../../ttyGONE", dev / "serial" / "by-id" / "usb-unplugged-if00");

  const auto ports = list_serial_ports(dev);
  std::vector<std::string> paths, devices;
  for (const auto& p : ports) {
    paths.push_back(fs::path(p.path).filename().string());
    devices.push_back(p.device);
  }
  // The dangling link is gone; tty0 and ttyUSBx are not serial port names; numbers sort as numbers.
  EXPECT_EQ(paths, (std::vector<std::string>{"usb-VictronEnergy_MK3-if00", "ttyACM0", "ttyUSB0",
                                             "ttyUSB2", "ttyUSB10"}));
  EXPECT_EQ(devices.front(), "ttyUSB1");
}

TEST(DeviceDiscovery, CanInterfacesAreTheNetDevicesOfType280) {
  TempDir t;
  const fs::path net = t.path / "net";
  auto add = [&](const char* name, int type) {
    fs::create_directories(net / name);
    std::ofstream(net / name / "type") << type << "\n";
  };
  add("can0", 280);
  add("eth0", 1);
  add("vcan1", 280);
  add("lo", 772);
  EXPECT_EQ(list_can_interfaces(net), (std::vector<std::string>{"can0", "vcan1"}));
}

TEST(DeviceDiscovery, NamesWithMoreDigitsThanALongHoldStillSort) {
  // Sorting used stoul on the trailing digits: 25 of them threw out_of_range out of doctor.
  TempDir t;
  const fs::path net = t.path / "net";
  for (const char* n : {"can10", "can9999999999999999999999999", "can2", "can007", "can"}) {
    fs::create_directories(net / n);
    std::ofstream(net / n / "type") << 280 << "\n";
  }
  EXPECT_EQ(list_can_interfaces(net), (std::vector<std::string>{"can", "can2", "can007", "can10",
                                                                "can9999999999999999999999999"}));
}

TEST(DeviceDiscovery, KernelNameOfAByIdLinkIsItsTarget) {
  TempDir t;
  fs::create_directories(t.path / "serial" / "by-id");
  std::ofstream(t.path / "ttyUSB3") << "";
  const fs::path link = t.path / "serial" / "by-id" / "usb-x";
  fs::create_symlink("../../ttyUSB3", link);
  EXPECT_EQ(kernel_device_name(link.string()), "ttyUSB3");
  EXPECT_EQ(kernel_device_name("/dev/ttyACM0"), "ttyACM0");
  // A link outside /serial/ (a test's pty link) keeps its own name.
  fs::create_symlink(t.path / "ttyUSB3", t.path / "ttyUSB7");
  EXPECT_EQ(kernel_device_name((t.path / "ttyUSB7").string()), "ttyUSB7");
}

}  // namespace
}  // namespace gxlink::transport
