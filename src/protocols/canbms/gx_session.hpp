// SPDX-License-Identifier: MIT
#pragma once
/// The GX role (seeds/001 §1.4 and §3): receive a managed battery, send 0x305 and 0x307 every
/// second, and declare the battery lost when 0x351 has not been seen for 3 s. Sans-I/O: frames and
/// time go in (on_frame / on_tick), outgoing frames come out through the caller's vector (STYLE.md
/// rules 7-8).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/can_frame.hpp"
#include "core/time.hpp"
#include "protocols/canbms/codec.hpp"

namespace gxlink::canbms {

struct GxOptions {
  Duration keepalive_period = seconds(1);  ///< 0x305 and 0x307 "every second" (seeds/001 §3)
  Duration link_timeout = seconds(3);      ///< no 0x351 for 3 s -> battery lost (seeds/001 §1.4)
  bool send_keepalive = true;  ///< false for passive listening (snapshot, candump replay)
};

struct GxStats {
  std::size_t frames = 0;
  std::size_t decoded = 0;
  std::size_t unknown_ids = 0;  ///< ignored and counted (issue 3, "Bad input")
  std::size_t bad_frames = 0;   ///< wrong length, 29-bit, RTR
  std::size_t link_losses = 0;
};

class GxSession {
 public:
  explicit GxSession(GxOptions o = {}) : options_(o) {}

  /// Decodes a received frame and tracks the link: a decoded 0x351 (re)connects the battery. Name
  /// parts (0x35E, 0x370, 0x371) and serial parts (0x380, 0x381) are assembled here.
  Result<Message> on_frame(const CanFrame& f, TimePoint now) noexcept;

  /// Appends the frames due at `now` (0x305 then 0x307) and checks the 0x351 timeout. Returns true
  /// when the link was lost at this tick.
  bool on_tick(TimePoint now, std::vector<CanFrame>& out);

  /// The earliest time on_tick has something to do.
  std::optional<TimePoint> next_deadline() const noexcept;

  bool connected() const noexcept { return connected_; }
  const GxStats& stats() const noexcept { return stats_; }

  /// seeds/001 FAQ Q2 precedence over what has been received so far.
  std::string name() const;
  /// The serial number, complete only once 0x381 has been received (seeds/001 0x380/0x381).
  std::optional<std::string> serial() const;
  const Text8& manufacturer() const noexcept { return manufacturer_; }
  const Text8& family() const noexcept { return family_; }

 private:
  GxOptions options_;
  GxStats stats_;
  bool connected_ = false;
  std::optional<TimePoint> last_limits_;
  std::optional<TimePoint> next_keepalive_;
  Text8 manufacturer_, name1_, name2_, serial1_, serial2_, family_;
  bool have_name1_ = false, have_serial2_ = false;
};

}  // namespace gxlink::canbms
