// SPDX-License-Identifier: MIT
// Values that other services put on the bus (the importer mirrors every com.victronenergy.*
// service, and SetValue takes any variant from any caller) → model values. The input drives a
// small builder that makes variants of every D-Bus type the decoder may meet, nested ones,
// structs and dicts included; the decoder must answer a value or an error, never throw or crash,
// and a value it accepts (lists and dicts as a bounded model::Tree) must go into the model, out as
// JSON and back onto the wire.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Types.h>
#include <nlohmann/json.hpp>

#include "core/text.hpp"
#include "model/model.hpp"
#include "model/model_json.hpp"
#include "publishers/dbus/value_codec.hpp"
#include "publishers/dbus/wire.hpp"

namespace {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  template <class T>
  T number() {
    T v{};
    auto* b = reinterpret_cast<std::uint8_t*>(&v);
    for (std::size_t i = 0; i < sizeof v; ++i) b[i] = byte();
    return v;
  }
  std::string text() {
    // D-Bus strings are valid UTF-8 without NUL (sd-bus refuses others on both ends).
    std::string s(byte() % 48, '\0');
    for (auto& c : s) c = static_cast<char>(byte());
    s = gxlink::device_text(s);
    return s;
  }
  template <class T>
  std::vector<T> array() {
    std::vector<T> v(byte() % 16);
    for (auto& e : v) e = number<T>();
    return v;
  }
};

sdbus::Variant build(Input& in, int depth) {
  switch (in.byte() % (depth < 4 ? 24 : 20)) {
    case 0: return sdbus::Variant(bool(in.byte() & 1));
    case 1: return sdbus::Variant(in.number<std::uint8_t>());
    case 2: return sdbus::Variant(in.number<std::int16_t>());
    case 3: return sdbus::Variant(in.number<std::uint16_t>());
    case 4: return sdbus::Variant(in.number<std::int32_t>());
    case 5: return sdbus::Variant(in.number<std::uint32_t>());
    case 6: return sdbus::Variant(in.number<std::int64_t>());
    case 7: return sdbus::Variant(in.number<std::uint64_t>());
    case 8: return sdbus::Variant(in.number<double>());
    case 9: return sdbus::Variant(in.text());
    case 10: return sdbus::Variant(in.array<std::int32_t>());
    case 11: return sdbus::Variant(in.array<std::uint8_t>());
    case 12: return sdbus::Variant(in.array<std::int16_t>());
    case 13: return sdbus::Variant(in.array<std::uint32_t>());
    case 14: return sdbus::Variant(in.array<std::int64_t>());
    case 15: return sdbus::Variant(in.array<double>());
    case 16: {
      std::vector<std::string> v(in.byte() % 8);
      for (auto& s : v) s = in.text();
      return sdbus::Variant(v);
    }
    case 17: return sdbus::Variant(sdbus::ObjectPath("/" + std::to_string(in.byte())));
    case 18:
      return sdbus::Variant(
          sdbus::Struct<std::int32_t, std::string>(in.number<std::int32_t>(), in.text()));
    case 19: return sdbus::Variant(in.array<std::uint64_t>());
    // Containers of variants only while shallow, so the input bounds the work.
    case 20: return sdbus::Variant(build(in, depth + 1));
    case 21: {
      std::vector<sdbus::Variant> v(in.byte() % 4);
      for (auto& e : v) e = build(in, depth + 1);
      return sdbus::Variant(v);
    }
    case 22: {
      std::map<std::string, sdbus::Variant> m;
      for (int i = in.byte() % 4; i > 0; --i) m[in.text()] = build(in, depth + 1);
      return sdbus::Variant(m);
    }
    default: return sdbus::Variant(std::vector<sdbus::Variant>{});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gxlink;
  Input in{data, size};
  sdbus::Variant v;
  try {
    v = build(in, 0);
  } catch (const sdbus::Error&) {
    return 0;  // the builder asked sd-bus for something it refuses to send: not an input
  }
  auto r = publishers::dbus::value_from_variant(v);  // must not throw: it runs inside bus handlers
  if (!r) return 0;
  static model::Model m;
  static model::Service& s = []() -> model::Service& {
    model::ServiceSpec spec;
    spec.type = "battery";
    spec.connection = "fuzz";
    return m.add_service(spec);
  }();
  s.set("/Value", *r);
  m.flush();
  const std::string text = model::dump_json(model::to_json(s));
  // accept() validates without building a DOM (cheaper under ASan); one that starts with '{' is
  // an object.
  if (text.empty() || text[0] != '{' || !nlohmann::json::accept(text)) std::abort();
  if (auto* t = std::get_if<model::Tree>(&*r)) {
    if (t->nodes() > model::Tree::kMaxNodes) std::abort();  // the bound holds for what is accepted
  }
  static publishers::dbus::WireWriter w;
  w.clear();
  w.begin_signal("/Value", publishers::dbus::kBusItem, "PropertiesChanged", "a{sv}", 1);
  w.value_text(*r, model::to_plain_text(*r));
  w.end_message();
  return 0;
}
