// SPDX-License-Identifier: MIT
#pragma once
/// The upstream wire formats, as pure functions (no I/O, no clock):
/// - MQTT topic `<prefix>/<portal id>/<service type>/<instance><path>` and payload
///   `{"t":unix_ms,"value":v}` or a JSON array of those (DESIGN.md "Upstream"; a contract that
///   checks we do not have parse);
/// - InfluxDB line protocol (docs.influxdata.com, "Line protocol" reference: element order,
///   escaping per element, integer/float/string field types, precision=ms timestamps).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "publishers/upstream/sample_queue.hpp"

namespace gxlink::publishers::upstream {

/// "gxlink/c0619ab1e2f3/battery/512/Dc/0/Voltage"; an empty prefix leaves the portal id first.
std::string mqtt_topic(std::string_view prefix, std::string_view portal_id, const SeriesKey& key);

/// `{"t":1700000000000,"value":26.82}`: `value_json` is inserted as it is (already JSON).
void append_mqtt_sample(std::string& out, std::int64_t t_ms, std::string_view value_json);
/// One sample as an object, several as an array of objects (oldest first, as given).
std::string mqtt_payload(std::span<const StoredSample* const> samples);

/// Escaping per line-protocol element.
std::string escape_measurement(std::string_view s);   ///< commas, spaces
std::string escape_tag(std::string_view s);           ///< commas, equals signs, spaces
std::string escape_field_string(std::string_view s);  ///< double quotes, backslashes

struct LineContext {
  std::string_view measurement;
  std::string_view portal_id;
};

/// Appends one line for the sample and returns true, or returns false (nothing appended) for an
/// invalid value (null), which line protocol cannot carry. Tags in key order (InfluxDB sorts them
/// anyway; sorted input is its documented fast path): instance, path, portal, service. A number is
/// written as the float field `value` whatever its JSON form, so that a path that is sometimes 1
/// and sometimes 1.5 never meets InfluxDB's field-type conflict; strings and arrays go to the
/// string field `text` (arrays as their JSON text).
bool append_line(std::string& out, const LineContext& ctx, const SeriesKey& key, std::int64_t t_ms,
                 std::string_view value_json);

}  // namespace gxlink::publishers::upstream
