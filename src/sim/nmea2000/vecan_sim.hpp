// SPDX-License-Identifier: MIT
#pragma once
/// Simulated Victron VE.Can devices on a CanTransport: each claims an address with a Victron NAME,
/// answers requests (60928, 126996), and broadcasts the PGNs of seed 000's per-product tables at
/// their 1.5 s interval (canboat's nominal interval for 127506–127508 and 127503):
///  - BlueSolar MPPT 150/70: 127508 instance 0 (battery) and 1 (PV), 127506 DC types, 127507,
///    VREG 0xEDD3 yield today;
///  - Lynx Shunt VE.Can: 127508 instance 0 and 1 (fused voltage), 127506 SOC/TTG, VREG 0xEEFF
///    consumed Ah;
///  - Skylla-i 24/100: 127508, 127507, 127503 AC input current.
/// Each device also answers what a GX or `gxlink nmea2000` sends it (nmea2000.md §4.1, seed 000
/// Q23): a VREQ with the register's broadcast VREG (or VACK "unknown register"), an addressed VREG
/// write with a VACK (OK, "command failed" for read-only registers, "invalid value" out of
/// range), and a 126208 Write Fields changing the data instance of 127508/127506 with a 126208
/// Acknowledge; later broadcasts carry the new instance.
/// Time is an input: tick(now) sends what is due.
///
/// The MPPT obeys a GX's charger link as a VE.Can charger under DVCC does (seed 003 "vecan-xxx",
/// nmea2000.md §4.2): a broadcast (or addressed) VREG 0x2001 LINK_VSET lowers its charge voltage
/// for 60 s after the last one (seed 003: the link values "must be written every 60 seconds").
/// Its battery is a simple LiFePO4 bank
/// (sim/dc_bus.hpp), its own or the demo's shared one, so the voltage it holds decides its
/// current: when the bank reaches the link voltage, the current falls. A GX's addressed VREG
/// 0x2015 LINK_CHARGE_CURRENT_LIMIT caps its current for 50 s (the register is RAM,
/// vedirect_vebus.md §2.3), and it answers a VREQ for 0xEDF0 (its 70 A maximum).

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocols/nmea2000/session.hpp"
#include "sim/dc_bus.hpp"
#include "transport/can_transport.hpp"

namespace gxlink::sim::nmea2000 {

enum class VeCanProduct { kMppt150_70, kLynxShunt, kSkyllaI };

class VeCanDevice {
 public:
  /// `nominal_voltage`: the bank the MPPT or Lynx Shunt sits on (24 V by default; the demo's house
  /// bank is 48 V). The Skylla-i is a 24 V charger and ignores it.
  VeCanDevice(transport::CanTransport& bus, VeCanProduct product, std::uint32_t unique_number,
              std::uint8_t preferred_address, int nominal_voltage = 24);
  /// Sends due frames; call every ~100 ms with the current time. The first call starts the claim.
  void tick(TimePoint now);
  const gxlink::nmea2000::NetworkSession& session() const { return session_; }

  /// Puts the MPPT on a shared bank (the demo's); by default it has a bank of its own. `name` is
  /// its entry in the bank's currents. The bank must outlive the device.
  void attach_bank(DcBus& bank, std::string name);
  /// MPPT: the charge current it sends now (A), and the GX's link voltage while it is fresh.
  double battery_current() const { return ibat_; }
  std::optional<double> link_charge_voltage() const;
  /// MPPT: the GX's current limit (addressed VREG 0x2015) while it is fresh (50 s, §2.3).
  std::optional<double> link_charge_current() const;

 private:
  void on_frame(const CanFrame& f);
  /// MPPT: the GX's LINK_VSET (VREG 0x2001) in `value`; false if it does not decode.
  bool take_link_voltage(ByteView value);
  /// MPPT: one step of the charger over `dt` seconds (sets ibat_ and vbat_).
  void charge(double dt, double wave);
  void broadcast(TimePoint now);
  void send(std::uint32_t pgn, std::uint8_t prio, ByteView payload);
  void send_to(std::uint32_t pgn, std::uint8_t prio, std::uint8_t dst, ByteView payload);
  void on_vreg(const gxlink::nmea2000::Message& m);
  void on_group_function(const gxlink::nmea2000::Message& m);

  /// A register the device answers for: raw value of the register's VregDesc type; writable ones
  /// accept raw values up to `max_raw`.
  struct Register {
    std::uint32_t raw = 0;
    bool writable = false;
    std::uint32_t max_raw = 0;
  };
  /// Data instances per role (0 = battery side, 1 = PV or fused voltage) of 127508 and 127506.
  struct Instances {
    std::array<std::uint8_t, 2> battery_status{0, 1};
    std::array<std::uint8_t, 2> dc_detailed{0, 1};
  };

  transport::CanTransport& bus_;
  VeCanProduct product_;
  double k_ = 1;  ///< nominal voltage ÷ 24
  gxlink::nmea2000::NetworkSession session_;
  gxlink::nmea2000::Receiver rx_;
  bool started_ = false;
  TimePoint now_{};
  TimePoint next_broadcast_{};
  std::uint8_t sid_ = 0;
  double t_ = 0;  ///< simulated seconds for the value curves
  std::map<std::uint16_t, Register> registers_;
  Instances instances_;
  DcBus own_bank_;
  DcBus* bank_ = &own_bank_;
  std::string bank_name_ = "vecan-mppt";
  std::optional<double> link_voltage_;  ///< VREG 0x2001, V
  TimePoint link_written_{};
  std::optional<double> link_current_;  ///< VREG 0x2015, A
  TimePoint link_current_written_{};
  double ibat_ = 0;
  double vbat_ = 0;
};

}  // namespace gxlink::sim::nmea2000
