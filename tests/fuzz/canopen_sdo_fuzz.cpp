// SPDX-License-Identifier: MIT
// Fuzzes the SDO client's frame handling (and the passive observer and frame decoders on the same
// frames). The input is a little program: each record starts with an op byte
//   0: a frame from the bus   [id-lo, id-hi, len, 8 data bytes]
//   1: time passes            [10 ms units]
//   2: queue an upload        [node, index-lo, index-hi, sub]
//   3: queue a download       [node, index-lo, index-hi, sub, n, n bytes]
// Invariants checked: nothing crashes, every queued transfer ends at most once, the client goes
// idle once time runs out, and outgoing frames are valid SDO requests or aborts.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocols/canopen/codec.hpp"
#include "protocols/canopen/node_monitor.hpp"
#include "protocols/canopen/object_map.hpp"
#include "protocols/canopen/sdo_client.hpp"
#include "protocols/canopen/sdo_observer.hpp"

using namespace gxlink;
using namespace gxlink::canopen;

namespace {
void check_out(SdoClient& c) {
  for (const CanFrame& f : c.take_frames()) {
    const Classified k = classify(f);
    if (k.kind != FrameKind::kSdoRequest || f.len != 8) std::abort();
    if (!decode_sdo(f)) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SdoClient client(SdoClientOptions{milliseconds(300), 1, milliseconds(100), 8, 256});
  SdoObserver observer(256);
  NodeMonitor monitor;
  TimePoint now = TimePoint{} + seconds(1);
  std::size_t queued = 0, ended = 0;
  std::size_t i = 0;
  auto take = [&](std::size_t n) -> const std::uint8_t* {
    if (i + n > size) return nullptr;
    const std::uint8_t* p = data + i;
    i += n;
    return p;
  };
  while (i < size) {
    const std::uint8_t op = data[i++] % 4;
    if (op == 0) {
      const std::uint8_t* p = take(11);
      if (!p) break;
      CanFrame f;
      f.id = (p[0] | (p[1] << 8)) & 0x7FF;
      f.len = static_cast<std::uint8_t>(p[2] % 9);
      for (int b = 0; b < 8; ++b) f.data[b] = p[3 + b];
      client.on_frame(f, now);
      observer.on_frame(f, now);
      if (auto hb = decode_heartbeat(f)) monitor.on_heartbeat(*hb, now);
      (void)decode_emcy(f);
      (void)decode_nmt(f);
      if (auto m = decode_sdo(f)) (void)decode_object(DataType::kString, m->data.view());
    } else if (op == 1) {
      const std::uint8_t* p = take(1);
      if (!p) break;
      now += milliseconds(10 * p[0]);
      client.on_tick(now);
    } else if (op == 2) {
      const std::uint8_t* p = take(4);
      if (!p) break;
      if (client.upload(p[0], static_cast<std::uint16_t>(p[1] | (p[2] << 8)), p[3], 0, now))
        ++queued;
    } else {
      const std::uint8_t* p = take(5);
      if (!p) break;
      const std::uint8_t* d = take(p[4] % 32);
      if (!d) break;
      std::vector<std::uint8_t> bytes(d, d + p[4] % 32);
      if (client.download(p[0], static_cast<std::uint16_t>(p[1] | (p[2] << 8)), p[3], bytes, 0,
                          now))
        ++queued;
    }
    check_out(client);
    for (const auto& o : client.take_outcomes()) {
      ++ended;
      if (o.ok() && o.request.direction == SdoDirection::kUpload && o.data.size() > 256)
        std::abort();
    }
    (void)observer.take();
  }
  // Let every transfer time out: the client must end idle with each transfer ended once.
  for (int k = 0; k < 8 * 20 && client.next_deadline(); ++k) {
    now = *client.next_deadline();
    client.on_tick(now);
    check_out(client);
    ended += client.take_outcomes().size();
  }
  if (client.next_deadline() || ended != queued) std::abort();
  return 0;
}
