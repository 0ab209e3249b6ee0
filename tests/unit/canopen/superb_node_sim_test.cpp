// SPDX-License-Identifier: MIT
// The simulator's SDO server, NMT and heartbeat, driven directly with frames.
#include "sim/canopen/superb_node_sim.hpp"

#include <gtest/gtest.h>

#include "transport/in_process_can_bus.hpp"

namespace gxlink::sim::canopen {
namespace {

namespace co = gxlink::canopen;

struct SimRig {
  TimePoint now = TimePoint{} + seconds(50);
  transport::InProcessCanBus bus{"can1", [this] { return now; }};
  std::unique_ptr<transport::InProcessCanBus::Endpoint> sim_end = bus.attach("sim");
  std::unique_ptr<transport::InProcessCanBus::Endpoint> tester = bus.attach("tester");
  std::vector<CanFrame> got;
  std::unique_ptr<SuperbNodeSim> sim;

  explicit SimRig(SuperbNodeOptions o = {}) {
    tester->set_receiver([this](const CanFrame& f, TimePoint) { got.push_back(f); });
    sim = std::make_unique<SuperbNodeSim>(*sim_end, o, now);
  }
  std::vector<CanFrame> ask(const CanFrame& f) {
    got.clear();
    tester->send(f);
    bus.pump(now);
    return got;
  }
};

TEST(SuperbNodeSim, BootUpThenHeartbeatEverySecond) {
  SimRig r;
  r.sim->on_tick(r.now);
  r.bus.pump(r.now);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0], CanFrame::standard(0x701, {0x00}));
  r.got.clear();
  for (int i = 0; i < 30; ++i) {
    r.now += milliseconds(100);
    r.sim->on_tick(r.now);
  }
  r.bus.pump(r.now);
  ASSERT_EQ(r.got.size(), 3u);
  EXPECT_EQ(r.got[0], CanFrame::standard(0x701, {0x7F}));
  // NMT start → operational in the next heartbeat.
  r.ask(co::encode_nmt(co::NmtCommand::kStart, 1));
  r.now += seconds(1);
  r.sim->on_tick(r.now);
  r.got.clear();
  r.bus.pump(r.now);
  ASSERT_EQ(r.got.size(), 1u);
  EXPECT_EQ(r.got[0], CanFrame::standard(0x701, {0x05}));
}

TEST(SuperbNodeSim, AnswersWithTheRightAborts) {
  SuperbNodeOptions o;
  o.old_firmware = true;
  SimRig r(o);
  auto a = r.ask(co::sdo_upload_request(1, 0x6051, 0));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(co::decode_sdo(a[0])->abort_code, co::kAbortNoObject);
  a = r.ask(co::sdo_upload_request(1, 0x1018, 9));
  EXPECT_EQ(co::decode_sdo(a[0])->abort_code, co::kAbortNoSubIndex);
  a = r.ask(co::sdo_upload_request(1, 0x2FFD, 1));
  EXPECT_EQ(co::decode_sdo(a[0])->abort_code, 0x06010001u);
  const std::uint8_t v[] = {1, 2, 3, 4};
  a = r.ask(co::sdo_download_expedited(1, 0x6060, 0, v));
  EXPECT_EQ(co::decode_sdo(a[0])->abort_code, 0x06010002u);
  a = r.ask(co::sdo_upload_segment_request(1, false));
  EXPECT_EQ(co::decode_sdo(a[0])->abort_code, co::kAbortUnknownCommand);
  EXPECT_TRUE(r.ask(co::sdo_upload_request(2, 0x6060, 0)).empty()) << "another node's request";
}

TEST(SuperbNodeSim, WritesHeartbeatTimeBySdo) {
  SimRig r;
  const std::uint8_t ms[] = {0xF4, 0x01};  // 500 ms
  auto a = r.ask(co::sdo_download_expedited(1, 0x1017, 0, ms));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], co::sdo_download_response(1, 0x1017, 0));
  EXPECT_EQ(r.sim->options().heartbeat, milliseconds(500));
}

}  // namespace
}  // namespace gxlink::sim::canopen
