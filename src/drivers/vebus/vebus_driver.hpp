// SPDX-License-Identifier: MIT
#pragma once
/// The VE.Bus driver: an MK2/MK3 on a byte transport (the serial port: 2400 8N1, auto-reopen) +
/// the MK2 session + the Venus mapping. Writes to /Mode and /Ac/In/1/CurrentLimit go to the
/// session, which range-checks, sends and reads back; results are logged.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <asio/steady_timer.hpp>

#include "core/log_limit.hpp"
#include "drivers/driver.hpp"
#include "drivers/vebus/vebus_mapping.hpp"
#include "protocols/vebus/session.hpp"
#include "transport/byte_transport.hpp"

namespace gxlink::drivers::vebus {

struct VebusDriverOptions {
  std::string connection;  ///< service suffix; default: the transport's file name ("ttyUSB0")
  gxlink::vebus::SessionOptions session;
  /// How long a GX's DVCC values count after its last write; then the unit's own charge settings
  /// come back (seed 003's 60 s for chargers, applied to the Multi).
  Duration dvcc_hold = seconds(60);
};

/// "ttyUSB0" for "/dev/ttyUSB0" (Venus names the service after the tty).
std::string connection_from_port(const std::string& port);

class VebusDriver : public Driver {
 public:
  /// Owns `transport` (the MK2/MK3's serial port, opened by the builder at 2400 8N1 as seed 002
  /// says); never null (offline replay uses VebusMapping directly).
  VebusDriver(DriverContext& ctx, std::unique_ptr<transport::ByteTransport> transport,
              VebusDriverOptions options);
  ~VebusDriver() override;

  std::string_view kind() const override { return "vebus"; }
  std::string describe() const override { return std::string(transport_->name()); }
  void start() override;
  void stop() override;
  Health health() const override;
  DriverCounters counters() const override {
    const auto& s = session_.stats();
    return {s.frames, s.bad_checksum + s.decode_errors, s.resets};
  }

  gxlink::vebus::Session& session() { return session_; }
  /// Called for each finished write (after it is logged).
  void set_completion_handler(std::function<void(const gxlink::vebus::WriteCompletion&)> h) {
    on_completion_ = std::move(h);
  }
  VebusMapping& mapping() { return mapping_; }

 private:
  void on_data(ByteView bytes, TimePoint now);
  void pump(TimePoint now);
  void arm_timer();
  model::WriteResult accept(const Result<std::uint32_t>& r, const char* what);
  model::WriteResult on_dvcc_write(std::string_view path, double value);
  /// Brings the unit's charge current (IBatBulk) and charge voltages (absorption, float: at most
  /// the BMS's CVL) to what DVCC asks, in RAM only, or back to the installer's values when the GX
  /// stopped writing. One write at a time, at most one per kMccWriteGap.
  void apply_charge_limit(TimePoint now);

  VebusDriverOptions options_;
  std::unique_ptr<transport::ByteTransport> transport_;
  gxlink::vebus::Session session_;
  VebusMapping mapping_;
  asio::steady_timer timer_;
  std::function<void(const gxlink::vebus::WriteCompletion&)> on_completion_;
  std::string port_error_;
  bool garbage_ = false;
  RateLimiter refused_log_{seconds(10)};  ///< refused writes: one line per 10 s per reason
  RateLimiter outcome_log_{seconds(10)};  ///< failed writes: one line per 10 s per reason
  bool running_ = false;

  // DVCC (issue 12 item 4). The charge current the installer set (IBatBulk as first read, before
  // any write of ours) is the ceiling; the GX's values are held while it keeps writing them.
  std::optional<double> ceiling_;
  std::optional<double> dc_mcc_;   ///< /Dc/0/MaxChargeCurrent as written
  std::optional<double> bol_mcc_;  ///< /BatteryOperationalLimits/MaxChargeCurrent as written
  std::optional<TimePoint> last_dvcc_write_;
  std::optional<double> bol_cvl_;  ///< /BatteryOperationalLimits/MaxChargeVoltage as written
  std::optional<double> absorption_ceiling_, float_ceiling_;
  std::optional<double> sent_mcc_;           ///< the IBatBulk we last wrote
  std::optional<std::uint32_t> dvcc_write_;  ///< our write in flight (one at a time)
  std::optional<TimePoint> last_dvcc_send_;
  RateLimiter dvcc_log_{seconds(10)};

 public:
  /// At most one charge-current write per this (DVCC writes every 3 s).
  static constexpr Duration kMccWriteGap = seconds(3);
  std::optional<double> charge_current_sent() const { return sent_mcc_; }
};

}  // namespace gxlink::drivers::vebus
