// SPDX-License-Identifier: MIT
#include "publishers/dbus/importer.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <array>
#include <optional>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/time.hpp"
#include "publishers/dbus/value_codec.hpp"

namespace gxlink::publishers::dbus {
namespace {

constexpr const char* kDbusName = "org.freedesktop.DBus";
constexpr const char* kDbusPath = "/org/freedesktop/DBus";
constexpr std::uint64_t kCallTimeoutUs = 10'000'000;
// A service this large that leaves gets its memory handed back to the OS: glibc keeps freed heap
// otherwise (issue 11 item 7 saw the daemon keep 528 MB after the service had gone).
constexpr std::size_t kTrimAfterPaths = 1000;

// The paths Service creates from its spec; a remote that lacks one shows it invalid, not ours.
constexpr std::array<const char*, 9> kMandatory = {
    "/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection",
    "/DeviceInstance",   "/ProductId",           "/ProductName",
    "/FirmwareVersion",  "/HardwareVersion",     "/Connected"};

bool is_mandatory(std::string_view path) {
  return std::find(kMandatory.begin(), kMandatory.end(), path) != kMandatory.end();
}

// Cuts `s` to at most `max` bytes without splitting a character (D-Bus strings are valid UTF-8,
// so backing up over continuation bytes is enough).
bool cut_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max) return false;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  s.shrink_to_fit();
  return true;
}

enum class Bound { kOk, kCut, kRefused };

// Holds a value to the limits: a long string is cut, a long array or structure refused.
Bound bound_value(model::Value& v, const ImportLimits& l) {
  if (auto* str = std::get_if<std::string>(&v))
    return cut_utf8(*str, l.max_string) ? Bound::kCut : Bound::kOk;
  if (auto* a = std::get_if<model::IntArray>(&v))
    return a->size() > l.max_array ? Bound::kRefused : Bound::kOk;
  if (auto* a = std::get_if<model::DoubleArray>(&v))
    return a->size() > l.max_array ? Bound::kRefused : Bound::kOk;
  if (auto* a = std::get_if<model::StringArray>(&v)) {
    std::size_t bytes = 0;
    for (auto& x : *a) bytes += x.size();
    return a->size() > l.max_array || bytes > l.max_string ? Bound::kRefused : Bound::kOk;
  }
  // A structured value is held to the limits of a string array: its nodes count as elements, its
  // strings and keys together as one string (Tree's own bounds are the hard ceiling).
  if (auto* t = std::get_if<model::Tree>(&v))
    return t->nodes() > l.max_array || t->string_bytes() > l.max_string ? Bound::kRefused
                                                                        : Bound::kOk;
  return Bound::kOk;
}

// One BusItem's properties (a{sv}), read entry by entry: its "Value", if it has one.
std::optional<sdbus::Variant> read_props(sdbus::Message& m) {
  std::optional<sdbus::Variant> value;
  if (!m.enterContainer("{sv}")) {
    m.clearFlags();
    return value;
  }
  while (m.enterDictEntry("sv")) {
    std::string key;
    sdbus::Variant v;
    m >> key >> v;
    if (key == "Value") value = std::move(v);
    m.exitDictEntry();
  }
  m.clearFlags();
  m.exitContainer();
  return value;
}

// a{sa{sv}} (GetItems, ItemsChanged) entry by entry, so that a huge message is never held as one
// map: `each(path, value)` for every entry. A wrong signature throws sdbus::Error.
template <class F>
void read_items(sdbus::Message& m, F&& each) {
  if (!m.enterContainer("{sa{sv}}")) {
    m.clearFlags();
    return;
  }
  while (m.enterDictEntry("sa{sv}")) {
    std::string path;
    m >> path;
    const auto value = read_props(m);
    m.exitDictEntry();
    each(std::move(path), value);
  }
  m.clearFlags();
  m.exitContainer();
}

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

template <class F>
void Importer::guard(const char* what, const std::string& name, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    ++stats_.handler_errors;
    try {
      if (auto d = log_limit_.check(std::string("error|") + what, Clock::now()))
        spdlog::warn("dbus import: {} from {}: {}{}", what, name.empty() ? "?" : name,
                     truncate_for_log(e.what()), suppressed_note(d));
    } catch (...) {
    }
  } catch (...) {
    ++stats_.handler_errors;
  }
}

