// SPDX-License-Identifier: MIT
#pragma once
/// A managed lithium battery (LiFePO4 cells, SOC, temperature, alarms) that speaks the CAN-bus BMS
/// protocol on a CanTransport, the way a real BMS does: 0x351/0x355/0x356/0x35A/0x372/0x373 every
/// second, identification and details every 5 s (seeds/001 §2). Time is an input: step(now)
/// advances the physics and sends what is due; start() drives it from an asio timer.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "core/can_frame.hpp"
#include "sim/dc_bus.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::sim::canbms {

struct BatterySimOptions {
  int cells = 16;  ///< 16S LiFePO4 = a 51.2 V pack
  double capacity_ah = 280;
  double soc = 0.65;  ///< 0..1 at start
  double ambient_c = 22;
  std::string manufacturer = "GXSIM";       ///< 0x35E
  std::string name = "gxlink sim BMS";      ///< 0x370/0x371 (16 chars max)
  std::string serial = "SIM0000000000001";  ///< 0x380/0x381
  std::string family = "LFP-SIM";           ///< 0x382
  double current_amplitude_a = 40;          ///< current swings ±amplitude with a 10 min period
  double max_charge_current_a = 100;        ///< CCL below 95 % SOC (20 A above, at most this)
};

struct BatterySimState {
  double soc = 0;  ///< 0..1
  double current_a = 0;
  double temperature_c = 0;
  std::vector<double> cell_v;
  double charged_kwh = 0, discharged_kwh = 0;
};

class BatterySim {
 public:
  BatterySim(transport::CanTransport& bus, BatterySimOptions o = {});
  ~BatterySim();

  /// Advances to `now` and sends the frames due.
  void step(TimePoint now);
  /// The frames due at `now` without sending them (for tests and the benchmark).
  std::vector<CanFrame> frames_due(TimePoint now);

  void start(asio::io_context& io);
  void stop();
  /// Fixes the current instead of the built-in profile (tests, alarms).
  void force_current(std::optional<double> a) { forced_current_ = a; }
  /// The BMS of a shared bank (the demo's): its current is the sum of what every device on the
  /// bank puts in, its SOC and pack voltage the bank's. The bank must outlive the simulator.
  void attach_bank(DcBus& bank) { bank_ = &bank; }
  /// Stops sending (a battery that dies) until resumed.
  void set_silent(bool s) { silent_ = s; }

  const BatterySimState& state() const noexcept { return st_; }
  std::size_t keepalives_seen() const noexcept { return keepalives_; }

 private:
  void advance(TimePoint now);
  void arm();
  double cell_ocv(double soc) const;

  transport::CanTransport& bus_;
  BatterySimOptions o_;
  BatterySimState st_;
  std::optional<TimePoint> last_, next_fast_, next_slow_, t0_;
  std::optional<double> forced_current_;
  DcBus* bank_ = nullptr;
  bool silent_ = false;
  std::size_t keepalives_ = 0;
  std::unique_ptr<asio::steady_timer> timer_;
};

}  // namespace gxlink::sim::canbms
