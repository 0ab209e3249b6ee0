// SPDX-License-Identifier: MIT
#pragma once
/// The live CANopen battery driver: a CanopenBank on a CanTransport, woken by the transport's
/// frames and by one Asio timer set to the bank's next deadline.

#include <functional>
#include <memory>
#include <string>

#include <asio/steady_timer.hpp>

#include "drivers/canopen/canopen_bank.hpp"
#include "drivers/driver.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::drivers::canopen {

/// Opens a CAN interface by name for the `[[canopen]]` factory. The SocketCAN/slcan transports
/// register one (they are another area's work); without it the factory reports a clear error.
using CanTransportOpener = std::function<std::unique_ptr<transport::CanTransport>(
    const std::string& interface, asio::io_context& io)>;
void set_can_transport_opener(CanTransportOpener opener);
const CanTransportOpener& can_transport_opener();

class CanopenDriver final : public Driver {
 public:
  CanopenDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
                CanopenConfig config);
  ~CanopenDriver() override;

  std::string_view kind() const override { return "canopen"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  Health health() const override;

  CanopenBank& bank() { return bank_; }

 private:
  void reschedule();
  void tick();

  DriverContext& ctx_;
  std::unique_ptr<transport::CanTransport> transport_;
  CanopenBank bank_;
  asio::steady_timer timer_;
  bool running_ = false;
};

}  // namespace gxlink::drivers::canopen
