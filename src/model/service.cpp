// SPDX-License-Identifier: MIT
#include "model/service.hpp"

#include <array>

#include "core/text.hpp"
#include "model/model.hpp"
#include "model/venus_formats.hpp"

namespace gxlink::model {
namespace {

// velib's add_mandatory_paths plus /HardwareVersion (venus_os.md §2.1). These survive a lost link:
// only /Connected changes.
constexpr std::array<std::string_view, 9> kMandatory = {
    "/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection",
    "/DeviceInstance",   "/ProductId",           "/ProductName",
    "/FirmwareVersion",  "/HardwareVersion",     "/Connected"};

bool is_mandatory(std::string_view p) {
  for (auto m : kMandatory)
    if (m == p) return true;
  return false;
}

}  // namespace

Service::Service(Model& model, ServiceSpec spec)
    : model_(model), spec_(std::move(spec)), name_(service_name(spec_.type, spec_.connection)) {
  add("/Mgmt/ProcessName", {}, spec_.process_name);
  add("/Mgmt/ProcessVersion", {}, std::string(GXLINK_VERSION));
  add("/Mgmt/Connection", {}, spec_.mgmt_connection);
  add("/DeviceInstance", {}, std::int64_t{spec_.device_instance});
  add("/ProductId", {}, spec_.product_id);
  add("/ProductName", {}, spec_.product_name);
  add("/FirmwareVersion", {}, spec_.firmware_version);
  add("/HardwareVersion", {}, spec_.hardware_version);
  add("/Connected", {}, std::int64_t{1});
}

int Service::device_instance() const noexcept {
  if (auto i = as_int(get("/DeviceInstance"))) return static_cast<int>(*i);
  return spec_.device_instance;
}

Item& Service::add(std::string_view path, ItemMeta meta, Value initial, WriteHandler on_write) {
  // Units, decimals and enum texts come from the one table of Venus path formats; what the driver
  // sets explicitly stays (issue 13, conformance 9).
  apply_venus_format(spec_.type, path, meta);
  auto it = items_.find(path);
  if (it == items_.end()) {
    it = items_.emplace(std::string(path), Item{}).first;
    if (announced_) ++late_paths_;
    it->second.meta = std::move(meta);
    it->second.on_write = std::move(on_write);
    set(path, std::move(initial));
    return it->second;
  }
  it->second.meta = std::move(meta);
  if (on_write) it->second.on_write = std::move(on_write);
  if (is_valid(initial)) set(path, std::move(initial));
  return it->second;
}

void Service::set(std::string_view path, Value v) {
  // The model's invariant: every string in it is valid UTF-8, so that no publisher (JSON, D-Bus,
  // MQTT) can fail on one. Drivers convert device text at their boundary (core/text.hpp); this is
  // the last line of defence for any source that did not, and it is counted.
  if (auto* s = std::get_if<std::string>(&v)) {
    if (repair_utf8(*s)) model_.note_repaired_string();
  } else if (auto* a = std::get_if<StringArray>(&v)) {
    for (auto& e : *a)
      if (repair_utf8(e)) model_.note_repaired_string();
  }
  auto it = items_.find(path);
  if (it == items_.end()) {
    it = items_.emplace(std::string(path), Item{}).first;
    if (announced_) ++late_paths_;
    apply_venus_format(spec_.type, path, it->second.meta);
  }
  Item& item = it->second;
  if (same_value(item.value, v)) return;
  item.value = std::move(v);
  if (!item.pending) model_.queue_change(*this, it->first, item);
}

void Service::declare(std::span<const PathSpec> paths) {
  for (const PathSpec& p : paths) {
    if (items_.find(p.path) != items_.end()) continue;
    ItemMeta meta;
    meta.unit = std::string(p.unit);
    meta.decimals = p.decimals;
    add(p.path, std::move(meta));
  }
}

void Service::declare_indexed(std::string_view prefix, int first, int last,
                              std::span<const PathSpec> suffixes) {
  std::string path;
  for (int n = first; n <= last; ++n) {
    for (const PathSpec& s : suffixes) {
      path.assign(prefix);
      path += std::to_string(n);
      path += s.path;
      declare({PathSpec{path, s.unit, s.decimals}});
    }
  }
}

void Service::invalidate_all() {
  for (auto& [path, item] : items_) {
    if (is_mandatory(path)) continue;
    set(path, Invalid{});
  }
  set("/Connected", std::int64_t{0});
}

const Item* Service::find(std::string_view path) const {
  auto it = items_.find(path);
  return it == items_.end() ? nullptr : &it->second;
}

Item* Service::find(std::string_view path) {
  auto it = items_.find(path);
  return it == items_.end() ? nullptr : &it->second;
}

const Value& Service::get(std::string_view path) const {
  static const Value kInvalid;
  const Item* item = find(path);
  return item ? item->value : kInvalid;
}

Value coerce_to(const Value& current, Value v) {
  if (std::holds_alternative<double>(current)) {
    if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  } else if (std::holds_alternative<std::int64_t>(current)) {
    if (std::holds_alternative<double>(v))
      if (auto i = as_int(v)) return *i;
  }
  return v;
}

WriteResult Service::write(std::string_view path, const Value& written) {
  // The one write path of every output (D-Bus, MQTT, HTTP, Modbus): existence, writability,
  // type coercion and range are decided here, the same way for all of them (issue 13).
  Item* item = find(path);
  if (!item) return WriteResult::kUnknownPath;
  if (!item->meta.writable || !item->on_write) return WriteResult::kNotWritable;
  const Value v = coerce_to(item->value, written);
  if (auto d = as_double(v)) {
    if ((item->meta.min && *d < *item->meta.min) || (item->meta.max && *d > *item->meta.max))
      return WriteResult::kOutOfRange;
  }
  return item->on_write(v);
}

}  // namespace gxlink::model
