// SPDX-License-Identifier: MIT
#pragma once
/// Simulated VE.Direct devices (sans-I/O): what a SmartSolar MPPT 100|20 and a SmartShunt send each
/// second (TEXT, vedirect_vebus.md §1.6 field sets) and how they answer HEX commands (§2.1-§2.2).
/// Values follow a compressed day: a PV curve over `day_seconds`, charge states from the
/// simulated state of charge, a SOC that drifts with the battery current.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "protocols/vedirect/framer.hpp"
#include "sim/dc_bus.hpp"

namespace gxlink::sim::vedirect {

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
  /// Called after a SET of `id` was accepted.
  virtual void on_set(std::uint16_t /*id*/) {}

  std::uint16_t pid_ = 0;
  std::uint16_t app_version_ = 0;
  std::map<std::uint16_t, std::vector<std::uint8_t>> regs_;
  std::vector<std::uint16_t> writable_;
  gxlink::vedirect::Framer framer_;
  std::size_t hex_requests_ = 0;
};

/// What kind of MPPT the simulator is. The default is the 12 V SmartSolar MPPT 100|20 with a load
/// output; the demo's 48 V house bank uses `mppt_150_35_48v()`.
struct MpptSimOptions {
  std::uint16_t pid = 0xA05F;
  std::string pid_text = "0xA05F";
  std::string model = "SmartSolar Charger MPPT 100/20";
  std::string serial = "HQ2245SIM01";
  int nominal_voltage = 12;    ///< 12, 24 or 48: the bank it charges
  double charge_limit_a = 20;  ///< 0xEDF0, the charger's own maximum
  double pv_peak_w = 290;      ///< array power at full sun
  double capacity_ah = 200;    ///< the bank's capacity (its SOC drives the charge stage)
  double soc = 0.62;           ///< 0..1 at start
  bool load_output = true;     ///< LOAD / IL fields (the small models only)
};
MpptSimOptions mppt_150_35_48v();

/// A SmartSolar MPPT, firmware 1.61, one TEXT block per second. Its battery is a simple LiFePO4
/// model (open-circuit voltage from the SOC, a series resistance), so that the charge voltage it
/// holds decides its current: bulk while the PV or the current limit decides, absorption once the
/// voltage target does.
///
/// It honours a GX's network registers as a charger in a DVCC system does (seed 003 solarcharger
/// "External control"; ids nmea2000.md §4.2): with NetworkMode (0x200E) bit 0x4 the charge voltage
/// is the lower of its own and 0x2001, the current the lower of 0xEDF0 and 0x2015, and the state
/// is 252 "External control". 0x2015 returns to "unknown" 50 s after its last write (§2.3); with
/// bit 0x8 (BMS) and no link write for 60 s it stops charging with error 67 "BMS lost" (§1.5),
/// until the GX writes again.
class MpptSimulator : public VeDirectSimDevice {
 public:
  explicit MpptSimulator(SimClockOptions clock = {}, MpptSimOptions options = {});
  std::string tick(double t) override;
  double soc() const { return soc_; }
  double battery_current() const { return ibat_; }
  double battery_voltage() const { return vbat_; }
  int charge_state() const { return cs_; }
  int error() const { return err_; }
  /// Charges a shared bank (the demo's) instead of its own battery model: it reads the bank's
  /// voltage and SOC and puts its current in as `name`. The bank must outlive the simulator.
  void attach_bank(DcBus& bank, std::string name) {
    bank_ = &bank;
    bank_name_ = std::move(name);
  }

 protected:
  void on_set(std::uint16_t id) override;

 private:
  std::optional<double> fresh_u16(std::uint16_t id, double scale, double max_age) const;

  SimClockOptions clock_;
  MpptSimOptions o_;
  double last_t_ = 0;
  double soc_ = 0.62;
  double ibat_ = 0;
  double vbat_ = 0;
  int cs_ = 0;
  int err_ = 0;
  std::map<std::uint16_t, double> written_at_;  ///< link register → time of its last SET
  std::optional<double> last_link_write_;
  double yield_today_wh_ = 0;
  double yield_total_wh_ = 8272 * 10.0;
  double max_power_today_ = 0;
  int day_ = 0;
  DcBus* bank_ = nullptr;
  std::string bank_name_;
};

/// SmartShunt 500A/50mV (PID 0xA389): a main block and a history block every second (§1.6).
class SmartShuntSimulator : public VeDirectSimDevice {
 public:
  /// `nominal_voltage` 12 (default) or 48: the bank it measures (the demo's 48 V house bank).
  explicit SmartShuntSimulator(SimClockOptions clock = {}, int nominal_voltage = 12);
  std::string tick(double t) override;
  double soc() const { return soc_; }
  /// What it measured at its last tick (A, positive = charging).
  double battery_current() const { return i_; }
  /// Measures a shared bank (the demo's) instead of its own load profile: the current is the sum
  /// of what every device on the bank puts in. The bank must outlive the simulator.
  void attach_bank(DcBus& bank) { bank_ = &bank; }

 private:
  SimClockOptions clock_;
  DcBus* bank_ = nullptr;
  double i_ = 0;
  double last_t_ = 0;
  double soc_ = 0.62;
  double capacity_ah_ = 200;
  double k_ = 1;  ///< nominal voltage ÷ 12
  double discharged_kwh_ = 412.3;
  double charged_kwh_ = 398.7;
  double drawn_ah_ = 8123;
};

}  // namespace gxlink::sim::vedirect
