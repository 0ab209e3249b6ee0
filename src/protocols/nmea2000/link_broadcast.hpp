// SPDX-License-Identifier: MIT
#pragma once
/// The GX → VE.Can charger link: what Venus' vecan-dbus does with the `/Link/*` paths of its
/// `com.victronenergy.vecan.<interface>` service (seed 003 "vecan-xxx"; venus_os.md §5.4 step 2:
/// VE.Can chargers get DVCC's voltage through this service, not through their own /Link paths).
/// Each written value is broadcast as a Victron VREG (PGN 61184, priority 7, PS = 0xFF;
/// nmea2000.md §4.1). Seed 003 names two groups:
///  - "Repeated on interval with time-out": /Link/ChargeVoltage and /Link/NetworkMode. They are
///    broadcast on each write and repeated while the GX keeps writing; when the writes stop the
///    repeats stop too, so the chargers fall back on their own timeout (error #67 in BMS mode).
///  - "Single shot": one broadcast per write.
/// Sans-I/O: writes and time in, 8-byte VREG payloads out; the driver frames and sends them.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace gxlink::nmea2000 {

/// One `/Link/*` path of the vecan service and the register it goes out as.
struct LinkPathDesc {
  std::string_view path;
  std::uint16_t reg;  ///< VREG id (nmea2000.md §4.2)
  bool repeated;      ///< seed 003: "repeated on interval with time-out" (else single shot)
  double min;         ///< accepted range of a write, in the path's unit
  double max;
};

/// The paths the reference supports: the seed-003 broadcast paths that have a register id in
/// nmea2000.md §4.2 (or vedirect_vebus.md §2.3 for the network mode). /Link/Soc and
/// /Link/BatteryCurrent are seed-003 broadcast paths too, but the reference gives no register for
/// either as a link value, so they are not published.
std::span<const LinkPathDesc> vecan_link_paths() noexcept;
const LinkPathDesc* find_vecan_link(std::string_view path) noexcept;

/// A charger's own current limit (venus_os.md §5.4 step 7: DVCC writes `/Link/ChargeCurrent` of
/// each controllable solar charger, VE.Can ones included): not a vecan broadcast but a command to
/// that charger, an addressed VREG 0x2015 LINK_CHARGE_CURRENT_LIMIT (un16 0.1 A, nmea2000.md
/// §4.2; "commands are addressed", §4.1). The register is RAM and resets after about 50 s
/// (vedirect_vebus.md §2.3), so a held value is repeated every 10 s (see kChargerLinkOptions).
inline constexpr LinkPathDesc kChargerCurrentLink{"/Link/ChargeCurrent", 0x2015, true, 0.0, 1000.0};

/// NetworkMode bits (seed 003): 0x1 external control, 0x4 external voltage/current control,
/// 0x8 controlled by a BMS.
inline constexpr std::int64_t kLinkNetworkModeBits = 0x1 | 0x4 | 0x8;

/// The broadcast payload of a link value: `66 99 | reg LE16 | value LE | 00 pad`. The value bytes
/// are those of the register's type; the unused bytes are zero, as in the captured link broadcasts
/// of nmea2000.md §4.1 (canboat `victron-61184-vreg.raw`: `66 99 02 20 f8 04 00 00`, 12.72 V on
/// 0x2002). kOutOfRange when the value is outside the path's range or the register's type.
Result<Frame<8>> encode_link_broadcast(const LinkPathDesc& d, double value) noexcept;

struct LinkBroadcastOptions {
  /// Repeat period of the repeated paths. The reference gives no period; 3 s is the cadence at
  /// which Venus' DVCC writes (venus_os.md §5.4, ADJUST), well inside the 60 s a charger waits.
  Duration repeat = seconds(3);
  /// A repeated value not written again for this long stops being sent (seed 003: the link
  /// values "must be written every 60 seconds"; issue 12: never more than 60 s apart).
  Duration hold = seconds(60);
};

/// A charger's addressed current limit: re-sent well inside the ~50 s after which 0x2015 resets.
inline constexpr LinkBroadcastOptions kChargerLinkOptions{seconds(10), seconds(60)};

class LinkBroadcaster {
 public:
  explicit LinkBroadcaster(LinkBroadcastOptions o = {}) : opt_(o) {}

  /// The GX wrote `value` to `d.path` at `now`. Checked and encoded; the broadcast leaves at the
  /// next due() (a changed value at once, the same value at the next repeat).
  Result<void> write(const LinkPathDesc& d, double value, TimePoint now);
  /// The payloads to broadcast at `now`: new writes, then repeats that are due. Values whose last
  /// write is older than `hold` are dropped first; expired() lists them until the next call.
  std::vector<Frame<8>> due(TimePoint now);
  const std::vector<const LinkPathDesc*>& expired() const noexcept { return expired_; }

  bool holds(std::string_view path) const;
  std::uint64_t broadcasts() const noexcept { return broadcasts_; }

 private:
  struct Held {
    const LinkPathDesc* desc;
    Frame<8> payload;
    TimePoint written{};
    std::optional<TimePoint> sent;
    bool pending = true;
  };
  LinkBroadcastOptions opt_;
  std::map<std::string_view, Held> values_;
  std::vector<const LinkPathDesc*> expired_;
  std::uint64_t broadcasts_ = 0;
};

}  // namespace gxlink::nmea2000
