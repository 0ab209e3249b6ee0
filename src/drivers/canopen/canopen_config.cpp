// SPDX-License-Identifier: MIT
#include "drivers/canopen/canopen_config.hpp"

#include <stdexcept>

namespace gxlink::drivers::canopen {
namespace {

namespace co = gxlink::canopen;

[[noreturn]] void bad(const std::string& what) { throw std::runtime_error("[[canopen]] " + what); }

double number(const toml::node& n, const std::string& key) {
  if (auto i = n.value<std::int64_t>()) return static_cast<double>(*i);
  if (auto d = n.value<double>()) return *d;
  bad(key + " must be a number");
}

std::int64_t integer(const toml::node& n, const std::string& key, std::int64_t lo,
                     std::int64_t hi) {
  auto i = n.value<std::int64_t>();
  if (!i) bad(key + " must be an integer");
  if (*i < lo || *i > hi) bad(key + " must be " + std::to_string(lo) + ".." + std::to_string(hi));
  return *i;
}

co::ObjectSpec parse_object(const toml::table& o, std::size_t i) {
  const std::string where = "object[" + std::to_string(i) + "].";
  co::ObjectSpec s;
  const auto* index = o.get("index");
  const auto* path = o.get("path");
  const auto* type = o.get("type");
  if (!index || !type || !path) bad(where + " needs index, type and path");
  s.index = static_cast<std::uint16_t>(integer(*index, where + "index", 0x1000, 0xFFFF));
  if (const auto* sub = o.get("sub"))
    s.sub = static_cast<std::uint8_t>(integer(*sub, where + "sub", 0, 255));
  auto tname = type->value<std::string>();
  if (!tname) bad(where + "type must be a string");
  auto t = co::parse_data_type(*tname);
  if (!t)
    bad(where + "type '" + *tname +
        "' is not one of u8 i8 u16 i16 u32 i32 u64 i64 f32 bool string");
  s.type = *t;
  auto p = path->value<std::string>();
  if (!p || p->empty() || p->front() != '/')
    bad(where + "path must be a model path like /Dc/0/Voltage");
  s.path = *p;
  if (const auto* sc = o.get("scale")) s.scale = number(*sc, where + "scale");
  if (const auto* u = o.get("unit")) s.unit = u->value_or(std::string());
  if (const auto* d = o.get("decimals"))
    s.decimals = static_cast<int>(integer(*d, where + "decimals", -1, 9));
  if (const auto* pm = o.get("poll_ms"))
    s.poll = milliseconds(integer(*pm, where + "poll_ms", 0, 86'400'000));
  if (const auto* n = o.get("name")) s.name = n->value_or(std::string());
  if (s.name.empty()) s.name = s.path;
  return s;
}

}  // namespace

CanopenConfig parse_canopen_config(const toml::table& t) {
  CanopenConfig c;
  if (auto v = t["interface"].value<std::string>()) c.interface = *v;
  if (const auto* cap = t.get("capacity_ah")) c.default_capacity_ah = number(*cap, "capacity_ah");
  if (c.default_capacity_ah <= 0) bad("capacity_ah must be positive");
  if (const auto* nodes = t.get("nodes")) {
    const auto* arr = nodes->as_array();
    if (!arr) bad("nodes must be an array like [1, 2]");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::node& n = *arr->get(i);
      NodeConfig nc;
      nc.capacity_ah = c.default_capacity_ah;
      if (const auto* tbl = n.as_table()) {
        const auto* id = tbl->get("id");
        if (!id) bad("nodes[" + std::to_string(i) + "] needs id");
        nc.id = static_cast<std::uint8_t>(integer(*id, "nodes[].id", 1, 127));
        if (const auto* cap = tbl->get("capacity_ah"))
          nc.capacity_ah = number(*cap, "nodes[].capacity_ah");
      } else {
        nc.id = static_cast<std::uint8_t>(integer(n, "nodes[]", 1, 127));
      }
      for (const auto& other : c.nodes)
        if (other.id == nc.id) bad("node " + std::to_string(nc.id) + " is listed twice");
      c.nodes.push_back(nc);
    }
  }
  if (auto v = t["aggregate"].value<bool>()) c.aggregate = *v;
  if (auto v = t["aggregate_name"].value<std::string>()) c.aggregate_connection = *v;
  if (auto v = t["product_name"].value<std::string>()) c.product_name = *v;
  if (const auto* v = t.get("sdo_timeout_ms"))
    c.sdo.timeout = milliseconds(integer(*v, "sdo_timeout_ms", 10, 10'000));
  if (const auto* v = t.get("sdo_retries"))
    c.sdo.max_retries = static_cast<int>(integer(*v, "sdo_retries", 0, 10));
  if (const auto* v = t.get("sdo_retry_delay_ms"))
    c.sdo.retry_delay = milliseconds(integer(*v, "sdo_retry_delay_ms", 0, 10'000));
  if (const auto* v = t.get("node_timeout_s"))
    c.node_timeout = seconds(integer(*v, "node_timeout_s", 1, 3600));
  if (const auto* v = t.get("missing_retry_s"))
    c.missing_retry = seconds(integer(*v, "missing_retry_s", 1, 86'400));
  if (const auto* v = t.get("heartbeat_ms"))
    c.heartbeat_period = milliseconds(integer(*v, "heartbeat_ms", 10, 65'535));
  if (auto v = t["listen_only"].value<bool>()) c.listen_only = *v;
  if (auto v = t["default_objects"].value<bool>(); v && !*v) c.objects.clear();
  if (const auto* objs = t.get("object")) {
    const auto* arr = objs->as_array();
    if (!arr) bad("object must be an array of tables ([[canopen.object]])");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto* o = arr->get(i)->as_table();
      if (!o) bad("object[" + std::to_string(i) + "] must be a table");
      co::ObjectSpec s = parse_object(*o, i);
      std::erase_if(c.objects,
                    [&](const co::ObjectSpec& e) { return e.index == s.index && e.sub == s.sub; });
      if (s.poll > Duration::zero()) c.objects.push_back(std::move(s));
    }
  }
  return c;
}

}  // namespace gxlink::drivers::canopen
