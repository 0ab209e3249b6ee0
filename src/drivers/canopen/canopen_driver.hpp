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

class CanopenDriver final : public Driver {
 public:
  /// Owns `transport`, which its builder made; never null (offline replay drives a CanopenBank
  /// directly).
  CanopenDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
                CanopenConfig config);
  ~CanopenDriver() override;

  std::string_view kind() const override { return "canopen"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  Health health() const override;
  DriverCounters counters() const override {
    const auto& st = bank_.stats();
    return {st.frames, st.decode_errors, std::nullopt};
  }

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
