// SPDX-License-Identifier: MIT
// CANopen batteries (issue 6): `gxlink decode canopen`, `gxlink snapshot canopen:FILE`, the
// `[[canopen]]` driver and the demo's two-battery SuperB bank on can1 (250 kbit/s).
#include <algorithm>
#include <cstdio>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

#include <asio/steady_timer.hpp>

#include "core/json_writer.hpp"
#include "core/line_reader.hpp"
#include "drivers/canopen/canopen_bank.hpp"
#include "drivers/canopen/canopen_driver.hpp"
#include "protocols/canopen/codec.hpp"
#include "protocols/canopen/object_map.hpp"
#include "protocols/canopen/sdo_observer.hpp"
#include "registry/demo.hpp"
#include "registry/registry.hpp"
#include "sim/canopen/superb_node_sim.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/candump.hpp"

namespace gxlink::registry {
namespace {

namespace co = gxlink::canopen;

std::string hex_n(std::uint32_t v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*X", digits, v);
  return buf;
}

// Reads candump text line by line, giving each frame a time: the capture's, or 1 ms after the
// previous one for formats without timestamps.
template <class Fn>
void for_each_frame(std::istream& in, std::ostream& err, DecodeStats& st, Fn fn) {
  std::size_t line_no = 0;
  double last_t = 0;
  LineReader lines(in);
  while (auto line = lines.next()) {
    line_no = lines.line_number();
    auto parsed = transport::parse_candump_line(*line);
    if (!parsed) {
      err << "line " << line_no << ": " << parsed.error().message() << '\n';
      ++st.errors;
      continue;
    }
    if (!*parsed) continue;
    const transport::CandumpLine& l = **parsed;
    const double t = l.timestamp.value_or(last_t + 0.001);
    last_t = t;
    fn(l, t, line_no);
  }
  report_too_long(lines, err, st);
}

const co::ObjectSpec* known_object(const std::vector<co::ObjectSpec>& map, std::uint16_t index,
                                   std::uint8_t sub) {
  for (const auto& o : map)
    if (o.index == index && o.sub == sub) return &o;
  return nullptr;
}

void write_value(JsonLineWriter& w, const co::ObjectValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v))
    w.integer(*i);
  else if (const auto* d = std::get_if<double>(&v))
    w.real(*d);
  else
    w.string(std::get<std::string>(v));
}

