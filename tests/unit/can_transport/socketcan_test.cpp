// SPDX-License-Identifier: MIT
// SocketCAN conversions and error-frame handling, without a socket: this kernel has no AF_CAN.
#include "transport/socketcan_transport.hpp"

#include <gtest/gtest.h>
#include <linux/can.h>
#include <linux/can/error.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gxlink::transport {
namespace {

TEST(SocketCan, FramesConvertBothWaysAtTheBoundary) {
  CanFrame f = CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00});
  ::can_frame cf{};
  socketcan::to_linux(f, cf);
  EXPECT_EQ(cf.can_id, 0x351u);
  EXPECT_EQ(cf.can_dlc, 8);
  EXPECT_EQ(cf.data[0], 0x45);
  EXPECT_EQ(socketcan::from_linux(cf), f);

  CanFrame e = CanFrame::make(0x18EEFF01, true, std::vector<std::uint8_t>{1, 2});
  e.rtr = false;
  socketcan::to_linux(e, cf);
  EXPECT_EQ(cf.can_id, 0x18EEFF01u | CAN_EFF_FLAG);
  EXPECT_EQ(socketcan::from_linux(cf), e);

  CanFrame r = CanFrame::standard(0x123, {});
  r.rtr = true;
  r.len = 2;
  socketcan::to_linux(r, cf);
  EXPECT_EQ(cf.can_id, 0x123u | CAN_RTR_FLAG);
  EXPECT_EQ(socketcan::from_linux(cf), r);
}

TEST(SocketCan, ErrorFramesBecomeBusStateAndNeverFrames) {
  ::can_frame cf{};
  cf.can_id = CAN_ERR_FLAG | CAN_ERR_BUSOFF;
  cf.can_dlc = CAN_ERR_DLC;
  EXPECT_FALSE(socketcan::from_linux(cf));
  EXPECT_EQ(socketcan::state_from_error(cf), CanBusState::kBusOff);
  cf.can_id = CAN_ERR_FLAG | CAN_ERR_CRTL;
  cf.data[1] = CAN_ERR_CRTL_TX_PASSIVE;
  EXPECT_EQ(socketcan::state_from_error(cf), CanBusState::kPassive);
  cf.data[1] = CAN_ERR_CRTL_RX_WARNING;
  EXPECT_EQ(socketcan::state_from_error(cf), CanBusState::kWarning);
  cf.can_id = CAN_ERR_FLAG | CAN_ERR_RESTARTED;
  EXPECT_EQ(socketcan::state_from_error(cf), CanBusState::kActive);
  cf.can_id = 0x351;
  EXPECT_FALSE(socketcan::state_from_error(cf));
}

TEST(SocketCan, MissingSocketCanFailsCleanlyWithAClearError) {
  const int probe = ::socket(PF_CAN, SOCK_RAW, CAN_RAW);
  if (probe >= 0) {
    ::close(probe);
    GTEST_SKIP() << "this kernel has AF_CAN; the QEMU/vcan test covers the real socket";
  }
  asio::io_context io;
  SocketCanOptions o;
  o.interface = "can0";
  SocketCanTransport t(io, o);
  int reports = 0;
  t.set_state_handler([&](CanBusState s) {
    EXPECT_EQ(s, CanBusState::kClosed);
    ++reports;
  });
  t.start();
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(t.state(), CanBusState::kClosed);
  EXPECT_NE(t.last_error().find("SocketCAN is not available"), std::string::npos) << t.last_error();
  EXPECT_EQ(reports, 1);
  EXPECT_FALSE(t.send(CanFrame::standard(0x305, {})));
}

}  // namespace
}  // namespace gxlink::transport
