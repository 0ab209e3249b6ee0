// SPDX-License-Identifier: MIT
// MK2 framer + codec + session fuzz target: arbitrary bytes must never crash, every frame found
// must re-encode to the same bytes, and the session must stay consistent.
#include <cstdint>
#include <cstdlib>

#include "protocols/vebus/codec.hpp"
#include "protocols/vebus/framer.hpp"
#include "protocols/vebus/session.hpp"

using namespace gxlink;
using namespace gxlink::vebus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView in(data, size);
  // 1. take() over the buffer: consumed is always > 0 except NeedMore, and frames round-trip.
  std::size_t pos = 0;
  while (pos < in.size()) {
    auto r = take(in.subspan(pos));
    if (r.status == TakeStatus::kNeedMore) break;
    if (r.consumed == 0 || r.consumed > in.size() - pos) std::abort();
    if (r.status == TakeStatus::kFrame) {
      const auto raw = in.subspan(pos, r.consumed);
      const auto again = r.frame.has_leds
                             ? encode_frame_with_leds(r.frame.type, r.frame.payload.view(),
                                                      r.frame.led_on, r.frame.led_blink)
                             : encode_frame(r.frame.type, r.frame.payload.view());
      if (again.size != raw.size()) std::abort();
      for (std::size_t i = 0; i < raw.size(); ++i)
        if (again.data[i] != raw[i]) std::abort();
      auto d = decode(r.frame);
      if (d) {
        if (auto* w = std::get_if<WinmonReply>(&*d)) {
          (void)ram_var_info(*w);
          (void)setting_info(*w);
          (void)setting_value(*w);
          (void)ram_values(*w);
          (void)device_state(*w);
        }
      }
    }
    pos += r.consumed;
  }
  // 2. The same bytes through a running session, split in two, with time moving on.
  Session s;
  std::size_t sent = 0;
  s.set_tx([&sent](ByteView b) { sent += b.size(); });
  TimePoint now{};
  s.start(now);
  const std::size_t half = size / 2;
  s.on_bytes(in.first(half), now);
  now += milliseconds(150);
  s.on_tick(now);
  s.on_bytes(in.subspan(half), now);
  now += seconds(2);
  s.on_tick(now);
  (void)s.take_events();
  (void)s.take_completions();
  // Nothing in the input can make the session write: it is not ready without real replies to
  // every init request, so a write request must be refused.
  if (!s.ready() && s.write_setting(setting::kUBatAbsorption, 56.0, false)) std::abort();
  return 0;
}
