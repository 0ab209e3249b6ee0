// SPDX-License-Identifier: MIT
#include "publishers/dbus/service_export.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>
#include <spdlog/spdlog.h>

#include "publishers/dbus/value_codec.hpp"

namespace gxlink::publishers::dbus {
namespace {

constexpr const char* kErrFailed = "org.freedesktop.DBus.Error.Failed";

// velib VeDbusItemExport.SetValue: 0 = OK, 1 = not writeable or type coercion failed,
// 2 = rejected by the owner (venus_os.md §1.2). The owner's range check counts as a rejection.
std::int32_t set_value_code(model::WriteResult r) {
  switch (r) {
    case model::WriteResult::kOk: return 0;
    case model::WriteResult::kNotWritable:
    case model::WriteResult::kBadType:
    case model::WriteResult::kUnknownPath: return 1;
    case model::WriteResult::kOutOfRange:
    case model::WriteResult::kFailed: return 2;
  }
  return 2;
}

void append_text_entry(sdbus::Message& m, const std::string& text) {
  m.openDictEntry("sv");
  m << "Text";
  m.openVariant("s");
  m << dbus_safe(text);
  m.closeVariant();
  m.closeDictEntry();
}

// {"Value": v, "Text": s}, the body of PropertiesChanged and of each ItemsChanged entry.
void append_value_text(sdbus::Message& m, const std::string& path, const model::Item& item) {
  m.openContainer("{sv}");
  m.openDictEntry("sv");
  m << "Value";
  append_variant(m, item.value);
  m.closeDictEntry();
  append_text_entry(m, item_text(path, item));
  m.closeContainer();
}

// Any exception other than sdbus::Error would cross sd-bus' C callback; turn it into an error
// reply.
template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const sdbus::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw sdbus::Error(kErrFailed, e.what());
  }
}

// A model path that is not an object path (a recording may carry anything) still travels inside
// GetItems and ItemsChanged, but gets no object (is_object_path, value_codec.hpp).

// `/` covers everything; `/Dc` covers `/Dc/...`.
std::string subtree_prefix(const std::string& path) { return path == "/" ? path : path + "/"; }

}  // namespace

ServiceExport::ServiceExport(asio::io_context& io, model::Model& model,
                             const model::Service& service,
                             std::unique_ptr<sdbus::IConnection> conn, SignalMode mode, bool direct,
                             ExportStats& stats, BusPump::ErrorHandler on_error,
                             WritePolicy& writes)
    : model_(model),
      name_(service.name()),
      mode_(mode),
      direct_(direct),
      stats_(stats),
      writes_(writes) {
  pump_ = std::make_unique<BusPump>(io, std::move(conn), std::move(on_error));
  make_node("/", false);
  for (auto& [path, item] : service.items()) ensure_path(path);
  exported_paths_ = service.items().size();
  // venus_os.md §1.3: the name is claimed after every path exists, and never queued
  // (sd_bus_request_name without SD_BUS_NAME_QUEUE fails when the name is taken).
  pump_->connection().requestName(name_);
  claimed_ = true;
  pump_->kick();
}

ServiceExport::~ServiceExport() {
  release();
  nodes_.clear();
}

void ServiceExport::release() noexcept {
  if (!claimed_) return;
  claimed_ = false;
  // With raw bytes still queued, a sync call would interleave with them; closing the connection
  // releases the name just as well.
  if (pump_->raw_pending()) return;
  try {
    pump_->connection().releaseName(name_);
  } catch (const std::exception& e) {
    spdlog::debug("dbus: releasing {}: {}", name_, e.what());  // a dead bus has released it already
  }
}

const model::Item* ServiceExport::find_item(const std::string& path) const {
  const model::Service* s = model_.find(name_);
  return s ? s->find(path) : nullptr;
}

void ServiceExport::ensure_path(const std::string& path) {
  if (nodes_.find(path) != nodes_.end() || !is_object_path(path)) return;
  // Intermediate nodes first (velib add_path), so that GetValue works on every subtree.
  for (std::size_t pos = path.find('/', 1); pos != std::string::npos;
       pos = path.find('/', pos + 1)) {
    std::string inner = path.substr(0, pos);
    if (nodes_.find(inner) == nodes_.end()) make_node(inner, false);
  }
  make_node(path, true);
}

