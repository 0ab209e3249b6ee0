// SPDX-License-Identifier: MIT
#pragma once
/// GX role on any CanTransport: a managed battery's CAN-bus BMS frames become the Venus service
/// `com.victronenergy.battery.socketcan_<iface>` (seeds/003 battery section); 0x305 and 0x307 go
/// out every second; no 0x351 for 3 s -> /Connected 0 and every value (limits included) invalid.

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include <asio/steady_timer.hpp>

#include "drivers/driver.hpp"
#include "protocols/canbms/gx_session.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::drivers::canbms {

struct GxDriverOptions {
  int device_instance = 512;  ///< Venus' default for CAN-bus batteries
  gxlink::canbms::GxOptions session;
  std::string connection;  ///< service-name suffix; default "socketcan_<iface>"
};

class GxDriver final : public Driver {
 public:
  /// Owns `transport`, which its builder made. Null only for offline replay (snapshot: frames are
  /// pushed through on_frame and nothing is sent).
  GxDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
           GxDriverOptions o = {});
  ~GxDriver() override;

  std::string_view kind() const override { return "canbms"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  Health health() const override;
  DriverCounters counters() const override {
    const auto& s = session_.stats();
    return {s.decoded, s.bad_frames, s.link_losses};
  }
  /// Hooks the transport's receive and state callbacks without starting timers or the transport
  /// (tests drive time by hand; start() calls it).
  void attach();

  /// One received frame at `now` (live: the transport's receive time; snapshot: capture time).
  void on_frame(const CanFrame& f, TimePoint now);
  /// Sends what is due and applies the 3 s timeout.
  void on_tick(TimePoint now);

  const gxlink::canbms::GxSession& session() const noexcept { return session_; }
  /// The service once the first battery frame arrived (nullptr before).
  model::Service* service() const noexcept { return service_; }
  const std::string& service_name() const noexcept { return service_name_; }

 private:
  void ensure_service();
  void apply(const gxlink::canbms::Message& m);
  void schedule();

  DriverContext& ctx_;
  std::unique_ptr<transport::CanTransport> transport_;
  GxDriverOptions options_;
  gxlink::canbms::GxSession session_;
  std::string connection_, service_name_;
  model::Service* service_ = nullptr;
  asio::steady_timer timer_;
  std::vector<CanFrame> out_;
  bool running_ = false;
  std::size_t send_failures_ = 0;
  /// Last payload applied per id 0x300..0x3FF: batteries repeat identical frames every second, and
  /// an identical frame cannot change the model (the link is refreshed before this check).
  struct Seen {
    bool valid = false;
    std::uint8_t len = 0;
    std::array<std::uint8_t, 8> data{};
  };
  std::array<Seen, 256> seen_{};
};

}  // namespace gxlink::drivers::canbms
