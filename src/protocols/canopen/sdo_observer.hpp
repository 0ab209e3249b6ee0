// SPDX-License-Identifier: MIT
#pragma once
/// Passive SDO observer: pairs the requests of some other client (0x600+node) with the server's
/// responses (0x580+node) in a capture or on a live bus, following expedited and segmented
/// transfers, and reports each finished transfer (data or abort). Used by `gxlink snapshot canopen`
/// and `gxlink decode canopen` for captures of an existing bridge, and by a driver in listen-only
/// mode. It never sends anything. Sans-I/O.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/can_frame.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "protocols/canopen/sdo_client.hpp"

namespace gxlink::canopen {

struct ObservedTransfer {
  std::uint8_t node = 0;
  std::uint16_t index = 0;
  std::uint8_t sub = 0;
  SdoDirection direction = SdoDirection::kUpload;
  Errc status = Errc::kOk;  ///< kOk, kAborted (either side), kSequence, kBadFormat, kBadLength
  std::vector<std::uint8_t> data;  ///< uploaded or downloaded bytes
  bool size_indicated = true;
  std::uint32_t abort_code = 0;
  bool aborted_by_server = false;
  TimePoint time{};
};

struct SdoObserverStats {
  std::uint64_t transfers = 0;
  std::uint64_t unmatched = 0;  ///< responses with no request seen (capture started mid-way)
  std::uint64_t abandoned = 0;  ///< a new request before the previous one finished
  std::uint64_t toggle_errors = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t bad_frames = 0;
};

class SdoObserver {
 public:
  explicit SdoObserver(std::size_t max_size = 4096) : max_size_(max_size) {}
  /// Feeds any frame; returns true for SDO frames.
  bool on_frame(const CanFrame& f, TimePoint now);
  std::vector<ObservedTransfer> take();
  const SdoObserverStats& stats() const noexcept { return stats_; }

 private:
  struct Pending {
    ObservedTransfer t;
    bool segmented = false;
    bool toggle = false;  ///< toggle of the last segment request
    bool last = false;    ///< download: the last segment was requested
    std::optional<std::uint32_t> expected;
  };
  void emit(std::uint8_t node, Errc status, TimePoint now);
  void on_request(const SdoMessage& m, TimePoint now);
  void on_response(const SdoMessage& m, TimePoint now);

  std::size_t max_size_;
  std::map<std::uint8_t, Pending> pending_;
  std::vector<ObservedTransfer> done_;
  SdoObserverStats stats_;
};

}  // namespace gxlink::canopen
