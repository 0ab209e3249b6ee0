// SPDX-License-Identifier: MIT
#include "publishers/mqtt/venus_topics.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "model/model_json.hpp"

namespace gxlink::publishers::mqtt {

std::string service_type_of(std::string_view name) {
  if (name.starts_with(model::kServicePrefix)) name.remove_prefix(model::kServicePrefix.size());
  return std::string(name.substr(0, name.find('.')));
}

std::string instance_of(const model::Service& s) {
  if (const auto* di = s.find("/DeviceInstance")) {
    if (auto i = model::as_int(di->value)) return std::to_string(*i);
  }
  if (const auto* id = s.find("/Identifier")) {
    if (model::is_valid(id->value)) return model::to_plain_text(id->value);
  }
  return "0";
}

std::string notification_topic(std::string_view portal_id, std::string_view type,
                               std::string_view instance, std::string_view path) {
  std::string t;
  t.reserve(4 + portal_id.size() + type.size() + instance.size() + path.size());
  t += "N/";
  t += portal_id;
  t += '/';
  t += type;
  t += '/';
  t += instance;
  if (!path.empty() && path.front() != '/') t += '/';
  t += path;
  return t;
}

namespace {
nlohmann::json number_json(double d) {
  // Limits are stored as doubles; whole ones print as integers, as velib sends them.
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.0e15)
    return static_cast<std::int64_t>(d);
  if (!std::isfinite(d)) return nullptr;
  return d;
}
}  // namespace

std::string value_payload(const model::Item& item, bool mask) {
  nlohmann::json j = nlohmann::json::object();
  if (mask && std::holds_alternative<std::string>(item.value))
    j["value"] = "******";
  else
    j["value"] = model::to_json(item.value);
  if (item.meta.min) j["min"] = number_json(*item.meta.min);
  if (item.meta.max) j["max"] = number_json(*item.meta.max);
  return model::dump_json(j);
}

bool is_blocked(std::string_view type, std::string_view path) {
  return (type == "vebus" && path == "/Interfaces/Mk2/Tunnel") ||
         (type == "paygo" && path == "/LVD/Threshold");
}

bool is_masked(std::string_view type, std::string_view path) {
  return type == "settings" && (path == "/Settings/Ble/Service/Pincode" ||
                                path == "/Settings/Services/AccessPointPassword");
}

bool should_be_retained(std::string_view type, std::string_view path) {
  return type == "system" && path == "/Serial";
}

Result<Request> parse_request_topic(std::string_view topic) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto slash = topic.find('/', start);
    parts.push_back(topic.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 3) return fail(Errc::kBadFormat, "too few topic levels");
  for (auto p : parts) {
    if (p.empty()) return fail(Errc::kBadFormat, "empty topic level");
    if (p == "+" || p == "#") return fail(Errc::kUnsupported, "wildcards are not supported");
  }
  Request r;
  if (parts[0] != "R" && parts[0] != "W") return fail(Errc::kUnknownId, "not an R/ or W/ topic");
  r.action = parts[0][0];
  r.portal_id = parts[1];
  if (parts.size() == 3) {
    if (r.action == 'R' && parts[2] == "keepalive") {
      r.keepalive = true;
      return r;
    }
    return fail(Errc::kBadFormat, "no device instance in topic");
  }
  r.type = parts[2];
  r.instance = parts[3];
  for (std::size_t i = 4; i < parts.size(); ++i) {
    r.path += '/';
    r.path += parts[i];
  }
  // flashmq treats R/<id>/system/0/Serial as the legacy keep-alive (and also answers the read).
  r.keepalive = r.action == 'R' && r.type == "system" && r.instance == "0" && r.path == "/Serial";
  return r;
}

KeepaliveOptions parse_keepalive_options(std::string_view payload) {
  KeepaliveOptions o;
  if (payload.empty()) return o;
  auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return o;
  auto it = j.find("keepalive-options");
  if (it == j.end() || !it->is_array()) return o;
  for (const auto& el : *it) {
    if (el.is_string() && el.get<std::string>() == "suppress-republish")
      o.suppress_republish = true;
    if (el.is_object()) {
      auto e = el.find("full-publish-completed-echo");
      if (e != el.end() && e->is_string()) o.echo = e->get<std::string>();
    }
  }
  return o;
}

Result<model::Value> parse_write_payload(std::string_view payload, const model::Item& item) {
  auto j = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(Errc::kBadFormat, "payload is not JSON");
  if (!j.is_object()) return fail(Errc::kBadFormat, "payload is not a JSON object");
  auto it = j.find("value");
  if (it == j.end()) return fail(Errc::kBadFormat, "no \"value\" in payload");
  if (it->is_null()) return fail(Errc::kOutOfRange, "null cannot be written");
  if (it->is_object()) return fail(Errc::kBadFormat, "value is an object");
  model::Value v = model::from_json(*it);
  if (!model::is_valid(v)) return fail(Errc::kBadFormat, "value has no usable type");
  // The path's type: its current value, else its default.
  const model::Value& ref = model::is_valid(item.value) ? item.value : item.meta.default_value;
  if (std::holds_alternative<std::int64_t>(ref)) {
    auto i = model::as_int(v);
    if (!i) return fail(Errc::kOutOfRange, "path takes whole numbers");
    return model::Value{*i};
  }
  if (std::holds_alternative<double>(ref)) {
    auto d = model::as_double(v);
    if (!d) return fail(Errc::kOutOfRange, "path takes numbers");
    return model::Value{*d};
  }
  if (std::holds_alternative<std::string>(ref) && !std::holds_alternative<std::string>(v))
    return fail(Errc::kOutOfRange, "path takes text");
  return v;
}

std::string time_payload(std::int64_t unix_time, const std::optional<std::string>& echo) {
  nlohmann::json j = nlohmann::json::object();
  if (echo) j["full-publish-completed-echo"] = *echo;
  j["value"] = unix_time;
  return model::dump_json(j);
}

}  // namespace gxlink::publishers::mqtt
