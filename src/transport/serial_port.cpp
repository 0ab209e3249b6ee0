// SPDX-License-Identifier: MIT
#include "transport/serial_port.hpp"

#include <termios.h>

#include <algorithm>
#include <iterator>

namespace gxlink::transport {

SerialPort::SerialPort(asio::io_context& io, SerialOptions options)
    : io_(io),
      options_(std::move(options)),
      port_(io),
      retry_(io, options_.min_backoff, options_.max_backoff) {}

SerialPort::~SerialPort() { stop(); }

void SerialPort::start() {
  running_ = true;
  try_open();
}

void SerialPort::stop() {
  running_ = false;
  retry_.cancel();
  asio::error_code ec;
  if (port_.is_open()) port_.close(ec);
  drop_queued();
}

void SerialPort::drop_queued() {
  // A write in flight still owns tx_.front() (its buffer), and its handler runs later and pops it,
  // possibly with success: the bytes may have gone out before the close. Keep that one element so
  // the handler pops what it wrote, never an empty deque nor a later message (gxlink doctor stops
  // an slcan adapter right after its closing `C` and reopens the tty while the loop runs).
  if (writing_ && !tx_.empty()) {
    tx_.erase(std::next(tx_.begin()), tx_.end());
    tx_bytes_ = tx_.front().size();
  } else {
    tx_.clear();
    tx_bytes_ = 0;
    writing_ = false;
  }
}

void SerialPort::try_open() {
  if (!running_) return;
  asio::error_code ec;
  port_.open(options_.path, ec);
  if (!ec) port_.set_option(asio::serial_port_base::baud_rate(options_.baud), ec);
  if (!ec) port_.set_option(asio::serial_port_base::character_size(8), ec);
  if (!ec)
    port_.set_option(asio::serial_port_base::parity(asio::serial_port_base::parity::none), ec);
  if (!ec)
    port_.set_option(asio::serial_port_base::stop_bits(asio::serial_port_base::stop_bits::one), ec);
  if (!ec)
    port_.set_option(
        asio::serial_port_base::flow_control(asio::serial_port_base::flow_control::none), ec);
  if (ec) {
    asio::error_code ignored;
    if (port_.is_open()) port_.close(ignored);
    // Report a failing port once per episode, not at every retry.
    last_error_ = "cannot open " + options_.path + ": " + ec.message();
    if (!reported_failure_) report_state(false, last_error_);
    reported_failure_ = true;
    schedule_retry();
    return;
  }
  ++reopen_count_;
  reported_failure_ = false;
  retry_.succeeded();
  last_error_.clear();
  report_state(true, {});
  read_more();
  write_more();
}

void SerialPort::schedule_retry() {
  retry_.schedule([this] { try_open(); });
}

void SerialPort::read_more() {
  port_.async_read_some(asio::buffer(rx_), [this](const asio::error_code& ec, std::size_t n) {
    if (ec) {
      if (ec != asio::error::operation_aborted) lost(ec.message());
      return;
    }
    deliver(ByteView(rx_.data(), n), Clock::now());
    if (port_.is_open()) read_more();
  });
}

bool SerialPort::write(ByteView bytes) {
  if (!port_.is_open()) return false;
  // A device that stops reading (a wedged slcan adapter, a pty nobody reads) must not make the
  // queue grow for ever: refuse, as SocketCAN does when its queue is full.
  if (tx_bytes_ + bytes.size() > kMaxQueuedBytes) return false;
  tx_bytes_ += bytes.size();
  tx_.emplace_back(bytes.begin(), bytes.end());
  write_more();
  return true;
}

void SerialPort::write_more() {
  if (writing_ || tx_.empty() || !port_.is_open()) return;
  writing_ = true;
  asio::async_write(port_, asio::buffer(tx_.front()),
                    [this](const asio::error_code& ec, std::size_t) {
                      writing_ = false;
                      if (!tx_.empty()) {  // the buffer just written (see stop())
                        tx_bytes_ -= std::min(tx_bytes_, tx_.front().size());
                        tx_.pop_front();
                      }
                      if (ec && ec != asio::error::operation_aborted) return lost(ec.message());
                      write_more();  // also after an abort: the port may be open again by now
                    });
}

bool SerialPort::set_baud(unsigned baud) {
  options_.baud = baud;
  if (!port_.is_open()) return true;
  asio::error_code ec;
  port_.set_option(asio::serial_port_base::baud_rate(baud), ec);
  return !ec;
}

void SerialPort::lost(const std::string& reason) {
  asio::error_code ignored;
  if (port_.is_open()) port_.close(ignored);
  drop_queued();
  last_error_ = options_.path + ": " + reason;
  report_state(false, last_error_);
  reported_failure_ = true;
  if (running_) schedule_retry();
}

}  // namespace gxlink::transport
