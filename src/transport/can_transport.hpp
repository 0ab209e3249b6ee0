// SPDX-License-Identifier: MIT
#pragma once
/// What a CAN driver sees of a bus: send a frame, receive frames with their time, and the bus
/// state. SocketCAN, slcan, candump replay and the in-process bus all implement it.

#include <functional>
#include <string>
#include <string_view>

#include "core/can_frame.hpp"

namespace gxlink::transport {

enum class CanBusState { kActive, kWarning, kPassive, kBusOff, kClosed };

const char* to_string(CanBusState s) noexcept;

class CanTransport {
 public:
  using Receiver = std::function<void(const CanFrame&, TimePoint)>;
  using StateHandler = std::function<void(CanBusState)>;

  virtual ~CanTransport() = default;
  /// The interface name used in service names ("can0", "slcan0", "vcan0").
  virtual std::string_view interface_name() const = 0;
  /// Queues a frame for sending; false when the bus cannot take it now (closed, bus-off, queue
  /// full).
  virtual bool send(const CanFrame& f) = 0;
  virtual CanBusState state() const = 0;
  /// Opens the bus (device, socket, file) and starts receiving; transports that are always ready
  /// (the in-process bus) do nothing. Failures are reported through the state handler and retried
  /// where retrying can help.
  virtual void start() {}
  virtual void stop() {}
  /// Why the bus is not usable (empty when it is): "SocketCAN is not available ...".
  virtual std::string last_error() const { return {}; }

  void set_receiver(Receiver r) { receiver_ = std::move(r); }
  void set_state_handler(StateHandler h) { state_handler_ = std::move(h); }

 protected:
  void deliver(const CanFrame& f, TimePoint t) {
    if (receiver_) receiver_(f, t);
  }
  void report_state(CanBusState s) {
    if (state_handler_) state_handler_(s);
  }

 private:
  Receiver receiver_;
  StateHandler state_handler_;
};

}  // namespace gxlink::transport
