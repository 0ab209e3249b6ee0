// SPDX-License-Identifier: MIT
// SerialPort on a real pty whose other side never reads: a device that stops taking bytes.
#include "transport/serial_port.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <vector>

namespace gxlink::transport {
namespace {

// The queue once grew by every write for as long as the port stayed open (an slcan adapter that
// stopped reading USB, fed by the NMEA 2000 heartbeat and link broadcasts). Now write() refuses
// once 64 KiB wait, as SocketCAN does when its queue is full, and takes bytes again once drained.
TEST(SerialPort, WritesBeyondTheQueueBoundAreRefusedWhileTheDeviceDoesNotRead) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0)
    GTEST_SKIP() << "no pty available";
  ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);  // reads below never block
  asio::io_context io;
  SerialPort port(io, SerialOptions{::ptsname(master), 115200});
  port.start();
  io.run_for(milliseconds(100));
  ASSERT_TRUE(port.is_open());

  const std::vector<std::uint8_t> chunk(1024, 'x');
  std::size_t accepted = 0;
  for (int i = 0; i < 1000; ++i) {
    if (port.write(chunk)) ++accepted;
    io.poll();
  }
  // What the pty's kernel buffer took, plus the 64 KiB queue: far from the 1000 KiB written.
  EXPECT_LT(accepted, 200u);
  EXPECT_GE(accepted, 64u);
  EXPECT_FALSE(port.write(chunk));

  // The device reads again: the queue drains and writes are taken again.
  std::vector<char> sink(1 << 16);
  for (int i = 0; i < 200 && !port.write(chunk); ++i) {
    (void)::read(master, sink.data(), sink.size());
    io.run_for(milliseconds(5));
  }
  EXPECT_TRUE(port.write(chunk));
  port.stop();
  ::close(master);
}

}  // namespace
}  // namespace gxlink::transport
