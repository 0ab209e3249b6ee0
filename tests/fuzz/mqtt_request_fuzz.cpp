// SPDX-License-Identifier: MIT
// Untrusted MQTT input (any client on the broker can publish R/ and W/ topics) into the Venus
// bridge: input = flags byte, topic, NUL, payload. Writes are enabled so that write parsing and
// validation run too; the model's write handler must only ever see in-range values.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "publishers/mqtt/venus_bridge.hpp"

using namespace gxlink;

namespace {

class NullSink : public publishers::mqtt::Sink {
 public:
  bool publish(std::string_view, std::string_view, bool) override { return true; }
  bool connected() const override { return true; }
};

struct World {
  World() {
    model::ServiceSpec spec;
    spec.type = "solarcharger";
    spec.connection = "ttyF";
    spec.device_instance = 280;
    auto& s = model.add_service(spec);
    model::ItemMeta m;
    m.writable = true;
    m.min = 0;
    m.max = 50;
    s.add("/Settings/ChargeCurrentLimit", m, 35.0, [](const model::Value& v) {
      const auto d = model::as_double(v);
      if (!d || *d < 0 || *d > 50) std::abort();  // validation let a bad value through
      return model::WriteResult::kOk;
    });
    m.min = 1;
    m.max = 4;
    s.add("/Mode", m, std::int64_t{1}, [](const model::Value& v) {
      if (!std::holds_alternative<std::int64_t>(v)) std::abort();
      return model::WriteResult::kOk;
    });
    s.add("/Dc/0/Voltage", {}, 13.2);
    model.flush();
    options.portal_id = "fz";
    options.writes = true;
    options.unix_time = [] { return std::int64_t{1}; };
  }
  model::Model model;
  NullSink sink;
  publishers::mqtt::VenusOptions options;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size < 1) return 0;
  publishers::mqtt::VenusBridge bridge(world.model, world.sink, world.options);
  const bool retained = data[0] & 1;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto nul = rest.find('\0');
  const std::string_view topic = rest.substr(0, nul);
  const std::string_view payload = nul == std::string_view::npos ? "" : rest.substr(nul + 1);
  TimePoint now{};
  bridge.on_message(topic, payload, retained, now);
  bridge.on_tick(now + seconds(61));
  while (bridge.pump(64)) {
  }
  return 0;
}
