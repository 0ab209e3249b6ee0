// SPDX-License-Identifier: MIT
#include "system/settings.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/private_files.hpp"
#include "model/model_json.hpp"

namespace gxlink::system {
namespace {

using model::Value;
using model::WriteResult;

SettingSpec int_setting(std::string path, std::int64_t def, double min, double max) {
  return {std::move(path), SettingType::kInt, Value{def}, min, max};
}
SettingSpec double_setting(std::string path, double def, double min, double max) {
  return {std::move(path), SettingType::kDouble, Value{def}, min, max};
}
SettingSpec string_setting(std::string path, std::string def) {
  return {std::move(path), SettingType::kString, Value{std::move(def)}, 0, 0};
}

// A settings file larger than this is not ours (a few hundred paths of a few dozen bytes).
constexpr std::uintmax_t kMaxFileBytes = 1 << 20;

}  // namespace

const std::vector<SettingSpec>& builtin_settings() {
  // Types, defaults and limits as dbus-systemcalc-py declares them (dbus_systemcalc.py
  // supported_settings; delegates/dvcc.py, batteryservice.py, batterysense.py get_settings), and
  // for the ESS paths as the Venus D-Bus documentation describes them (seeds/003: "ESS related
  // settings"). Where Venus sets no limits (min = max = 0) we set the ones its values can take.
  static const std::vector<SettingSpec> kTable = {
      // "default" (auto), "nobattery" or "<class>/<instance>" (venus_os.md §5.2)
      string_setting("/Settings/SystemSetup/BatteryService", "default"),
      // -1 auto, -255 none, else a DeviceInstance
      int_setting("/Settings/SystemSetup/BmsInstance", -1, -255, 65535),
      // -1 = no user limit (dvcc.py: -1, -1, 10000)
      int_setting("/Settings/SystemSetup/MaxChargeCurrent", -1, -1, 10000),
      // 0 = no user limit (dvcc.py: 0.0, 0.0, 80.0)
      double_setting("/Settings/SystemSetup/MaxChargeVoltage", 0.0, 0.0, 80.0),
      int_setting("/Settings/SystemSetup/HasDcSystem", 0, 0, 1),
      int_setting("/Settings/SystemSetup/HasAcOutSystem", 1, 0, 1),
      int_setting("/Settings/SystemSetup/HasAcInLoads", 1, 0, 1),
      int_setting("/Settings/SystemSetup/DvccControlAllMultis", 0, 0, 1),
      string_setting("/Settings/SystemSetup/TemperatureService", "default"),
      // Shared current sense (SCS): the battery current to the solar chargers (seed 003
      // /Link/BatteryCurrent, /Control/BatteryCurrentSense); on by default (batterysense.py).
      int_setting("/Settings/SystemSetup/BatteryCurrentSense", 1, 0, 1),
      // AC input types: 0 not available, 1 grid, 2 genset, 3 shore
      int_setting("/Settings/SystemSetup/AcInput1", 1, 0, 3),
      int_setting("/Settings/SystemSetup/AcInput2", 0, 0, 3),
      // DVCC: bit 0 on, bit 1 forced (0b00 off, 0b01 on, 0b10 forced off, 0b11 forced on)
      int_setting("/Settings/Services/Bol", 0, 0, 7),
      // ESS (seeds/003): mode 1 or 2 optimised/keep charged, 3 external control
      int_setting("/Settings/CGwacs/Hub4Mode", 1, 1, 3),
      int_setting("/Settings/CGwacs/BatteryLife/State", 1, 0, 12),
      double_setting("/Settings/CGwacs/BatteryLife/MinimumSocLimit", 10.0, 0.0, 100.0),
      double_setting("/Settings/CGwacs/BatteryLife/SocLimit", 10.0, 0.0, 100.0),
      double_setting("/Settings/CGwacs/BatteryLife/DischargedSoc", 10.0, 0.0, 100.0),
      int_setting("/Settings/CGwacs/BatteryLife/DischargedTime", 0, 0, 2147483647.0),
      int_setting("/Settings/CGwacs/BatteryLife/Flags", 0, 0, 2147483647.0),
      double_setting("/Settings/CGwacs/AcPowerSetPoint", 0.0, -1000000.0, 1000000.0),
      double_setting("/Settings/CGwacs/MaxChargePower", -1.0, -1.0, 1000000.0),
      double_setting("/Settings/CGwacs/MaxDischargePower", -1.0, -1.0, 1000000.0),
      int_setting("/Settings/CGwacs/MaxChargePercentage", 100, 0, 100),
      int_setting("/Settings/CGwacs/MaxDischargePercentage", 100, 0, 100),
      int_setting("/Settings/CGwacs/OvervoltageFeedIn", 0, 0, 1),
      int_setting("/Settings/CGwacs/PreventFeedback", 0, 0, 1),
      int_setting("/Settings/CGwacs/RunWithoutGridMeter", 0, 0, 1),
  };
  return kTable;
}

std::string battery_setting_path(std::string_view instance_service, std::string_view leaf) {
  // batterydata.py: config_id = service.replace('.', '_')
  std::string id(instance_service);
  for (char& c : id)
    if (c == '.') c = '_';
  return "/Settings/SystemSetup/Batteries/Configuration/" + id + "/" + std::string(leaf);
}

Settings::Settings(model::Model& model, std::filesystem::path file)
    : model_(model), file_(std::move(file)) {
  for (const auto& s : builtin_settings()) {
    specs_.emplace(s.path, s);
    values_.emplace(s.path, s.def);
  }
}

void Settings::start() {
  load();
  model::ServiceSpec spec;
  spec.type = "settings";
  spec.process_name = "gxlink-settings";
  spec.mgmt_connection = "local";
  spec.product_name = std::string("Settings");
  service_ = &model_.add_service(std::move(spec));
  for (const auto& [path, s] : specs_) publish(s);
}

void Settings::stop() {
  if (!service_) return;
  model_.remove_service(kSettingsService);
  service_ = nullptr;
}

void Settings::publish(const SettingSpec& spec) {
  if (!service_) return;
  model::ItemMeta meta;
  meta.writable = true;
  meta.default_value = spec.def;
  if (spec.type != SettingType::kString && !(spec.min == 0 && spec.max == 0)) {
    meta.min = spec.min;
    meta.max = spec.max;
  }
  const std::string path = spec.path;
  service_->add(path, std::move(meta), values_[path],
                [this, path](const Value& v) { return set(path, v); });
}

void Settings::add(SettingSpec spec) {
  if (specs_.count(spec.path)) return;
  Value initial = spec.def;
  if (auto it = orphans_.find(spec.path); it != orphans_.end()) {
    Value v;
    if (validate(spec, it->second, v) == WriteResult::kOk) initial = std::move(v);
    orphans_.erase(it);
  }
  values_[spec.path] = std::move(initial);
  auto& s = specs_.emplace(spec.path, std::move(spec)).first->second;
  publish(s);
}

WriteResult Settings::validate(const SettingSpec& spec, const Value& in, Value& out) const {
  switch (spec.type) {
    case SettingType::kString:
      if (!std::holds_alternative<std::string>(in)) return WriteResult::kBadType;
      if (std::get<std::string>(in).size() > kMaxSettingStringBytes)
        return WriteResult::kOutOfRange;
      out = in;
      return WriteResult::kOk;
    case SettingType::kInt: {
      // A whole double is accepted (JSON and MQTT carry numbers without a type).
      auto i = model::as_int(in);
      if (!i) return WriteResult::kBadType;
      out = *i;
      break;
    }
    case SettingType::kDouble: {
      auto d = model::as_double(in);
      if (!d || !std::isfinite(*d)) return WriteResult::kBadType;
      out = *d;
      break;
    }
  }
  if (!(spec.min == 0 && spec.max == 0)) {
    const double d = *model::as_double(out);
    if (d < spec.min || d > spec.max) return WriteResult::kOutOfRange;
  }
  return WriteResult::kOk;
}

WriteResult Settings::set(std::string_view path, const Value& v) {
  auto it = specs_.find(path);
  if (it == specs_.end()) return WriteResult::kUnknownPath;
  Value checked;
  if (auto r = validate(it->second, v, checked); r != WriteResult::kOk) return r;
  Value& cur = values_[it->first];
  if (model::same_value(cur, checked)) return WriteResult::kOk;  // Venus: same value, no signal
  cur = checked;
  ++generation_;
  if (service_) service_->set(it->first, std::move(checked));
  save();
  return WriteResult::kOk;
}

WriteResult Settings::add_or_set(std::string_view path, const Value& v) {
  if (!specs_.count(path)) {
    if (!path.starts_with("/Settings/")) return WriteResult::kUnknownPath;
    SettingSpec s;
    s.path = std::string(path);
    if (std::holds_alternative<std::string>(v))
      s.type = SettingType::kString;
    else if (std::holds_alternative<std::int64_t>(v))
      s.type = SettingType::kInt;
    else if (std::holds_alternative<double>(v))
      s.type = SettingType::kDouble;
    else
      return WriteResult::kBadType;
    s.def = v;
    add(std::move(s));
  }
  return set(path, v);
}

const Value& Settings::get(std::string_view path) const {
  static const Value kInvalid;
  auto it = values_.find(path);
  return it == values_.end() ? kInvalid : it->second;
}

std::optional<std::int64_t> Settings::get_int(std::string_view path) const {
  return model::as_int(get(path));
}

std::optional<double> Settings::get_double(std::string_view path) const {
  return model::as_double(get(path));
}

std::string Settings::get_string(std::string_view path) const {
  if (auto* s = std::get_if<std::string>(&get(path))) return *s;
  return {};
}

void Settings::load() {
  if (file_.empty()) return;
  std::error_code ec;
  const auto size = std::filesystem::file_size(file_, ec);
  if (ec) return;  // none yet: defaults
  if (size > kMaxFileBytes) {
    load_error_ = file_.string() + " is " + std::to_string(size) +
                  " bytes, more than a settings file can be; defaults are used";
    return;
  }
  std::ifstream in(file_, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  for (auto& [path, jv] : j.items()) {
    if (!jv.is_primitive() || jv.is_null()) continue;
    Value v = model::from_json(jv);
    auto it = specs_.find(path);
    if (it == specs_.end()) {
      if (orphans_.size() < kMaxOrphanSettings)
        orphans_[path] = std::move(v);
      else
        load_error_ = "more than " + std::to_string(kMaxOrphanSettings) +
                      " settings no component declares; the rest are dropped";
      continue;
    }
    Value checked;
    // A value the table no longer allows (a hand-edited file, an older range) is dropped: the
    // default stands.
    if (validate(it->second, v, checked) == WriteResult::kOk) values_[path] = std::move(checked);
  }
}

void Settings::save() {
  if (file_.empty()) return;
  nlohmann::json j = nlohmann::json::object();
  for (auto& [path, v] : orphans_) j[path] = model::to_json(v);
  for (auto& [path, v] : values_) j[path] = model::to_json(v);
  auto ok = write_file_atomically(file_, model::dump_json(j, 1) + "\n", 0600);
  save_error_ = ok ? std::string() : ok.error().detail;
}

}  // namespace gxlink::system
