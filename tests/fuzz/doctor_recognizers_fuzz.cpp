// SPDX-License-Identifier: MIT
// `gxlink doctor` listens to whatever a port or bus sends. Input: the bytes go, in chunks whose
// sizes the input picks, to the VE.Direct, MK2 and slcan recognisers; read as
// [id 4 bytes LE][flags: bit0 extended, bit1 rtr, bits 4-7 len][data...] they go to the CAN
// recogniser. Nothing may crash, and the lists must stay within kMaxListed.
#include <cstdint>
#include <cstdlib>

#include "doctor/recognizers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gxlink;
  doctor::VeDirectRecognizer vedirect;
  doctor::Mk2Recognizer mk2;
  doctor::SlcanRecognizer slcan;
  const ByteView all(data, size);
  for (std::size_t i = 0; i < size;) {
    const std::size_t n = std::min<std::size_t>(size - i, 1 + data[i] % 64);
    const auto chunk = all.subspan(i, n);
    vedirect.push(chunk);
    mk2.push(chunk);
    slcan.push(chunk);
    i += n;
  }
  doctor::CanRecognizer can;
  TimePoint now{};
  for (std::size_t i = 0; i + 5 <= size;) {
    CanFrame f;
    f.id = load_le32(all, i);
    f.extended = data[i + 4] & 1;
    f.rtr = data[i + 4] & 2;
    f.id &= f.extended ? CanFrame::kMaxExtId : CanFrame::kMaxStdId;
    f.len = static_cast<std::uint8_t>((data[i + 4] >> 4) % 9);
    i += 5;
    for (std::uint8_t k = 0; k < f.len && i < size; ++k) f.data[k] = data[i++];
    now += std::chrono::milliseconds(f.len * 37);
    can.on_frame(f, now);
  }
  const auto& c = can.finding();
  if (c.bms.ids.size() > doctor::kMaxListed || c.nmea2000.pgns.size() > doctor::kMaxListed ||
      c.nmea2000.nodes.size() > doctor::kMaxListed || c.canopen.nodes.size() > doctor::kMaxListed)
    std::abort();
  if (c.frames != c.standard + c.extended + c.remote) std::abort();
  return 0;
}
