// SPDX-License-Identifier: MIT
#pragma once
/// BMS role (battery emulation): reads a battery service from the model (any source: VE.Direct,
/// CANopen, a simulator) and speaks the CAN-bus BMS protocol for it to an inverter through
/// canbms::BmsSession, including its fail-safe (CCL = DCL = 0, then silence) when the source goes
/// stale or disconnects.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/steady_timer.hpp>

#include "drivers/driver.hpp"
#include "protocols/canbms/bms_session.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::drivers::canbms {

struct BmsDriverOptions {
  std::string source_service;  ///< "com.victronenergy.battery.ttyUSB0"
  gxlink::canbms::BmsOptions session;
  gxlink::canbms::LimitValues limits;  ///< static policy (issue 3: dynamic control comes later)
};

/// Reads what BmsSession needs from a Venus battery service (nullopt for invalid paths).
gxlink::canbms::BatterySnapshot snapshot_from_service(const model::Service& s);

class BmsDriver final : public Driver, public model::Observer {
 public:
  /// Owns `transport`, which its builder made (registration, demo, test); never null in use (the
  /// BMS role has no offline replay).
  BmsDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
            BmsDriverOptions o, std::shared_ptr<gxlink::canbms::LimitPolicy> policy = nullptr);
  ~BmsDriver() override;

  std::string_view kind() const override { return "canbms-bms"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  Health health() const override;
  /// Hooks the transport's receive and state callbacks without starting timers or the transport
  /// (tests drive time by hand; start() calls it).
  void attach();

  /// Reads the source (while its /Connected is 1), sends what is due.
  void on_tick(TimePoint now);
  void on_frame(const CanFrame& f, TimePoint now) { session_.on_frame(f, now); }
  const gxlink::canbms::BmsSession& session() const noexcept { return session_; }

  // model::Observer
  void on_service_added(const model::Service& s) override;
  void on_service_removed(const model::Service& s) override;

 private:
  void schedule();

  DriverContext& ctx_;
  std::unique_ptr<transport::CanTransport> transport_;
  BmsDriverOptions options_;
  gxlink::canbms::BmsSession session_;
  asio::steady_timer timer_;
  std::vector<CanFrame> out_;
  bool removed_ = false;
  bool running_ = false;
  bool observing_ = false;
  gxlink::canbms::BmsState last_state_ = gxlink::canbms::BmsState::kWaiting;
  gxlink::canbms::InverterLink last_link_ = gxlink::canbms::InverterLink::kNeverSeen;
  std::size_t send_failures_ = 0;
};

}  // namespace gxlink::drivers::canbms