Importer::Importer(asio::io_context& io, model::Model& model,
                   std::unique_ptr<sdbus::IConnection> conn, IsOwn is_own, ImportStats& stats,
                   BusPump::ErrorHandler on_error, ImportLimits limits)
    : model_(model), is_own_(std::move(is_own)), stats_(stats), limits_(limits) {
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
        guard("ListNames", kDbusName, [&] {
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
                  guard("GetNameOwner", n, [&] {
                    if (e) return;  // gone again meanwhile
                    std::string owner;
                    r >> owner;
                    consider(n, owner);
                  });
                },
                kCallTimeoutUs);
          }
          pump_->kick();
        });
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
  if (remotes_.size() >= limits_.max_services) {
    ++stats_.services_refused;
    return refused(name, "service", "too many imported services");
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
        guard("reply", name, [&] {
          if (!remotes_.contains(name)) return;
          if (err) {
            // dbus-flashmq falls back to GetValue on `/` for services without GetItems.
            if (!fallback) return load(name, true);
            ++stats_.load_failures;
            spdlog::warn("dbus import: {} answers neither GetItems nor GetValue: {}", name,
                         truncate_for_log(err->what()));
            return;
          }
          try {
            read_reply(name, fallback, reply);
          } catch (const sdbus::Error& e) {
            ++stats_.load_failures;
            spdlog::warn("dbus import: {}: unexpected reply: {}", name, truncate_for_log(e.what()));
          }
        });
      },
      kCallTimeoutUs);
  pump_->kick();
}

void Importer::read_reply(const std::string& name, bool fallback, sdbus::MethodReply& reply) {
  Values values;
  // The mandatory paths always have their place; the others share what is left of the cap, of
  // this service and of all imported services together.
  const std::size_t total = total_paths();
  const std::size_t left = limits_.max_total_paths > total ? limits_.max_total_paths - total : 0;
  const std::size_t budget = std::min(
      left, limits_.max_paths > kMandatory.size() ? limits_.max_paths - kMandatory.size() : 0);
  std::size_t others = 0, ignored = 0;
  auto take = [&](std::string path, const std::optional<sdbus::Variant>& v) {
    if (!path_ok(name, path)) return;
    const bool fresh = !is_mandatory(path) && !values.contains(path);
    if (fresh && others >= budget) {
      ++ignored;  // read on all the same: a mandatory path may still come
      return;
    }
    model::Value mv;
    if (!v || !convert(name, path, *v, mv)) return;
    if (fresh) ++others;
    values[std::move(path)] = std::move(mv);
  };
  if (!fallback) {
    read_items(reply, take);
  } else {
    // velib VeDbusTreeExport.GetValue on `/`: a variant holding a{sv}, paths relative to `/`.
    reply.enterVariant("a{sv}");
    reply.enterContainer("{sv}");
    while (reply.enterDictEntry("sv")) {
      std::string rel;
      sdbus::Variant v;
      reply >> rel >> v;
      reply.exitDictEntry();
      take("/" + rel, v);
    }
    reply.clearFlags();
  }
  if (ignored > 0) {
    stats_.paths_over_cap += ignored;
    auto& r = remotes_.find(name)->second;
    if (!r.capped) {
      r.capped = true;
      ++stats_.services_capped;
      spdlog::warn(
          "dbus import: {} has more paths than fit ({} per service, {} in all); {} ignored "
          "([dbus] import_max_paths)",
          name, limits_.max_paths, limits_.max_total_paths, ignored);
    }
  }
  apply(name, std::move(values));
}

bool Importer::path_ok(const std::string& name, std::string_view path) {
  const char* why = nullptr;
  if (path.size() > limits_.max_path_length)
    why = "path too long";
  else if (!is_object_path(path))
    why = "not an object path";
  else if (static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) >
           limits_.max_path_depth)
    why = "path too deep";
  if (!why) return true;
  ++stats_.paths_refused;
  refused(name, "path '" + truncate_for_log(path, 64) + "'", why);
  return false;
}