ServiceExport::Node& ServiceExport::make_node(const std::string& path, bool leaf) {
  auto [it, inserted] = nodes_.emplace(path, Node{});
  Node& node = it->second;
  const std::string* key = &it->first;
  node.leaf = leaf;
  node.object = sdbus::createObject(pump_->connection(), path);
  auto& o = *node.object;
  o.registerMethod(kBusItem, "GetValue", "", "v", [this, key, leaf](sdbus::MethodCall call) {
    guarded([&] { on_get_value(call, *key, leaf); });
  });
  o.registerMethod(kBusItem, "GetText", "", leaf ? "s" : "v",
                   [this, key, leaf](sdbus::MethodCall call) {
                     guarded([&] { on_get_text(call, *key, leaf); });
                   });
  if (leaf) {
    o.registerMethod(kBusItem, "SetValue", "v", "i", [this, key](sdbus::MethodCall call) {
      guarded([&] { on_set_value(call, *key); });
    });
    o.registerMethod(kBusItem, "GetMin", "", "v", [this, key](sdbus::MethodCall call) {
      guarded([&] { on_get_meta(call, *key, 0); });
    });
    o.registerMethod(kBusItem, "GetMax", "", "v", [this, key](sdbus::MethodCall call) {
      guarded([&] { on_get_meta(call, *key, 1); });
    });
    o.registerMethod(kBusItem, "GetDefault", "", "v", [this, key](sdbus::MethodCall call) {
      guarded([&] { on_get_meta(call, *key, 2); });
    });
    o.registerSignal(kBusItem, "PropertiesChanged", "a{sv}");
  }
  if (path == "/") {
    o.registerMethod(kBusItem, "GetItems", "", "a{sa{sv}}",
                     [this](sdbus::MethodCall call) { guarded([&] { on_get_items(call); }); });
    o.registerSignal(kBusItem, "ItemsChanged", "a{sa{sv}}");
  }
  o.finishRegistration();
  return node;
}

void ServiceExport::on_get_value(sdbus::MethodCall& call, const std::string& path, bool leaf) {
  ++stats_.method_calls;
  auto reply = call.createReply();
  if (leaf) {
    const model::Item* item = find_item(path);
    append_variant(reply, item ? item->value : model::Value{});
  } else {
    // velib VeDbusTreeExport.GetValue: a dict of paths relative to this node, in a variant.
    reply.openVariant("a{sv}");
    reply.openContainer("{sv}");
    if (const model::Service* s = model_.find(name_)) {
      const std::string prefix = subtree_prefix(path);
      for (auto it = s->items().lower_bound(prefix);
           it != s->items().end() && it->first.starts_with(prefix); ++it) {
        reply.openDictEntry("sv");
        reply << it->first.substr(prefix.size());
        append_variant(reply, it->second.value);
        reply.closeDictEntry();
      }
    }
    reply.closeContainer();
    reply.closeVariant();
  }
  reply.send();
  pump_->kick();
}

void ServiceExport::on_get_text(sdbus::MethodCall& call, const std::string& path, bool leaf) {
  ++stats_.method_calls;
  auto reply = call.createReply();
  if (leaf) {
    const model::Item* item = find_item(path);
    reply << (item ? dbus_safe(item_text(path, *item)) : std::string("---"));
  } else {
    reply.openVariant("a{ss}");
    reply.openContainer("{ss}");
    if (const model::Service* s = model_.find(name_)) {
      const std::string prefix = subtree_prefix(path);
      for (auto it = s->items().lower_bound(prefix);
           it != s->items().end() && it->first.starts_with(prefix); ++it) {
        reply.openDictEntry("ss");
        reply << it->first.substr(prefix.size()) << dbus_safe(item_text(it->first, it->second));
        reply.closeDictEntry();
      }
    }
    reply.closeContainer();
    reply.closeVariant();
  }
  reply.send();
  pump_->kick();
}

void ServiceExport::on_get_items(sdbus::MethodCall& call) {
  ++stats_.method_calls;
  auto reply = call.createReply();
  reply.openContainer("{sa{sv}}");
  if (const model::Service* s = model_.find(name_)) {
    for (auto& [path, item] : s->items()) {
      reply.openDictEntry("sa{sv}");
      reply << path;
      append_value_text(reply, path, item);
      reply.closeDictEntry();
    }
  }
  reply.closeContainer();
  reply.send();
  pump_->kick();
}

void ServiceExport::on_get_meta(sdbus::MethodCall& call, const std::string& path, int which) {
  ++stats_.method_calls;
  auto reply = call.createReply();
  model::Value v;
  if (const model::Item* item = find_item(path)) {
    if (which == 0 && item->meta.min) v = *item->meta.min;
    if (which == 1 && item->meta.max) v = *item->meta.max;
    if (which == 2) v = item->meta.default_value;
  }
  append_variant(reply, v);  // unknown is invalid, as veutil answers
  reply.send();
  pump_->kick();
}

