// SPDX-License-Identifier: MIT
#pragma once
/// The GX → charger link of a VE.Direct solar charger (DVCC, issue 12 item 4): the values a GX
/// writes into `/Link/*` go to the device's network registers over HEX SET, and are refreshed
/// while the GX keeps writing them. Sans-I/O: the driver passes writes and time in and sends the
/// SETs that come out.
///
/// The timing follows two facts:
/// - seed 003 (solarcharger "External control"): `/Link/ChargeCurrent` and `/Link/ChargeVoltage`
///   "Must be written every 60 seconds". A GX value is therefore held for 60 s after its last
///   write and then dropped: refreshing stops and the charger falls back to stand-alone on its own
///   timeout (error #67 "BMS lost" when NetworkMode had the BMS bit, vedirect_vebus.md §1.5).
/// - vedirect_vebus.md §2.3: 0x2015 (charge current limit) is RAM and "resets after ~50 s", so a
///   held value is re-sent every 10 s, well inside that; §2.4 (krahabb #6): consecutive SETs need
///   about 1 s between them "or only the first applies", so at most one SET leaves per second.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "protocols/vedirect/hex.hpp"

namespace gxlink::drivers::vedirect {

struct ChargerLinkOptions {
  Duration hold = seconds(60);     ///< seed 003: written at least every 60 s
  Duration refresh = seconds(10);  ///< re-send inside 0x2015's ~50 s RAM reset (§2.3)
  Duration gap = seconds(1);       ///< §2.4, krahabb #6: ~1 s between consecutive SETs
};

class ChargerLink {
 public:
  explicit ChargerLink(ChargerLinkOptions o = {}) : opt_(o) {}

  /// The GX wrote `value` (already encoded for register `reg`) at `now`. A changed value is sent
  /// before any refresh.
  void write(std::uint16_t reg, const gxlink::vedirect::HexPayload& value, TimePoint now);
  /// Values whose last write is older than `hold`: dropped, and returned so the caller can
  /// invalidate their paths.
  std::vector<std::uint16_t> expire(TimePoint now);
  /// The next SET to send at `now`, if one is due and the gap since the last SET has passed.
  /// Changed values go first, then the stalest refresh; ties in register order.
  std::optional<gxlink::vedirect::HexMessage> next_set(TimePoint now);
  /// The device answered a SET of `reg`: accepted (flags 0) or refused.
  void on_reply(std::uint16_t reg, bool accepted);
  /// The link to the device is gone: forget everything.
  void clear();

  bool holds(std::uint16_t reg) const { return values_.count(reg) != 0; }
  /// True while `reg` is held and the device accepted a SET of it (a later value does not clear
  /// it until the device refuses one).
  bool accepted(std::uint16_t reg) const;
  std::size_t sets_sent() const { return sets_sent_; }
  std::size_t refusals() const { return refusals_; }

 private:
  struct Held {
    gxlink::vedirect::HexPayload value;
    TimePoint written{};
    std::optional<TimePoint> sent;
    bool changed = true;
    bool accepted = false;
  };
  ChargerLinkOptions opt_;
  std::map<std::uint16_t, Held> values_;
  std::optional<TimePoint> last_set_;
  std::size_t sets_sent_ = 0;
  std::size_t refusals_ = 0;
};

}  // namespace gxlink::drivers::vedirect
