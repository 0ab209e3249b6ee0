// SPDX-License-Identifier: MIT
#pragma once
/// Puts a simulated VE.Direct device behind a pty: TEXT blocks once per period into the master
/// side, HEX commands read from it and answered; the slave gets a stable symlink (e.g.
/// <run_dir>/ttyUSB0) that the real SerialPort opens. unplug() closes the master and removes the
/// link (the reader sees EIO, as when a USB cable is pulled); replug() makes a new pty and points
/// the link at it.

#include <filesystem>
#include <memory>
#include <optional>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "core/time.hpp"
#include "sim/vedirect/devices.hpp"

namespace gxlink::sim::vedirect {

class PtyDevice {
 public:
  PtyDevice(asio::io_context& io, std::unique_ptr<VeDirectSimDevice> device,
            std::filesystem::path link, Duration period = seconds(1));
  ~PtyDevice();
  PtyDevice(const PtyDevice&) = delete;
  PtyDevice& operator=(const PtyDevice&) = delete;

  /// Creates the pty and the link and starts sending. Throws std::system_error when no pty.
  void start();
  void stop();
  void unplug();
  void replug();
  /// Keeps the pty open but sends nothing (a broken TX wire, a device that hangs).
  void mute(bool on) { muted_ = on; }

  bool plugged() const { return master_.has_value(); }
  const std::filesystem::path& link() const { return link_; }
  VeDirectSimDevice& device() { return *device_; }
  std::size_t writes() const { return writes_; }

 private:
  void open_pty();
  void close_pty();
  void read_more();
  void write(const std::string& bytes);
  void schedule();

  asio::io_context& io_;
  std::unique_ptr<VeDirectSimDevice> device_;
  std::filesystem::path link_;
  Duration period_;
  asio::steady_timer timer_;
  std::optional<asio::posix::stream_descriptor> master_;
  std::array<std::uint8_t, 256> rx_{};
  bool reading_ = false;
  bool running_ = false;
  bool muted_ = false;
  TimePoint t0_{};
  std::size_t writes_ = 0;
};

}  // namespace gxlink::sim::vedirect
