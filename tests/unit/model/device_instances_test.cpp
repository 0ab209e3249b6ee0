// SPDX-License-Identifier: MIT
#include "model/device_instances.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace gxlink::model {
namespace {

TEST(DeviceInstances, AllocatesTheFirstFreeInstanceOfAClass) {
  DeviceInstances d;
  EXPECT_EQ(d.allocate("vedirect_HQ1", "solarcharger", 288), 288);
  EXPECT_EQ(d.allocate("vedirect_HQ2", "solarcharger", 288), 289);
  EXPECT_EQ(d.allocate("vedirect_HQ3", "battery", 288), 288);  // per class, as localsettings does
  EXPECT_EQ(d.allocate("vedirect_HQ1", "solarcharger", 288), 288);  // kept
  EXPECT_EQ(d.class_and_instance("vedirect_HQ2"), "solarcharger:289");
}

TEST(DeviceInstances, ChangedClassIsReallocated) {
  DeviceInstances d;
  EXPECT_EQ(d.allocate("x", "battery", 512), 512);
  EXPECT_EQ(d.allocate("x", "dcsource", 512), 512);
  EXPECT_EQ(d.class_and_instance("x"), "dcsource:512");
}

TEST(DeviceInstances, RecordsPersistAcrossRestarts) {
  auto dir = std::filesystem::temp_directory_path() / ("gxlink-di-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    DeviceInstances d(dir / "instances.json");
    d.allocate("a", "battery", 512);
    d.allocate("b", "battery", 512);
  }
  DeviceInstances again(dir / "instances.json");
  EXPECT_EQ(again.allocate("c", "battery", 512), 514);
  EXPECT_EQ(again.allocate("b", "battery", 512), 513);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gxlink::model
