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
/// Time is an input: tick(now) sends what is due.

#include <cstdint>
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
};

}  // namespace gxlink::sim::nmea2000
