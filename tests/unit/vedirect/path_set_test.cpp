// SPDX-License-Identifier: MIT
// Issue 13, conformance 1: a VE.Direct service is announced with its product class's full path
// set. Before, a SmartShunt's history block (H1, H4, ...) or an MPPT's alarm and HEX paths came
// after the announcement, where a client that scans a service once never sees them. The model is
// flushed after every chunk of bytes, as the event loop does.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "drivers/vedirect/vedirect_driver.hpp"
#include "protocols/vedirect/text.hpp"
#include "sim/vedirect/devices.hpp"
#include "support/path_set_probe.hpp"
#include "support/venus_paths.hpp"

namespace gxlink::drivers::vedirect {
namespace {

namespace fs = std::filesystem;
using Fields = std::vector<std::pair<std::string, std::string>>;

struct Rig {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  testing::PathSetProbe probe{model};
  VeDirectDriver driver{ctx, [] {
                          VeDirectOptions o;
                          o.connection = "ttyUSB0";
                          return o;
                        }()};
  TimePoint now = TimePoint(seconds(1000));

  // Bytes in small chunks with little time between them: no link timeout on a long capture.
  void feed(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size(); i += 61) {
      now += milliseconds(5);
      driver.on_bytes(as_bytes(bytes.substr(i, 61)), now);
      driver.on_tick(now);
      model.flush();
    }
  }
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(VeDirectPathSet, SmartShuntHistoryBlockAddsNoPath) {
  Rig rig;
  using gxlink::vedirect::encode_text_block;
  rig.feed(encode_text_block(Fields{{"PID", "0xA389"},
                                    {"V", "12850"},
                                    {"I", "-3500"},
                                    {"P", "-45"},
                                    {"CE", "-20500"},
                                    {"SOC", "897"},
                                    {"TTG", "1234"},
                                    {"Alarm", "OFF"},
                                    {"AR", "5"},
                                    {"BMV", "SmartShunt 500A/50mV"},
                                    {"FW", "0415"},
                                    {"MON", "0"}}));
  rig.feed(encode_text_block(Fields{
      {"H1", "-102345"}, {"H4", "187"}, {"H7", "11843"}, {"H17", "41230"}, {"H18", "39870"}}));
  ASSERT_EQ(rig.probe.announced(), 1u);
  EXPECT_EQ(rig.probe.late_paths(), "");
}

TEST(VeDirectPathSet, SimulatedDevicesAddNoPath) {
  for (int kind = 0; kind < 2; ++kind) {
    Rig rig;
    std::unique_ptr<sim::vedirect::VeDirectSimDevice> dev;
    if (kind == 0)
      dev =
          std::make_unique<sim::vedirect::MpptSimulator>(sim::vedirect::SimClockOptions{600, 0.0});
    else
      dev = std::make_unique<sim::vedirect::SmartShuntSimulator>(
          sim::vedirect::SimClockOptions{600, 0.0});
    for (int t = 1; t <= 600; ++t) rig.feed(dev->tick(t));
    EXPECT_EQ(rig.probe.announced(), 1u) << kind;
    EXPECT_EQ(rig.probe.late_paths(), "") << kind;
    // Issue 13, structure 2: every path is Venus' own, with Venus' unit.
    EXPECT_EQ(testing::venus_path_problems(rig.model), "") << kind;
  }
}

TEST(VeDirectPathSet, CapturesAddNoPath) {
  std::vector<fs::path> files;
  for (const fs::path& dir : {fs::path(GXLINK_TEST_DATA) / "vedirect",
                              fs::path(testing::shared_data_dir()) / "vedirect"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".dump") files.push_back(e.path());
  }
  ASSERT_FALSE(files.empty());
  for (const auto& f : files) {
    Rig rig;
    rig.feed(read_file(f));
    EXPECT_EQ(rig.probe.announced(), 1u) << f;
    EXPECT_EQ(rig.probe.late_paths(), "") << f;
    EXPECT_EQ(testing::venus_path_problems(rig.model), "") << f;
  }
}

}  // namespace
}  // namespace gxlink::drivers::vedirect
