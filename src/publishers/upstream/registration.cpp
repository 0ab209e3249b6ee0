// SPDX-License-Identifier: MIT
// The `upstream` publisher (issue 18): `[[upstream.mqtt]]` and `[[upstream.influx]]` outputs to a
// fleet's central broker and time-series database, each with an on-disk queue in data_dir.
#include <unistd.h>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include "publishers/mqtt/mqtt_connection.hpp"
#include "publishers/mqtt/mqtt_publisher.hpp"
#include "publishers/upstream/upstream_publisher.hpp"
#include "registry/registry.hpp"

namespace gxlink::registry {
namespace {

// The portal id the local MQTT output uses by default (mqtt/registration.cpp: the machine id,
// else a random one kept in the state directory), so both outputs name a site alike.
std::string daemon_portal_id() {
  std::filesystem::path file;
  if (::geteuid() == 0) {
    file = "/var/lib/gxlink/portal_id";
  } else {
    const char* home = std::getenv("HOME");
    file = std::filesystem::path(home ? home : "/tmp") / ".local/state/gxlink/portal_id";
  }
  return publishers::mqtt::default_portal_id(file);
}

Duration secs(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

// Queue file names: letters, digits, '.', '-' and '_' only.
std::string file_safe(std::string s) {
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return s;
}

publishers::upstream::OutputOptions common(const toml::table& t, const std::string& default_name,
                                           const std::string& portal_id,
                                           const publishers::PublisherContext& ctx) {
  publishers::upstream::OutputOptions o;
  o.name = file_safe(t["name"].value_or(default_name));
  if (!ctx.data_dir.empty()) o.queue_file = ctx.data_dir / ("upstream-" + o.name + ".sqlite");
  o.portal_id = t["portal_id"].value_or(portal_id);
  o.min_interval = secs(t["min_interval_s"].value_or(1.0));
  o.snapshot_interval = secs(60.0 * t["snapshot_interval_min"].value_or(10.0));
  o.limits.max_bytes = static_cast<std::int64_t>(t["queue_max_mb"].value_or(256.0) * 1024 * 1024);
  o.limits.max_rows = t["queue_max_rows"].value_or(std::int64_t{10'000'000});
  o.forward.catchup_rate = t["catchup_rate"].value_or(2000.0);
  o.forward.batch = static_cast<std::size_t>(t["batch"].value_or(std::int64_t{1000}));
  return o;
}

template <class Fn>
void each_table(const toml::table& cfg, const char* key, Fn fn) {
  if (const auto* arr = cfg[key].as_array())
    for (const auto& e : *arr)
      if (const auto* t = e.as_table()) fn(*t);
}

std::unique_ptr<publishers::Publisher> make_upstream(const toml::table& cfg,
                                                     publishers::PublisherContext& ctx) {
  publishers::upstream::UpstreamOptions opts;
  std::string portal_id = cfg["portal_id"].value_or(std::string());
  if (portal_id.empty()) portal_id = daemon_portal_id();

  each_table(cfg, "mqtt", [&](const toml::table& t) {
    publishers::upstream::MqttOutputOptions o;
    auto& c = o.client;
    c.host = t["host"].value_or(std::string("127.0.0.1"));
    c.port = static_cast<int>(t["port"].value_or(std::int64_t{1883}));
    o.common = common(t, "mqtt-" + c.host + "-" + std::to_string(c.port), portal_id, ctx);
    o.prefix = t["prefix"].value_or(std::string("gxlink"));
    read_mqtt_credentials(t, c);
    // Stable per site, and not the local Venus output's "gxlink-<portal id>": two clients with
    // one id on one broker would take each other's session over and over.
    c.client_id = t["client_id"].value_or("gxlink-upstream-" + o.common.portal_id);
    c.keepalive_s = static_cast<int>(t["keepalive_s"].value_or(std::int64_t{30}));
    c.reconnect_max = secs(t["reconnect_max_s"].value_or(30.0));
    c.max_inflight = static_cast<int>(t["max_inflight"].value_or(std::int64_t{100}));
    if (c.tls.enabled && c.tls.ca_file.empty() && c.tls.ca_path.empty())
      throw std::runtime_error("[[upstream.mqtt]] " + o.common.name +
                               ": tls needs ca_file or ca_path");
    opts.mqtt.push_back(std::move(o));
  });

  each_table(cfg, "influx", [&](const toml::table& t) {
    publishers::upstream::InfluxOutputOptions o;
    const auto url = t["url"].value_or(std::string());
    if (auto e = publishers::upstream::parse_http_url(url, o.target); !e.empty())
      throw std::runtime_error("[[upstream.influx]] url \"" + url + "\" " + e);
    o.common = common(t, "influx-" + o.target.host + "-" + o.target.port, portal_id, ctx);
    o.version = static_cast<int>(t["version"].value_or(std::int64_t{2}));
    o.database = t["database"].value_or(std::string());
    o.retention_policy = t["retention_policy"].value_or(std::string());
    o.username = t["username"].value_or(std::string());
    o.password = t["password"].value_or(std::string());
    o.org = t["org"].value_or(std::string());
    o.bucket = t["bucket"].value_or(std::string());
    o.token = t["token"].value_or(std::string());
    o.measurement = t["measurement"].value_or(std::string("gxlink"));
    o.timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(1000 * t["timeout_s"].value_or(10.0)));
    o.retry_max = secs(t["retry_max_s"].value_or(60.0));
    if (o.version == 1 && o.database.empty())
      throw std::runtime_error("[[upstream.influx]] " + o.common.name +
                               ": version 1 needs database");
    if (o.version == 2 && (o.org.empty() || o.bucket.empty()))
      throw std::runtime_error("[[upstream.influx]] " + o.common.name +
                               ": version 2 needs org and bucket");
    opts.influx.push_back(std::move(o));
  });

  std::set<std::string> names;
  for (const auto& m : opts.mqtt)
    if (!names.insert(m.common.name).second)
      throw std::runtime_error("two upstream outputs are named " + m.common.name);
  for (const auto& i : opts.influx)
    if (!names.insert(i.common.name).second)
      throw std::runtime_error("two upstream outputs are named " + i.common.name);
  if (names.empty())
    throw std::runtime_error("[upstream] has no [[upstream.mqtt]] or [[upstream.influx]]");
  return std::make_unique<publishers::upstream::UpstreamPublisher>(ctx, std::move(opts));
}

// The keys every output reads (common()).
std::vector<KeySchema> common_keys() {
  return {
      {.name = "name",
       .type = ValueType::kString,
       .description = "names the queue file upstream-<name>.sqlite; default <kind>-<host>-<port>",
       .check = check_not_empty},
      {.name = "portal_id",
       .type = ValueType::kString,
       .description = "this output's site id; default [upstream] portal_id",
       .check = check_not_empty},
      positive_key("min_interval_s", "a changed path is sent at most once per this many seconds"),
      positive_key("snapshot_interval_min", "every path is sent every this many minutes"),
      positive_key("queue_max_mb", "queue bound in MB (thinned, then oldest dropped, beyond it)"),
      {.name = "queue_max_rows",
       .type = ValueType::kInteger,
       .description = "queue bound in samples",
       .min = 1000},
      positive_key("catchup_rate", "backlog samples per second at most after an outage"),
      {.name = "batch",
       .type = ValueType::kInteger,
       .description = "samples read from the queue per send",
       .min = 1,
       .max = 100000},
  };
}

SectionSchema upstream_schema() {
  auto mqtt_keys = common_keys();
  for (auto k : std::vector<KeySchema>{
           {.name = "host",
            .type = ValueType::kString,
            .description = "central broker host",
            .required = true,
            .check = check_not_empty},
           {.name = "port",
           .type = ValueType::kInteger,
           .description = "broker port",
           .min = 1,
           .max = 65535},
           {.name = "prefix",
           .type = ValueType::kString,
           .description = "first topic level: <prefix>/<portal id>/<type>/<instance>/<path>",
           .check = [](const toml::node& n) -> std::string {
             return n.value<std::string>()->find_first_of("+#") == std::string::npos
                        ? ""
                        : "must not contain '+' or '#'";
           }},
           string_key("client_id", "MQTT client id; default gxlink-upstream-<portal id>"),
           {.name = "keepalive_s",
           .type = ValueType::kInteger,
           .description = "MQTT PINGREQ interval",
           .min = 1,
           .max = 65535},
           positive_key("reconnect_max_s", "reconnect backoff doubles from 1 s up to this"),
           {.name = "max_inflight",
           .type = ValueType::kInteger,
           .description = "QoS 1 messages waiting for PUBACK at most",
           .min = 1,
           .max = 65535},
       })
    mqtt_keys.push_back(std::move(k));
  for (auto& k : mqtt_credential_keys()) mqtt_keys.push_back(std::move(k));
  auto influx_keys = common_keys();
  for (auto k : std::vector<KeySchema>{
           {.name = "url",
            .type = ValueType::kString,
            .description = "http://host:port of InfluxDB or a line-protocol listener",
            .required = true,
            .check = [](const toml::node& n) -> std::string {
              publishers::upstream::HttpTarget t;
              return publishers::upstream::parse_http_url(*n.value<std::string>(), t);
            }},
           {.name = "version",
           .type = ValueType::kInteger,
           .description = "1: /write?db= (1.x, Telegraf), 2: /api/v2/write (2.x, 3.x)",
           .min = 1,
           .max = 2},
           string_key("database", "v1: database"),
           string_key("retention_policy", "v1: retention policy; default the database's"),
           string_key("username", "v1: user (Basic authentication)"),
           string_key("password", "v1: password"),
           string_key("org", "v2: organisation"),
           string_key("bucket", "v2: bucket"),
           string_key("token", "v2: API token (Authorization: Token ...)"),
           {.name = "measurement",
           .type = ValueType::kString,
           .description = "measurement name; tags instance, path, portal, service",
           .check = check_not_empty},
           positive_key("timeout_s", "a write that takes longer is retried"),
           positive_key("retry_max_s", "retry backoff doubles from 1 s up to this"),
       })
    influx_keys.push_back(std::move(k));
  auto mqtt = std::make_shared<SectionSchema>(SectionSchema{.name = "upstream.mqtt",
                                                            .form = SectionForm::kArrayOfTables,
                                                            .description = "a central MQTT broker",
                                                            .keys = std::move(mqtt_keys)});
  auto influx = std::make_shared<SectionSchema>(
      SectionSchema{.name = "upstream.influx",
                    .form = SectionForm::kArrayOfTables,
                    .description = "an InfluxDB (or Telegraf) line-protocol endpoint",
                    .keys = std::move(influx_keys)});
  return {.name = "upstream",
          .form = SectionForm::kTable,
          .description = "fleet outputs with store-and-forward",
          .keys = {
              {.name = "enabled",
               .type = ValueType::kBool,
               .description = "false: no upstream output though the section exists"},
              {.name = "portal_id",
               .type = ValueType::kString,
               .description = "the site's id in topics and tags; default the daemon's portal id",
               .check = [](const toml::node& n) -> std::string {
                 const auto s = *n.value<std::string>();
                 if (s.empty()) return "must not be empty";
                 return s.find_first_of("/+#") == std::string::npos
                            ? ""
                            : "must not contain '/', '+' or '#'";
               }},
              {.name = "mqtt",
               .type = ValueType::kArrayOfTables,
               .description = "[[upstream.mqtt]] outputs",
               .fields = mqtt},
              {.name = "influx",
               .type = ValueType::kArrayOfTables,
               .description = "[[upstream.influx]] outputs",
               .fields = influx},
          }};
}

}  // namespace

void register_upstream(Registry& r) {
  r.publishers["upstream"] = PublisherEntry{make_upstream, false, upstream_schema()};
}

}  // namespace gxlink::registry
