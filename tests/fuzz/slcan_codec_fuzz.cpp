// SPDX-License-Identifier: MIT
// Any byte stream through the slcan framer: it must always make progress, never read past the
// input, and every frame it yields must encode back to a record that decodes to the same frame.
#include <cstdint>
#include <cstdlib>

#include "transport/slcan_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gxlink;
  using namespace gxlink::transport::slcan;
  ByteView in(data, size);
  std::size_t at = 0;
  while (at < size) {
    auto r = take(in.subspan(at));
    if (r.consumed > size - at) std::abort();
    if (r.status == TakeResult::Status::kNeedMore) {
      if (size - at - r.consumed >= kMaxRecord)
        std::abort();  // a full record's worth must not wait
      break;
    }
    if (r.consumed == 0) std::abort();  // no progress
    at += r.consumed;
    if (r.status == TakeResult::Status::kRecord && r.record.kind == RecordKind::kFrame) {
      auto e = encode_frame(r.record.frame);
      auto back = take(e.view());
      if (back.status != TakeResult::Status::kRecord || !(back.record.frame == r.record.frame))
        std::abort();
    }
  }
  return 0;
}
