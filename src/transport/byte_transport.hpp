// SPDX-License-Identifier: MIT
#pragma once
/// What a byte-stream driver (VE.Direct, VE.Bus/MK2) sees of its link: write bytes, receive bytes
/// with their time, and whether the link is open. The serial port implements it; tests use a fake
/// that records writes. The byte-stream counterpart of CanTransport (can_transport.hpp).

#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/time.hpp"

namespace gxlink::transport {

class ByteTransport {
 public:
  using DataHandler = std::function<void(ByteView, TimePoint)>;
  /// open == true once opened; false with the reason when it closed or failed to open.
  using StateHandler = std::function<void(bool open, const std::string& reason)>;

  virtual ~ByteTransport() = default;
  /// What the link is attached to, for logs and service names ("/dev/ttyUSB0").
  virtual std::string_view name() const = 0;
  /// Queues bytes for writing; false when the link cannot take them now (closed).
  virtual bool write(ByteView bytes) = 0;
  virtual bool is_open() const = 0;
  /// Opens the link and starts receiving; failures are reported through the state handler and
  /// retried where retrying can help.
  virtual void start() {}
  virtual void stop() {}
  /// Why the link is not usable (empty when it is).
  virtual std::string last_error() const { return {}; }

  void set_data_handler(DataHandler h) { data_handler_ = std::move(h); }
  void set_state_handler(StateHandler h) { state_handler_ = std::move(h); }

 protected:
  void deliver(ByteView bytes, TimePoint t) {
    if (data_handler_) data_handler_(bytes, t);
  }
  void report_state(bool open, const std::string& reason) {
    if (state_handler_) state_handler_(open, reason);
  }

 private:
  DataHandler data_handler_;
  StateHandler state_handler_;
};

}  // namespace gxlink::transport
