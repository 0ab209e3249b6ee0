// SPDX-License-Identifier: MIT
// Input: [id lo][id hi][flags: bit0 extended, bit1 rtr, bits 4-7 len][data...], repeated. Every
// frame goes through decode; what decodes must survive encode -> decode unchanged, and the GX
// session must stay consistent with it.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocols/canbms/codec.hpp"
#include "protocols/canbms/gx_session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gxlink;
  canbms::GxSession session;
  std::vector<CanFrame> out;
  TimePoint now{};
  std::size_t i = 0;
  while (i + 3 <= size) {
    CanFrame f;
    f.id = static_cast<std::uint32_t>(data[i] | (data[i + 1] << 8)) & 0x7FF;
    f.id = (f.id & 0xFF) | 0x300;  // keep most inputs inside the protocol's id range
    if (data[i + 1] & 0x80)
      f.id = static_cast<std::uint32_t>(data[i] | ((data[i + 1] & 0x07) << 8));
    f.extended = data[i + 2] & 1;
    f.rtr = data[i + 2] & 2;
    f.len = static_cast<std::uint8_t>((data[i + 2] >> 4) % 9);
    i += 3;
    for (std::uint8_t k = 0; k < f.len && i < size; ++k) f.data[k] = data[i++];
    auto m = canbms::decode(f);
    if (m) {
      auto again = canbms::decode(canbms::encode(*m));
      if (!again || !(*again == *m)) std::abort();
      if (canbms::message_id(*m) != f.id) std::abort();
    }
    now += std::chrono::milliseconds(data[i - 1] * 20);
    session.on_frame(f, now);
    session.on_tick(now, out);
  }
  (void)session.name();
  (void)session.serial();
  return 0;
}
