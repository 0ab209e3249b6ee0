// SPDX-License-Identifier: MIT
#pragma once
/// A serial port on Asio that keeps itself open: it opens the device, reads into a handler, and
/// when the device vanishes (USB unplugged, EIO on a pty) it closes and retries with backoff until
/// the device comes back. Only this layer and pty.hpp touch termios and file descriptors.

#include <deque>
#include <string>
#include <vector>

#include <asio.hpp>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "transport/byte_transport.hpp"
#include "transport/retry_timer.hpp"

namespace gxlink::transport {

struct SerialOptions {
  std::string path;       ///< "/dev/ttyUSB0", or a stable symlink such as /dev/serial/by-id/...
  unsigned baud = 19200;  ///< VE.Direct: 19200 8N1; MK2: 2400; MK3: 2400 (switchable)
  Duration min_backoff = milliseconds(250);
  Duration max_backoff = seconds(5);
};

class SerialPort final : public ByteTransport {
 public:
  SerialPort(asio::io_context& io, SerialOptions options);
  ~SerialPort() override;
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  /// The device path.
  std::string_view name() const override { return options_.path; }
  /// Opens now, or keeps retrying in the background.
  void start() override;
  void stop() override;
  bool is_open() const override { return port_.is_open(); }
  /// Queues bytes for writing; false when the port is closed.
  bool write(ByteView bytes) override;
  std::string last_error() const override { return last_error_; }

  // SerialPort extras, beyond ByteTransport.
  /// Changes the baud rate of the open port (MK3 switches speed) and for later re-opens.
  bool set_baud(unsigned baud);
  const SerialOptions& options() const { return options_; }
  std::size_t reopen_count() const { return reopen_count_; }

 private:
  void try_open();
  void schedule_retry();
  void read_more();
  void write_more();
  void lost(const std::string& reason);
  void drop_queued();

  asio::io_context& io_;
  SerialOptions options_;
  asio::serial_port port_;
  RetryTimer retry_;
  std::array<std::uint8_t, 1024> rx_{};
  std::deque<std::vector<std::uint8_t>> tx_;
  std::size_t tx_bytes_ = 0;  ///< bytes in tx_; write() refuses beyond kMaxQueuedBytes
  /// Several seconds of traffic at 115200 baud: an slcan adapter's CAN frames or MK2 polls.
  static constexpr std::size_t kMaxQueuedBytes = 64 * 1024;
  bool running_ = false;
  bool writing_ = false;
  bool reported_failure_ = false;
  std::size_t reopen_count_ = 0;
  std::string last_error_;
};

}  // namespace gxlink::transport
