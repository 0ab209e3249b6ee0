// SPDX-License-Identifier: MIT
// SlcanTransport on the slave side of a pty, with the test playing the adapter on the master side:
// the open sequence, frames both ways, error replies, and re-opening after the device vanished.
#include "transport/slcan_transport.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "transport/pty.hpp"

namespace gxlink::transport {
namespace {

// Reads what the transport wrote to the adapter until `want` has been seen (or 5 s passed).
std::string read_until(asio::io_context& io, int fd, const std::string& want) {
  std::string got;
  const auto deadline = Clock::now() + seconds(5);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  while (got.find(want) == std::string::npos && Clock::now() < deadline) {
    io.run_for(milliseconds(10));
    if (io.stopped()) io.restart();
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

TEST(SlcanTransport, OpensTheAdapterAndCarriesFramesBothWays) {
  Pty pty;
  asio::io_context io;
  SlcanOptions o;
  o.path = pty.slave_path();
  o.bitrate = 250000;
  o.interface_name = "slcan0";
  SlcanTransport t(io, o);
  std::vector<CanFrame> rx;
  t.set_receiver([&](const CanFrame& f, TimePoint) { rx.push_back(f); });
  t.start();
  // Close, bit rate, open: in this order, each ended by CR.
  EXPECT_NE(read_until(io, pty.master_fd(), "O\r").find("C\rS5\rO\r"), std::string::npos);
  EXPECT_EQ(t.state(), CanBusState::kActive);
  EXPECT_EQ(t.interface_name(), "slcan0");

  ASSERT_TRUE(t.send(CanFrame::standard(0x305, {0, 0, 0, 0, 0, 0, 0, 0})));
  EXPECT_NE(read_until(io, pty.master_fd(), "t3058").find("t30580000000000000000\r"),
            std::string::npos);

  // The adapter acknowledges, refuses something (BEL), and delivers two frames, split oddly.
  const std::string from_adapter = "z\r\at351845024C044C04";
  ASSERT_EQ(::write(pty.master_fd(), from_adapter.data(), from_adapter.size()),
            static_cast<ssize_t>(from_adapter.size()));
  io.run_for(milliseconds(50));  // the first part arrives on its own
  io.restart();
  ASSERT_EQ(::write(pty.master_fd(), "0000\rt35525900\r", 15), 15);
  const auto deadline = Clock::now() + seconds(5);
  while (rx.size() < 2 && Clock::now() < deadline) {
    io.run_for(milliseconds(10));
    if (io.stopped()) io.restart();
  }
  ASSERT_EQ(rx.size(), 2u);
  EXPECT_EQ(rx[0], CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}));
  EXPECT_EQ(rx[1], CanFrame::standard(0x355, {0x59, 0x00}));
  EXPECT_EQ(t.stats().error_replies, 1u);
  EXPECT_EQ(t.stats().bad_records, 0u);
  t.stop();
}

TEST(SlcanTransport, AMissingDeviceIsReportedAndTheBusStaysClosed) {
  asio::io_context io;
  SlcanOptions o;
  o.path = "/nonexistent/ttyACM9";
  SlcanTransport t(io, o);
  std::vector<CanBusState> states;
  t.set_state_handler([&](CanBusState s) { states.push_back(s); });
  t.start();
  io.run_for(milliseconds(700));  // a few retries with backoff, reported once
  EXPECT_EQ(t.state(), CanBusState::kClosed);
  EXPECT_NE(t.last_error().find("/nonexistent/ttyACM9"), std::string::npos);
  EXPECT_EQ(states.size(), 1u);
  EXPECT_FALSE(t.send(CanFrame::standard(0x305, {})));
}

}  // namespace
}  // namespace gxlink::transport
