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

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocols/nmea2000/session.hpp"
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

 private:
  void on_frame(const CanFrame& f);
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
};

}  // namespace gxlink::sim::nmea2000