DecodeStats decode_canopen(std::istream& in, std::ostream& out, std::ostream& err) {
  DecodeStats st;
  co::SdoObserver observer;
  const auto map = co::superb_epsilon_v2_map();
  JsonBuffer json_line;  // one JSON line, reused
  JsonLineWriter w(json_line);
  auto kv = [&w](std::string_view k) -> JsonLineWriter& {
    w.key(k);
    return w;
  };
  for_each_frame(in, err, st, [&](const transport::CandumpLine& l, double t, std::size_t line_no) {
    const CanFrame& f = l.frame;
    const co::Classified c = co::classify(f);
    json_line.clear();
    w.reset();
    w.begin_object();
    kv("t").real(t);
    if (!l.interface.empty()) kv("if").string(l.interface);
    kv("id").string(hex_n(f.id, f.extended ? 8 : 3));
    kv("kind").string(co::to_string(c.kind));
    if (c.node) kv("node").integer(c.node);
    kv("data").hex(f.payload());
    auto problem = [&](const Error& e) {
      err << "line " << line_no << ": " << co::to_string(c.kind) << ": " << e.message() << '\n';
      ++st.errors;
    };
    switch (c.kind) {
      case co::FrameKind::kHeartbeat: {
        auto hb = co::decode_heartbeat(f);
        if (!hb) return problem(hb.error());
        kv("state").string(co::to_string(hb->state));
        kv("boot_up").boolean(hb->state == co::NmtState::kBootUp);
        if (hb->toggle) kv("toggle").boolean(true);
        break;
      }
      case co::FrameKind::kEmcy: {
        auto e = co::decode_emcy(f);
        if (!e) return problem(e.error());
        kv("error_code").string(hex_n(e->error_code, 4));
        kv("error").string(co::emcy_name(e->error_code));
        kv("error_register").integer(e->error_register);
        kv("manufacturer").hex(e->manufacturer);
        break;
      }
      case co::FrameKind::kNmtCommand: {
        auto n = co::decode_nmt(f);
        if (!n) return problem(n.error());
        kv("command").string(co::to_string(n->command));
        kv("target").integer(n->node);
        break;
      }
      case co::FrameKind::kSdoRequest:
      case co::FrameKind::kSdoResponse: {
        auto m = co::decode_sdo(f);
        if (!m) return problem(m.error());
        kv("command").string(co::to_string(m->command));
        if (m->has_index) {
          kv("index").string(hex_n(m->index, 4));
          kv("sub").integer(m->sub);
          if (const auto* o = known_object(map, m->index, m->sub)) kv("object").string(o->name);
        }
        switch (m->command) {
          case co::SdoCommand::kAbort:
            kv("abort_code").string(hex_n(m->abort_code, 8));
            kv("abort").string(co::abort_name(m->abort_code));
            if (const auto* a = co::find_abort_code(m->abort_code))
              kv("abort_description").string(a->description);
            break;
          case co::SdoCommand::kInitiateDownloadRequest:
          case co::SdoCommand::kInitiateUploadResponse:
            kv("expedited").boolean(m->expedited);
            if (m->expedited)
              kv("value").hex(m->data.view());
            else if (m->size_indicated)
              kv("size").integer(m->size);
            break;
          case co::SdoCommand::kUploadSegmentRequest:
          case co::SdoCommand::kDownloadSegmentResponse:
            kv("toggle").integer(m->toggle ? 1 : 0);
            break;
          case co::SdoCommand::kUploadSegmentResponse:
          case co::SdoCommand::kDownloadSegmentRequest:
            kv("toggle").integer(m->toggle ? 1 : 0);
            kv("last").boolean(m->last);
            kv("value").hex(m->data.view());
            break;
          case co::SdoCommand::kUnknown:
            problem(Error(Errc::kUnknownId, "unknown SDO command specifier"));
            break;
          default: break;
        }
        break;
      }
      default: break;
    }
    w.end_object();
    json_line += '\n';
    out.write(json_line.data(), static_cast<std::streamsize>(json_line.size()));
    ++st.messages;
    // Completed transfers (request and response paired), decoded with the SuperB map when known.
    observer.on_frame(f, time_from_seconds(t));
    for (const auto& tr : observer.take()) {
      json_line.clear();
      w.reset();
      w.begin_object();
      kv("t").real(t);
      kv("kind").string("sdo_transfer");
      kv("node").integer(tr.node);
      kv("direction").string(tr.direction == co::SdoDirection::kUpload ? "upload" : "download");
      kv("index").string(hex_n(tr.index, 4));
      kv("sub").integer(tr.sub);
      kv("status").string(tr.status == Errc::kOk ? std::string("ok")
                                                 : make_error_code(tr.status).message());
      if (tr.status == Errc::kAborted) {
        kv("abort_code").string(hex_n(tr.abort_code, 8));
        kv("abort").string(co::abort_name(tr.abort_code));
        kv("aborted_by").string(tr.aborted_by_server ? "server" : "client");
      }
      if (tr.status == Errc::kOk) {
        kv("data").hex(tr.data);
        if (const auto* o = known_object(map, tr.index, tr.sub)) {
          kv("object").string(o->name);
          kv("path").string(o->path);
          if (auto v = co::decode_object(o->type, tr.data, tr.size_indicated))
            write_value(kv("value"), co::scale_value(*v, o->scale));
          else
            kv("value_error").string(v.error().message());
        }
      }
      w.end_object();
      json_line += '\n';
      out.write(json_line.data(), static_cast<std::streamsize>(json_line.size()));
      ++st.messages;
    }
  });
  return st;
}

DecodeStats snapshot_canopen(std::istream& in, const std::string& source,
                             drivers::DriverContext& ctx, std::ostream& err) {
  DecodeStats st;
  drivers::canopen::CanopenConfig cfg;
  cfg.listen_only = true;  // a capture: pair the recorded requests and responses, send nothing
  cfg.interface = "capture";
  std::unique_ptr<drivers::canopen::CanopenBank> bank;
  for_each_frame(in, err, st, [&](const transport::CandumpLine& l, double t, std::size_t) {
    const TimePoint now = time_from_seconds(t);
    if (!bank) {
      if (!l.interface.empty()) cfg.interface = l.interface;
      bank = std::make_unique<drivers::canopen::CanopenBank>(ctx.model, ctx.instances, cfg,
                                                             [](const CanFrame&) { return false; });
      bank->start(now);
    }
    if (auto d = bank->next_deadline(); d && *d <= now) bank->on_tick(now);
    bank->on_frame(l.frame, now);
    ++st.messages;
  });
  if (bank) {
    const auto& s = bank->stats();
    if (s.decode_errors)
      err << source << ": " << s.decode_errors << " CANopen frames or values did not decode\n";
    st.errors += s.decode_errors;
  }
  return st;
}

