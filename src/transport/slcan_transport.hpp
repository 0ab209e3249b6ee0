// SPDX-License-Identifier: MIT
#pragma once
/// CAN over an slcan (Lawicel ASCII) adapter: CANable, USBtin and the like, or a pty for tests. On
/// every (re)open it sends `C`, `S<n>`, `O` and then streams frames both ways (slcan_codec.hpp).

#include <cstddef>
#include <string>
#include <vector>

#include <asio.hpp>

#include "transport/can_transport.hpp"
#include "transport/serial_port.hpp"
#include "transport/slcan_codec.hpp"

namespace gxlink::transport {

struct SlcanOptions {
  std::string path;            ///< /dev/ttyACM0, /dev/pts/N
  unsigned bitrate = 500000;   ///< CAN bit rate (S6 = 500 k, the CAN-bus BMS default)
  unsigned tty_baud = 115200;  ///< serial speed; irrelevant for USB CDC adapters
  std::string interface_name;  ///< name used in service names; default from the device name
};

struct SlcanStats {
  std::size_t rx_frames = 0, tx_frames = 0, error_replies = 0, bad_records = 0, opens = 0;
};

class SlcanTransport final : public CanTransport {
 public:
  SlcanTransport(asio::io_context& io, SlcanOptions o);
  ~SlcanTransport() override;

  std::string_view interface_name() const override { return name_; }
  bool send(const CanFrame& f) override;
  CanBusState state() const override { return state_; }
  void start() override;
  void stop() override;
  std::string last_error() const override { return last_error_; }
  const SlcanStats& stats() const noexcept { return stats_; }

 private:
  void on_bytes(ByteView b, TimePoint t);

  SlcanOptions options_;
  std::string name_;
  SerialPort port_;
  std::vector<std::uint8_t> rx_;
  CanBusState state_ = CanBusState::kClosed;
  std::string last_error_;
  SlcanStats stats_;
};

/// "ttyACM0" for /dev/ttyACM0, "pts_3" for /dev/pts/3: usable in a D-Bus service name.
std::string interface_name_from_path(std::string_view path);

}  // namespace gxlink::transport
