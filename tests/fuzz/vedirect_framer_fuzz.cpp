// SPDX-License-Identifier: MIT
// libFuzzer target for the VE.Direct TEXT/HEX framer and codecs. The first byte picks a chunk size
// so that splits are fuzzed too; invariants are checked with __builtin_trap() so any build stops.
#include <cstddef>
#include <cstdint>
#include <string_view>

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
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const ByteView in(data + 1, size - 1);
  Framer f;
  std::size_t pos = 0;
  std::size_t stuck = 0;
  while (pos < in.size()) {
    const std::size_t n = std::min(chunk, in.size() - pos);
    const ByteView part = in.subspan(pos, n);
    std::size_t off = 0;
    while (off < part.size()) {
      const auto r = f.take(part.subspan(off));
      check(r.consumed <= part.size() - off);
      // A zero-byte step is allowed once (a broken HEX frame hands its byte back), never twice.
      stuck = r.consumed == 0 ? stuck + 1 : 0;
      check(stuck < 2);
      off += r.consumed;
      if (r.status == TakeStatus::kFrame && r.kind == FrameKind::kText) {
        check(r.text != nullptr && r.text->size() <= kMaxFields);
        for (const auto& fld : *r.text) {
          check(!fld.label.empty() && fld.label.size() <= kMaxLabel && fld.value.size() <= kMaxValue);
          if (const FieldDesc* d = find_field(fld.label)) (void)parse_field(*d, fld.value);
        }
      } else if (r.status == TakeStatus::kFrame) {
        check(r.hex != nullptr);
        // decode(encode(x)) == x
        const auto enc = encode_hex(*r.hex);
        const auto back = decode_hex(std::string_view(reinterpret_cast<const char*>(enc.data.data()), enc.size));
        check(back.has_value() && *back == *r.hex);
        if (auto reg = parse_register(*r.hex)) {
          if (const RegisterDesc* d = find_register(reg->id)) (void)decode_register_value(*d, reg->value.view());
        }
      } else if (r.status == TakeStatus::kNeedMore) {
        check(off == part.size());
      }
    }
    pos += n;
  }
  (void)decode_hex(std::string_view(reinterpret_cast<const char*>(in.data()), in.size()));
  return 0;
}
