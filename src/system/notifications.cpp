// SPDX-License-Identifier: MIT
#include "system/notifications.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <map>
#include <span>
#include <utility>

#include "model/venus_formats.hpp"

namespace gxlink::system {
namespace {

using model::Value;
using model::WriteResult;

// The names Venus' GUI gives the alarm paths of the wiki's dbus page (battery, vebus, inverter,
// charger, solarcharger sections), in the words of gui-v1/gui-v2's alarm pages.
struct AlarmName {
  std::string_view leaf;
  std::string_view text;
};
constexpr AlarmName kAlarmNames[] = {
    {"LowVoltage", "Low voltage"},
    {"HighVoltage", "High voltage"},
    {"LowStarterVoltage", "Low starter voltage"},
    {"HighStarterVoltage", "High starter voltage"},
    {"LowSoc", "Low state-of-charge"},
    {"LowTemperature", "Low temperature"},
    {"HighTemperature", "High temperature"},
    {"MidVoltage", "Midpoint voltage"},
    {"LowFusedVoltage", "Low fused voltage"},
    {"HighFusedVoltage", "High fused voltage"},
    {"FuseBlown", "Fuse blown"},
    {"HighInternalTemperature", "High internal temperature"},
    {"HighChargeCurrent", "High charge current"},
    {"HighDischargeCurrent", "High discharge current"},
    {"HighCurrent", "High current"},
    {"CellImbalance", "Cell imbalance"},
    {"InternalFailure", "Internal failure"},
    {"HighChargeTemperature", "High charge temperature"},
    {"LowChargeTemperature", "Low charge temperature"},
    {"LowCellVoltage", "Low cell voltage"},
    {"HighCellVoltage", "High cell voltage"},
    {"Contactor", "Contactor"},
    {"BmsCable", "BMS cable"},
    {"LowBattery", "Low battery"},
    {"Overload", "Overload"},
    {"Ripple", "High DC ripple"},
    {"TemperatureSensor", "Temperature sensor"},
    {"VoltageSensor", "Voltage sensor"},
    {"PhaseRotation", "Phase rotation"},
    {"GridLost", "Grid lost"},
    {"HighVoltageAcOut", "High AC-out voltage"},
    {"LowVoltageAcOut", "Low AC-out voltage"},
    {"ShortCircuit", "Short circuit"},
    {"Alarm", "Alarm"},
};

// VE.Bus error codes (vedirect_vebus.md §4.6, from velib); the model's format table has no
// /VebusError entry.
constexpr model::EnumText kVebusErrors[] = {
    {1, "Phase missing"},
    {3, "Incorrect number of devices"},
    {4, "Only one device"},
    {5, "AC-out overvoltage"},
    {10, "Synchronisation error"},
    {14, "Device cannot transmit"},
    {16, "Dongle missing"},
    {17, "New master"},
    {18, "Overvoltage"},
    {22, "Cannot act as slave"},
    {24, "Switch-over protection"},
    {25, "Firmware incompatible"},
    {26, "Internal error"},
};

// Service types whose /ErrorCode is a device error (wiki dbus page: solarcharger, charger, dcdc
// "see solar charger", alternator, inverter).
constexpr std::array<std::string_view, 5> kErrorCodeTypes = {"solarcharger", "charger", "dcdc",
                                                             "alternator", "inverter"};

constexpr std::string_view kAlarmsPrefix = "/Alarms/";

/// "HighTemperatureSensor" → "High temperature sensor" for names the table does not know.
std::string split_words(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) {
      out += ' ';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

std::string leaf_text(std::string_view leaf) {
  for (const auto& a : kAlarmNames)
    if (a.leaf == leaf) return std::string(a.text);
  return split_words(leaf);
}

bool is_phase(std::string_view s) {
  return s.size() == 2 && s[0] == 'L' && s[1] >= '1' && s[1] <= '3';
}

std::string string_of(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

std::string device_name(const model::Service& s) {
  if (auto n = string_of(s.get("/CustomName")); !n.empty()) return n;
  if (auto n = string_of(s.get("/ProductName")); !n.empty()) return n;
  return s.name();
}

std::string error_text(std::string_view type, std::string_view path, std::int64_t code) {
  std::string out = "#" + std::to_string(code);
  std::span<const model::EnumText> table;
  if (path == "/VebusError") {
    table = kVebusErrors;
  } else if (const auto* f = model::find_path_format(type, path)) {
    table = f->enums;
  }
  for (const auto& e : table) {
    if (e.value == code) {
      out += ' ';
      out += e.text;
      break;
    }
  }
  return out;
}

std::string slot_path(std::size_t slot, std::string_view leaf) {
  return "/Notifications/" + std::to_string(slot) + "/" + std::string(leaf);
}

constexpr std::array<std::string_view, 8> kSlotLeaves = {
    "Type", "DeviceName", "Description", "Value", "DateTime", "Active", "Acknowledged", "Service"};

constexpr std::array<const char*, 9> kCountPaths = {
    "/Notifications/NumberOfNotifications",
    "/Notifications/NumberOfActiveNotifications",
    "/Notifications/NumberOfUnAcknowledgedNotifications",
    "/Notifications/NumberOfActiveAlarms",
    "/Notifications/NumberOfActiveWarnings",
    "/Notifications/NumberOfActiveInformations",
    "/Notifications/NumberOfUnAcknowledgedAlarms",
    "/Notifications/NumberOfUnAcknowledgedWarnings",
    "/Notifications/NumberOfUnAcknowledgedInformations",
};

}  // namespace

bool is_alarm_state(std::string_view path) {
  if (!path.starts_with(kAlarmsPrefix)) return false;
  const std::string_view rest = path.substr(kAlarmsPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return !rest.empty();  // /Alarms/LowVoltage
  const std::string_view head = rest.substr(0, slash), tail = rest.substr(slash + 1);
  if (head.empty() || tail.empty() || tail.find('/') != std::string_view::npos) return false;
  // /Alarms/L1/Overload (a vebus per phase), /Alarms/Low/State (a tank's level alarm); a tank's
  // /Alarms/Low/{Enable,Active,Restore,Delay} are its alarm settings, not states.
  return is_phase(head) || tail == "State";
}

std::string alarm_description(std::string_view service_type, std::string_view path) {
  std::string_view rest =
      path.starts_with(kAlarmsPrefix) ? path.substr(kAlarmsPrefix.size()) : path;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return leaf_text(rest);
  const std::string_view head = rest.substr(0, slash), tail = rest.substr(slash + 1);
  if (is_phase(head)) return leaf_text(tail) + " (" + std::string(head) + ")";
  // A tank's level alarms, as the GUI names them.
  if (service_type == "tank" && head == "Low") return "Low level";
  if (service_type == "tank" && head == "High") return "High level";
  return leaf_text(head);
}

Notifications::Notifications(SystemContext& ctx, UnixClock unix_clock)
    : ctx_(ctx), unix_clock_(std::move(unix_clock)) {}

void Notifications::start() {
  if (!unix_clock_) {
    // Anchor the layer's clock to the wall clock once: DateTime then moves with the layer's
    // clock (steady in the daemon, the recording's in `snapshot --system`).
    const TimePoint anchor = ctx_.now();
    const std::int64_t anchor_unix = std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
    unix_clock_ = [anchor, anchor_unix](TimePoint t) {
      return anchor_unix + std::chrono::duration_cast<std::chrono::seconds>(t - anchor).count();
    };
  }
  model::ServiceSpec spec;
  spec.type = "platform";
  spec.process_name = "gxlink-notifications";
  spec.mgmt_connection = "local";
  spec.product_name = std::string("Platform");
  service_ = &ctx_.model.add_service(std::move(spec));
  for (const char* p : kCountPaths) service_->add(p, {}, std::int64_t{0});
  service_->add("/Notifications/Alarm", {}, std::int64_t{0});
  model::ItemMeta ack_all;
  ack_all.writable = true;
  ack_all.min = 0;
  ack_all.max = 1;
  ack_all.default_value = std::int64_t{0};
  service_->add("/Notifications/AcknowledgeAll", std::move(ack_all), std::int64_t{0},
                [this](const Value& v) {
                  const auto i = model::as_int(v);
                  if (!i) return WriteResult::kBadType;
                  if (*i == 1) acknowledge_all();
                  return WriteResult::kOk;  // a trigger: it reads 0 again at once
                });
  while (slot_used_.size() < kInitialSlots) {
    add_slot_paths(slot_used_.size());
    slot_used_.push_back(false);
  }
  update(ctx_.now());
}

void Notifications::stop() {
  if (!service_) return;
  ctx_.model.remove_service(kPlatformService);
  service_ = nullptr;
}

void Notifications::on_tick(TimePoint now) { update(now); }

std::vector<Notifications::Cause> Notifications::scan() const {
  std::vector<Cause> out;
  for (const auto& [name, sp] : ctx_.model.services()) {
    if (name == kPlatformService) continue;
    const model::Service& s = *sp;
    const auto& items = s.items();
    for (auto it = items.lower_bound(kAlarmsPrefix);
         it != items.end() && it->first.starts_with(kAlarmsPrefix); ++it) {
      const auto level = model::as_int(it->second.value);
      if ((level != 1 && level != 2) || !is_alarm_state(it->first)) continue;
      out.push_back({name, it->first,
                     *level == 2 ? NotificationType::kAlarm : NotificationType::kWarning, *level,
                     device_name(s), alarm_description(s.type(), it->first), it->second.text()});
    }
    const bool has_error_code = std::find(kErrorCodeTypes.begin(), kErrorCodeTypes.end(),
                                          s.type()) != kErrorCodeTypes.end();
    const std::string_view error_path =
        s.type() == "vebus" ? "/VebusError" : (has_error_code ? "/ErrorCode" : "");
    if (error_path.empty()) continue;
    const auto code = model::as_int(s.get(error_path));
    if (!code || *code <= 0) continue;
    out.push_back({name, std::string(error_path), NotificationType::kAlarm, *code, device_name(s),
                   error_text(s.type(), error_path, *code), "#" + std::to_string(*code)});
  }
  return out;
}

void Notifications::update(TimePoint now) {
  if (!service_) return;
  std::map<std::pair<std::string_view, std::string_view>, Cause*> causes;
  auto found = scan();
  for (auto& c : found)
    causes.emplace(std::pair<std::string_view, std::string_view>(c.service, c.path), &c);

  for (auto& n : list_) {
    if (!n.active) continue;
    auto it = causes.find({n.service, n.path});
    if (it != causes.end() && it->second && it->second->type == n.type &&
        it->second->level == n.level) {
      it->second = nullptr;  // still the same cause: nothing new
      continue;
    }
    // The cause cleared, its service went away, or it changed level or code: this one ends
    // (a changed cause is raised below as a new notification).
    n.active = false;
    publish_slot(n.slot);
  }
  // Collected first: raising moves from the causes the map's keys point into.
  std::vector<Cause*> fresh;
  for (auto& [key, c] : causes)
    if (c) fresh.push_back(c);
  std::sort(fresh.begin(), fresh.end());  // scan order (services, then paths, by name)
  std::size_t active = static_cast<std::size_t>(
      std::count_if(list_.begin(), list_.end(), [](const auto& n) { return n.active; }));
  for (Cause* c : fresh) {
    if (active >= kMaxActive) break;  // the rest are raised once others clear
    raise(std::move(*c), now);
    ++active;
  }
  drop_old_inactive();
  publish_counts();
}

void Notifications::raise(Cause&& c, TimePoint now) {
  Notification n;
  n.slot = free_slot();
  n.seq = next_seq_++;
  n.type = c.type;
  n.service = std::move(c.service);
  n.path = std::move(c.path);
  n.level = c.level;
  n.device_name = std::move(c.device_name);
  n.description = std::move(c.description);
  n.value = std::move(c.value);
  n.date_time = unix_clock_(now);
  slot_used_[n.slot] = true;
  const std::size_t slot = n.slot;
  list_.push_back(std::move(n));
  publish_slot(slot);
}

void Notifications::drop_old_inactive() {
  std::size_t inactive = static_cast<std::size_t>(
      std::count_if(list_.begin(), list_.end(), [](const auto& n) { return !n.active; }));
  // list_ is oldest first: the first inactive ones are the oldest.
  for (auto it = list_.begin(); inactive > kMaxInactive && it != list_.end();) {
    if (it->active) {
      ++it;
      continue;
    }
    const std::size_t slot = it->slot;
    it = list_.erase(it);
    slot_used_[slot] = false;
    publish_slot(slot);
    --inactive;
  }
}

std::size_t Notifications::free_slot() {
  for (std::size_t i = 0; i < slot_used_.size(); ++i)
    if (!slot_used_[i]) return i;
  // Every slot is taken: more notifications are alive than ever before. Their number is bounded
  // by kMaxActive + kMaxInactive.
  add_slot_paths(slot_used_.size());
  slot_used_.push_back(false);
  return slot_used_.size() - 1;
}

void Notifications::add_slot_paths(std::size_t slot) {
  for (auto leaf : kSlotLeaves) {
    if (leaf == "Acknowledged") {
      model::ItemMeta meta;
      meta.writable = true;
      meta.min = 0;
      meta.max = 1;
      service_->add(slot_path(slot, leaf), std::move(meta), Value{}, [this, slot](const Value& v) {
        const auto i = model::as_int(v);
        if (!i) return WriteResult::kBadType;
        // Acknowledging is one way: an acknowledged notification is not un-acknowledged.
        if (*i != 1) return WriteResult::kOutOfRange;
        return acknowledge(slot);
      });
    } else {
      service_->add(slot_path(slot, leaf), {});
    }
  }
}

void Notifications::publish_slot(std::size_t slot) {
  if (!service_) return;
  auto it = std::find_if(list_.begin(), list_.end(), [&](auto& n) { return n.slot == slot; });
  if (it == list_.end()) {
    for (auto leaf : kSlotLeaves) service_->set(slot_path(slot, leaf), Value{});
    return;
  }
  const Notification& n = *it;
  service_->set(slot_path(slot, "Type"), static_cast<std::int64_t>(n.type));
  service_->set(slot_path(slot, "DeviceName"), n.device_name);
  service_->set(slot_path(slot, "Description"), n.description);
  service_->set(slot_path(slot, "Value"), n.value);
  service_->set(slot_path(slot, "DateTime"), n.date_time);
  service_->set(slot_path(slot, "Active"), std::int64_t{n.active ? 1 : 0});
  service_->set(slot_path(slot, "Acknowledged"), std::int64_t{n.acknowledged ? 1 : 0});
  service_->set(slot_path(slot, "Service"), n.service);
}

void Notifications::publish_counts() {
  if (!service_) return;
  std::int64_t total = 0, active = 0, unacked = 0;
  std::array<std::int64_t, 3> active_by{}, unacked_by{};  // by NotificationType
  bool alarm = false;
  for (const auto& n : list_) {
    const auto t = static_cast<std::size_t>(n.type);
    ++total;
    if (n.active) {
      ++active;
      ++active_by[t];
    }
    if (!n.acknowledged) {
      ++unacked;
      ++unacked_by[t];
    }
    // The GX's buzzer/relay condition: an alarm that is still there and nobody acknowledged.
    if (n.active && !n.acknowledged && n.type == NotificationType::kAlarm) alarm = true;
  }
  service_->set(kCountPaths[0], total);
  service_->set(kCountPaths[1], active);
  service_->set(kCountPaths[2], unacked);
  service_->set(kCountPaths[3], active_by[1]);
  service_->set(kCountPaths[4], active_by[0]);
  service_->set(kCountPaths[5], active_by[2]);
  service_->set(kCountPaths[6], unacked_by[1]);
  service_->set(kCountPaths[7], unacked_by[0]);
  service_->set(kCountPaths[8], unacked_by[2]);
  service_->set("/Notifications/Alarm", std::int64_t{alarm ? 1 : 0});
}

WriteResult Notifications::acknowledge(std::size_t slot) {
  auto it = std::find_if(list_.begin(), list_.end(), [&](auto& n) { return n.slot == slot; });
  if (it == list_.end()) return WriteResult::kOutOfRange;
  it->acknowledged = true;
  publish_slot(slot);
  publish_counts();
  return WriteResult::kOk;
}

void Notifications::acknowledge_all() {
  for (auto& n : list_) {
    if (n.acknowledged) continue;
    n.acknowledged = true;
    publish_slot(n.slot);
  }
  publish_counts();
}

}  // namespace gxlink::system
