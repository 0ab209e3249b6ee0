// SPDX-License-Identifier: MIT
#pragma once
/// The dbus-flashmq topic and payload format (venus_os.md §3), as pure functions: topic names,
/// `{"value": …}` payloads, parsing of R/ and W/ topics, write payloads and keep-alive options.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/item.hpp"
#include "model/service.hpp"

namespace gxlink::publishers::mqtt {

/// "com.victronenergy.solarcharger.ttyO2" → "solarcharger" (flashmq's ShortServiceName: the part
/// after the prefix, up to the next dot).
std::string service_type_of(std::string_view service_name);

/// The topic instance: `/DeviceInstance`, else the `/Identifier` string, else 0 (venus_os.md §3).
std::string instance_of(const model::Service& s);

/// "N/<portal>/<type>/<instance><path>" (path keeps its leading slash).
std::string notification_topic(std::string_view portal_id, std::string_view type,
                               std::string_view instance, std::string_view path);

/// `{"value": v}` plus "min"/"max" when the item declares them; invalid → null. Doubles that are
/// not finite become null as well (JSON has no NaN). `mask` replaces a string by "******".
std::string value_payload(const model::Item& item, bool mask = false);

/// Paths flashmq never publishes (vebus /Interfaces/Mk2/Tunnel, paygo /LVD/Threshold).
bool is_blocked(std::string_view type, std::string_view path);
/// Secrets flashmq masks: the BLE pincode and the access-point password in settings.
bool is_masked(std::string_view type, std::string_view path);

/// Only `N/<id>/system/0/Serial` is retained (flashmq `should_be_retained`).
bool should_be_retained(std::string_view type, std::string_view path);

/// An incoming request topic: `R/<id>/<type>/<instance>/<path...>`, `W/...`, or `R/<id>/keepalive`.
struct Request {
  char action = 0;  ///< 'R' or 'W'
  std::string portal_id;
  std::string type;  ///< empty for "keepalive"
  std::string instance;
  std::string path;        ///< with a leading slash; empty when the topic names a whole service
  bool keepalive = false;  ///< R/<id>/keepalive or the legacy R/<id>/system/0/Serial
};
/// Splits a request topic; errors for other prefixes, empty levels or wildcards.
Result<Request> parse_request_topic(std::string_view topic);

struct KeepaliveOptions {
  bool suppress_republish = false;
  std::optional<std::string> echo;  ///< "full-publish-completed-echo" token (Venus >= 3.50)
};
/// An empty payload means "no options"; unknown options are ignored; a payload that is not JSON is
/// treated as empty (flashmq only looks for the option strings).
KeepaliveOptions parse_keepalive_options(std::string_view payload);

/// A W/ payload `{"value": v}` → the value, fitted to the item's type: an integer path takes whole
/// numbers only, a double path takes any number, a string path takes strings. Null is refused
/// (clients cannot make a device value invalid).
Result<model::Value> parse_write_payload(std::string_view payload, const model::Item& item);

/// `{"value": <unix time>}` (+ the echo token) for N/<id>/full_publish_completed and heartbeat.
std::string time_payload(std::int64_t unix_time, const std::optional<std::string>& echo = {});

}  // namespace gxlink::publishers::mqtt
