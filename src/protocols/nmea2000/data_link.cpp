// SPDX-License-Identifier: MIT
#include "protocols/nmea2000/data_link.hpp"

#include <algorithm>

#include "protocols/nmea2000/pgn_table.hpp"

namespace gxlink::nmea2000 {
namespace {

constexpr std::uint32_t kTpCm = 60416;
constexpr std::uint32_t kTpDt = 60160;

/// Frames a message of `len` bytes needs: 1 + len / 7 (canboat), i.e. 6 bytes in frame 0 and 7
/// in each further frame.
constexpr unsigned frames_for(unsigned len) noexcept {
  return len <= 6 ? 1u : 1u + (len - 6u + 6u) / 7u;
}

}  // namespace

FastPacketAssembler::Slot* FastPacketAssembler::find(const N2kId& id, std::uint8_t seq) noexcept {
  for (auto& s : slots_)
    if (s.used && s.src == id.src && s.pgn == id.pgn && s.seq == seq) return &s;
  return nullptr;
}

namespace {

// A capture's clock can jump: a logger restarted, a GPS time fix, files joined end to end. A jump
// back, or forward by more than this, is a discontinuity of the clock, not a silent bus: partial
// messages that straddle it are kept and timed from the jump (issue 13).
constexpr Duration kClockJump = std::chrono::hours(1);

bool clock_jumped(TimePoint since, TimePoint now) noexcept {
  return now < since || now - since > kClockJump;
}

/// True when `timeout` has really passed since `since`; on a clock jump it re-bases `since` to
/// `now` and says no.
bool timed_out(TimePoint& since, TimePoint now, Duration timeout) noexcept {
  if (clock_jumped(since, now)) {
    since = now;
    return false;
  }
  return now - since > timeout;
}

}  // namespace

FastPacketAssembler::Slot* FastPacketAssembler::allocate(const N2kId& id, std::uint8_t seq,
                                                         TimePoint now, LinkStats& stats) noexcept {
  Slot* free_slot = nullptr;
  Slot* oldest = nullptr;
  for (auto& s : slots_) {
    if (!s.used) {
      free_slot = &s;
      break;
    }
    if (!oldest || s.started < oldest->started) oldest = &s;
  }
  if (!free_slot) {
    // Full: reuse the oldest; it is a timeout if it is old, an overflow otherwise.
    if (timed_out(oldest->started, now, kFastPacketTimeout))
      ++stats.fp_timeouts;
    else
      ++stats.fp_overflow;
    free_slot = oldest;
  }
  free_slot->used = true;
  free_slot->src = id.src;
  free_slot->pgn = id.pgn;
  free_slot->seq = seq;
  free_slot->total = 0;
  free_slot->mask = 0;
  free_slot->started = now;
  return free_slot;
}

bool FastPacketAssembler::on_frame(const N2kId& id, ByteView data, TimePoint now, LinkStats& stats,
                                   ByteView& out_payload) noexcept {
  if (data.empty()) {
    ++stats.fp_bad_length;
    return false;
  }
  const auto seq = static_cast<std::uint8_t>(data[0] >> 5);
  const unsigned index = data[0] & 0x1F;
  if (index == 0 && data.size() < 2) {
    ++stats.fp_bad_length;
    return false;
  }
  if (index == 0 && data[1] > kFastPacketMax) {
    ++stats.fp_bad_length;
    return false;
  }
  Slot* s = find(id, seq);
  if (s && timed_out(s->started, now, kFastPacketTimeout)) {
    ++stats.fp_timeouts;
    s->used = false;
    s = nullptr;
  }
  if (s && (s->mask >> index) & 1u) {
    // The index came again: the earlier message with this sequence is incomplete (canboat:
    // "Received incomplete fast packet"). Start over with this frame.
    ++stats.fp_incomplete;
    s->used = false;
    s = nullptr;
  }
  if (!s) s = allocate(id, seq, now, stats);
  s->mask |= 1u << index;
  // Copy what the frame carries; a short frame leaves 0xFF padding (canboat pads the same way).
  if (index == 0) {
    s->total = data[1];
    std::fill_n(s->data.begin(), 6, std::uint8_t{0xFF});
    std::copy_n(data.begin() + 2, std::min<std::size_t>(data.size() - 2, 6), s->data.begin());
  } else {
    const std::size_t at = 6 + 7 * (index - 1u);
    std::fill_n(s->data.begin() + static_cast<std::ptrdiff_t>(at), 7, std::uint8_t{0xFF});
    std::copy_n(data.begin() + 1, std::min<std::size_t>(data.size() - 1, 7),
                s->data.begin() + static_cast<std::ptrdiff_t>(at));
  }
  if (!(s->mask & 1u)) return false;
  const unsigned n = frames_for(s->total);
  const std::uint32_t need = n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1u;
  if ((s->mask & need) != need) return false;
  std::copy_n(s->data.begin(), s->total, done_.begin());
  out_payload = ByteView(done_.data(), s->total);
  s->used = false;
  return true;
}

void FastPacketAssembler::expire(TimePoint now, LinkStats& stats) noexcept {
  for (auto& s : slots_) {
    if (s.used && timed_out(s.started, now, kFastPacketTimeout)) {
      s.used = false;
      ++stats.fp_timeouts;
    }
  }
}

std::size_t FastPacketAssembler::pending() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.used; }));
}