bool Importer::convert(const std::string& name, std::string_view path, const sdbus::Variant& v,
                       model::Value& out) {
  Result<model::Value> r = fail(Errc::kUnsupported, "unreadable variant");
  try {
    r = value_from_variant(v);
  } catch (const std::exception&) {
  }
  if (!r) {
    ++stats_.bad_values;
    refused(name, "value of " + truncate_for_log(path, 64), r.error().message());
    return false;
  }
  switch (bound_value(*r, limits_)) {
    case Bound::kOk: break;
    case Bound::kCut:
      ++stats_.strings_truncated;
      refused(name, "string of " + truncate_for_log(path, 64), "cut to the import limit");
      break;
    case Bound::kRefused:
      ++stats_.arrays_refused;
      refused(name, "array of " + truncate_for_log(path, 64), "too long");
      return false;
  }
  out = std::move(*r);
  return true;
}

std::size_t Importer::total_paths() const {
  std::size_t n = 0;
  for (const auto& name : imported_)
    if (const model::Service* s = model_.find(name)) n += s->items().size();
  return n;
}

bool Importer::room_for(const std::string& name, std::size_t count) {
  if (count < limits_.max_paths && total_paths() < limits_.max_total_paths) return true;
  ++stats_.paths_over_cap;
  auto it = remotes_.find(name);
  if (it != remotes_.end() && !it->second.capped) {
    it->second.capped = true;
    ++stats_.services_capped;
    spdlog::warn(
        "dbus import: {} reached its share of paths ({} per service, {} in all); new ones are "
        "ignored ([dbus] import_max_paths)",
        name, limits_.max_paths, limits_.max_total_paths);
  }
  return false;
}

void Importer::refused(const std::string& name, std::string_view what, std::string_view detail) {
  if (auto d = log_limit_.check("refused|" + name, Clock::now()))
    spdlog::warn("dbus import: {}: {} refused: {}{}", name, what, detail, suppressed_note(d));
}

void Importer::apply(const std::string& name, Values&& values) {
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
  // One connection may own several names; its owner entry is this name's only if it points here.
  if (auto o = by_owner_.find(it->second.owner); o != by_owner_.end() && o->second == name)
    by_owner_.erase(o);
  remotes_.erase(it);  // the proxy, and with it any call still in flight
  if (imported_.erase(name)) {
    std::size_t paths = 0;
    if (const model::Service* s = model_.find(name)) paths = s->items().size();
    model_.remove_service(name);
    ++stats_.services_removed;
    spdlog::info("dbus import: {} left the bus ({} paths freed)", name, paths);
#if defined(__GLIBC__)
    if (paths >= kTrimAfterPaths) ::malloc_trim(0);
#endif
  }
}

void Importer::remove_all() {
  std::vector<std::string> names;
  for (auto& [n, r] : remotes_) names.push_back(n);
  for (auto& n : names) forget(n);
}

void Importer::on_name_owner_changed(sdbus::Message& msg) {
  std::string name;
  guard("NameOwnerChanged", name, [&] {
    std::string old_owner, new_owner;
    msg >> name >> old_owner >> new_owner;
    if (!is_victron_name(name)) return;
    if (new_owner.empty()) return forget(name);
    consider(name, new_owner);
  });
}

void Importer::on_busitem_signal(sdbus::Message& msg) {
  std::string name;
  guard("signal", name, [&] {
    auto owner = by_owner_.find(msg.getSender());
    if (owner == by_owner_.end()) return;  // ours, or a service not (yet) known
    name = owner->second;
    if (!imported_.contains(name)) return;  // GetItems still in flight: its answer is newer
    model::Service* s = model_.find(name);
    if (!s) return;
    const std::string member = msg.getMemberName();
    if (member == "ItemsChanged") {
      read_items(msg, [&](const std::string& path, const std::optional<sdbus::Variant>& v) {
        model::Value mv;
        if (!path_ok(name, path) || !v || !convert(name, path, *v, mv)) return;
        if (!s->find(path) && !room_for(name, s->items().size())) return;
        s->set(path, std::move(mv));
        ++stats_.values_applied;
      });
    } else if (member == "PropertiesChanged") {
      const std::string path = msg.getPath();
      if (!path_ok(name, path)) return;
      const auto v = read_props(msg);
      model::Value mv;
      if (!v || !convert(name, path, *v, mv)) return;
      if (!s->find(path) && !room_for(name, s->items().size())) return;
      s->set(path, std::move(mv));
      ++stats_.values_applied;
    }
  });
}

}  // namespace gxlink::publishers::dbus
