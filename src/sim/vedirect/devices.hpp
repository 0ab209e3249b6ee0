// SPDX-License-Identifier: MIT
#pragma once
/// Simulated VE.Direct devices (sans-I/O): what a SmartSolar MPPT 100|20 and a SmartShunt send each
/// second (TEXT, vedirect_vebus.md §1.6 field sets) and how they answer HEX commands (§2.1-§2.2).
/// Values follow a compressed day: a PV curve over `day_seconds`, charge states from the
/// simulated state of charge, a SOC that drifts with the battery current.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "protocols/vedirect/framer.hpp"

namespace gxlink::sim {

struct SimClockOptions {
  double day_seconds = 600;  ///< one simulated day in this many real seconds
  double start_phase = 0.3;  ///< where in the day the simulation starts (0 = midnight)
};

/// Sun elevation factor 0..1 at `t` seconds from the start.
double sun_factor(const SimClockOptions& c, double t);

class VeDirectSimDevice {
 public:
  virtual ~VeDirectSimDevice() = default;
  /// Bytes for the second that ends at `t` (seconds since the start): one or two TEXT blocks.
  virtual std::string tick(double t) = 0;
  /// Bytes from the host; returns the HEX replies to send back.
  std::string on_input(ByteView bytes);
  std::uint16_t pid() const { return pid_; }
  const std::map<std::uint16_t, std::vector<std::uint8_t>>& registers() const { return regs_; }
  std::size_t hex_requests() const { return hex_requests_; }

 protected:
  void set_u8(std::uint16_t id, std::uint8_t v) { regs_[id] = {v}; }
  void set_u16(std::uint16_t id, std::uint16_t v);
  void set_u32(std::uint16_t id, std::uint32_t v);
  void set_string(std::uint16_t id, const std::string& s);
  bool writable(std::uint16_t id) const;

  std::uint16_t pid_ = 0;
  std::uint16_t app_version_ = 0;
  std::map<std::uint16_t, std::vector<std::uint8_t>> regs_;
  std::vector<std::uint16_t> writable_;
  vedirect::Framer framer_;
  std::size_t hex_requests_ = 0;
};

/// SmartSolar MPPT 100|20 (PID 0xA05F), firmware 1.61, one TEXT block per second with load output.
class MpptSimulator : public VeDirectSimDevice {
 public:
  explicit MpptSimulator(SimClockOptions clock = {});
  std::string tick(double t) override;
  double soc() const { return soc_; }

 private:
  SimClockOptions clock_;
  double last_t_ = 0;
  double soc_ = 0.62;
  double yield_today_wh_ = 0;
  double yield_total_wh_ = 8272 * 10.0;
  double max_power_today_ = 0;
  int day_ = 0;
};

/// SmartShunt 500A/50mV (PID 0xA389): a main block and a history block every second (§1.6).
class SmartShuntSimulator : public VeDirectSimDevice {
 public:
  explicit SmartShuntSimulator(SimClockOptions clock = {});
  std::string tick(double t) override;
  double soc() const { return soc_; }

 private:
  SimClockOptions clock_;
  double last_t_ = 0;
  double soc_ = 0.62;
  double capacity_ah_ = 200;
  double discharged_kwh_ = 412.3;
  double charged_kwh_ = 398.7;
  double drawn_ah_ = 8123;
};

}  // namespace gxlink::sim