std::unique_ptr<drivers::Driver> make_canopen_driver(const toml::table& t,
                                                     drivers::DriverContext& ctx) {
  auto cfg = drivers::canopen::parse_canopen_config(t);
  // SuperB batteries run at 250 kbit/s (seed 004), on their own bus beside the 500 kbit/s BMS bus.
  auto tr = transport::make_can_transport(ctx.io, cfg.interface, 250000);  // throws with the reason
  return std::make_unique<drivers::canopen::CanopenDriver>(ctx, std::move(tr), std::move(cfg));
}

// `nodes = [1, 2]` or `[{ id = 1, capacity_ah = 150 }, ...]`, as parse_canopen_config reads it.
std::string check_nodes(const toml::node& n) {
  const auto& arr = *n.as_array();
  std::vector<std::int64_t> seen;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string at = "nodes[" + std::to_string(i) + "]";
    const toml::node& e = *arr.get(i);
    const toml::node* id = &e;
    if (const auto* t = e.as_table()) {
      for (auto&& [k, v] : *t) {
        if (k == "capacity_ah") {
          if (!v.is_number() || !(*v.value<double>() > 0))
            return at + ".capacity_ah must be a number > 0";
        } else if (k != "id") {
          return at + " has unknown key '" + std::string(k.str()) + "' (known: capacity_ah, id)";
        }
      }
      id = t->get("id");
      if (!id) return at + " needs id";
    }
    const auto v = id->value_exact<std::int64_t>();
    if (!v || *v < 1 || *v > 127)
      return at + " must be a node id 1..127 or { id = N, capacity_ah = AH }";
    if (std::find(seen.begin(), seen.end(), *v) != seen.end())
      return "node " + std::to_string(*v) + " is listed twice";
    seen.push_back(*v);
  }
  return {};
}

