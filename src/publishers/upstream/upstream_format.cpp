// SPDX-License-Identifier: MIT
#include "publishers/upstream/upstream_format.hpp"

#include <nlohmann/json.hpp>

namespace gxlink::publishers::upstream {
namespace {

// Line protocol has no escape for a line break in any element (the line *is* the record), so
// control characters become spaces; Venus paths and names never carry them.
char printable(char c) { return (c == '\n' || c == '\r' || c == '\t') ? ' ' : c; }

std::string escape(std::string_view s, std::string_view specials) {
  std::string out;
  out.reserve(s.size() + 4);
  for (char c : s) {
    c = printable(c);
    if (specials.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string mqtt_topic(std::string_view prefix, std::string_view portal_id, const SeriesKey& key) {
  std::string t;
  t.reserve(prefix.size() + portal_id.size() + key.type.size() + key.path.size() + 16);
  if (!prefix.empty()) {
    t += prefix;
    t += '/';
  }
  t += portal_id;
  t += '/';
  t += key.type;
  t += '/';
  t += std::to_string(key.instance);
  if (key.path.empty() || key.path.front() != '/') t += '/';
  t += key.path;
  return t;
}

void append_mqtt_sample(std::string& out, std::int64_t t_ms, std::string_view value_json) {
  out += "{\"t\":";
  out += std::to_string(t_ms);
  out += ",\"value\":";
  out += value_json;
  out += '}';
}

std::string mqtt_payload(std::span<const StoredSample* const> samples) {
  std::string out;
  if (samples.size() == 1) {
    append_mqtt_sample(out, samples[0]->t_ms, samples[0]->value_json);
    return out;
  }
  out.reserve(samples.size() * 40);
  out += '[';
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i) out += ',';
    append_mqtt_sample(out, samples[i]->t_ms, samples[i]->value_json);
  }
  out += ']';
  return out;
}

std::string escape_measurement(std::string_view s) { return escape(s, ", "); }
std::string escape_tag(std::string_view s) {
  // A backslash before a comma, equals sign or space would read as an escape of it, and one at
  // the end of a tag value would swallow the separator after it: we write it as '/'.
  std::string plain(s);
  for (auto& c : plain)
    if (c == '\\') c = '/';
  return escape(plain, ",= ");
}
std::string escape_field_string(std::string_view s) { return escape(s, "\"\\"); }

bool append_line(std::string& out, const LineContext& ctx, const SeriesKey& key, std::int64_t t_ms,
                 std::string_view value_json) {
  const auto v = nlohmann::json::parse(value_json, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded() || v.is_null()) return false;
  out += escape_measurement(ctx.measurement);
  out += ",instance=";
  out += std::to_string(key.instance);
  if (!key.path.empty()) {
    out += ",path=";
    out += escape_tag(key.path);
  }
  if (!ctx.portal_id.empty()) {
    out += ",portal=";
    out += escape_tag(ctx.portal_id);
  }
  if (!key.type.empty()) {
    out += ",service=";
    out += escape_tag(key.type);
  }
  if (v.is_number()) {
    out += " value=";
    // The JSON text of a number is a valid line-protocol float (digits, '.', exponent); without
    // an 'i' suffix an integer is a float too.
    out += value_json;
  } else if (v.is_boolean()) {
    out += v.get<bool>() ? " value=1" : " value=0";
  } else {
    out += " text=\"";
    out += escape_field_string(v.is_string() ? v.get<std::string>() : v.dump());
    out += '"';
  }
  out += ' ';
  out += std::to_string(t_ms);
  out += '\n';
  return true;
}

}  // namespace gxlink::publishers::upstream
