// SPDX-License-Identifier: MIT
#include "system/systemcalc.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model_json.hpp"
#include "system/settings.hpp"

namespace gxlink::system {
namespace {

using model::Service;
using model::Value;
using Opt = std::optional<double>;
using NewValues = std::map<std::string, Value, std::less<>>;

constexpr std::array<const char*, 3> kPhases = {"L1", "L2", "L3"};

// systemcalc's Dc battery states (dbus_systemcalc.py STATE_*) and SystemState codes
// (delegates/systemstate.py).
constexpr std::int64_t kStateIdle = 0;
constexpr std::int64_t kStateCharging = 1;
constexpr std::int64_t kStateDischarging = 2;
constexpr std::int64_t kSsExternalControl = 0xFC;
constexpr std::int64_t kSsDischarging = 0x100;
constexpr std::int64_t kSsSustain = 0x101;
constexpr std::int64_t kSsRecharge = 0x102;
constexpr std::int64_t kSsBatteryProtect = 0x105;

// Every path systemcalc publishes (its _summeditems and the delegates' get_output that we
// compute), created invalid at start so that clients scanning the service once see all of them.
std::vector<std::string> output_paths() {
  std::vector<std::string> p = {
      "/Dc/Pv/Power",
      "/Dc/Pv/Current",
      "/Dc/Battery/Voltage",
      "/Dc/Battery/VoltageService",
      "/Dc/Battery/Current",
      "/Dc/Battery/Power",
      "/Dc/Battery/State",
      "/Dc/Battery/Soc",
      "/Dc/Battery/TimeToGo",
      "/Dc/Battery/ConsumedAmphours",
      "/Dc/Battery/ProductId",
      "/Dc/Battery/Capacity",
      "/Dc/Battery/Temperature",
      "/Dc/Battery/TemperatureService",
      "/Dc/Charger/Power",
      "/Dc/FuelCell/Power",
      "/Dc/Alternator/Power",
      "/Dc/System/Power",
      "/Dc/System/Current",
      "/Dc/System/MeasurementType",
      "/Dc/InverterCharger/Current",
      "/Dc/InverterCharger/Power",
      "/Dc/Vebus/Current",
      "/Dc/Vebus/Power",
      "/VebusService",
      "/VebusInstance",
      "/Devices/NumberOfVebusDevices",
      "/Ac/ActiveIn/Source",
      "/Ac/ActiveIn/NumberOfPhases",
      "/Ac/Grid/NumberOfPhases",
      "/Ac/Grid/ProductId",
      "/Ac/Grid/DeviceType",
      "/Ac/Genset/NumberOfPhases",
      "/Ac/Genset/ProductId",
      "/Ac/Genset/DeviceType",
      "/Ac/Consumption/NumberOfPhases",
      "/Ac/ConsumptionOnOutput/NumberOfPhases",
      "/Ac/ConsumptionOnInput/NumberOfPhases",
      "/Ac/PvOnOutput/NumberOfPhases",
      "/Ac/PvOnGrid/NumberOfPhases",
      "/Ac/PvOnGenset/NumberOfPhases",
      "/SystemState/State",
      "/SystemState/LowSoc",
      "/SystemState/BatteryLife",
      "/SystemState/DischargeDisabled",
      "/SystemState/ChargeDisabled",
      "/SystemState/SlowCharge",
      "/SystemState/UserChargeLimited",
      "/SystemState/UserDischargeLimited",
      "/SystemState/PeakShaving",
  };
  for (const char* ph : kPhases) {
    for (const char* g : {"Grid", "Genset", "ActiveIn", "Consumption", "ConsumptionOnOutput",
                          "ConsumptionOnInput", "PvOnOutput", "PvOnGrid", "PvOnGenset"}) {
      p.push_back(std::string("/Ac/") + g + "/" + ph + "/Power");
      p.push_back(std::string("/Ac/") + g + "/" + ph + "/Current");
    }
  }
  return p;
}

// Paths systemcalc sets itself outside the summed values (kept across ticks unless recomputed).
constexpr std::array<const char*, 13> kSelectionPaths = {"/ActiveBatteryService",
                                                         "/AutoSelectedBatteryService",
                                                         "/AutoSelectedBatteryMeasurement",
                                                         "/AvailableBatteryServices",
                                                         "/AvailableBatteryMeasurements",
                                                         "/AvailableBatteries",
                                                         "/Batteries",
                                                         "/Dc/Battery/BatteryService",
                                                         "/ActiveBmsService",
                                                         "/ActiveBmsInstance",
                                                         "/Dvcc/Alarms/MultipleBatteries",
                                                         "/Serial",
                                                         "/FirmwareBuild"};

// ---- reading the model the way DbusMonitor does ----

class View {
 public:
  explicit View(const model::Model& m) : m_(m) {}

  /// Every service of a class ("com.victronenergy.solarcharger"), by name.
  std::vector<const Service*> of(std::string_view cls) const {
    std::vector<const Service*> out;
    std::string prefix(cls);
    prefix += '.';
    for (auto it = m_.services().lower_bound(prefix); it != m_.services().end(); ++it) {
      if (!it->first.starts_with(prefix)) break;
      out.push_back(it->second.get());
    }
    return out;
  }

  /// _remove_unconnected_services: /Connected == 1 and /ProductName and /Mgmt/Connection valid.
  static bool connected(const Service* s) {
    return model::as_int(s->get("/Connected")) == 1 && model::is_valid(s->get("/ProductName")) &&
           model::is_valid(s->get("/Mgmt/Connection"));
  }

  std::vector<const Service*> connected_of(std::string_view cls) const {
    auto all = of(cls);
    std::erase_if(all, [](const Service* s) { return !connected(s); });
    return all;
  }

  /// _get_service_having_lowest_instance (connected only).
  const Service* lowest_connected(std::string_view cls) const {
    const Service* best = nullptr;
    for (auto* s : connected_of(cls))
      if (!best || s->device_instance() < best->device_instance()) best = s;
    return best;
  }
  /// The lowest instance among all services of a class (delegates' device_added lists).
  const Service* lowest(std::string_view cls) const {
    const Service* best = nullptr;
    for (auto* s : of(cls))
      if (!best || s->device_instance() < best->device_instance()) best = s;
    return best;
  }

  const Service* find(std::string_view name) const {
    return name.empty() ? nullptr : m_.find(name);
  }

