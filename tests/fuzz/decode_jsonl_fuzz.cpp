// SPDX-License-Identifier: MIT
// The whole `gxlink decode` and `gxlink snapshot` paths, as the CLI runs them, where issue 11's
// defects 1 and 3 lived: capture bytes → framer/codec → driver → model → JSON. The first input
// byte picks the protocol (low 3 bits) and decode or snapshot (bit 3); the rest is the capture.
// Every line decode prints must parse as a JSON object, and the snapshot must serialise to JSON
// that parses: a byte that is not UTF-8 reaching a writer aborts here.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include <spdlog/spdlog.h>
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "model/model_json.hpp"
#include "registry/registry.hpp"

namespace {

const char* const kProtocols[] = {"vedirect", "canbms", "nmea2000",
                                  "canopen",  "mk2",    "dbus-recording"};

// Whether [first, last) is one JSON object. accept() validates without building the DOM: under
// ASan the DOM's allocations were a fifth of this target's time. A valid JSON text that starts
// with '{' is an object.
bool is_json_object(std::string::const_iterator first, std::string::const_iterator last) {
  return first != last && *first == '{' && nlohmann::json::accept(first, last);
}

void check_json_lines(const std::string& s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto nl = s.find('\n', pos);
    if (nl == std::string::npos) std::abort();  // a line without its end
    if (!is_json_object(s.begin() + static_cast<std::ptrdiff_t>(pos),
                        s.begin() + static_cast<std::ptrdiff_t>(nl)))
      std::abort();
    pos = nl + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using namespace gxlink;
  static const registry::Registry& reg = []() -> const registry::Registry& {
    spdlog::set_level(spdlog::level::off);  // drivers log what they drop; that is not the check
    return registry::all();
  }();
  const std::string proto = kProtocols[(data[0] & 7) % std::size(kProtocols)];
  const bool snapshot = (data[0] & 8) != 0;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  std::ostringstream out, err;
  if (!snapshot) {
    auto it = reg.decoders.find(proto);
    if (it == reg.decoders.end()) return 0;  // dbus-recording is snapshot only
    it->second(in, out, err);
    check_json_lines(out.str());
    return 0;
  }
  auto it = reg.snapshots.find(proto);
  if (it == reg.snapshots.end()) return 0;
  asio::io_context io;
  model::Model m;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, m, instances};
  it->second(in, "fuzz.capture", ctx, err);
  m.flush();
  io.run();
  m.flush();
  const std::string text = model::dump_json(model::to_json(m));
  if (!is_json_object(text.begin(), text.end())) std::abort();
  return 0;
}
