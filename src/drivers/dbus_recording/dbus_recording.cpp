// SPDX-License-Identifier: MIT
#include "drivers/dbus_recording/dbus_recording.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <istream>

#include <nlohmann/json.hpp>

#include "core/log_limit.hpp"
#include "core/text.hpp"
#include "model/model_json.hpp"

namespace gxlink::drivers::dbus_recording {
namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto tab = line.find('\t', start);
    out.push_back(
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return out;
}

}  // namespace

Result<model::Value> parse_recorded_value(std::string_view type, std::string_view text) {
  if (type == "STRING") return model::Value{std::string(text)};
  if (type == "DOUBLE") {
    try {
      std::size_t used = 0;
      const double d = std::stod(std::string(text), &used);
      if (used != text.size())
        return fail(Errc::kBadFormat, "bad DOUBLE '" + std::string(text) + "'");
      return model::Value{d};
    } catch (...) {
      return fail(Errc::kBadFormat, "bad DOUBLE '" + std::string(text) + "'");
    }
  }
  if (type == "INT32" || type == "INT16" || type == "UINT32" || type == "UINT16" ||
      type == "BYTE" || type == "INT64" || type == "UINT64" || type == "BOOLEAN") {
    if (text == "True") return model::Value{std::int64_t{1}};
    if (text == "False") return model::Value{std::int64_t{0}};
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size())
      return fail(Errc::kBadFormat, "bad " + std::string(type) + " '" + std::string(text) + "'");
    return model::Value{v};
  }
  if (type.starts_with("ARRAY")) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_array())
      return fail(Errc::kBadFormat, "bad ARRAY '" + std::string(text) + "'");
    // A list of dicts (Venus' /Batteries) or of mixed values is a structured value.
    return model::from_json_structured(j);
  }
  if (type.starts_with("DICT")) {
    // A dict (D-Bus a{sv}, Venus' /AvailableBatteryMeasurements), written as JSON.
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return fail(Errc::kBadFormat, "bad DICT '" + std::string(text) + "'");
    return model::from_json_structured(j);
  }
  return fail(Errc::kUnknownId, "unknown type " + std::string(type));
}

Result<DbusRecording> parse_dbus_recording(std::istream& in, std::vector<std::string>& warnings) {
  DbusRecording rec;
  std::string line;
  if (!std::getline(in, line)) return fail(Errc::kTruncated, "empty recording");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!line.starts_with("com.victronenergy."))
    return fail(Errc::kBadFormat, "line 1 is not a com.victronenergy service name");
  rec.service = line;
  bool in_changes = false;
  std::size_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      in_changes = true;
      continue;
    }
    auto cols = split_tabs(line);
    RecordedValue rv;
    std::size_t at = 0;
    if (in_changes) {
      if (cols.size() < 4) {
        warnings.push_back("line " + std::to_string(lineno) + ": expected t, path, type, value");
        continue;
      }
      try {
        rv.t = std::stod(std::string(cols[0]));
      } catch (...) {
        warnings.push_back("line " + std::to_string(lineno) + ": bad time '" +
                           std::string(cols[0]) + "'");
        continue;
      }
      at = 1;
    } else if (cols.size() < 3) {
      warnings.push_back("line " + std::to_string(lineno) + ": expected path, type, value");
      continue;
    }
    // A path becomes a D-Bus string in GetItems and ItemsChanged: one that is not UTF-8 made
    // every change of the service fail to send there.
    if (cols[at].empty() || cols[at].front() != '/' || !is_valid_utf8(cols[at])) {
      warnings.push_back("line " + std::to_string(lineno) + ": bad path '" +
                         truncate_for_log(cols[at], 80) + "'");
      continue;
    }
    rv.path = std::string(cols[at]);
    auto v = parse_recorded_value(cols[at + 1], cols[at + 2]);
    if (!v) {
      warnings.push_back("line " + std::to_string(lineno) + ": " + v.error().message());
      continue;
    }
    rv.value = std::move(*v);
    if (cols.size() > at + 3) rv.text = std::string(cols[at + 3]);
    (in_changes ? rec.changes : rec.initial).push_back(std::move(rv));
  }
  return rec;
}

