// SPDX-License-Identifier: MIT
#include "transport/slcan_codec.hpp"

#include <array>

namespace gxlink::transport::slcan {
namespace {

bool parse_hex(ByteView s, std::uint32_t& out) noexcept {
  out = 0;
  for (std::uint8_t c : s) {
    const int v = hex_digit_value(static_cast<char>(c));
    if (v < 0) return false;
    out = (out << 4) | static_cast<std::uint32_t>(v);
  }
  return true;
}

TakeResult bad(std::size_t consumed, Errc code, const char* what) noexcept {
  TakeResult r;
  r.status = TakeResult::Status::kBad;
  r.consumed = consumed;
  r.error = Error{code, what};
  return r;
}

// One record without its terminator.
TakeResult parse_record(ByteView rec, std::size_t consumed) noexcept {
  TakeResult r;
  r.status = TakeResult::Status::kRecord;
  r.consumed = consumed;
  if (rec.empty()) {
    r.record.kind = RecordKind::kOk;
    return r;
  }
  const char c = static_cast<char>(rec[0]);
  switch (c) {
    case 't':
    case 'T':
    case 'r':
    case 'R': {
      const bool ext = c == 'T' || c == 'R';
      const bool rtr = c == 'r' || c == 'R';
      const std::size_t id_len = ext ? 8 : 3;
      if (rec.size() < 1 + id_len + 1)
        return bad(consumed, Errc::kTruncated, "slcan frame shorter than its header");
      std::uint32_t id = 0;
      if (!parse_hex(rec.subspan(1, id_len), id))
        return bad(consumed, Errc::kBadFormat, "bad hex in slcan id");
      if (id > (ext ? CanFrame::kMaxExtId : CanFrame::kMaxStdId))
        return bad(consumed, Errc::kOutOfRange, "slcan id out of range");
      const int dlc = hex_digit_value(static_cast<char>(rec[1 + id_len]));
      if (dlc < 0 || dlc > 8) return bad(consumed, Errc::kBadLength, "slcan DLC not 0..8");
      std::size_t at = 2 + id_len;
      CanFrame& f = r.record.frame;
      f.id = id;
      f.extended = ext;
      f.rtr = rtr;
      f.len = static_cast<std::uint8_t>(dlc);
      if (!rtr) {
        if (rec.size() < at + 2u * f.len)
          return bad(consumed, Errc::kTruncated, "slcan frame shorter than its DLC");
        for (std::size_t i = 0; i < f.len; ++i, at += 2) {
          std::uint32_t b = 0;
          if (!parse_hex(rec.subspan(at, 2), b))
            return bad(consumed, Errc::kBadFormat, "bad hex in slcan data");
          f.data[i] = static_cast<std::uint8_t>(b);
        }
      }
      const std::size_t rest = rec.size() - at;
      if (rest == 4) {  // adapter timestamp (Z1 mode): milliseconds, wraps at 60000
        std::uint32_t ts = 0;
        if (!parse_hex(rec.subspan(at, 4), ts))
          return bad(consumed, Errc::kBadFormat, "bad slcan timestamp");
        r.record.timestamp_ms = static_cast<std::uint16_t>(ts);
      } else if (rest != 0) {
        return bad(consumed, Errc::kBadLength, "slcan frame longer than its DLC");
      }
      r.record.kind = RecordKind::kFrame;
      return r;
    }
    case 'z':
    case 'Z': r.record.kind = RecordKind::kTxDone; return r;
    case 'F': {
      std::uint32_t v = 0;
      if (rec.size() != 3 || !parse_hex(rec.subspan(1, 2), v))
        return bad(consumed, Errc::kBadFormat, "bad slcan status");
      r.record.kind = RecordKind::kStatus;
      r.record.status = static_cast<std::uint8_t>(v);
      return r;
    }
    default:
      if (c >= 'A' && c <= 'Z') {
        r.record.kind = RecordKind::kCommand;
        r.record.command = c;
        return r;
      }
      return bad(consumed, Errc::kBadFormat, "not an slcan record");
  }
}

}  // namespace

TakeResult take(ByteView in) noexcept {
  std::size_t start = 0;
  while (start < in.size() && in[start] == '\n') ++start;
  for (std::size_t i = start; i < in.size(); ++i) {
    const std::uint8_t c = in[i];
    if (c == kBel) {
      if (i == start) {
        TakeResult r;
        r.status = TakeResult::Status::kRecord;
        r.consumed = i + 1;
        r.record.kind = RecordKind::kError;
        return r;
      }
      // BEL after partial text: the text was garbage; resync after the BEL.
      return bad(i + 1, Errc::kBadFormat, "slcan error reply after partial record");
    }
    if (c == kCr) return parse_record(in.subspan(start, i - start), i + 1);
    if (i - start + 1 >= kMaxRecord)
      return bad(i + 1, Errc::kBadLength, "slcan record without terminator");
  }
  TakeResult r;
  r.consumed = start;
  return r;
}

Frame<32> encode_frame(const CanFrame& f) noexcept {
  static constexpr char kHex[] = "0123456789ABCDEF";
  Frame<32> out;
  const std::uint8_t len = f.len > 8 ? 8 : f.len;
  out.push_back(static_cast<std::uint8_t>(f.extended ? (f.rtr ? 'R' : 'T') : (f.rtr ? 'r' : 't')));
  const std::uint32_t id = f.id & (f.extended ? CanFrame::kMaxExtId : CanFrame::kMaxStdId);
  const int digits = f.extended ? 8 : 3;
  for (int d = digits - 1; d >= 0; --d)
    out.push_back(static_cast<std::uint8_t>(kHex[(id >> (4 * d)) & 0xF]));
  out.push_back(static_cast<std::uint8_t>('0' + len));
  if (!f.rtr) {
    for (std::size_t i = 0; i < len; ++i) {
      out.push_back(static_cast<std::uint8_t>(kHex[f.data[i] >> 4]));
      out.push_back(static_cast<std::uint8_t>(kHex[f.data[i] & 0xF]));
    }
  }
  out.push_back(kCr);
  return out;
}

Result<Frame<4>> encode_bitrate(unsigned bps) noexcept {
  static constexpr std::array<unsigned, 9> kRates = {10000,  20000,  50000,  100000, 125000,
                                                     250000, 500000, 800000, 1000000};
  // S7 is 800 k in Lawicel's table and 750 k on CANable firmware; both ask for S7.
  if (bps == 750000) bps = 800000;
  for (std::size_t i = 0; i < kRates.size(); ++i) {
    if (kRates[i] == bps) {
      Frame<4> f;
      f.push_back('S');
      f.push_back(static_cast<std::uint8_t>('0' + i));
      f.push_back(kCr);
      return f;
    }
  }
  return fail(Errc::kOutOfRange, "slcan has no standard code for this bitrate");
}

}  // namespace gxlink::transport::slcan
