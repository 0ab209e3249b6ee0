// SPDX-License-Identifier: MIT
#include "publishers/mqtt/home_assistant.hpp"

#include <array>

#include <nlohmann/json.hpp>

#include "model/model_json.hpp"
#include "publishers/mqtt/venus_topics.hpp"

namespace gxlink::publishers::mqtt {
namespace {

// Paths from the Venus D-Bus path list (seeds/003); units are the ones HA accepts for each
// device class (HA sensor docs), which are also the Venus units.
constexpr std::array kSensors = {
    HaSensor{"/Dc/0/Voltage", "DC voltage", "voltage", "V", "measurement"},
    HaSensor{"/Dc/0/Current", "DC current", "current", "A", "measurement"},
    HaSensor{"/Dc/0/Power", "DC power", "power", "W", "measurement"},
    HaSensor{"/Dc/0/Temperature", "Temperature", "temperature", "°C", "measurement"},
    HaSensor{"/Dc/1/Voltage", "Starter voltage", "voltage", "V", "measurement"},
    HaSensor{"/Soc", "State of charge", "battery", "%", "measurement"},
    HaSensor{"/ConsumedAmphours", "Consumed Ah", "", "Ah", "measurement"},
    HaSensor{"/TimeToGo", "Time to go", "duration", "s", "measurement"},
    HaSensor{"/Info/MaxChargeVoltage", "Max charge voltage", "voltage", "V", "measurement"},
    HaSensor{"/Info/MaxChargeCurrent", "Max charge current", "current", "A", "measurement"},
    HaSensor{"/Info/MaxDischargeCurrent", "Max discharge current", "current", "A", "measurement"},
    HaSensor{"/System/MinCellVoltage", "Min cell voltage", "voltage", "V", "measurement"},
    HaSensor{"/System/MaxCellVoltage", "Max cell voltage", "voltage", "V", "measurement"},
    HaSensor{"/Pv/V", "PV voltage", "voltage", "V", "measurement"},
    HaSensor{"/Pv/I", "PV current", "current", "A", "measurement"},
    HaSensor{"/Yield/Power", "PV power", "power", "W", "measurement"},
    HaSensor{"/Yield/User", "Yield", "energy", "kWh", "total_increasing"},
    HaSensor{"/History/Daily/0/Yield", "Yield today", "energy", "kWh", "total_increasing"},
    HaSensor{"/State", "State", "", "", ""},
    HaSensor{"/ErrorCode", "Error code", "", "", ""},
    HaSensor{"/Ac/Out/L1/P", "AC output power", "power", "W", "measurement"},
    HaSensor{"/Ac/Out/L1/V", "AC output voltage", "voltage", "V", "measurement"},
    HaSensor{"/Ac/Out/L1/I", "AC output current", "current", "A", "measurement"},
    HaSensor{"/Ac/Out/L1/F", "AC output frequency", "frequency", "Hz", "measurement"},
    HaSensor{"/Ac/ActiveIn/L1/P", "AC input power", "power", "W", "measurement"},
    HaSensor{"/Ac/ActiveIn/L1/V", "AC input voltage", "voltage", "V", "measurement"},
    HaSensor{"/Ac/ActiveIn/L1/I", "AC input current", "current", "A", "measurement"},
    HaSensor{"/Ac/ActiveIn/L1/F", "AC input frequency", "frequency", "Hz", "measurement"},
    HaSensor{"/Ac/Power", "AC power", "power", "W", "measurement"},
    HaSensor{"/Ac/L1/Power", "AC L1 power", "power", "W", "measurement"},
    HaSensor{"/Ac/L1/Voltage", "AC L1 voltage", "voltage", "V", "measurement"},
    HaSensor{"/Ac/L1/Current", "AC L1 current", "current", "A", "measurement"},
    HaSensor{"/Ac/Energy/Forward", "AC energy forward", "energy", "kWh", "total_increasing"},
    HaSensor{"/Ac/Energy/Reverse", "AC energy reverse", "energy", "kWh", "total_increasing"},
    HaSensor{"/Level", "Level", "", "%", "measurement"},
    HaSensor{"/Temperature", "Temperature", "temperature", "°C", "measurement"},
    HaSensor{"/Dc/Battery/Soc", "Battery SOC", "battery", "%", "measurement"},
    HaSensor{"/Dc/Battery/Voltage", "Battery voltage", "voltage", "V", "measurement"},
    HaSensor{"/Dc/Battery/Power", "Battery power", "power", "W", "measurement"},
    HaSensor{"/Dc/Pv/Power", "PV power (total)", "power", "W", "measurement"},
    HaSensor{"/Ac/Consumption/L1/Power", "AC consumption L1", "power", "W", "measurement"},
};

// HA object ids allow [a-zA-Z0-9_-] only.
std::string slug(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (ok)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string text_or_empty(const model::Service& s, std::string_view path) {
  const auto& v = s.get(path);
  if (auto* str = std::get_if<std::string>(&v)) return *str;
  if (model::is_valid(v)) return model::to_plain_text(v);
  return {};
}

}  // namespace

std::span<const HaSensor> ha_sensors() { return kSensors; }

HaDiscovery::HaDiscovery(model::Model& model, Sink& sink, HaOptions options)
    : model_(model), sink_(sink), options_(std::move(options)) {
  for (const auto& s : kSensors) sensor_index_[s.path] = &s;
}

std::string HaDiscovery::availability_topic() const {
  return options_.state_prefix + "/" + options_.portal_id + "/status";
}

std::string HaDiscovery::own_config_prefix() const {
  return options_.discovery_prefix + "/sensor/gxlink_" + slug(options_.portal_id) + "/";
}

std::vector<std::string> HaDiscovery::subscriptions() const {
  return {options_.discovery_prefix + "/status", own_config_prefix() + "+/config"};
}

const HaSensor* HaDiscovery::sensor_for(std::string_view path) const {
  auto it = sensor_index_.find(path);
  return it == sensor_index_.end() ? nullptr : it->second;
}

std::string HaDiscovery::state_topic(const model::Service& s, std::string_view path) const {
  std::string t = options_.state_prefix + "/" + options_.portal_id + "/" +
                  service_type_of(s.name()) + "/" + instance_of(s);
  t += path;
  return t;
}

std::string HaDiscovery::config_topic(const model::Service& s, const HaSensor& sensor) const {
  return config_topic_at(s, instance_of(s), sensor);
}

std::string HaDiscovery::config_topic_at(const model::Service& s, const std::string& instance,
                                         const HaSensor& sensor) const {
  return own_config_prefix() +
         slug(service_type_of(s.name()) + "_" + instance + std::string(sensor.path)) + "/config";
}

std::string HaDiscovery::config_payload(const model::Service& s, const HaSensor& sensor) const {
  const std::string type = service_type_of(s.name());
  const std::string device_id =
      "gxlink_" + slug(options_.portal_id) + "_" + slug(type) + "_" + slug(instance_of(s));
  std::string name = text_or_empty(s, "/CustomName");
  if (name.empty()) name = text_or_empty(s, "/ProductName");
  if (name.empty()) name = type + " " + instance_of(s);

  nlohmann::json device = {{"identifiers", nlohmann::json::array({device_id})}, {"name", name}};
  if (auto model_name = text_or_empty(s, "/ProductName"); !model_name.empty())
    device["model"] = model_name;
  if (auto fw = text_or_empty(s, "/FirmwareVersion"); !fw.empty()) device["sw_version"] = fw;
  if (auto serial = text_or_empty(s, "/Serial"); !serial.empty()) device["serial_number"] = serial;

  nlohmann::json j = {
      {"name", std::string(sensor.name)},
      {"unique_id", device_id + "_" + slug(sensor.path)},
      {"object_id", device_id + "_" + slug(sensor.path)},
      {"state_topic", state_topic(s, sensor.path)},
      {"value_template", "{{ value_json.value }}"},
      {"availability_topic", availability_topic()},
      {"payload_available", "online"},
      {"payload_not_available", "offline"},
      {"device", device},
      {"origin", {{"name", "gxlink"}, {"sw_version", GXLINK_VERSION}}},
  };
  if (!sensor.device_class.empty()) j["device_class"] = std::string(sensor.device_class);
  if (!sensor.unit.empty()) j["unit_of_measurement"] = std::string(sensor.unit);
  if (!sensor.state_class.empty()) j["state_class"] = std::string(sensor.state_class);
  if (const auto* item = s.find(sensor.path); item && item->meta.decimals >= 0)
    j["suggested_display_precision"] = item->meta.decimals;
  return model::dump_json(j);
}

void HaDiscovery::publish_config(const model::Service& s, const HaSensor& sensor) {
  const std::string topic = config_topic(s, sensor);
  live_.insert(topic);
  pending_removal_.erase(topic);
  sink_.publish(topic, config_payload(s, sensor), true);
}

void HaDiscovery::publish_service(const model::Service& s) {
  instances_[s.name()] = instance_of(s);
  for (const auto& [path, item] : s.items()) {
    const HaSensor* sensor = sensor_for(path);
    if (!sensor) continue;
    publish_config(s, *sensor);
    sink_.publish(state_topic(s, path), value_payload(item), false);
  }
}

void HaDiscovery::on_connected() {
  sink_.publish(availability_topic(), "online", true);
  // Devices that went while the broker was unreachable still have retained configs there.
  for (const auto& topic : pending_removal_) sink_.publish(topic, {}, true);
  pending_removal_.clear();
  for (const auto& [name, s] : model_.services()) publish_service(*s);
}

void HaDiscovery::on_message(std::string_view topic, std::string_view payload) {
  if (topic == options_.discovery_prefix + "/status" && payload == "online") {
    // HA (re)started: it lost every state; send the configs and states again.
    for (const auto& [name, s] : model_.services()) publish_service(*s);
    return;
  }
  // One of our config topics, retained on the broker, for a device we do not have: clear it.
  if (!payload.empty() && topic.starts_with(own_config_prefix()) && topic.ends_with("/config") &&
      !live_.contains(topic))
    sink_.publish(topic, {}, true);
}

void HaDiscovery::on_service_added(const model::Service& s) {
  if (sink_.connected()) publish_service(s);
}

void HaDiscovery::on_service_removed(const model::Service& s) {
  auto inst = instances_.find(s.name());
  const std::string instance = inst != instances_.end() ? inst->second : instance_of(s);
  if (inst != instances_.end()) instances_.erase(inst);
  for (const auto& [path, item] : s.items()) {
    const HaSensor* sensor = sensor_for(path);
    if (!sensor) continue;
    const std::string topic = config_topic_at(s, instance, *sensor);
    live_.erase(topic);
    if (!sink_.publish(topic, {}, true)) pending_removal_.insert(topic);
  }
}

void HaDiscovery::on_changes(std::span<const model::Change> changes) {
  if (!sink_.connected()) return;
  for (const auto& c : changes) {
    const std::string& path = *c.path;
    if (path == "/DeviceInstance" || path == "/Identifier") {
      // New instance, new unique ids: the old sensors go, the device comes back under the new one.
      auto inst = instances_.find(c.service->name());
      if (inst != instances_.end() && inst->second != instance_of(*c.service)) {
        on_service_removed(*c.service);
        publish_service(*c.service);
      }
      continue;
    }
    if (path == "/ProductName" || path == "/CustomName" || path == "/FirmwareVersion") {
      publish_service(*c.service);  // the device block changed
      continue;
    }
    const HaSensor* sensor = sensor_for(path);
    if (!sensor) continue;
    if (!live_.contains(config_topic(*c.service, *sensor))) publish_config(*c.service, *sensor);
    sink_.publish(state_topic(*c.service, path), value_payload(*c.item), false);
  }
}

void HaDiscovery::going_offline() { sink_.publish(availability_topic(), "offline", true); }

}  // namespace gxlink::publishers::mqtt
