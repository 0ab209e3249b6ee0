// SPDX-License-Identifier: MIT
// Fuzzes the NMEA 2000 data link and codec: the input is a sequence of records
// `id(4, LE) | dlc(1) | data(dlc ≤ 8)`; frames go through the Receiver (fast-packet and BAM
// reassembly) with a time that advances per frame, and every completed message is decoded and,
// for the PGNs that can be encoded, re-encoded: decode(encode(decode(x))) must equal decode(x).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/data_link.hpp"
#include "protocols/nmea2000/json.hpp"
#include "protocols/nmea2000/pgn_table.hpp"

using namespace gxlink;
using namespace gxlink::nmea2000;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Receiver rx;
  Decoded d, d2;
  std::string json;
  TimePoint now{};
  std::size_t i = 0;
  while (i + 5 <= size) {
    const std::uint32_t id = load_le32(ByteView(data + i, 4)) | 0x08000000u;
    const std::size_t dlc = std::min<std::size_t>(data[i + 4] & 0x0F, 8);
    i += 5;
    const std::size_t n = std::min(dlc, size - i);
    CanFrame f = CanFrame::make(id & 0x1FFFFFFF, true, ByteView(data + i, n));
    i += n;
    now += std::chrono::milliseconds(data[i - 1 < size ? i - 1 : 0] & 0x3F);
    const Message* m = rx.on_frame(f, now);
    if ((i & 7) == 0) rx.on_tick(now);
    if (!m) continue;
    if (!decode(m->id.pgn, m->payload, d)) continue;
    json.clear();
    append_fields_json(m->id.pgn, m->payload, d, json);
    if (d.desc->repeat_size || d.desc->pgn == 126208 || d.desc->pgn == 61184) continue;
    std::vector<FieldInput> in;
    for (const auto& fv : d.fields)
      if (fv.valid() &&
          (fv.field->type == FieldType::kNumber || fv.field->type == FieldType::kDuration ||
           fv.field->type == FieldType::kLookup))
        in.push_back({fv.field->id, fv.value});
    std::array<std::uint8_t, 223> buf{};
    auto len = encode(*d.desc, in, buf);
    if (!len) continue;  // e.g. a reserved code that is not a valid value to send
    if (!decode(m->id.pgn, ByteView(buf.data(), *len), d2)) std::abort();
    for (const auto& v : in) {
      const auto* fv = d2.find(v.id);
      if (!fv || !fv->valid() || fv->value != v.value) {
        if (!fv || std::abs(fv->value - v.value) > 1e-9 * std::max(1.0, std::abs(v.value)))
          std::abort();
      }
    }
  }
  return 0;
}
