// SPDX-License-Identifier: MIT
// Untrusted bytes from any Modbus-TCP client through the MBAP framer, the PDU parser and the
// register server (built-in GX map, writes on) into a small model. The first byte picks a chunk
// size so that frames split across reads are exercised. Every answer must be a well-formed ADU
// no larger than kMaxAduSize that echoes the request's transaction and unit; a bad header ends
// the stream as the server closes the connection.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/bytes.hpp"
#include "publishers/modbus/register_server.hpp"

using namespace gxlink;

namespace {

model::Model& fuzz_model() {
  static model::Model m;
  static bool built = false;
  if (!built) {
    built = true;
    model::ServiceSpec sys;
    sys.type = "system";
    m.add_service(sys).set("/Dc/Battery/Voltage", 52.5);
    model::ServiceSpec mppt;
    mppt.type = "solarcharger";
    mppt.connection = "ttyUSB0";
    mppt.device_instance = 288;
    model::ItemMeta meta;
    meta.writable = true;
    meta.min = 1;
    meta.max = 4;
    auto& s = m.add_service(mppt);
    s.add("/Mode", meta, std::int64_t{1},
          [](const model::Value&) { return model::WriteResult::kOk; });
    s.set("/Serial", std::string("HQ\xC3\xA9"));
  }
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  ByteView in(data + 1, size - 1);
  publishers::modbus::RegisterServer server(
      fuzz_model(), modbus::gx_register_map(),
      {.writes = true, .invalid = modbus::InvalidPolicy::kNotAvailable});
  std::vector<std::uint8_t> buf;
  std::array<std::uint8_t, modbus::kMaxAduSize> out{};
  while (!in.empty()) {
    const ByteView piece = in.first(std::min(chunk, in.size()));
    in = in.subspan(piece.size());
    buf.insert(buf.end(), piece.begin(), piece.end());
    if (buf.size() > modbus::kMaxAduSize * 2) std::abort();  // the framer must bound the buffer
    while (true) {
      const auto r = modbus::take_adu(buf);
      if (r.status == modbus::TakeStatus::kBad) return 0;
      if (r.status == modbus::TakeStatus::kNeedMore) {
        if (buf.size() >= modbus::kMaxAduSize) std::abort();  // a full buffer must hold a frame
        break;
      }
      if (r.consumed > buf.size() || r.consumed < modbus::kMbapHeaderSize + 1) std::abort();
      const std::size_t n = server.handle(r.adu, out);
      if (n < 9 || n > out.size()) std::abort();
      if (load_be16(ByteView(out), 0) != r.adu.transaction || out[6] != r.adu.unit) std::abort();
      if (std::size_t{load_be16(ByteView(out), 4)} + 6 != n) std::abort();
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.consumed));
    }
  }
  return 0;
}
