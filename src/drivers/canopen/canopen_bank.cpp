// SPDX-License-Identifier: MIT
#include "drivers/canopen/canopen_bank.hpp"

#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "core/text.hpp"
#include "model/venus_formats.hpp"
#include "protocols/canopen/tables.hpp"

namespace gxlink::drivers::canopen {
namespace co = gxlink::canopen;

namespace {

/// The node's software version text (0x100A), kept beside the integer /FirmwareVersion.
constexpr std::string_view kSoftwareVersionText = "/CanOpen/SoftwareVersion";

constexpr const char* kTag = "canopen";
// How long an SDO answer counted as "second device with this id" keeps the flag up.
constexpr Duration kDuplicateHold = seconds(60);
// How often /CanOpen/Updates may step: the core objects are polled every second (seed 004 map).
constexpr Duration kRefreshPeriod = seconds(1);

model::ItemMeta meta(std::string unit, int decimals) {
  model::ItemMeta m;
  m.unit = std::move(unit);
  m.decimals = decimals;
  return m;
}

std::string object_name(const co::ObjectSpec& s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04X:%02X", s.index, s.sub);
  return std::string(buf) + " (" + s.name + ")";
}

// Everything a node's service publishes besides its object map, and the bank's aggregate, declared
// before the first announcement (issue 13, conformance 1); units and decimals from
// model/venus_formats (conformance 9).
constexpr model::PathSpec kNodePaths[] = {
    {"/Dc/0/Power"},
    {"/InstalledCapacity"},
    {"/Capacity"},
    {"/CanOpen/NodeId"},
    {"/CanOpen/NmtState"},
    {"/CanOpen/DuplicateNodeId"},
    {"/CanOpen/MissingObjects"},
    {"/CanOpen/NarrowAnswers"},
    {"/CanOpen/LastEmcyCode"},
    {"/CanOpen/LastEmcy"},
    {"/CanOpen/ErrorRegister"},
    {"/CanOpen/Updates"},
};
constexpr model::PathSpec kAggregatePaths[] = {
    {"/Dc/0/Voltage"},
    {"/Dc/0/Current"},
    {"/Dc/0/Power"},
    {"/Dc/0/Temperature"},
    {"/Soc"},
    {"/InstalledCapacity"},
    {"/Capacity"},
    {"/ConsumedAmphours"},
    {"/System/MinCellTemperature"},
    {"/System/MaxCellTemperature"},
    {"/System/NrOfBatteries"},
    {"/System/BatteriesParallel"},
    {"/System/NrOfModulesOnline"},
    {"/System/NrOfModulesOffline"},
    {"/CanOpen/NodesOnline"},
    {"/CanOpen/Updates"},
};

std::uint64_t make_tag(std::uint8_t node, std::size_t obj) {
  return (std::uint64_t{node} << 32) | obj;
}

}  // namespace

CanopenBank::CanopenBank(model::Model& model, model::DeviceInstances& instances,
                         CanopenConfig config, SendFn send)
    : model_(model),
      instances_(instances),
      config_(std::move(config)),
      send_(std::move(send)),
      client_(config_.sdo),
      observer_(config_.sdo.max_upload_size),
      monitor_(config_.heartbeat_period) {}

CanopenBank::~CanopenBank() = default;

std::string CanopenBank::node_service_name(std::uint8_t node) const {
  return model::service_name("battery", config_.node_connection_prefix + std::to_string(node));
}

std::string CanopenBank::aggregate_service_name() const {
  return model::service_name("battery", config_.aggregate_connection);
}

void CanopenBank::start(TimePoint now) {
  started_ = true;
  for (const auto& nc : config_.nodes)
    if (!nodes_.count(nc.id)) add_node(nc, now);
  ensure_aggregate();
  update_aggregate();
}

void CanopenBank::stop() { started_ = false; }

CanopenBank::Node& CanopenBank::add_node(NodeConfig cfg, TimePoint now) {
  Node& n = nodes_[cfg.id];
  n.cfg = cfg;
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = config_.node_connection_prefix + std::to_string(cfg.id);
  spec.device_instance = instances_.allocate(
      "canopen_" + config_.interface + "_node" + std::to_string(cfg.id), "battery", 512);
  spec.mgmt_connection = "CANopen " + config_.interface + " node " + std::to_string(cfg.id);
  spec.product_name = config_.product_name + " (node " + std::to_string(cfg.id) + ")";
  n.service = &model_.add_service(std::move(spec));
  // A Venus path takes its unit, decimals and text from the shared table (Service::add applies it,
  // issue 13 conformance 9); the map's own unit only shows paths Venus does not list.
  for (const auto& o : config_.objects) {
    n.service->add(o.path, model::find_path_format("battery", o.path) ? model::ItemMeta{}
                                                                      : meta(o.unit, o.decimals));
    // The software version as the node sent it, beside Venus' integer /FirmwareVersion.
    if (o.path == "/FirmwareVersion") n.service->declare({model::PathSpec{kSoftwareVersionText}});
  }
  n.service->declare(kNodePaths);
  n.objects.assign(config_.objects.size(), ObjectState{now, false, ObjectStatus::kUnknown, false});
  // Shown, but not connected until the node is heard (a configured battery that is absent is
  // visible as such).
  n.service->invalidate_all();
  n.service->set("/CanOpen/NodeId", std::int64_t{cfg.id});
  ensure_aggregate();
  return n;
}

void CanopenBank::ensure_aggregate() {
  if (!config_.aggregate || aggregate_) return;
  if (config_.nodes.empty() && nodes_.size() < 2)
    return;  // discovered banks: from two batteries on
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = config_.aggregate_connection;
  spec.device_instance =
      instances_.allocate("canopen_" + config_.interface + "_bank", "battery", 512);
  spec.mgmt_connection = "CANopen " + config_.interface + " bank";
  spec.product_name = config_.product_name + " bank";
  aggregate_ = &model_.add_service(std::move(spec));
  aggregate_->declare(kAggregatePaths);
}

CanopenBank::Node* CanopenBank::find_node(std::uint8_t id, TimePoint now, bool from_node) {
  auto it = nodes_.find(id);
  if (it != nodes_.end()) return &it->second;
  // With an explicit list, other ids are someone else's devices; without one, a node is found
  // by its own frames (heartbeat, SDO answer, EMCY).
  if (!config_.nodes.empty() || !from_node || !started_) {
    ++stats_.foreign_nodes;
    return nullptr;
  }
  spdlog::info("{}: found node {} on {}", kTag, id, config_.interface);
  return &add_node(NodeConfig{id, config_.default_capacity_ah}, now);
}

void CanopenBank::set_static_paths(Node& n) {
  n.service->set("/InstalledCapacity", n.cfg.capacity_ah);
  n.service->set("/CanOpen/NodeId", std::int64_t{n.cfg.id});
  n.service->set("/CanOpen/DuplicateNodeId", std::int64_t{n.duplicate ? 1 : 0});
  std::int64_t missing = 0;
  for (const auto& o : n.objects) missing += o.status == ObjectStatus::kMissing;
  n.service->set("/CanOpen/MissingObjects", missing);
  std::int64_t narrow = 0;
  for (const auto& o : n.objects) narrow += static_cast<std::int64_t>(o.narrow_answers);
  n.service->set("/CanOpen/NarrowAnswers", narrow);
}

void CanopenBank::heard(Node& n, TimePoint now, bool answer) {
  n.last_heard = now;
  // Connected means "answers SDO" when we poll: a node that only heartbeats (NMT stopped, SDO
  // server hung) gives no data. Its heartbeat only makes us probe it at once. In listen-only mode
  // any frame counts.
  if (!answer && !config_.listen_only) {
    if (!n.online)
      for (auto& o : n.objects)
        if (!o.in_flight && o.status != ObjectStatus::kMissing)
          o.next_due = std::min(o.next_due, now);
    return;
  }
  n.last_answer = now;
  if (n.online) return;
  n.online = true;
  n.service->set("/Connected", std::int64_t{1});
  set_static_paths(n);
  // Ask for everything now, except what is on its way already or known to be missing.
  for (auto& o : n.objects)
    if (!o.in_flight && o.status != ObjectStatus::kMissing) o.next_due = std::min(o.next_due, now);
  spdlog::info("{}: node {} on {} is online", kTag, n.cfg.id, config_.interface);
}

void CanopenBank::go_offline(Node& n) {
  n.online = false;
  n.service->invalidate_all();
  client_.cancel(n.cfg.id);
  for (auto& o : n.objects) {
    o.in_flight = false;
    if (o.status != ObjectStatus::kMissing) o.status = ObjectStatus::kUnknown;
  }
  // Who it is and what its heartbeat says stay visible while its data is gone.
  n.service->set("/CanOpen/NodeId", std::int64_t{n.cfg.id});
  if (auto st = monitor_.state(n.cfg.id))
    n.service->set("/CanOpen/NmtState", std::string(co::to_string(*st)));
  spdlog::warn("{}: node {} on {} stopped answering: /Connected 0, left the bank", kTag, n.cfg.id,
               config_.interface);
}

void CanopenBank::invalidate_object(Node& n, std::size_t obj) {
  n.service->set(config_.objects[obj].path, model::Invalid{});
  if (config_.objects[obj].path == "/FirmwareVersion")
    n.service->set(kSoftwareVersionText, model::Invalid{});
}

void CanopenBank::apply_value(Node& n, std::size_t obj, const std::vector<std::uint8_t>& data,
                              bool size_known) {
  const co::ObjectSpec& spec = config_.objects[obj];
  ObjectState& st = n.objects[obj];
  auto raw = co::decode_object(spec.type, data, size_known);
  if (!raw) {
    ++stats_.decode_errors;
    if (st.status != ObjectStatus::kFailed)
      spdlog::warn("{}: node {} {}: {}", kTag, n.cfg.id, object_name(spec), raw.error().message());
    st.status = ObjectStatus::kFailed;
    invalidate_object(n, obj);
    return;
  }
  if (co::is_narrow(spec.type, data.size(), size_known)) {
    // Seed 004 gives no widths and real servers differ: a narrower answer is a value, zero- or
    // sign-extended by type (issue 13, conformance 2). Counted per object, logged once.
    ++stats_.narrow_answers;
    if (st.narrow_answers++ == 0)
      spdlog::info("{}: node {} {} answers {} byte(s) for {}; accepted, extended by type", kTag,
                   n.cfg.id, object_name(spec), data.size(), co::to_string(spec.type));
    set_static_paths(n);
  }
  const co::ObjectValue v = co::scale_value(*raw, spec.scale);
  model::Value mv;
  if (const auto* i = std::get_if<std::int64_t>(&v))
    mv = *i;
  else if (const auto* d = std::get_if<double>(&v))
    mv = *d;
  else {
    // VISIBLE_STRING has no stated encoding and devices differ: the boundary makes it UTF-8.
    bool repaired = false;
    mv = device_text(std::get<std::string>(v), &repaired);
    if (repaired) ++stats_.repaired_strings;
    // Venus' /FirmwareVersion is an integer (issue 12 interop): "1.6.0" → 0x10600. The text
    // stays readable under /CanOpen/SoftwareVersion (a version that is not "x.y.z" has no integer).
    if (spec.path == "/FirmwareVersion") {
      n.service->set(kSoftwareVersionText, mv);
      mv = model::firmware_version_from_text(std::get<std::string>(mv));
    }
  }
  const bool was_missing = st.status == ObjectStatus::kMissing;
  st.status = ObjectStatus::kOk;
  st.missing_logged = false;
  if (was_missing) set_static_paths(n);
  n.service->set(spec.path, std::move(mv));
  n.answered = true;
}

void CanopenBank::on_abort(Node& n, std::size_t obj, std::uint32_t code, TimePoint now) {
  const co::ObjectSpec& spec = config_.objects[obj];
  ObjectState& st = n.objects[obj];
  invalidate_object(n, obj);
  if (co::abort_means_missing(code)) {
    ++stats_.missing_objects;
    st.status = ObjectStatus::kMissing;
    st.next_due = now + config_.missing_retry;
    if (!st.missing_logged) {
      st.missing_logged = true;
      spdlog::info("{}: node {} has no object {} ({}); asking again every {} s", kTag, n.cfg.id,
                   object_name(spec), co::abort_name(code),
                   std::chrono::duration_cast<seconds>(config_.missing_retry).count());
    }
    set_static_paths(n);
    return;
  }
  if (st.status != ObjectStatus::kFailed)
    spdlog::warn("{}: node {} aborted reading {}: 0x{:08X} {}", kTag, n.cfg.id, object_name(spec),
                 code, co::abort_name(code));
  st.status = ObjectStatus::kFailed;
}

void CanopenBank::on_outcome(const co::SdoOutcome& o, TimePoint now) {
  auto it = nodes_.find(o.request.node);
  const std::size_t obj = o.request.tag & 0xFFFFFFFF;
  if (it == nodes_.end() || (o.request.tag >> 32) != o.request.node ||
      obj >= config_.objects.size())
    return;
  Node& n = it->second;
  ObjectState& st = n.objects[obj];
  st.in_flight = false;
  if (o.ok()) {
    heard(n, now, true);
    apply_value(n, obj, o.data, o.size_indicated);
  } else if (o.status == Errc::kAborted && o.aborted_by_server) {
    heard(n, now, true);
    on_abort(n, obj, o.abort_code, now);
  } else {
    // Timeout, toggle error, protocol error: never keep a stale or half-received value.
    if (n.online && st.status != ObjectStatus::kFailed)
      spdlog::debug("{}: node {} {}: {} ({})", kTag, n.cfg.id, object_name(config_.objects[obj]),
                    make_error_code(o.status).message(), co::abort_name(o.abort_code));
    if (st.status != ObjectStatus::kMissing) st.status = ObjectStatus::kFailed;
    if (n.online) invalidate_object(n, obj);
  }
  if (n.online) update_derived(n);
}

void CanopenBank::on_observed(const co::ObservedTransfer& t, TimePoint now) {
  auto it = nodes_.find(t.node);
  if (it == nodes_.end() || t.direction != co::SdoDirection::kUpload) return;
  Node& n = it->second;
  for (std::size_t i = 0; i < config_.objects.size(); ++i) {
    const auto& spec = config_.objects[i];
    if (spec.index != t.index || spec.sub != t.sub) continue;
    if (t.status == Errc::kOk) {
      heard(n, now, true);
      apply_value(n, i, t.data, t.size_indicated);
    } else if (t.status == Errc::kAborted && t.aborted_by_server) {
      heard(n, now, true);
      on_abort(n, i, t.abort_code, now);
    } else if (n.online) {
      invalidate_object(n, i);
    }
  }
  if (n.online) update_derived(n);
}

void CanopenBank::update_derived(Node& n) {
  model::Service& s = *n.service;
  auto v = model::as_double(s.get("/Dc/0/Voltage"));
  auto i = model::as_double(s.get("/Dc/0/Current"));
  s.set("/Dc/0/Power", v && i ? model::Value(*v * *i) : model::Value(model::Invalid{}));
  auto soc = model::as_double(s.get("/Soc"));
  s.set("/Capacity",
        soc ? model::Value(*soc * n.cfg.capacity_ah / 100.0) : model::Value(model::Invalid{}));
}

void CanopenBank::update_aggregate() {
  if (!aggregate_) return;
  model::Service& a = *aggregate_;
  double v_sum = 0, i_sum = 0, p_sum = 0, cap = 0, soc_cap = 0, consumed = 0;
  std::optional<double> t_min, t_max;
  bool consumed_valid = true;
  std::int64_t members = 0;
  std::string online_list;
  for (auto& [id, n] : nodes_) {
    if (!n.online) continue;
    const model::Service& s = *n.service;
    auto v = model::as_double(s.get("/Dc/0/Voltage"));
    auto i = model::as_double(s.get("/Dc/0/Current"));
    auto soc = model::as_double(s.get("/Soc"));
    if (!v || !i || !soc) continue;  // joins the bank once its core values are known
    ++members;
    online_list += (online_list.empty() ? "" : ",") + std::to_string(id);
    v_sum += *v;
    i_sum += *i;
    p_sum += *v * *i;
    cap += n.cfg.capacity_ah;
    soc_cap += *soc * n.cfg.capacity_ah;
    if (auto t = model::as_double(s.get("/Dc/0/Temperature"))) {
      t_min = t_min ? std::min(*t_min, *t) : *t;
      t_max = t_max ? std::max(*t_max, *t) : *t;
    }
    if (auto c = model::as_double(s.get("/ConsumedAmphours")))
      consumed += *c;
    else
      consumed_valid = false;
  }
  const auto total = static_cast<std::int64_t>(nodes_.size());
  if (members == 0) {
    a.invalidate_all();
  } else {
    a.set("/Connected", std::int64_t{1});
    // Batteries in parallel share one voltage; the mean smooths per-unit measurement offsets.
    a.set("/Dc/0/Voltage", v_sum / static_cast<double>(members));
    a.set("/Dc/0/Current", i_sum);
    a.set("/Dc/0/Power", p_sum);
    a.set("/Soc", soc_cap / cap);
    a.set("/InstalledCapacity", cap);
    a.set("/Capacity", soc_cap / 100.0);
    // The warmest unit is the one that limits charging first; the spread is in /System.
    a.set("/Dc/0/Temperature", t_max ? model::Value(*t_max) : model::Value(model::Invalid{}));
    a.set("/System/MinCellTemperature",
          t_min ? model::Value(*t_min) : model::Value(model::Invalid{}));
    a.set("/System/MaxCellTemperature",
          t_max ? model::Value(*t_max) : model::Value(model::Invalid{}));
    a.set("/ConsumedAmphours",
          consumed_valid ? model::Value(consumed) : model::Value(model::Invalid{}));
  }
  a.set("/System/NrOfBatteries", total);
  a.set("/System/BatteriesParallel", total);
  a.set("/System/NrOfModulesOnline", members);
  a.set("/System/NrOfModulesOffline", total - members);
  a.set("/CanOpen/NodesOnline", online_list);
}

void CanopenBank::poll(TimePoint now) {
  if (config_.listen_only || !started_) return;
  for (auto& [id, n] : nodes_) {
    // Offline nodes get one probe object, so a returning node is noticed without queueing the
    // whole map behind timeouts.
    std::optional<std::size_t> probe;
    if (!n.online)
      for (std::size_t i = 0; i < n.objects.size() && !probe; ++i)
        if (n.objects[i].status != ObjectStatus::kMissing) probe = i;
    for (std::size_t i = 0; i < n.objects.size(); ++i) {
      ObjectState& o = n.objects[i];
      if (o.in_flight || now < o.next_due) continue;
      const Duration every = config_.objects[i].poll;
      o.next_due = now + every;
      if (!n.online && probe != i) continue;
      const auto& spec = config_.objects[i];
      if (client_.upload(id, spec.index, spec.sub, make_tag(id, i), now)) o.in_flight = true;
    }
  }
}

void CanopenBank::on_frame(const CanFrame& f, TimePoint now) {
  ++stats_.frames;
  const co::Classified c = co::classify(f);
  switch (c.kind) {
    case co::FrameKind::kHeartbeat: {
      Node* n = find_node(c.node, now, true);
      if (!n) break;
      auto hb = co::decode_heartbeat(f);
      if (!hb) {
        ++stats_.decode_errors;
        break;
      }
      heard(*n, now, false);
      const co::HeartbeatUpdate u = monitor_.on_heartbeat(*hb, now);
      n->service->set("/CanOpen/NmtState", std::string(co::to_string(u.state)));
      if (u.boot_up) {
        // A restarted node may have new firmware: ask again for what it lacked.
        for (auto& o : n->objects)
          if (o.status == ObjectStatus::kMissing) o.next_due = now;
        if (auto d = log_limit_.check(fmt::format("boot {}", c.node), now))
          spdlog::info("{}: node {} booted{}", kTag, c.node, suppressed_note(d));
      }
      if (u.duplicate_changed && u.duplicate)
        spdlog::warn("{}: node {}: heartbeats suggest two devices with this node id", kTag, c.node);
      break;
    }
    case co::FrameKind::kEmcy: {
      Node* n = find_node(c.node, now, true);
      if (!n) break;
      auto e = co::decode_emcy(f);
      if (!e) {
        ++stats_.decode_errors;
        break;
      }
      ++stats_.emcy;
      heard(*n, now, false);
      n->service->set("/CanOpen/LastEmcyCode", std::int64_t{e->error_code});
      n->service->set("/CanOpen/LastEmcy", std::string(co::emcy_name(e->error_code)));
      n->service->set("/CanOpen/ErrorRegister", std::int64_t{e->error_register});
      // A faulty node may repeat its EMCY many times a second: one line per node and code per
      // minute, with the count of the rest (issue 11 item 8).
      if (e->error_code != 0)
        if (auto d = log_limit_.check(fmt::format("emcy {} {}", c.node, e->error_code), now))
          spdlog::warn("{}: node {} EMCY 0x{:04X} {} (error register 0x{:02X}){}", kTag, c.node,
                       e->error_code, co::emcy_name(e->error_code), e->error_register,
                       suppressed_note(d));
      break;
    }
    case co::FrameKind::kSdoResponse: {
      Node* n = find_node(c.node, now, true);
      if (!n) break;
      heard(*n, now, true);
      if (config_.listen_only) {
        observer_.on_frame(f, now);
        for (const auto& t : observer_.take()) on_observed(t, now);
      } else {
        const auto dup_before = client_.stats().duplicates;
        client_.on_frame(f, now);
        if (client_.stats().duplicates != dup_before) {
          if (!n->duplicate)
            spdlog::warn(
                "{}: node {}: two answers to one SDO request; two devices share this node id?",
                kTag, c.node);
          n->duplicate = true;
          n->duplicate_until = now + kDuplicateHold;
          n->service->set("/CanOpen/DuplicateNodeId", std::int64_t{1});
        }
        for (const auto& o : client_.take_outcomes()) on_outcome(o, now);
      }
      break;
    }
    case co::FrameKind::kSdoRequest:
      if (config_.listen_only) {
        // Follow requests to listed nodes, or to any node when nodes are discovered.
        if (nodes_.count(c.node) || config_.nodes.empty()) observer_.on_frame(f, now);
      } else {
        client_.on_frame(f, now);
      }
      break;
    default: break;
  }
  update_aggregate();
  flush_frames();
}

void CanopenBank::on_tick(TimePoint now) {
  client_.on_tick(now);
  for (const auto& o : client_.take_outcomes()) on_outcome(o, now);
  for (auto& [id, n] : nodes_) {
    if (n.online && n.last_answer && now - *n.last_answer >= config_.node_timeout) go_offline(n);
    const bool dup =
        monitor_.duplicate_suspected(id) || (n.duplicate_until && now < *n.duplicate_until);
    if (dup != n.duplicate) {
      n.duplicate = dup;
      if (n.online) n.service->set("/CanOpen/DuplicateNodeId", std::int64_t{dup ? 1 : 0});
    }
  }
  report_anomalies(now);
  poll(now);
  update_aggregate();
  refresh(now);
  flush_frames();
}

void CanopenBank::refresh(TimePoint now) {
  // Model items change only when their value does, so a bank at rest (0 A, steady SOC, voltage
  // and temperature) would look frozen to an observer for minutes. A consumer that treats "no
  // change for N seconds" as stale (the BMS role's fail-safe) needs a sign of life: this counter.
  if (last_refresh_ && now - *last_refresh_ < kRefreshPeriod) return;
  last_refresh_ = now;
  bool member_answered = false;
  for (auto& [id, n] : nodes_) {
    if (!n.answered) continue;
    n.answered = false;
    if (!n.online) continue;
    n.service->set("/CanOpen/Updates", ++n.updates);
    const model::Service& s = *n.service;
    member_answered |= model::as_double(s.get("/Dc/0/Voltage")) &&
                       model::as_double(s.get("/Dc/0/Current")) &&
                       model::as_double(s.get("/Soc"));  // as update_aggregate() counts members
  }
  if (member_answered && aggregate_ &&
      model::as_int(aggregate_->get("/Connected")).value_or(0) == 1)
    aggregate_->set("/CanOpen/Updates", ++aggregate_updates_);
}

void CanopenBank::report_anomalies(TimePoint now) {
  // Bad input is counted where it happens; here it is reported, at most once a minute, so a noisy
  // bus cannot flood the log.
  const auto& s = client_.stats();
  const std::uint64_t total = s.unexpected + s.mismatched + s.bad_frames + s.protocol_errors +
                              s.toggle_errors + s.foreign_requests + stats_.decode_errors;
  if (total == reported_anomalies_ || (last_report_ && now - *last_report_ < seconds(60))) return;
  reported_anomalies_ = total;
  last_report_ = now;
  spdlog::warn(
      "{}: on {}: {} unexpected and {} mismatched SDO responses, {} short frames, {} protocol "
      "errors, {} toggle errors, {} requests by another client, {} undecodable frames/values",
      kTag, config_.interface, s.unexpected, s.mismatched, s.bad_frames, s.protocol_errors,
      s.toggle_errors, s.foreign_requests, stats_.decode_errors);
}

std::optional<TimePoint> CanopenBank::next_deadline() const {
  std::optional<TimePoint> t = client_.next_deadline();
  auto consider = [&](TimePoint x) {
    if (!t || x < *t) t = x;
  };
  for (const auto& [id, n] : nodes_) {
    if (n.online && n.last_answer) consider(*n.last_answer + config_.node_timeout);
    if (n.duplicate_until && n.duplicate) consider(*n.duplicate_until);
    if (config_.listen_only || !started_) continue;
    for (const auto& o : n.objects)
      if (!o.in_flight) consider(o.next_due);
  }
  return t;
}

void CanopenBank::flush_frames() {
  for (const auto& f : client_.take_frames()) send_(f);
}

std::uint64_t CanopenBank::narrow_answers(std::uint8_t node, std::size_t obj) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end() || obj >= it->second.objects.size()) return 0;
  return it->second.objects[obj].narrow_answers;
}

bool CanopenBank::online(std::uint8_t node) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() && it->second.online;
}

std::vector<std::uint8_t> CanopenBank::nodes() const {
  std::vector<std::uint8_t> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

Health CanopenBank::health() const {
  if (nodes_.empty()) return Health::warning("no CANopen node heard yet");
  std::string reason;
  for (const auto& [id, n] : nodes_) {
    if (n.duplicate) reason += "node " + std::to_string(id) + ": two devices with this id; ";
    if (!n.online) reason += "node " + std::to_string(id) + " not answering; ";
  }
  if (reason.empty()) return Health::ok();
  reason.resize(reason.size() - 2);
  return Health::warning(reason);
}

}  // namespace gxlink::drivers::canopen