 private:
  const model::Model& m_;
};

Opt num(const Service* s, std::string_view path) {
  if (!s) return std::nullopt;
  return model::as_double(s->get(path));
}
std::optional<std::int64_t> integer(const Service* s, std::string_view path) {
  if (!s) return std::nullopt;
  return model::as_int(s->get(path));
}
bool valid(const Service* s, std::string_view path) { return s && model::is_valid(s->get(path)); }

/// sc_utils.safeadd: None operands are ignored; all None is None.
Opt safeadd(Opt a, Opt b) {
  if (!a) return b;
  if (!b) return a;
  return *a + *b;
}
/// sc_utils.safemax: None if either is None.
Opt safemax(Opt a, Opt b) {
  if (!a || !b) return std::nullopt;
  return std::max(*a, *b);
}

void put(NewValues& nv, std::string_view path, Opt v) {
  if (v) nv[std::string(path)] = *v;
}
void put(NewValues& nv, std::string_view path, const Value& v) {
  if (model::is_valid(v)) nv[std::string(path)] = v;
}
Opt got(const NewValues& nv, std::string_view path) {
  auto it = nv.find(path);
  return it == nv.end() ? std::nullopt : model::as_double(it->second);
}

/// "com.victronenergy.vebus.ttyO1" → "com.victronenergy.vebus"
std::string service_class(std::string_view name) {
  auto dot = name.find('.', model::kServicePrefix.size());
  return std::string(name.substr(0, dot));
}
/// _get_instance_service_name: "com.victronenergy.vebus/257"
std::string instance_name(const Service* s) {
  return service_class(s->name()) + "/" + std::to_string(s->device_instance());
}
/// _get_readable_service_name: /CustomName, else "<ProductName> on <Mgmt/Connection>".
std::string readable_name(const Service* s) {
  if (auto* cn = std::get_if<std::string>(&s->get("/CustomName"))) {
    if (cn->find_first_not_of(" \t\r\n") != std::string::npos) return *cn;
  }
  return model::to_plain_text(s->get("/ProductName")) + " on " +
         model::to_plain_text(s->get("/Mgmt/Connection"));
}
std::string service_type(std::string_view name) {
  std::string_view rest = name.substr(model::kServicePrefix.size());
  return std::string(rest.substr(0, rest.find('.')));
}

/// json.dumps of an ordered str → str dict, with Python's separators (", " and ": ").
std::string python_json_dict(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out = "{";
  for (std::size_t i = 0; i < kv.size(); ++i) {
    if (i) out += ", ";
    out +=
        nlohmann::json(kv[i].first).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    out += ": ";
    out +=
        nlohmann::json(kv[i].second).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
  return out + "}";
}

// ---- /Batteries and /AvailableBatteries (delegates/batterydata.py) ----

/// One battery measurement batterydata.py tracks: a battery monitor's main one, a second channel
/// (a battery's starter /Dc/1, a charger's outputs), a Multi's own, or a genset's starter voltage.
struct BatteryTrack {
  enum class Kind { kMonitor, kChannel, kMulti, kStarter };
  const Service* s;
  Kind kind;
  int channel = 0;  ///< kChannel only

  /// service_id: "com.victronenergy.battery/512", with "/<channel>" for a second channel; the key
  /// of its configuration settings and of /AvailableBatteries.
  std::string id() const {
    std::string i = service_class(s->name()) + "/" + std::to_string(s->device_instance());
    if (kind == Kind::kChannel) i += "/" + std::to_string(channel);
    return i;
  }
  std::string dc(const char* leaf) const {
    return "/Dc/" + std::to_string(kind == Kind::kChannel ? channel : 0) + "/" + leaf;
  }
  /// A measurement counts once it has a voltage (a Multi's always counts).
  bool valid() const {
    if (kind == Kind::kMulti) return true;
    if (kind == Kind::kStarter) return model::is_valid(s->get("/StarterVoltage"));
    return model::is_valid(s->get(dc("Voltage")));
  }
  /// /CustomName, else /ProductName (Python `or`: an empty custom name does not count).
  std::optional<std::string> name() const {
    for (const char* p : {"/CustomName", "/ProductName"}) {
      const Value& v = s->get(p);
      if (auto* str = std::get_if<std::string>(&v); str && !str->empty()) return *str;
      if (model::is_valid(v) && !std::holds_alternative<std::string>(v))
        return model::to_plain_text(v);
    }
    return std::nullopt;
  }
};

/// The trackers batterydata.py's device_added creates, in service name order.
std::vector<BatteryTrack> battery_tracks(const model::Model& m) {
  using K = BatteryTrack::Kind;
  std::vector<BatteryTrack> out;
  for (auto& [name, sp] : m.services()) {
    const Service* s = sp.get();
    const std::string t = service_type(name);
    if (t == "battery") {
      out.push_back({s, K::kMonitor});
      out.push_back({s, K::kChannel, 1});
    } else if (t == "charger") {
      for (int ch = 0; ch < 3; ++ch) out.push_back({s, K::kChannel, ch});
    } else if (t == "vebus" || t == "multi" || (t == "inverter" && valid(s, "/Soc"))) {
      out.push_back({s, K::kMulti});
    } else if (t == "genset") {
      out.push_back({s, K::kStarter});
    } else if (t == "dcgenset") {
      out.push_back({s, K::kChannel, 0});
      out.push_back({s, K::kStarter});
    }
  }
  return out;
}

/// A model value inside a structure: a number stays a number, anything else is left out (None).
std::optional<model::TreeNode> tree_number(const Value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return model::TreeNode{*i};
  if (auto* d = std::get_if<double>(&v)) return model::TreeNode{*d};
  return std::nullopt;
}

/// BatteryTracker._data() and its subclasses' (keys whose value is None are left out, as data()
/// does, in its key order), plus `active_battery_service` and the configured name.
model::TreeDict battery_entry(const BatteryTrack& b, bool active, const std::string& config_name) {
  using K = BatteryTrack::Kind;
  model::TreeDict d;
  auto put_node = [&](const char* key, std::optional<model::TreeNode> n) {
    if (n) d.emplace_back(key, std::move(*n));
  };
  // The configured name replaces the device's (dict(data, **kwargs) keeps the key's place).
  auto put_name = [&] {
    if (!config_name.empty())
      d.emplace_back("name", config_name);
    else if (auto n = b.name())
      d.emplace_back("name", *n);
  };
  d.emplace_back(
      "id", b.kind == K::kChannel ? b.s->name() + ":" + std::to_string(b.channel) : b.s->name());
  if (b.kind != K::kChannel) d.emplace_back("instance", std::int64_t{b.s->device_instance()});
  if (b.kind == K::kStarter) {
    put_node("voltage", tree_number(b.s->get("/StarterVoltage")));
    put_name();
  } else {
    const Value& p = b.s->get(b.dc("Power"));
    put_node("voltage", tree_number(b.s->get(b.dc("Voltage"))));
    put_node("current", tree_number(b.s->get(b.dc("Current"))));
    // `power or calculated_power`: a power of 0 (or none) gives V × I, or nothing without both.
    const Opt power = model::as_double(p);
    const Opt v = num(b.s, b.dc("Voltage")), i = num(b.s, b.dc("Current"));
    if (power && *power != 0)
      put_node("power", tree_number(p));
    else if (v && i)
      d.emplace_back("power", *v * *i);
    if (b.kind == K::kChannel) {
      put_name();
    } else {
      put_node("temperature", tree_number(b.s->get("/Dc/0/Temperature")));
      put_node("soc", tree_number(b.s->get("/Soc")));
      if (b.kind == K::kMonitor) put_node("timetogo", tree_number(b.s->get("/TimeToGo")));
      put_name();
      // The ±30 W rule, on the measured power only (venus_os.md §5.3).
      if (power)
        d.emplace_back("state", *power > 30    ? kStateCharging
                                : *power < -30 ? kStateDischarging
                                               : kStateIdle);
      if (b.kind == K::kMonitor) put_node("bmsstate", tree_number(b.s->get("/State")));
    }
  }
  d.emplace_back("active_battery_service", active);
  return d;
}

/// json.dumps of /AvailableBatteries: {service_id: {"name", "channel", "type"}} of the valid
/// measurements, with Python's separators and ASCII escapes.
std::string available_batteries_json(const std::vector<BatteryTrack>& tracks) {
  auto js = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  };
  std::vector<std::pair<std::string, std::string>> entries;  // (id, object text)
  for (auto& b : tracks) {
    if (!b.valid()) continue;
    const auto name = b.name();
    std::string obj =
        "{\"name\": " + (name ? js(*name) : std::string("null")) + ", \"channel\": " +
        (b.kind == BatteryTrack::Kind::kChannel ? std::to_string(b.channel) : std::string("null")) +
        ", \"type\": " + js(service_type(b.s->name())) + "}";
    const std::string id = b.id();
    auto it = std::find_if(entries.begin(), entries.end(), [&](auto& e) { return e.first == id; });
    if (it != entries.end())
      it->second = std::move(obj);  // a later tracker with the same id replaces it (dict key)
    else
      entries.emplace_back(id, std::move(obj));
  }
  std::string out = "{";
  for (std::size_t i = 0; i < entries.size(); ++i)
    out += (i ? ", " : "") + js(entries[i].first) + ": " + entries[i].second;
  return out + "}";
}

void number_of_phases(NewValues& nv, const std::string& base) {
  Opt n;
  for (int ph = 1; ph <= 3; ++ph)
    if (nv.count(base + "/L" + std::to_string(ph) + "/Power")) n = ph;
  if (n) nv[base + "/NumberOfPhases"] = static_cast<std::int64_t>(*n);
}

}  // namespace

void SystemCalc::start() {
  model::ServiceSpec spec;
  spec.type = "system";
  spec.process_name = "gxlink-systemcalc";
  spec.mgmt_connection = "data from other dbus processes";  // as dbus_systemcalc.py registers
  // An integer, as Venus' (0 when it cannot read its version; there is no Venus version here).
  spec.firmware_version = std::int64_t{0};
  service_ = &ctx_.model.add_service(std::move(spec));
  for (const auto& p : output_paths()) service_->add(p, {});
  for (const char* p : kSelectionPaths) service_->add(p, {});
  service_->set("/Dvcc/Alarms/MultipleBatteries", std::int64_t{0});
  update();
}

void SystemCalc::stop() {
  if (!service_) return;
  ctx_.model.remove_service(kSystemService);
  service_ = nullptr;
}

void SystemCalc::on_tick(TimePoint) { update(); }

void SystemCalc::set_tree(std::string_view path, model::TreeNode node) {
  auto tree = model::Tree::make(std::move(node));
  // Beyond Tree's bounds (thousands of batteries): invalid rather than a partial list.
  service_->set(path, tree ? Value{std::move(*tree)} : Value{});
}

void SystemCalc::update() {
  if (!service_) return;
  const View view(ctx_.model);
  const Settings& settings = ctx_.settings;
  const std::int64_t hasdcsystem =
      settings.get_int("/Settings/SystemSetup/HasDcSystem").value_or(0);

  // ==== BMS bookkeeping (DbusMonitor.seen) ====
  std::erase_if(seen_bms_, [&](const std::string& s) { return !ctx_.model.find(s); });
  for (auto* b : view.of("com.victronenergy.battery"))
    if (valid(b, "/Info/MaxChargeVoltage")) seen_bms_.insert(b->name());

  // ==== ACTIVE BATTERY (_autoselect_battery_service, _determinebatteryservice) ====
  auto autoselect = [&]() -> const Service* {
    auto batteries = view.connected_of("com.victronenergy.battery");
    if (!batteries.empty()) {
      // Sort by (no BMS, not a Lynx parallel aggregate, DeviceInstance): a BMS first.
      auto key = [&](const Service* s) {
        return std::make_tuple(!seen_bms_.count(s->name()),
                               !s->name().starts_with("com.victronenergy.battery.lynxparallel"),
                               s->device_instance());
      };
      return *std::min_element(batteries.begin(), batteries.end(),
                               [&](auto* a, auto* b) { return key(a) < key(b); });
    }
    if (!view.connected_of("com.victronenergy.charger").empty()) return nullptr;
    const Service* vebus = view.lowest_connected("com.victronenergy.vebus");
    if (!vebus) {
      for (const char* t : {"acsystem", "multi", "inverter"}) {
        auto* inv = view.lowest_connected(std::string("com.victronenergy.") + t);
        if (inv && valid(inv, "/Soc")) return inv;
      }
      return nullptr;
    }
    if (valid(vebus, "/ExtraBatteryCurrent") &&
        view.connected_of("com.victronenergy.dcsystem").empty() && hasdcsystem == 0)
      return vebus;
    if (!view.connected_of("com.victronenergy.solarcharger").empty()) return nullptr;
    return vebus;
  };
  const Service* auto_battery = autoselect();
  service_->set("/AutoSelectedBatteryMeasurement", auto_battery ? Value{[&] {
                  std::string s = instance_name(auto_battery);
                  std::replace(s.begin(), s.end(), '.', '_');
                  std::replace(s.begin(), s.end(), '/', '_');
                  return s + "/Dc/0";
                }()}
                                                                : Value{});

  const std::string setting = settings.get_string("/Settings/SystemSetup/BatteryService");
  const Service* battery = nullptr;
  if (setting == "default") {
    battery = auto_battery;
    service_->set("/AutoSelectedBatteryService",
                  battery ? readable_name(battery) : std::string("No battery monitor found"));
  } else {
    service_->set("/AutoSelectedBatteryService", Value{});
    auto slash = setting.find('/');
    if (setting != "nobattery" && slash != std::string::npos) {
      // A chosen battery that is gone is not replaced by another (it may come back).
      const std::string cls = setting.substr(0, slash);
      const std::string digits = setting.substr(slash + 1);
      std::int64_t instance = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), instance);
      if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty())
        for (auto* s : view.of(cls))
          if (s->device_instance() == instance) {
            battery = s;
            break;
          }
    }
  }
  if (battery) {
    const std::string t = service_type(battery->name());
    if (t != "battery" && t != "vebus" && t != "inverter" && t != "multi" && t != "acsystem")
      battery = nullptr;  // systemcalc asserts these types; anything else measures no battery
  }
  battery_service_ = battery ? battery->name() : std::string();
  service_->set("/ActiveBatteryService", battery ? Value{instance_name(battery)} : Value{});
  service_->set("/Dc/Battery/BatteryService", battery ? Value{battery->name()} : Value{});

  // /AvailableBatteryServices (_handleservicechange): vebus, battery, acsystem (connected or not),
  // multi and inverter with a /Soc.
  {
    std::vector<std::pair<std::string, std::string>> ul = {{"default", "Automatic"},
                                                           {"nobattery", "No battery monitor"}};
    auto add = [&](const Service* s) {
      const std::string key = instance_name(s);
      const std::string text = readable_name(s);
      for (auto& [k, v] : ul)
        if (k == key) {
          v = text;
          return;
        }
      ul.emplace_back(key, text);
    };
    for (auto* s : view.connected_of("com.victronenergy.vebus")) add(s);
    for (auto* s : view.connected_of("com.victronenergy.battery")) add(s);
    for (auto* s : view.of("com.victronenergy.acsystem")) add(s);
    for (const char* t : {"com.victronenergy.multi", "com.victronenergy.inverter"})
      for (auto* s : view.connected_of(t))
        if (valid(s, "/Soc")) add(s);
    service_->set("/AvailableBatteryServices", python_json_dict(ul));

    // /AvailableBatteryMeasurements: the same services, keyed by measurement id, as a dict
    // (D-Bus a{sv}), not a JSON string.
    model::TreeDict measurements;
    for (auto& [key, text] : ul) {
      std::string id = key;
      if (id != "default" && id != "nobattery") {
        std::replace(id.begin(), id.end(), '.', '_');
        std::replace(id.begin(), id.end(), '/', '_');
        id += "/Dc/0";
      }
      measurements.emplace_back(std::move(id), text);
    }
    set_tree("/AvailableBatteryMeasurements", std::move(measurements));
  }

  // /Batteries (a list of dicts) and /AvailableBatteries (a JSON string): batterydata.py. A
  // measurement is listed when it is valid and enabled in its configuration, and the active one
  // always. Venus refreshes them on a 5 s timer; here every tick, which only signals on change.
  {
    const auto tracks = battery_tracks(ctx_.model);
    const std::string active = model::to_plain_text(service_->get("/ActiveBatteryService"));
    model::TreeList list;
    for (auto& b : tracks) {
      const std::string id = b.id();
      const bool is_active =
          model::is_valid(service_->get("/ActiveBatteryService")) && id == active;
      // Without a configuration setting, the default: a battery monitor's main measurement is
      // shown, nothing else (add_configured_battery's default_visibility).
      const auto enabled = settings.get_int(battery_setting_path(id, "Enabled"));
      const bool shown = enabled ? *enabled != 0 : b.kind == BatteryTrack::Kind::kMonitor;
      if (!((b.valid() && shown) || is_active)) continue;
      const std::string config_name = settings.has(battery_setting_path(id, "Name"))
                                          ? settings.get_string(battery_setting_path(id, "Name"))
                                          : std::string();
      list.emplace_back(battery_entry(b, is_active, config_name));
    }
    set_tree("/Batteries", std::move(list));
    service_->set("/AvailableBatteries", available_batteries_json(tracks));
  }

  // Per-battery configuration (delegates/batterydata.py BatteryConfiguration): a battery monitor
  // is shown by default, a Multi's own measurement is not.
  // Keyed by device instance, so bounded: services whose instance keeps changing (an imported
  // one) must not add settings for ever. Beyond the bound a battery has its default visibility.
  for (const char* cls : {"com.victronenergy.battery", "com.victronenergy.vebus"}) {
    for (auto* s : view.of(cls)) {
      const std::string id = instance_name(s);
      const std::string enabled = battery_setting_path(id, "Enabled");
      if (ctx_.settings.has(enabled)) continue;
      if (battery_configs_ >= kMaxBatteryConfigs) continue;
      ++battery_configs_;
      const bool monitor = service_type(s->name()) == "battery";
      ctx_.settings.add({battery_setting_path(id, "Service"), SettingType::kString, Value{id}});
      ctx_.settings.add({battery_setting_path(id, "Name"), SettingType::kString, Value{""}});
      ctx_.settings.add({enabled, SettingType::kInt, Value{std::int64_t{monitor ? 1 : 0}}, 0, 1});
    }
  }

  // ==== BMS (delegates/batteryservice.py _set_bms) ====
  {
    // Batteries by DeviceInstance (a later one with the same instance replaces the earlier).
    std::map<std::int64_t, const Service*> batteries;
    for (auto* b : view.of("com.victronenergy.battery")) batteries[b->device_instance()] = b;
    std::vector<std::pair<std::int64_t, const Service*>> bmses;  // (sort instance, service)
    for (auto& [inst, b] : batteries)
      if (valid(b, "/Info/MaxChargeVoltage")) bmses.emplace_back(inst, b);
    const std::size_t bms_count = bmses.size();
    const std::int64_t selected =
        settings.get_int("/Settings/SystemSetup/BmsInstance").value_or(-1);
    const Service* bms = nullptr;
    if (selected == -255) {
      bms = nullptr;
    } else if (selected != -1) {
      auto it = batteries.find(selected);
      if (it != batteries.end() && valid(it->second, "/Info/MaxChargeVoltage")) bms = it->second;
    } else {
      // The main battery service first (instance -1), then Lynx parallel ones, then the lowest.
      if (battery && service_type(battery->name()) == "battery" &&
          valid(battery, "/Info/MaxChargeVoltage"))
        bmses.emplace_back(-1, battery);
      std::vector<std::pair<std::int64_t, const Service*>> lynx;
      for (auto& e : bmses)
        if (e.second->name().starts_with("com.victronenergy.battery.lynxparallel"))
          lynx.push_back(e);
      auto& pool = lynx.empty() ? bmses : lynx;
      if (!pool.empty())
        bms = std::min_element(pool.begin(), pool.end(), [](auto& a, auto& b) {
                return a.first < b.first;
              })->second;
    }
    bms_service_ = bms ? bms->name() : std::string();
    service_->set("/ActiveBmsService", bms ? Value{bms->name()} : Value{});
    service_->set("/ActiveBmsInstance",
                  bms ? Value{std::int64_t{bms->device_instance()}} : Value{});
    // venus#420: more than one BMS is an alarm while DVCC is on (dvcc.py; 0 when it is off).
    const bool dvcc = (settings.get_int("/Settings/Services/Bol").value_or(0) & 1) != 0;
    service_->set("/Dvcc/Alarms/MultipleBatteries", std::int64_t{dvcc && bms_count > 1 ? 1 : 0});
  }

  // ==== _updatevalues ====
  NewValues nv;
  double vebuspower = 0;
  for (auto* vb : view.of("com.victronenergy.vebus")) {
    Opt v = num(vb, "/Dc/0/Voltage"), i = num(vb, "/Dc/0/Current");
    if (v && i) vebuspower += *v * *i;
  }

  // PV inverters (delegates/pvinverter.py get_totals, map_position).
  for (auto* pvi : view.of("com.victronenergy.pvinverter")) {
    auto pos = integer(pvi, "/Position");
    if (!pos) continue;
    std::string base;
    if (*pos == 1) {
      base = "/Ac/PvOnOutput";
    } else {
      std::optional<std::int64_t> src;
      if (*pos == 0) src = settings.get_int("/Settings/SystemSetup/AcInput1");
      if (*pos == 2) src = settings.get_int("/Settings/SystemSetup/AcInput2");
      if (src == 1 || src == 3) base = "/Ac/PvOnGrid";
      if (src == 2) base = "/Ac/PvOnGenset";
    }
    if (base.empty()) continue;
    for (int ph = 1; ph <= 3; ++ph) {
      const std::string l = "/L" + std::to_string(ph);
      if (Opt p = num(pvi, "/Ac" + l + "/Power"))
        put(nv, base + l + "/Power", safeadd(got(nv, base + l + "/Power"), p));
      if (Opt c = num(pvi, "/Ac" + l + "/Current"))
        put(nv, base + l + "/Current", safeadd(got(nv, base + l + "/Current"), c));
    }
  }
  for (const char* b : {"/Ac/PvOnGrid", "/Ac/PvOnOutput", "/Ac/PvOnGenset"})
    number_of_phases(nv, b);

  // Solar chargers: PV is what they charge plus what their load output draws.
  Opt sc_voltage;
  std::string sc_voltage_service;
  double sc_charge_power = 0, sc_total_power = 0;
  Opt sc_load_power;
  for (auto* sc : view.of("com.victronenergy.solarcharger")) {
    Opt v = num(sc, "/Dc/0/Voltage");
    if (!v) continue;
    Opt i = num(sc, "/Dc/0/Current");
    if (!i) continue;
    const double l = num(sc, "/Load/I").value_or(0);  // get_value(..., '/Load/I', 0)
    sc_load_power = safeadd(sc_load_power, l * *v);
    sc_charge_power += *v * *i;
    const double total = *i + l;
    sc_total_power += *v * total;
    if (!got(nv, "/Dc/Pv/Power")) {
      sc_voltage = v;
      sc_voltage_service = sc->name();
    }
    put(nv, "/Dc/Pv/Power", safeadd(got(nv, "/Dc/Pv/Power"), *v * total));
    put(nv, "/Dc/Pv/Current", safeadd(got(nv, "/Dc/Pv/Current"), total));
  }

  Opt fc_voltage;
  std::string fc_voltage_service;
  for (auto* fc : view.of("com.victronenergy.fuelcell")) {
    Opt v = num(fc, "/Dc/0/Voltage");
    if (!v) continue;
    fc_voltage = v;
    fc_voltage_service = fc->name();
    Opt i = num(fc, "/Dc/0/Current");
    if (!i) continue;
    put(nv, "/Dc/FuelCell/Power", safeadd(got(nv, "/Dc/FuelCell/Power"), *v * *i));
  }

  for (auto* a : view.of("com.victronenergy.alternator"))
    if (Opt p = num(a, "/Dc/0/Power"))
      put(nv, "/Dc/Alternator/Power", safeadd(got(nv, "/Dc/Alternator/Power"), p));
  // DC gensets are alternators on an engine; V×I when they give no power.
  for (auto* g : view.of("com.victronenergy.dcgenset")) {
    Opt p = num(g, "/Dc/0/Power");
    if (!p) {
      Opt v = num(g, "/Dc/0/Voltage"), i = num(g, "/Dc/0/Current");
      if (!v || !i) continue;
      p = *v * *i;
    }
    put(nv, "/Dc/Alternator/Power", safeadd(got(nv, "/Dc/Alternator/Power"), p));
  }

  Opt ch_voltage;
  std::string ch_voltage_service;
  for (auto* c : view.of("com.victronenergy.charger")) {
    Opt v = num(c, "/Dc/0/Voltage");
    if (!v) continue;
    ch_voltage = v;
    ch_voltage_service = c->name();
    Opt i = num(c, "/Dc/0/Current");
    if (!i) continue;
    put(nv, "/Dc/Charger/Power", safeadd(got(nv, "/Dc/Charger/Power"), *v * *i));
  }

  // Other inverters and inverter/chargers: multi (RS) first, then inverter, each by instance.
  std::vector<const Service*> non_vebus;
  for (const char* cls : {"com.victronenergy.multi", "com.victronenergy.inverter"}) {
    auto list = view.of(cls);
    std::stable_sort(list.begin(), list.end(),
                     [](auto* a, auto* b) { return a->device_instance() < b->device_instance(); });
    non_vebus.insert(non_vebus.end(), list.begin(), list.end());
  }
  const Service* non_vebus_inverter = non_vebus.empty() ? nullptr : non_vebus.front();
  if (non_vebus_inverter) {
    // RS Smart and Multi RS: their PV yield is PV too.
    for (auto* inv : non_vebus) {
      if (Opt y = num(inv, "/Yield/Power")) {
        put(nv, "/Dc/Pv/Power", Opt(got(nv, "/Dc/Pv/Power").value_or(0) + *y));
        Opt v = num(inv, "/Dc/0/Voltage");
        if (v && *v != 0)
          put(nv, "/Dc/Pv/Current", Opt(got(nv, "/Dc/Pv/Current").value_or(0) + *y / *v));
      }
    }
  }

  const auto dcsystems = view.of("com.victronenergy.dcsystem");

  // ==== BATTERY ====
  std::string battery_type;
  if (battery) {
    battery_type = service_type(battery->name());
    put(nv, "/Dc/Battery/TimeToGo", battery->get("/TimeToGo"));
    put(nv, "/Dc/Battery/ConsumedAmphours", battery->get("/ConsumedAmphours"));
    put(nv, "/Dc/Battery/ProductId", battery->get("/ProductId"));
    if (battery_type != "vebus") {
      put(nv, "/Dc/Battery/Voltage", battery->get("/Dc/0/Voltage"));
      put(nv, "/Dc/Battery/Current", battery->get("/Dc/0/Current"));
      put(nv, "/Dc/Battery/Power", battery->get("/Dc/0/Power"));
      // An insecure link (Bluetooth) is not trusted for voltage sensing.
      if (integer(battery, "/Mgmt/InsecureConnection") != 1)
        nv["/Dc/Battery/VoltageService"] = battery->name();
      if (battery_type == "battery") {
        const Value& cap = battery->get("/InstalledCapacity");
        put(nv, "/Dc/Battery/Capacity", model::is_valid(cap) ? cap : battery->get("/Capacity"));
      }
    } else {
      Opt v = num(battery, "/Dc/0/Voltage"), i = num(battery, "/Dc/0/Current");
      Opt p = (v && i) ? Opt(*v * *i) : std::nullopt;
      put(nv, "/Dc/Battery/Voltage", battery->get("/Dc/0/Voltage"));
      nv["/Dc/Battery/VoltageService"] = battery->name();
      put(nv, "/Dc/Battery/Capacity", battery->get("/Dc/0/Capacity"));
      if (hasdcsystem == 1 || !dcsystems.empty()) {
        put(nv, "/Dc/Battery/Current", battery->get("/Dc/0/Current"));
        put(nv, "/Dc/Battery/Power", p);
      } else {
        // The Multi sees only its own current: add what the solar chargers put in.
        Opt bp = safeadd(sc_charge_power, p);
        put(nv, "/Dc/Battery/Current", (v && *v > 0 && bp) ? Opt(*bp / *v) : std::nullopt);
        put(nv, "/Dc/Battery/Power", bp);
      }
    }
    if (Opt p = got(nv, "/Dc/Battery/Power"))
      nv["/Dc/Battery/State"] =
          *p > 30 ? kStateCharging : (*p < -30 ? kStateDischarging : kStateIdle);
  } else {
    // No battery monitor: a voltage from a running Multi, else another device, and the power
    // derived from what flows in and out when every DC load is known.
    bool have_voltage = false;
    for (auto* vb : view.of("com.victronenergy.vebus")) {
      Opt v = num(vb, "/Dc/0/Voltage");
      auto s = integer(vb, "/State");
      if (v && s && *s != 0) {
        nv["/Dc/Battery/Voltage"] = *v;
        nv["/Dc/Battery/VoltageService"] = vb->name();
        have_voltage = true;
        break;
      }
    }
    if (!have_voltage) {
      Opt nvi = num(non_vebus_inverter, "/Dc/0/Voltage");
      if (non_vebus_inverter && nvi) {
        nv["/Dc/Battery/Voltage"] = *nvi;
        nv["/Dc/Battery/VoltageService"] = non_vebus_inverter->name();
      } else if (sc_voltage) {
        nv["/Dc/Battery/Voltage"] = *sc_voltage;
        nv["/Dc/Battery/VoltageService"] = sc_voltage_service;
      } else if (ch_voltage) {
        nv["/Dc/Battery/Voltage"] = *ch_voltage;
        nv["/Dc/Battery/VoltageService"] = ch_voltage_service;
      } else if (fc_voltage) {
        nv["/Dc/Battery/Voltage"] = *fc_voltage;
        nv["/Dc/Battery/VoltageService"] = fc_voltage_service;
      } else if (!dcsystems.empty()) {
        if (Opt v = num(dcsystems.front(), "/Dc/0/Voltage")) {
          nv["/Dc/Battery/Voltage"] = *v;
          nv["/Dc/Battery/VoltageService"] = dcsystems.front()->name();
        }
      }
    }
    if (Opt voltage = got(nv, "/Dc/Battery/Voltage")) {
      double dcsystempower = 0;
      for (auto* d : dcsystems) dcsystempower += num(d, "/Dc/0/Power").value_or(0);
      if (!dcsystems.empty() || hasdcsystem == 0) {
        const double p =
            sc_charge_power + got(nv, "/Dc/Charger/Power").value_or(0) + vebuspower - dcsystempower;
        put(nv, "/Dc/Battery/Current", *voltage > 0 ? Opt(p / *voltage) : std::nullopt);
        nv["/Dc/Battery/Power"] = p;
      }
    }
  }

  // ==== DC SYSTEM ====
  if (!dcsystems.empty()) {
    nv["/Dc/System/MeasurementType"] = std::int64_t{1};  // measured
    Opt p = 0.0, c = 0.0;
    for (auto* d : dcsystems) {
      p = safeadd(p, num(d, "/Dc/0/Power"));
      c = safeadd(c, num(d, "/Dc/0/Current"));
    }
    put(nv, "/Dc/System/Power", p);
    put(nv, "/Dc/System/Current", c);
  } else if (hasdcsystem == 1 && battery_type == "battery") {
    // Estimated: everything that charges the bank, minus what the bank takes.
    if (Opt bp = got(nv, "/Dc/Battery/Power")) {
      double inverter_power = 0;
      for (auto* inv : non_vebus) {
        if (Opt ic = num(inv, "/Dc/0/Current"))
          inverter_power += num(inv, "/Dc/0/Voltage").value_or(0) * *ic;
        else
          inverter_power -=
              num(inv, "/Ac/Out/L1/V").value_or(0) * num(inv, "/Ac/Out/L1/I").value_or(0);
      }
      nv["/Dc/System/MeasurementType"] = std::int64_t{0};  // estimated
      const double sys = sc_total_power + got(nv, "/Dc/Charger/Power").value_or(0) +
                         got(nv, "/Dc/FuelCell/Power").value_or(0) +
                         got(nv, "/Dc/Alternator/Power").value_or(0) + vebuspower + inverter_power -
                         *bp;
      nv["/Dc/System/Power"] = sys;
      Opt v = got(nv, "/Dc/Battery/Voltage");
      if (v && *v != 0) nv["/Dc/System/Current"] = sys / *v;
    }
  } else if (hasdcsystem == 1 && sc_load_power) {
    nv["/Dc/System/MeasurementType"] = std::int64_t{0};
    nv["/Dc/System/Power"] = *sc_load_power;
    Opt v = got(nv, "/Dc/Battery/Voltage");
    if (v && *v != 0) nv["/Dc/System/Current"] = *sc_load_power / *v;
  }

  // ==== MULTI (delegates/multi.py: the lowest-instance VE.Bus, when connected) ====
  const auto vebusses = view.of("com.victronenergy.vebus");
  const Service* main_vebus = view.lowest("com.victronenergy.vebus");
  const Service* multi = main_vebus && View::connected(main_vebus) ? main_vebus : nullptr;
  nv["/Devices/NumberOfVebusDevices"] = static_cast<std::int64_t>(vebusses.size());
  if (multi) {
    nv["/VebusService"] = multi->name();
    nv["/VebusInstance"] = std::int64_t{multi->device_instance()};
    Opt c = num(multi, "/Dc/0/Current");
    put(nv, "/Dc/Vebus/Current", c);
    Opt p = num(multi, "/Dc/0/Power");
    if (!p && c)
      if (Opt v = num(multi, "/Dc/0/Voltage")) p = *c * *v;
    put(nv, "/Dc/Vebus/Power", p);
  }

  // ==== AC IN SOURCE ====
  const Service* multi_path = multi;
  Opt ac_in_source;
  std::optional<std::int64_t> active_input;
  if (!multi_path) {
    if (non_vebus_inverter) {
      active_input = integer(non_vebus_inverter, "/Ac/ActiveIn/ActiveInput");
      std::optional<std::int64_t> type;
      if (active_input && (*active_input == 0 || *active_input == 1))
        type = integer(non_vebus_inverter, "/Ac/In/" + std::to_string(*active_input + 1) + "/Type");
      ac_in_source = type ? Opt(static_cast<double>(*type)) : Opt(240);
    }
  } else {
    active_input = integer(multi_path, "/Ac/ActiveIn/ActiveInput");
    if (active_input == 0xF0) {
      ac_in_source = 240;  // not connected
    } else if (active_input) {
      if (auto t =
              settings.get_int("/Settings/SystemSetup/AcInput" + std::to_string(*active_input + 1)))
        ac_in_source = static_cast<double>(*t);
    }
  }
  if (ac_in_source) nv["/Ac/ActiveIn/Source"] = static_cast<std::int64_t>(*ac_in_source);

  // ==== GRID METERS & CONSUMPTION ====
  const Service* grid_meter = view.lowest("com.victronenergy.grid");
  const Service* genset_meter = view.lowest("com.victronenergy.genset");
  Opt ac_in_guess = ac_in_source;
  if (!ac_in_guess || *ac_in_guess == 0xF0) {
    if (!genset_meter && grid_meter) ac_in_guess = 1;
    if (!grid_meter && genset_meter) ac_in_guess = 2;
  }
  std::map<std::string, Opt> consumption, currentconsumption;
  struct Source {
    const char* type;
    const Service* meter;
    std::vector<int> types;
  };
  const Source sources[] = {{"Grid", grid_meter, {1, 3}}, {"Genset", genset_meter, {2}}};
  auto in_types = [](Opt v, const std::vector<int>& types) {
    return v && std::find(types.begin(), types.end(), static_cast<int>(*v)) != types.end();
  };
  const bool ai_0_1 = active_input && (*active_input == 0 || *active_input == 1);
  for (const auto& src : sources) {
    const bool uses_active_input = in_types(ac_in_source, src.types);
    for (const char* ph : kPhases) {
      const std::string phs(ph);
      Opt p, mc;
      Opt pvpower = got(nv, std::string("/Ac/PvOn") + src.type + "/" + phs + "/Power");
      Opt pvcurrent = got(nv, std::string("/Ac/PvOn") + src.type + "/" + phs + "/Current");
      const std::string ain = "/Ac/In/" + std::to_string(active_input.value_or(0) + 1) + "/" + phs;
      if (src.meter) {
        p = num(src.meter, "/Ac/" + phs + "/Power");
        mc = num(src.meter, "/Ac/" + phs + "/Current");
        // Consumption between the meter and the Multi: meter − Multi AC-in (+ PV on that input).
        Opt c, cc;
        if (uses_active_input) {
          if (multi_path) {
            Opt ap = num(multi_path, "/Ac/ActiveIn/" + phs + "/P");
            Opt ai = num(multi_path, "/Ac/ActiveIn/" + phs + "/I");
            // Python: a TypeError on the first negation skips both.
            if (ap) {
              c = safeadd(c, -*ap);
              if (ai) cc = safeadd(cc, -*ai);
            }
          }
          if (non_vebus_inverter && ai_0_1) {
            for (auto* inv : non_vebus) {
              Opt ap = num(inv, ain + "/P"), ai = num(inv, ain + "/I");
              if (!ap) continue;
              c = safeadd(c, -*ap);
              if (!ai) continue;
              cc = safeadd(cc, -*ai);
            }
          }
        }
        c = safeadd(safeadd(c, p), pvpower);
        cc = safeadd(safeadd(cc, mc), pvcurrent);
        consumption[phs] = safeadd(consumption[phs], safemax(0.0, c));
        currentconsumption[phs] = safeadd(currentconsumption[phs], safemax(0.0, cc));
      } else {
        if (uses_active_input) {
          if (multi_path) {
            if (Opt ap = num(multi_path, "/Ac/ActiveIn/" + phs + "/P")) {
              p = safeadd(p, ap);
              mc = safeadd(mc, num(multi_path, "/Ac/ActiveIn/" + phs + "/I"));
            }
          }
          if (non_vebus_inverter && ai_0_1) {
            for (auto* inv : non_vebus) {
              p = safeadd(p, num(inv, ain + "/P"));
              mc = safeadd(mc, num(inv, ain + "/I"));
            }
          }
          if (p) {
            consumption[phs] = safeadd(0.0, consumption[phs]);
            currentconsumption[phs] = safeadd(0.0, currentconsumption[phs]);
          }
        }
        // No meter: no load between the grid and the Multi, but maybe a PV inverter there.
        if (pvpower) {
          p = safeadd(p, -*pvpower);
          if (pvcurrent) mc = safeadd(mc, -*pvcurrent);
        }
      }
      put(nv, std::string("/Ac/") + src.type + "/" + phs + "/Power", p);
      put(nv, std::string("/Ac/") + src.type + "/" + phs + "/Current", mc);
      if (in_types(ac_in_guess, src.types)) {
        put(nv, "/Ac/ActiveIn/" + phs + "/Power", p);
        put(nv, "/Ac/ActiveIn/" + phs + "/Current", mc);
      }
    }
    number_of_phases(nv, std::string("/Ac/") + src.type);
    number_of_phases(nv, "/Ac/ActiveIn");
    Value product_id, device_type;
    if (src.meter) {
      product_id = src.meter->get("/ProductId");
      device_type = src.meter->get("/DeviceType");
    }
    if (!model::is_valid(product_id) && uses_active_input) {
      if (multi_path)
        product_id = multi_path->get("/ProductId");
      else if (non_vebus_inverter)
        product_id = non_vebus_inverter->get("/ProductId");
    }
    put(nv, std::string("/Ac/") + src.type + "/ProductId", product_id);
    put(nv, std::string("/Ac/") + src.type + "/DeviceType", device_type);
  }

  const bool has_ac_in_system =
      settings.get_int("/Settings/SystemSetup/HasAcInLoads").value_or(1) == 1;
  auto assistant = integer(multi_path, "/Hub4/AssistantId");
  const bool use_ac_out =
      !has_ac_in_system ||
      settings.get_int("/Settings/SystemSetup/HasAcOutSystem").value_or(1) == 1 ||
      (multi_path && !(assistant == 4 || assistant == 5)) ||
      settings.get_int("/Settings/CGwacs/RunWithoutGridMeter").value_or(0) == 1;
  for (const char* ph : kPhases) {
    const std::string phs(ph);
    Opt c, a;
    if (use_ac_out) {
      c = got(nv, "/Ac/PvOnOutput/" + phs + "/Power");
      a = got(nv, "/Ac/PvOnOutput/" + phs + "/Current");
      if (multi_path) {
        c = safeadd(c, num(multi_path, "/Ac/Out/" + phs + "/P"));
        a = safeadd(a, num(multi_path, "/Ac/Out/" + phs + "/I"));
      }
      for (auto* inv : non_vebus) {
        Opt out = num(inv, "/Ac/Out/" + phs + "/P");
        Opt i = num(inv, "/Ac/Out/" + phs + "/I");
        if (!out) {  // some models give apparent power only, or V and I
          out = num(inv, "/Ac/Out/" + phs + "/S");
          if (!out) {
            Opt u = num(inv, "/Ac/Out/" + phs + "/V");
            if (i && u) out = *i * *u;
          }
        }
        c = safeadd(c, out);
        a = safeadd(a, i);
      }
      c = safemax(0.0, c);
      a = safemax(0.0, a);
    }
    put(nv, "/Ac/ConsumptionOnOutput/" + phs + "/Power", c);
    put(nv, "/Ac/ConsumptionOnOutput/" + phs + "/Current", a);
    put(nv, "/Ac/Consumption/" + phs + "/Power", safeadd(consumption[phs], c));
    put(nv, "/Ac/Consumption/" + phs + "/Current", safeadd(currentconsumption[phs], a));
    if (has_ac_in_system) {
      put(nv, "/Ac/ConsumptionOnInput/" + phs + "/Power", consumption[phs]);
      put(nv, "/Ac/ConsumptionOnInput/" + phs + "/Current", currentconsumption[phs]);
    }
  }
  number_of_phases(nv, "/Ac/Consumption");
  number_of_phases(nv, "/Ac/ConsumptionOnOutput");
  number_of_phases(nv, "/Ac/ConsumptionOnInput");

  // ==== DELEGATES ====
  // Inverter/charger DC (delegates/invertercharger.py).
  if (main_vebus) {
    put(nv, "/Dc/InverterCharger/Current", main_vebus->get("/Dc/0/Current"));
    put(nv, "/Dc/InverterCharger/Power", main_vebus->get("/Dc/0/Power"));
  } else {
    Opt power, current;
    for (auto* d : non_vebus) {
      Opt p = num(d, "/Dc/0/Power"), c = num(d, "/Dc/0/Current");
      if (p) {
        power = safeadd(power, p);
        current = safeadd(current, c);
        continue;
      }
      Opt v = num(d, "/Dc/0/Voltage");
      if (c) {
        if (v) power = safeadd(power, *v * *c);
        continue;
      }
      // No DC values: work back from the AC output (power leaves the battery).
      for (int ph = 1; ph <= 3; ++ph) {
        const std::string l = "/Ac/Out/L" + std::to_string(ph);
        if (Opt acp = num(d, l + "/P")) {
          power = safeadd(power, -*acp);
          if (v && *v != 0) current = safeadd(current, -*acp / *v);
        } else {
          Opt acc = num(d, l + "/I"), acv = num(d, l + "/V");
          if (acc && acv && v && *v != 0) {
            power = safeadd(power, -(*acv * *acc));
            current = safeadd(current, -(*acv * *acc) / *v);
          }
        }
      }
    }
    put(nv, "/Dc/InverterCharger/Current", current);
    put(nv, "/Dc/InverterCharger/Power", power);
  }

  // State of charge (delegates/batterysoc.py).
  if (battery) put(nv, "/Dc/Battery/Soc", battery->get("/Soc"));

  // Battery temperature (delegates/batterysense.py _determine_temperature).
  {
    const std::string ts = settings.get_string("/Settings/SystemSetup/TemperatureService");
    const Service* tsvc = nullptr;
    std::string tpath = "/Dc/0/Temperature";
    if (ts == "default") {
      tsvc = battery;
    } else if (ts != "nosensor") {
      // "<class>/<instance>/<path>"
      auto s1 = ts.find('/');
      auto s2 = s1 == std::string::npos ? s1 : ts.find('/', s1 + 1);
      if (s2 != std::string::npos) {
        try {
          const auto inst = std::stoll(ts.substr(s1 + 1, s2 - s1 - 1));
          for (auto* s : view.of(ts.substr(0, s1)))
            if (s->device_instance() == inst) tsvc = s;
          tpath = "/" + ts.substr(s2 + 1);
        } catch (...) {
        }
      }
    }
    if (Opt t = num(tsvc, tpath)) {
      nv["/Dc/Battery/Temperature"] = *t;
      nv["/Dc/Battery/TemperatureService"] = tsvc->name();
    }
  }

  // System state (delegates/systemstate.py; scheduled charging and DynamicESS are not ours yet).
  {
    std::map<std::string, std::int64_t> flags = {{"LowSoc", 0},
                                                 {"BatteryLife", 0},
                                                 {"DischargeDisabled", 0},
                                                 {"ChargeDisabled", 0},
                                                 {"SlowCharge", 0},
                                                 {"UserChargeLimited", 0},
                                                 {"UserDischargeLimited", 0},
                                                 {"PeakShaving", 0}};
    Value ss = std::int64_t{0};
    const Service* bms = view.find(bms_service_);
    auto not_zero = [](const Service* s, const char* path) {
      Opt v = num(s, path);
      return !(v && *v == 0);  // None != 0 is "allowed"
    };
    if (!multi) {
      const Service* inv = nullptr;
      auto acs = view.of("com.victronenergy.acsystem");
      auto invs = view.of("com.victronenergy.inverter");
      inv = !acs.empty() ? acs.front() : (!invs.empty() ? invs.front() : nullptr);
      if (inv) {
        if (integer(inv, "/Ess/Sustain") == 1)
          ss = kSsSustain;
        else
          ss = inv->get("/State");
      }
      if (bms) {
        flags["ChargeDisabled"] = not_zero(bms, "/Info/MaxChargeCurrent") ? 0 : 1;
        flags["DischargeDisabled"] = not_zero(bms, "/Info/MaxDischargeCurrent") ? 0 : 1;
      }
    } else {
      auto assistant_id = integer(multi, "/Hub4/AssistantId");
      const auto hub4mode = settings.get_int("/Settings/CGwacs/Hub4Mode");
      if (assistant_id && hub4mode == 3) {
        ss = kSsExternalControl;
      } else {
        auto mainstate = integer(multi, "/VebusMainState");
        if (mainstate == 9 && integer(multi, "/Dc/0/PreferRenewableEnergy") == 1)
          ss = kSsSustain;
        else if (mainstate == 9 && valid(multi, "/BatteryOperationalLimits/MaxChargeVoltage"))
          ss = kSsExternalControl;
        else
          ss = multi->get("/State");
        if (assistant_id) {
          if (mainstate == 8 || mainstate == 9) {
            Opt ac = num(multi, "/Bms/AllowToCharge"), ad = num(multi, "/Bms/AllowToDischarge");
            bool may_charge, may_discharge;
            if (!ac || !ad) {
              may_discharge = not_zero(multi, "/BatteryOperationalLimits/MaxDischargeCurrent");
              may_charge = not_zero(multi, "/BatteryOperationalLimits/MaxChargeCurrent");
            } else {
              may_charge = *ac != 0;
              may_discharge = *ad != 0;
            }
            flags["ChargeDisabled"] = may_charge ? 0 : 1;
            flags["DischargeDisabled"] = may_discharge ? 0 : 1;
            const auto hubstate = settings.get_int("/Settings/CGwacs/BatteryLife/State");
            const double minsoc =
                settings.get_double("/Settings/CGwacs/BatteryLife/MinimumSocLimit").value_or(0);
            const auto udl = settings.get_double("/Settings/CGwacs/MaxDischargePower");
            const auto ucl = settings.get_double("/Settings/SystemSetup/MaxChargeCurrent");
            flags["UserDischargeLimited"] = (udl == 0.0 && hubstate != 9 && minsoc < 100.0);
            flags["UserChargeLimited"] = ucl == 0.0;
            if (auto* hub4 = view.find("com.victronenergy.hub4"))
              flags["PeakShaving"] = integer(hub4, "/IsPeakShaving") == 1;
            const std::int64_t hs = hubstate.value_or(-1);
            if (hs == 2 || hs == 3 || hs == 4 || hs == 10) {
              if (got(nv, "/Dc/Battery/Power").value_or(0) < -30) ss = kSsDischarging;
            } else if (hs == 5 || hs == 11) {
              flags["LowSoc"] = 1;
              flags["BatteryLife"] = hs == 5;
            } else if (hs == 6 || hs == 8 || hs == 12) {
              ss = kSsRecharge;
              if (hs == 6) flags["SlowCharge"] = 1;
            }
            if (bms && integer(bms, "/Info/ChargeRequest") == 1)
              ss = kSsRecharge;
            else if (num(multi, "/Hub4/Sustain").value_or(0) != 0)
              ss = kSsSustain;
            else if (num(multi, "/Hub4/BatteryOvervoltageProtectionActivated").value_or(0) != 0)
              ss = kSsBatteryProtect;
          }
        }
      }
    }
    put(nv, "/SystemState/State", ss);
    for (auto& [k, v] : flags) nv["/SystemState/" + k] = v;
  }

  // ==== PUBLISH: every output path, invalid when not computed ====
  static const std::vector<std::string> kOutputs = output_paths();
  for (const auto& p : kOutputs) {
    auto it = nv.find(p);
    service_->set(p, it == nv.end() ? Value{} : it->second);
  }
}

}  // namespace gxlink::system
