// SPDX-License-Identifier: MIT
// libFuzzer target for the VE.Direct TEXT/HEX framer and codecs. The first byte picks a chunk size.
// The same input is framed whole, in those chunks and byte by byte: the results must be identical
// (this also pits the framer's whole-block fast path against its byte machine). Invariants are
// checked with __builtin_trap() so every build stops on a violation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/vedirect/framer.hpp"
#include "protocols/vedirect/hex.hpp"
#include "protocols/vedirect/tables.hpp"
#include "protocols/vedirect/text.hpp"

using namespace gxlink;
using namespace gxlink::vedirect;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<std::string> frame_all(ByteView in, std::size_t chunk) {
  std::vector<std::string> ev;
  Framer f;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t n = std::min(chunk, in.size() - pos);
    const ByteView part = in.subspan(pos, n);
    std::size_t off = 0;
    std::size_t stuck = 0;
    while (off < part.size()) {
      const auto r = f.take(part.subspan(off));
      check(r.consumed <= part.size() - off);
      // A zero-byte step is allowed once (a broken HEX frame hands its byte back), never twice.
      stuck = r.consumed == 0 ? stuck + 1 : 0;
      check(stuck < 2);
      off += r.consumed;
      if (r.status == TakeStatus::kFrame && r.kind == FrameKind::kText) {
        check(r.text != nullptr && r.text->size() <= kMaxFields);
        std::string s = "T";
        for (const auto& fld : *r.text) {
          check(!fld.label.empty() && fld.label.size() <= kMaxLabel &&
                fld.value.size() <= kMaxValue);
          if (const FieldDesc* d = find_field(fld.label)) (void)parse_field(*d, fld.value);
          s.append(fld.label).append("=").append(fld.value).append(";");
        }
        ev.push_back(std::move(s));
      } else if (r.status == TakeStatus::kFrame) {
        check(r.hex != nullptr);
        // decode(encode(x)) == x
        const auto enc = encode_hex(*r.hex);
        const auto back =
            decode_hex(std::string_view(reinterpret_cast<const char*>(enc.data.data()), enc.size));
        check(back.has_value() && *back == *r.hex);
        if (auto reg = parse_register(*r.hex)) {
          if (const RegisterDesc* d = find_register(reg->id))
            (void)decode_register_value(*d, reg->value.view());
        }
        ev.push_back("H" + std::string(r.hex_text));
      } else if (r.status == TakeStatus::kBad) {
        ev.push_back((r.hex_error ? "BH" : "BT") + std::to_string(static_cast<int>(r.error.code)));
      } else {
        check(off == part.size());
      }
    }
    pos += n;
  }
  return ev;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const ByteView in(data + 1, size - 1);
  const auto whole = frame_all(in, in.size() + 1);
  check(frame_all(in, chunk) == whole);
  check(frame_all(in, 1) == whole);
  (void)decode_hex(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  return 0;
}