std::size_t apply_dbus_recording(const DbusRecording& rec, model::Model& m, double until_seconds) {
  std::string_view rest = std::string_view(rec.service).substr(model::kServicePrefix.size());
  auto dot = rest.find('.');
  model::ServiceSpec spec;
  spec.type = std::string(rest.substr(0, dot));
  spec.connection =
      dot == std::string_view::npos ? std::string() : std::string(rest.substr(dot + 1));
  spec.process_name = "dbus-recording";
  for (auto& rv : rec.initial)
    if (rv.path == "/DeviceInstance")
      if (auto i = model::as_int(rv.value)) spec.device_instance = static_cast<int>(*i);
  auto& svc = m.add_service(spec);
  // Every path the recording will ever carry exists from the start, invalid until its first
  // value, so a replay up to a time announces the whole set (issue 13, conformance 1).
  for (auto& rv : rec.changes) svc.declare({model::PathSpec{rv.path}});
  std::size_t n = 0;
  for (auto& rv : rec.initial) {
    svc.set(rv.path, rv.value);
    ++n;
  }
  for (auto& rv : rec.changes) {
    if (rv.t > until_seconds) break;
    svc.set(rv.path, rv.value);
    ++n;
  }
  return n;
}

bool is_gx_written_path(std::string_view service, std::string_view path) {
  if (path.starts_with("/Link/") || path.starts_with("/BatteryOperationalLimits/") ||
      path.starts_with("/BatterySense/"))
    return true;
  // The Multi's charge limit (DVCC) and the solar current for its SOC counter (vebussocwriter).
  return (path == "/Dc/0/MaxChargeCurrent" || path == "/ExtraBatteryCurrent") &&
         service.starts_with("com.victronenergy.vebus.");
}

bool takes_gx_writes(std::string_view service, std::string_view path) {
  return is_gx_written_path(service, path) ||
         (path == "/Soc" && service.starts_with("com.victronenergy.vebus."));
}

namespace {

model::Value setup_value(const std::string& text) {
  // Python int(): optional sign and digits, with surrounding blanks already stripped.
  std::int64_t i = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  if (*b == '+') ++b;
  if (auto [p, ec] = std::from_chars(b, e, i); ec == std::errc{} && p == e && b != e)
    return model::Value{i};
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) return model::Value{d};
  return model::Value{text};
}

}  // namespace

std::vector<SetupLine> parse_setup(std::istream& in) {
  std::vector<SetupLine> out;
  std::string line;
  while (std::getline(in, line)) {
    // line.split(None, 2): three fields separated by blanks, the last one the rest of the line.
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    std::size_t pos = 0;
    std::string f[3];
    int n = 0;
    for (; n < 3; ++n) {
      while (pos < line.size() && blank(line[pos])) ++pos;
      if (pos >= line.size()) break;
      std::size_t end = pos;
      if (n < 2)
        while (end < line.size() && !blank(line[end])) ++end;
      else
        end = line.size();
      f[n] = line.substr(pos, end - pos);
      pos = end;
    }
    if (n < 3 || f[0].starts_with("#")) continue;
    while (!f[2].empty() && blank(f[2].back())) f[2].pop_back();
    if (f[2].empty()) continue;
    out.push_back({f[0], f[1], setup_value(f[2])});
  }
  return out;
}

void RecordingTimeline::add(DbusRecording rec) {
  const std::size_t r = recs_.size();
  for (std::size_t i = 0; i < rec.changes.size(); ++i) {
    const auto& c = rec.changes[i];
    if (skip_gx_written_ && is_gx_written_path(rec.service, c.path)) continue;
    events_.push_back({c.t, r, i});
    end_ = std::max(end_, c.t);
  }
  recs_.push_back(std::move(rec));
  std::stable_sort(
      events_.begin() + static_cast<std::ptrdiff_t>(next_), events_.end(),
      [](const Event& a, const Event& b) { return a.t < b.t || (a.t == b.t && a.rec < b.rec); });
}

void RecordingTimeline::start(model::Model& m, const std::vector<SetupLine>& overrides) {
  for (const auto& rec : recs_) {
    DbusRecording initial_only{rec.service, rec.initial, {}};
    for (const auto& o : overrides) {
      if (o.service != rec.service) continue;
      bool found = false;
      for (auto& rv : initial_only.initial)
        if (rv.path == o.path) {
          rv.value = o.value;
          found = true;
        }
      if (!found) initial_only.initial.push_back({0, o.path, o.value, {}});
    }
    apply_dbus_recording(initial_only, m);
  }
}

std::size_t RecordingTimeline::advance(model::Model& m, double until) {
  std::size_t n = 0;
  while (next_ < events_.size() && events_[next_].t <= until) {
    const Event& e = events_[next_++];
    const auto& rec = recs_[e.rec];
    const auto& c = rec.changes[e.index];
    if (auto* svc = m.find(rec.service)) {
      svc->set(c.path, c.value);
      ++n;
    }
  }
  return n;
}

}  // namespace gxlink::drivers::dbus_recording
