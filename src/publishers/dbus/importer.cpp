// SPDX-License-Identifier: MIT
#include "publishers/dbus/importer.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>
#include <spdlog/spdlog.h>
#include <array>

#include "publishers/dbus/value_codec.hpp"

namespace gxlink::dbus {
namespace {

constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr std::uint64_t kCallTimeoutUs = 10'000'000;

// The paths Service creates from its spec; a remote that lacks one shows it invalid, not ours.
constexpr std::array<const char*, 9> kMandatory = {
    "/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection",
    "/DeviceInstance",   "/ProductId",           "/ProductName",
    "/FirmwareVersion",  "/HardwareVersion",     "/Connected"};

bool is_victron_name(const std::string& name) {
  return name.starts_with(model::kServicePrefix) && name.size() > model::kServicePrefix.size();
}

std::string string_or_empty(const std::map<std::string, model::Value>& values, const char* path) {
  auto it = values.find(path);
  if (it == values.end()) return {};
  if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return {};
}

model::Value value_or_invalid(const std::map<std::string, model::Value>& values, const char* path) {
  auto it = values.find(path);
  return it == values.end() ? model::Value{} : it->second;
}

}  // namespace

Importer::Importer(asio::io_context& io, model::Model& model,
                   std::unique_ptr<sdbus::IConnection> conn, IsOwn is_own, ImportStats& stats,
                   BusPump::ErrorHandler on_error)
    : model_(model), is_own_(std::move(is_own)), stats_(stats) {
  pump_ = std::make_unique<BusPump>(io, std::move(conn), std::move(on_error));
}

Importer::~Importer() {
  remotes_.clear();
  matches_.clear();
  bus_proxy_.reset();
}

void Importer::start() {
  auto& c = pump_->connection();
  // velib limits NameOwnerChanged to the com.victronenergy namespace with arg0namespace.
  matches_.push_back(
      c.addMatch("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                 "member='NameOwnerChanged',"
                 "arg0namespace='com.victronenergy'",
                 [this](sdbus::Message& m) { on_name_owner_changed(m); }));
  matches_.push_back(c.addMatch("type='signal',interface='com.victronenergy.BusItem'",
                                [this](sdbus::Message& m) { on_busitem_signal(m); }));
  bus_proxy_ = sdbus::createProxy(c, kDbusName, kDbusPath);
  auto call = bus_proxy_->createMethodCall(kDbusName, "ListNames");
  bus_proxy_->callMethod(
      call,
      [this](sdbus::MethodReply& reply, const sdbus::Error* err) {
        if (err) {
          spdlog::warn("dbus import: ListNames failed: {}", err->what());
          return;
        }
        std::vector<std::string> names;
        reply >> names;
        for (auto& n : names) {
          if (!is_victron_name(n) || is_own_(n) || remotes_.contains(n)) continue;
          // Signals carry the unique name only (venus_os.md §1.4): ask who owns it.
          auto q = bus_proxy_->createMethodCall(kDbusName, "GetNameOwner");
          q << n;
          bus_proxy_->callMethod(
              q,
              [this, n](sdbus::MethodReply& r, const sdbus::Error* e) {
                if (e) return;  // gone again meanwhile
                std::string owner;
                r >> owner;
                consider(n, owner);
              },
              kCallTimeoutUs);
        }
        pump_->kick();
      },
      kCallTimeoutUs);
  pump_->kick();
}

void Importer::consider(const std::string& name, const std::string& owner) {
  if (is_own_(name) || owner.empty()) return;
  if (auto it = remotes_.find(name); it != remotes_.end()) {
    if (it->second.owner == owner) return;
    forget(name);
  }
  Remote r;
  r.owner = owner;
  r.root = sdbus::createProxy(pump_->connection(), name, "/");
  remotes_.emplace(name, std::move(r));
  by_owner_[owner] = name;
  load(name, false);
}

void Importer::load(const std::string& name, bool fallback) {
  auto it = remotes_.find(name);
  if (it == remotes_.end()) return;
  auto& proxy = *it->second.root;
  auto call = proxy.createMethodCall(kBusItem, fallback ? "GetValue" : "GetItems");
  proxy.callMethod(
      call,
      [this, name, fallback](sdbus::MethodReply& reply, const sdbus::Error* err) {
        if (!remotes_.contains(name)) return;
        if (err) {
          // dbus-flashmq falls back to GetValue on `/` for services without GetItems.
          if (!fallback) return load(name, true);
          ++stats_.load_failures;
          spdlog::warn("dbus import: {} answers neither GetItems nor GetValue: {}", name,
                       err->what());
          return;
        }
        std::map<std::string, model::Value> values;
        try {
          if (!fallback) {
            std::map<std::string, std::map<std::string, sdbus::Variant>> items;
            reply >> items;
            for (auto& [path, props] : items) {
              auto v = props.find("Value");
              model::Value mv;
              if (v != props.end() && convert(v->second, mv)) values[path] = std::move(mv);
            }
          } else {
            sdbus::Variant root;
            reply >> root;
            for (auto& [rel, v] : root.get<std::map<std::string, sdbus::Variant>>()) {
              model::Value mv;
              if (convert(v, mv)) values["/" + rel] = std::move(mv);
            }
          }
        } catch (const sdbus::Error& e) {
          ++stats_.load_failures;
          spdlog::warn("dbus import: {}: unexpected reply: {}", name, e.what());
          return;
        }
        apply(name, std::move(values));
      },
      kCallTimeoutUs);
  pump_->kick();
}

bool Importer::convert(const sdbus::Variant& v, model::Value& out) {
  try {
    auto r = value_from_variant(v);
    if (r) {
      out = std::move(*r);
      return true;
    }
  } catch (const sdbus::Error&) {
  }
  ++stats_.bad_values;
  return false;
}

void Importer::apply(const std::string& name, std::map<std::string, model::Value> values) {
  const std::string rest = name.substr(model::kServicePrefix.size());
  const auto dot = rest.find('.');
  model::ServiceSpec spec;
  spec.type = rest.substr(0, dot);
  spec.connection = dot == std::string::npos ? std::string() : rest.substr(dot + 1);
  spec.process_name = string_or_empty(values, "/Mgmt/ProcessName");
  spec.mgmt_connection = string_or_empty(values, "/Mgmt/Connection");
  if (auto di = model::as_int(value_or_invalid(values, "/DeviceInstance")))
    spec.device_instance = static_cast<int>(*di);
  spec.product_id = value_or_invalid(values, "/ProductId");
  spec.product_name = value_or_invalid(values, "/ProductName");
  spec.firmware_version = value_or_invalid(values, "/FirmwareVersion");
  spec.hardware_version = value_or_invalid(values, "/HardwareVersion");
  // Marked first: the publisher hears of the service at the next flush and must not export it.
  imported_.insert(name);
  model::Service& s = model_.add_service(std::move(spec));
  for (const char* p : kMandatory) s.set(p, value_or_invalid(values, p));
  for (auto& [path, v] : values) s.set(path, std::move(v));
  stats_.values_applied += values.size();
  ++stats_.services_imported;
  spdlog::info("dbus import: {} ({} paths)", name, values.size());
}

void Importer::forget(const std::string& name) {
  auto it = remotes_.find(name);
  if (it == remotes_.end()) return;
  by_owner_.erase(it->second.owner);
  remotes_.erase(it);
  if (imported_.erase(name)) {
    model_.remove_service(name);
    ++stats_.services_removed;
    spdlog::info("dbus import: {} left the bus", name);
  }
}

void Importer::remove_all() {
  std::vector<std::string> names;
  for (auto& [n, r] : remotes_) names.push_back(n);
  for (auto& n : names) forget(n);
}

void Importer::on_name_owner_changed(sdbus::Message& msg) {
  std::string name, old_owner, new_owner;
  msg >> name >> old_owner >> new_owner;
  if (!is_victron_name(name)) return;
  if (new_owner.empty()) return forget(name);
  consider(name, new_owner);
}

void Importer::on_busitem_signal(sdbus::Message& msg) {
  auto owner = by_owner_.find(msg.getSender());
  if (owner == by_owner_.end()) return;  // ours, or a service not (yet) known
  const std::string& name = owner->second;
  if (!imported_.contains(name)) return;  // GetItems still in flight: its answer is newer
  model::Service* s = model_.find(name);
  if (!s) return;
  try {
    const std::string member = msg.getMemberName();
    if (member == "ItemsChanged") {
      std::map<std::string, std::map<std::string, sdbus::Variant>> changes;
      msg >> changes;
      for (auto& [path, props] : changes) {
        auto v = props.find("Value");
        model::Value mv;
        if (v == props.end() || !convert(v->second, mv)) continue;
        s->set(path, std::move(mv));
        ++stats_.values_applied;
      }
    } else if (member == "PropertiesChanged") {
      std::map<std::string, sdbus::Variant> props;
      msg >> props;
      auto v = props.find("Value");
      model::Value mv;
      if (v == props.end() || !convert(v->second, mv)) return;
      s->set(msg.getPath(), std::move(mv));
      ++stats_.values_applied;
    }
  } catch (const sdbus::Error& e) {
    ++stats_.bad_values;
    spdlog::debug("dbus import: bad signal from {}: {}", name, e.what());
  }
}

}  // namespace gxlink::dbus
