// SPDX-License-Identifier: MIT
// The `mqtt` publisher: on when `[mqtt]` exists or `--mqtt HOST:PORT` is given (see config.cpp).
#include <unistd.h>
#include <cstdlib>
#include <stdexcept>

#include "publishers/mqtt/mqtt_connection.hpp"
#include "publishers/mqtt/mqtt_publisher.hpp"
#include "registry/registry.hpp"

namespace gxlink::registry {
namespace {

std::filesystem::path portal_id_file(const toml::table& cfg) {
  if (auto f = cfg["portal_id_file"].value<std::string>()) return *f;
  // Same place as the daemon's state (daemon.cpp state_dir) when no data dir is known here.
  if (const char* sd = std::getenv("STATE_DIRECTORY"); sd && *sd) {
    const std::string dirs(sd);
    return std::filesystem::path(dirs.substr(0, dirs.find(':'))) / "portal_id";
  }
  if (::geteuid() == 0) return "/var/lib/gxlink/portal_id";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/tmp") / ".local/state/gxlink/portal_id";
}

double positive(const toml::table& cfg, const char* key, double def) {
  const double v = cfg[key].value_or(def);
  if (!(v > 0)) throw std::runtime_error(std::string("[mqtt] ") + key + " must be > 0");
  return v;
}

Duration secs(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

std::unique_ptr<publishers::Publisher> make_mqtt(const toml::table& cfg,
                                                 publishers::PublisherContext& ctx) {
  publishers::mqtt::MqttOptions o;
  auto& c = o.client;
  c.host = cfg["host"].value_or(std::string("127.0.0.1"));
  c.port = static_cast<int>(cfg["port"].value_or(std::int64_t{1883}));
  if (c.port <= 0 || c.port > 65535) throw std::runtime_error("[mqtt] port out of range");
  read_mqtt_credentials(cfg, c);
  c.keepalive_s = static_cast<int>(positive(cfg, "mqtt_keepalive_s", 30));
  c.reconnect_max = secs(positive(cfg, "reconnect_max_s", 30));
  c.max_backlog_bytes = static_cast<std::size_t>(positive(cfg, "max_backlog_kb", 16384) * 1024);

  auto& v = o.venus;
  v.portal_id = cfg["portal_id"].value_or(std::string());
  if (v.portal_id.empty()) v.portal_id = publishers::mqtt::default_portal_id(portal_id_file(cfg));
  if (v.portal_id.find_first_of("/+#") != std::string::npos)
    throw std::runtime_error("[mqtt] portal_id must not contain '/', '+' or '#'");
  v.writes = cfg["writes"].value_or(false);
  v.keepalive_timeout = secs(positive(cfg, "keepalive_timeout_s", 60));
  c.client_id = cfg["client_id"].value_or("gxlink-" + v.portal_id);

  o.homeassistant = cfg["homeassistant"].value_or(false);
  o.ha.discovery_prefix = cfg["homeassistant_prefix"].value_or(std::string("homeassistant"));
  o.ha.state_prefix = cfg["state_prefix"].value_or(std::string("gxlink"));
  o.republish_chunk = static_cast<std::size_t>(
      positive(cfg, "republish_chunk", static_cast<double>(o.republish_chunk)));
  return std::make_unique<publishers::mqtt::MqttPublisher>(ctx, std::move(o));
}

// Every key make_mqtt reads, and `enabled` (daemon.cpp).
SectionSchema mqtt_schema() {
  SectionSchema schema{
      .name = "mqtt",
      .form = SectionForm::kTable,
      .description = "the model on an MQTT broker in the Venus OS format",
      .keys = {
          bool_key("enabled", "false: no MQTT even though the section exists"),
          {.name = "host",
           .type = ValueType::kString,
           .description = "broker host",
           .check = check_not_empty},
          {.name = "port",
           .type = ValueType::kInteger,
           .description = "broker port",
           .min = 1,
           .max = 65535},
          string_key("client_id", "MQTT client id; default gxlink-<portal id>"),
          {.name = "portal_id",
           .type = ValueType::kString,
           .description = "topic prefix id; default: derived from /etc/machine-id",
           .check = [](const toml::node& n) -> std::string {
             return n.value<std::string>()->find_first_of("/+#") == std::string::npos
                        ? ""
                        : "must not contain '/', '+' or '#'";
           }},
          string_key("portal_id_file",
                     "where a random portal id is kept when there is no machine id"),
          bool_key("writes", "W/ topics change device settings (off unless enabled)"),
          positive_key("keepalive_timeout_s",
                       "publishing stops this long after the last keep-alive"),
          {.name = "mqtt_keepalive_s",
           .type = ValueType::kInteger,
           .description = "MQTT PINGREQ interval",
           .min = 1,
           .max = 65535},
          positive_key("reconnect_max_s", "reconnect backoff doubles from 1 s up to this"),
          positive_key("max_backlog_kb", "drop messages beyond this backlog to a slow broker"),
          {.name = "republish_chunk",
           .type = ValueType::kInteger,
           .description = "messages per event-loop turn during a full republish",
           .min = 1},
          bool_key("homeassistant", "Home Assistant MQTT discovery"),
          string_key("homeassistant_prefix", "Home Assistant discovery prefix"),
          string_key("state_prefix", "Home Assistant state topic prefix"),
      }};
  for (auto& k : mqtt_credential_keys()) schema.keys.push_back(std::move(k));
  return schema;
}

}  // namespace

void register_mqtt(Registry& r) {
  r.publishers["mqtt"] = PublisherEntry{make_mqtt, false, mqtt_schema()};
}

}  // namespace gxlink::registry