bool TpAssembler::on_frame(const N2kId& id, ByteView data, TimePoint now, LinkStats& stats,
                           Message& out) noexcept {
  if (data.size() < 8) {
    ++stats.tp_errors;
    return false;
  }
  if (id.pgn == kTpCm) {
    if (data[0] != 0x20)
      return false;  // only BAM; RTS/CTS is point-to-point and not ours to answer
    if (id.dst != kBroadcast) {
      ++stats.tp_errors;
      return false;
    }
    const std::uint16_t size = load_le16(data, 1);
    const std::uint8_t packets = data[3];
    if (size < 9 || size > kTpMax || packets != (size + 6) / 7) {
      ++stats.tp_errors;
      return false;
    }
    Session* s = nullptr;
    for (auto& c : sessions_)
      if (c.used && c.src == id.src) s = &c;
    if (s) ++stats.tp_errors;  // a new BAM aborts the previous one from the same source
    if (!s)
      for (auto& c : sessions_)
        if (!c.used || timed_out(c.last, now, kTpTimeout)) {
          s = &c;
          break;
        }
    if (!s) {
      ++stats.tp_errors;
      return false;
    }
    s->used = true;
    s->src = id.src;
    s->prio = id.prio;
    s->pgn = load_le24(data, 5);
    s->size = size;
    s->packets = packets;
    s->next = 1;
    s->last = now;
    return false;
  }
  // TP.DT
  Session* s = nullptr;
  for (auto& c : sessions_)
    if (c.used && c.src == id.src) s = &c;
  if (!s) return false;
  if (timed_out(s->last, now, kTpTimeout) || data[0] != s->next) {
    ++stats.tp_errors;
    s->used = false;
    return false;
  }
  std::copy_n(data.begin() + 1, 7, s->data.begin() + static_cast<std::ptrdiff_t>(s->next - 1) * 7);
  s->last = now;
  if (s->next++ < s->packets) return false;
  std::copy_n(s->data.begin(), s->size, done_.begin());
  out.id = N2kId{s->prio, s->pgn, s->src, kBroadcast};
  out.payload = ByteView(done_.data(), s->size);
  out.time = now;
  s->used = false;
  return true;
}

const Message* Receiver::on_frame(const CanFrame& f, TimePoint now) noexcept {
  ++stats_.frames;
  if (!f.extended || f.rtr) {
    ++stats_.ignored_frames;
    return nullptr;
  }
  const N2kId id = decode_can_id(f.id);
  const ByteView data = f.payload();
  if (id.pgn == kTpCm || id.pgn == kTpDt) {
    if (!tp_.on_frame(id, data, now, stats_, msg_)) return nullptr;
    ++stats_.messages;
    return &msg_;
  }
  if (is_fast_packet(id.pgn)) {
    ByteView payload;
    if (!fp_.on_frame(id, data, now, stats_, payload)) return nullptr;
    msg_ = Message{id, payload, now};
    ++stats_.messages;
    return &msg_;
  }
  // Copy: the caller's frame may not outlive this call, the message must.
  std::copy_n(data.begin(), data.size(), single_.begin());
  msg_ = Message{id, ByteView(single_.data(), data.size()), now};
  ++stats_.messages;
  return &msg_;
}

Result<std::vector<CanFrame>> fragment(const N2kId& id, ByteView payload, bool fast,
                                       std::uint8_t seq) noexcept {
  auto can_id = encode_can_id(id);
  if (!can_id) return tl::unexpected(can_id.error());
  std::vector<CanFrame> out;
  if (!fast) {
    if (payload.size() > 8)
      return tl::unexpected(Error{Errc::kBadLength, "single frame above 8 bytes"});
    out.push_back(CanFrame::make(*can_id, true, payload));
    return out;
  }
  if (payload.size() > kFastPacketMax)
    return tl::unexpected(Error{Errc::kBadLength, "fast packet above 223 bytes"});
  const unsigned n = frames_for(static_cast<unsigned>(payload.size()));
  std::size_t at = 0;
  for (unsigned i = 0; i < n; ++i) {
    CanFrame f;
    f.id = *can_id;
    f.extended = true;
    f.len = 8;
    f.data.fill(0xFF);
    f.data[0] = static_cast<std::uint8_t>(((seq & 7u) << 5) | i);
    std::size_t first = 1;
    if (i == 0) {
      f.data[1] = static_cast<std::uint8_t>(payload.size());
      first = 2;
    }
    for (std::size_t k = first; k < 8 && at < payload.size(); ++k) f.data[k] = payload[at++];
    out.push_back(f);
  }
  return out;
}

std::uint8_t FastPacketSender::next_sequence(std::uint32_t pgn) noexcept {
  for (std::size_t i = 0; i < used_; ++i) {
    if (counters_[i].first == pgn) {
      counters_[i].second = static_cast<std::uint8_t>((counters_[i].second + 1) & 7);
      return counters_[i].second;
    }
  }
  if (used_ < counters_.size()) counters_[used_++] = {pgn, 0};
  return 0;
}

Result<std::vector<CanFrame>> FastPacketSender::frames(const N2kId& id, ByteView payload) noexcept {
  const bool fast = is_fast_packet(id.pgn);
  return fragment(id, payload, fast, fast ? next_sequence(id.pgn) : 0);
}

}  // namespace gxlink::nmea2000