// Every key parse_canopen_config (drivers/canopen/canopen_config.cpp) reads.
SectionSchema canopen_schema() {
  auto object = std::make_shared<SectionSchema>(SectionSchema{
      .name = "canopen.object",
      .form = SectionForm::kArrayOfTables,
      .description = "an object to poll; one with the index/sub of a default replaces it",
      .keys = {
          {.name = "index",
           .type = ValueType::kInteger,
           .description = "object index",
           .required = true,
           .min = 0x1000,
           .max = 0xFFFF},
          {.name = "sub",
           .type = ValueType::kInteger,
           .description = "sub-index",
           .min = 0,
           .max = 255},
          {.name = "type",
           .type = ValueType::kString,
           .description = "u8 i8 u16 i16 u32 i32 u64 i64 f32 bool string",
           .required = true,
           .check = [](const toml::node& n) -> std::string {
             if (co::parse_data_type(*n.value<std::string>())) return {};
             return "not one of u8 i8 u16 i16 u32 i32 u64 i64 f32 bool string";
           }},
          {.name = "path",
           .type = ValueType::kString,
           .description = "model path like /Dc/0/Voltage",
           .required = true,
           .check = [](const toml::node& n) -> std::string {
             return n.value<std::string>()->starts_with('/')
                        ? ""
                        : "must be a model path like /Dc/0/Voltage";
           }},
          {.name = "scale", .type = ValueType::kFloat, .description = "value = raw * scale"},
          {.name = "unit", .type = ValueType::kString, .description = "unit text"},
          {.name = "decimals",
           .type = ValueType::kInteger,
           .description = "decimals to show (-1: as is)",
           .min = -1,
           .max = 9},
          {.name = "poll_ms",
           .type = ValueType::kInteger,
           .description = "poll period; 0 removes a default object",
           .min = 0,
           .max = 86'400'000},
          {.name = "name", .type = ValueType::kString, .description = "label; default: the path"},
      }});
  auto ms = [](const char* name, double lo, double hi, const char* description) {
    return KeySchema{.name = name,
                     .type = ValueType::kInteger,
                     .description = description,
                     .min = lo,
                     .max = hi};
  };
  return {
      .name = "canopen",
      .form = SectionForm::kEither,
      .description = "CANopen batteries (SuperB Epsilon V2, 250 kbit/s), one per CAN interface",
      .keys = {
          {.name = "interface",
           .type = ValueType::kString,
           .description = "CAN transport spec; default can1",
           .check = check_can_spec(250000),
           .device = DeviceRole::kCanSpec},
          {.name = "nodes",
           .type = ValueType::kArray,
           .description = "node ids, or { id, capacity_ah } tables; empty: found on the bus",
           .check = check_nodes},
          {.name = "capacity_ah",
           .type = ValueType::kFloat,
           .description = "per battery, when a node does not say",
           .min = 0,
           .min_exclusive = true},
          {.name = "aggregate", .type = ValueType::kBool, .description = "also publish the bank"},
          {.name = "aggregate_name", .type = ValueType::kString, .description = "bank suffix"},
          {.name = "product_name", .type = ValueType::kString, .description = "/ProductName"},
          ms("sdo_timeout_ms", 10, 10'000, "per SDO frame"),
          ms("sdo_retries", 0, 10, "whole-transfer retries after a timeout"),
          ms("sdo_retry_delay_ms", 0, 10'000, "pause before a retry"),
          ms("node_timeout_s", 1, 3600, "silent this long: /Connected 0, out of the bank"),
          ms("missing_retry_s", 1, 86'400, "objects the node lacks are asked again this rarely"),
          ms("heartbeat_ms", 10, 65'535, "the nodes' heartbeat period (duplicate-id check)"),
          {.name = "listen_only",
           .type = ValueType::kBool,
           .description = "send nothing; decode another client's SDO traffic"},
          {.name = "default_objects",
           .type = ValueType::kBool,
           .description = "start from the SuperB map, then apply [[canopen.object]]"},
          {.name = "object",
           .type = ValueType::kArrayOfTables,
           .description = "[[canopen.object]] tables",
           .fields = object},
      }};
}

// The demo's SuperB bank: node 1 on current firmware, node 2 on 1.0 (no 0x6051/0x6052, so those
// paths stay invalid and are asked for only every 10 minutes), on can1 at 250 kbit/s.
struct CanopenDemo {
  std::vector<std::unique_ptr<transport::InProcessCanBus::Endpoint>> endpoints;
  std::vector<std::unique_ptr<sim::canopen::SuperbNodeSim>> nodes;
  std::unique_ptr<asio::steady_timer> timer;

  void tick() {
    const TimePoint now = Clock::now();
    for (auto& n : nodes) n->on_tick(now);
    timer->expires_after(milliseconds(100));
    timer->async_wait([this](const asio::error_code& ec) {
      if (!ec) tick();
    });
  }
};

void demo_canopen(DemoContext& demo) {
  auto d = std::make_shared<CanopenDemo>();
  const TimePoint now = Clock::now();
  sim::canopen::SuperbNodeOptions a;
  a.node_id = 1;
  a.capacity_ah = 150;
  a.soc = 78;
  a.current_a = 6.0;
  a.temperature_c = 21.5;
  sim::canopen::SuperbNodeOptions b;
  b.node_id = 2;
  b.old_firmware = true;
  b.capacity_ah = 100;
  b.soc = 64;
  b.current_a = 3.8;
  b.temperature_c = 23.0;
  b.cycles = 117;
  for (const auto& o : {a, b}) {
    d->endpoints.push_back(
        demo.can_bus(kDemoCanopenBus).attach("superb-node" + std::to_string(o.node_id)));
    d->nodes.push_back(std::make_unique<sim::canopen::SuperbNodeSim>(*d->endpoints.back(), o, now));
  }
  d->timer = std::make_unique<asio::steady_timer>(demo.drivers_ctx.io);
  d->tick();

  auto endpoint = demo.can_bus(kDemoCanopenBus).attach("canopen-driver");
  drivers::canopen::CanopenConfig cfg;
  cfg.interface = std::string(endpoint->interface_name());
  cfg.nodes = {{1, 150.0}, {2, 100.0}};
  cfg.aggregate = true;
  demo.drivers.push_back(std::make_unique<drivers::canopen::CanopenDriver>(
      demo.drivers_ctx, std::move(endpoint), std::move(cfg)));
  demo.simulators.push_back(d);
}

}  // namespace

void register_canopen(Registry& r) {
  r.decoders["canopen"] = decode_canopen;
  r.snapshots["canopen"] = snapshot_canopen;
  r.drivers["canopen"] = {make_canopen_driver, canopen_schema()};
  r.demos.emplace_back("canopen", demo_canopen);
}

}  // namespace gxlink::registry
