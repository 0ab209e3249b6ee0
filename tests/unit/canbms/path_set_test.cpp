// SPDX-License-Identifier: MIT
// Issue 13, conformance 1: the CAN-bus BMS battery (GX role) is announced with every path it will
// publish, whatever frames the battery sends later. Captures replay frame by frame with a model
// flush after each, as the event loop does.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "drivers/canbms/gx_driver.hpp"
#include "support/path_set_probe.hpp"
#include "support/venus_paths.hpp"
#include "transport/candump.hpp"

namespace gxlink::drivers::canbms {
namespace {

TEST(CanbmsPathSet, CapturesAddNoPathAfterTheAnnouncement) {
  for (const char* f : {"seed_candump.txt", "lost_limits.log"}) {
    asio::io_context io;
    model::Model model;
    model::DeviceInstances instances;
    DriverContext ctx{io, model, instances};
    testing::PathSetProbe probe(model);
    GxDriver d(ctx, nullptr);
    std::ifstream in(std::string(GXLINK_TEST_DATA) + "/canbms/" + f);
    ASSERT_TRUE(in) << f;
    std::string line;
    double t = 100;
    while (std::getline(in, line)) {
      auto l = transport::parse_candump_line(line);
      if (!l || !*l) continue;
      t = (*l)->timestamp.value_or(t + 0.01);
      d.on_frame((*l)->frame, time_from_seconds(t));
      d.on_tick(time_from_seconds(t));
      model.flush();
    }
    d.on_tick(time_from_seconds(t + 10));  // link lost: values invalid, no path added
    model.flush();
    EXPECT_EQ(probe.announced(), 1u) << f;
    EXPECT_EQ(probe.late_paths(), "") << f;
    // Issue 13, structure 2: every path is Venus' own, with Venus' unit.
    EXPECT_EQ(testing::venus_path_problems(model), "") << f;
  }
}

}  // namespace
}  // namespace gxlink::drivers::canbms