void ServiceExport::on_set_value(sdbus::MethodCall& call, const std::string& path) {
  ++stats_.method_calls;
  sdbus::Variant in;
  call >> in;
  std::int32_t code = 1;
  std::string outcome, shown;
  const model::Item* item = find_item(path);
  auto value = value_from_variant(in);
  if (!value) {
    outcome = value.error().message();
  } else {
    // Coercion to the path's type and the range check are the model's (Service::write).
    const model::Value& v = *value;
    shown = model::to_plain_text(v);
    if (!writes_.enabled && item && item->meta.writable) {
      // Refused by the owner's configuration: velib's 2, like a range check.
      code = 2;
      outcome = "D-Bus writes are off ([dbus] writes = false)";
    } else {
      const auto r = model_.write(name_, path, v);
      code = set_value_code(r);
      outcome = model::to_string(r);
    }
  }
  (code == 0 ? stats_.writes_ok : stats_.writes_refused)++;
  // DESIGN.md safety rules: writes are logged. Bounded (issue 11 item 8): a value is cut to a few
  // hundred bytes, and each service logs one line per outcome (per path for accepted writes) every
  // 10 s, with the count of those left out.
  const std::string key = code == 0 ? name_ + path : name_ + "\n" + outcome;
  if (auto d = writes_.log.check(key, Clock::now())) {
    if (code == 0)
      spdlog::info("dbus: SetValue {}{} = {} from {}: {}{}", name_, truncate_for_log(path, 100),
                   truncate_for_log(shown), call.getSender(), outcome, suppressed_note(d));
    else
      spdlog::warn("dbus: SetValue {}{} = {} from {} refused: {}{}", name_,
                   truncate_for_log(path, 100), truncate_for_log(shown), call.getSender(), outcome,
                   suppressed_note(d));
  }
  auto reply = call.createReply();
  reply << code;
  reply.send();
  pump_->kick();
}

void ServiceExport::publish() {
  if (batch_.empty()) return;
  // Paths are never removed from a service, so a new one shows as a larger count. Walk them all:
  // a path added as invalid is not in any change batch.
  if (const model::Service* s = batch_.front()->service; s->items().size() != exported_paths_) {
    for (auto& [path, item] : s->items()) ensure_path(path);
    exported_paths_ = s->items().size();
  }
  try {
    // Once raw bytes are queued, everything goes that way until they are out (bus_pump.hpp).
    if (!((direct_ || pump_->raw_pending()) && publish_direct())) publish_sdbus();
  } catch (...) {
    batch_.clear();
    throw;
  }
  stats_.paths_published += batch_.size();
  batch_.clear();
  pump_->kick();
}

std::uint32_t ServiceExport::next_serial() noexcept {
  if (++serial_ == 0) serial_ = 0x80000000u;
  return serial_;
}

void ServiceExport::wire_text(const std::string& path, const model::Item& item) {
  char buf[64];
  const auto fast = path == "/ProductId" ? std::string_view{} : fast_item_text(item, buf);
  if (!fast.empty())
    wire_.value_text(item.value, fast);
  else
    wire_.value_text(item.value, item_text(path, item));
}

bool ServiceExport::publish_direct() {
  if (!pump_->raw_allowed()) return false;  // sd-bus has output queued: let it send this tick too
  wire_.clear();
  if (mode_ != SignalMode::kPropertiesChanged) {
    wire_.begin_signal("/", kBusItem, "ItemsChanged", "a{sa{sv}}", next_serial());
    auto m = wire_.begin_array(8);
    for (const model::Change* c : batch_) {
      wire_.align(8);
      wire_.str(*c->path);
      wire_text(*c->path, *c->item);
    }
    wire_.end_array(m);
    wire_.end_message();
    ++stats_.items_changed;
  }
  if (mode_ != SignalMode::kItemsChanged) {
    for (const model::Change* c : batch_) {
      if (!nodes_.contains(*c->path)) continue;
      wire_.begin_signal(*c->path, kBusItem, "PropertiesChanged", "a{sv}", next_serial());
      wire_text(*c->path, *c->item);
      wire_.end_message();
      ++stats_.properties_changed;
    }
  }
  pump_->send_raw(wire_.data());  // one write for the whole tick
  return true;
}

void ServiceExport::publish_sdbus() {
  if (mode_ != SignalMode::kPropertiesChanged) {
    // One ItemsChanged on `/` per flush (velib ServiceContext.flush, venus_os.md §1.3).
    auto& root = *nodes_.find("/")->second.object;
    auto sig = root.createSignal(kBusItem, "ItemsChanged");
    sig.openContainer("{sa{sv}}");
    for (const model::Change* c : batch_) {
      sig.openDictEntry("sa{sv}");
      sig << *c->path;
      append_value_text(sig, *c->path, *c->item);
      sig.closeDictEntry();
    }
    sig.closeContainer();
    root.emitSignal(sig);
    ++stats_.items_changed;
  }
  if (mode_ != SignalMode::kItemsChanged) {
    for (const model::Change* c : batch_) {
      auto it = nodes_.find(*c->path);
      if (it == nodes_.end()) continue;
      auto& obj = *it->second.object;
      auto sig = obj.createSignal(kBusItem, "PropertiesChanged");
      append_value_text(sig, *c->path, *c->item);
      obj.emitSignal(sig);
      ++stats_.properties_changed;
    }
  }
}

void ServiceExport::publish_all(const model::Service& service) {
  std::vector<model::Change> all;
  all.reserve(service.items().size());
  for (auto& [path, item] : service.items()) all.push_back({&service, &path, &item});
  for (auto& c : all) queue(c);
  publish();
}

}  // namespace gxlink::publishers::dbus
