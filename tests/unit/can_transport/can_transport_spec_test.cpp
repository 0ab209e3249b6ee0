// SPDX-License-Identifier: MIT
#include "transport/can_transport_spec.hpp"

#include <gtest/gtest.h>

#include "transport/slcan_transport.hpp"

namespace gxlink::transport {
namespace {

TEST(CanTransportSpec, ParsesTheThreeKinds) {
  asio::io_context io;
  auto s = make_can_transport(io, "slcan:/dev/ttyACM0@250000");
  EXPECT_EQ(s->interface_name(), "ttyACM0");
  EXPECT_NE(dynamic_cast<SlcanTransport*>(s.get()), nullptr);
  EXPECT_EQ(make_can_transport(io, "socketcan:vcan0")->interface_name(), "vcan0");
  EXPECT_EQ(make_can_transport(io, "can1")->interface_name(), "can1");
  EXPECT_EQ(interface_name_from_path("/dev/pts/3"), "pts_3");
}

TEST(CanTransportSpec, BadSpecsSayWhy) {
  asio::io_context io;
  EXPECT_THROW(make_can_transport(io, "slcan:/dev/ttyACM0@123"), std::invalid_argument);
  EXPECT_THROW(make_can_transport(io, "slcan:/dev/ttyACM0@fast"), std::invalid_argument);
  EXPECT_THROW(make_can_transport(io, "slcan:"), std::invalid_argument);
  EXPECT_THROW(make_can_transport(io, "usb:x"), std::invalid_argument);
  EXPECT_THROW(make_can_transport(io, "socketcan:"), std::invalid_argument);
}

}  // namespace
}  // namespace gxlink::transport
