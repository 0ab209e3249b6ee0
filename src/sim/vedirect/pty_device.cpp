// SPDX-License-Identifier: MIT
#include "sim/vedirect/pty_device.hpp"

#include <system_error>

#include "transport/pty.hpp"

namespace gxlink::sim::vedirect {

PtyDevice::PtyDevice(asio::io_context& io, std::unique_ptr<VeDirectSimDevice> device,
                     std::filesystem::path link, Duration period)
    : io_(io), device_(std::move(device)), link_(std::move(link)), period_(period), timer_(io) {}

PtyDevice::~PtyDevice() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw; nothing useful to do here
  }
}

void PtyDevice::start() {
  running_ = true;
  t0_ = Clock::now();
  open_pty();
  schedule();
}

void PtyDevice::stop() {
  running_ = false;
  timer_.cancel();
  close_pty();
}

void PtyDevice::unplug() { close_pty(); }

void PtyDevice::replug() {
  if (!master_) open_pty();
}

void PtyDevice::open_pty() {
  transport::Pty pty;
  const std::string slave = pty.slave_path();
  master_.emplace(io_, pty.release_master());
  master_->non_blocking(true);
  // Re-point the link atomically: a reader never sees a missing or half-made link.
  const auto tmp = link_.string() + ".new";
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  std::filesystem::create_symlink(slave, tmp);
  std::filesystem::rename(tmp, link_);
  reading_ = false;
  read_more();
}

void PtyDevice::close_pty() {
  if (!master_) return;
  asio::error_code ec;
  master_->cancel(ec);
  master_->close(ec);
  master_.reset();
  reading_ = false;
  std::error_code fec;
  std::filesystem::remove(link_, fec);
}

void PtyDevice::read_more() {
  if (!master_ || reading_) return;
  reading_ = true;
  master_->async_read_some(asio::buffer(rx_), [this](const asio::error_code& ec, std::size_t n) {
    reading_ = false;
    if (ec) return;  // EIO until a reader opens the slave; the next tick re-arms the read
    const std::string reply = device_->on_input(ByteView(rx_.data(), n));
    if (!reply.empty()) write(reply);
    read_more();
  });
}

void PtyDevice::write(const std::string& bytes) {
  if (!master_) return;
  asio::error_code ec;
  // Non-blocking: with nobody reading, a full pty buffer drops bytes as a real UART would.
  master_->write_some(asio::buffer(bytes), ec);
  if (!ec) ++writes_;
}

void PtyDevice::schedule() {
  if (!running_) return;
  timer_.expires_after(period_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) return;
    const double t = to_seconds(Clock::now() - t0_);
    const std::string out = device_->tick(t);
    if (!muted_) write(out);
    read_more();
    schedule();
  });
}

}  // namespace gxlink::sim::vedirect
