// SPDX-License-Identifier: MIT
#pragma once
/// The NMEA 2000 data link above CAN frames (nmea2000.md §1.1): fast-packet reassembly and
/// fragmentation, ISO transport protocol BAM receive, and a Receiver that turns frames into whole
/// messages. Sans-I/O: frames and their time go in; messages and counted problems come out.
///
/// Fast-packet reassembly is keyed by (source, PGN, 3-bit sequence) like canboat, so that two
/// senders or two sequences interleave freely and frames of one message may arrive out of order
/// (Yacht Devices gateways reorder them). A repeated frame index is a broken message (counted,
/// restarted). A message not completed within 750 ms (AgIsoStack++'s timeout) is dropped.

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/can_frame.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "protocols/nmea2000/can_id.hpp"

namespace gxlink::nmea2000 {

inline constexpr std::size_t kFastPacketMax = 223;  // 6 + 31 × 7
inline constexpr std::size_t kTpMax = 1785;         // 255 × 7
inline constexpr Duration kFastPacketTimeout = std::chrono::milliseconds(750);
inline constexpr Duration kTpTimeout = std::chrono::milliseconds(750);  // J1939-21 T1

/// A whole message: header and payload. The payload views the Receiver's buffer and stays valid
/// until the next call into the Receiver.
struct Message {
  N2kId id;
  ByteView payload;
  TimePoint time{};
};

struct LinkStats {
  std::uint64_t frames = 0;
  std::uint64_t messages = 0;
  std::uint64_t ignored_frames = 0;  ///< standard (11-bit) ids, RTR
  std::uint64_t fp_incomplete = 0;   ///< repeated index: earlier frames of that message dropped
  std::uint64_t fp_timeouts = 0;     ///< partial messages older than the timeout
  std::uint64_t fp_bad_length = 0;   ///< frame 0 announcing more than 223 bytes, or empty frames
  std::uint64_t fp_overflow = 0;     ///< no free reassembly slot
  std::uint64_t tp_errors = 0;       ///< broken BAM transfers
};

/// Fast-packet reassembly (64 slots, as canboat's REASSEMBLY_BUFFER_SIZE).
class FastPacketAssembler {
 public:
  /// Feeds one frame of a fast-packet PGN. Returns true when `out_payload` holds a complete
  /// message (valid until the next call).
  bool on_frame(const N2kId& id, ByteView data, TimePoint now, LinkStats& stats,
                ByteView& out_payload) noexcept;
  /// Drops partial messages older than the timeout.
  void expire(TimePoint now, LinkStats& stats) noexcept;
  std::size_t pending() const noexcept;

 private:
  struct Slot {
    bool used = false;
    std::uint8_t src = 0;
    std::uint8_t seq = 0;
    std::uint32_t pgn = 0;
    std::uint8_t total = 0;  ///< announced length (valid when frame 0 seen)
    std::uint32_t mask = 0;  ///< frames received
    TimePoint started{};
    std::array<std::uint8_t, kFastPacketMax + 7> data{};
  };
  Slot* find(const N2kId& id, std::uint8_t seq) noexcept;
  Slot* allocate(const N2kId& id, std::uint8_t seq, TimePoint now, LinkStats& stats) noexcept;
  std::array<Slot, 64> slots_{};
  std::array<std::uint8_t, kFastPacketMax> done_{};
};

/// ISO 11783-3 / J1939-21 transport protocol, broadcast (BAM) receive: TP.CM (60416) announces
/// size/packets/PGN, TP.DT (60160) carries 7 bytes per packet with sequence 1..n.
class TpAssembler {
 public:
  /// Handles a 60416 or 60160 frame. Returns true when `out` holds a complete message.
  bool on_frame(const N2kId& id, ByteView data, TimePoint now, LinkStats& stats,
                Message& out) noexcept;

 private:
  struct Session {
    bool used = false;
    std::uint8_t src = 0;
    std::uint8_t prio = 7;
    std::uint32_t pgn = 0;
    std::uint16_t size = 0;
    std::uint8_t packets = 0;
    std::uint8_t next = 1;
    TimePoint last{};
    std::array<std::uint8_t, kTpMax> data{};
  };
  std::array<Session, 4> sessions_{};
  std::array<std::uint8_t, kTpMax> done_{};
};

/// Frames in, whole messages out. Which PGNs are fast-packet comes from the table
/// (is_fast_packet), never from the frame length.
class Receiver {
 public:
  /// Returns a message when the frame completed one (valid until the next call), else nullptr.
  const Message* on_frame(const CanFrame& f, TimePoint now) noexcept;
  /// Expires partial fast-packet messages (call from on_tick with the current time).
  void on_tick(TimePoint now) noexcept { fp_.expire(now, stats_); }
  const LinkStats& stats() const noexcept { return stats_; }

 private:
  FastPacketAssembler fp_;
  TpAssembler tp_;
  LinkStats stats_;
  Message msg_;
  std::array<std::uint8_t, 8> single_{};
};

/// Splits a message into CAN frames: one frame (DLC = length) for single-frame PGNs; fast-packet
/// frames (DLC 8, 0xFF padding, `seq` in the top 3 bits) otherwise. kBadLength above 223 bytes
/// (fast) or 8 bytes (single).
Result<std::vector<CanFrame>> fragment(const N2kId& id, ByteView payload, bool fast,
                                       std::uint8_t seq) noexcept;

/// Per-PGN 3-bit sequence counters for sending fast packets.
class FastPacketSender {
 public:
  std::uint8_t next_sequence(std::uint32_t pgn) noexcept;
  /// fragment() with the next sequence for `id.pgn` when it is a fast-packet PGN.
  Result<std::vector<CanFrame>> frames(const N2kId& id, ByteView payload) noexcept;

 private:
  std::array<std::pair<std::uint32_t, std::uint8_t>, 32> counters_{};
  std::size_t used_ = 0;
};

}  // namespace gxlink::nmea2000
