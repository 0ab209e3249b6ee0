// SPDX-License-Identifier: MIT
#include "app/history_phase.hpp"

#include <stdexcept>

namespace gxlink::app {
namespace {

std::string check_path_rules(const toml::node& n) {
  const auto* arr = n.as_array();
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto s = (*arr)[i].value<std::string>();
    if (!s) return "paths[" + std::to_string(i) + "] must be a string";
    if (*s == "defaults") continue;
    if (!publishers::history::parse_path_rule(*s))
      return "paths[" + std::to_string(i) + "] '" + *s +
             "' is not \"defaults\" or \"<service type>:/<path>\"";
  }
  return {};
}

publishers::metrics::Family family(std::string name, std::string help, std::string type = "gauge") {
  return {std::move(name), std::move(help), std::move(type), {}};
}

}  // namespace

std::filesystem::path history_file(const std::filesystem::path& data_dir) {
  return data_dir / "history.sqlite";
}

registry::SectionSchema history_schema() {
  auto integer = [](const char* name, double min, double max, const char* description) {
    return registry::KeySchema{.name = name,
                               .type = registry::ValueType::kInteger,
                               .description = description,
                               .min = min,
                               .max = max};
  };
  return {
      .name = "history",
      .form = registry::SectionForm::kTable,
      .description = "SQLite history of chosen paths, kept in <data_dir>/history.sqlite",
      .keys = {
          {.name = "enabled",
           .type = registry::ValueType::kBool,
           .description = "false: no history"},
          {.name = "paths",
           .type = registry::ValueType::kArray,
           .description = "\"defaults\" and/or \"<service type>:/<path>\" patterns ('*' glob)",
           .check = check_path_rules},
          integer("interval_s", 1, 3600, "at most one stored sample per path this often"),
          integer("heartbeat_s", 0, 86400, "store an unchanged value again this often; 0: never"),
          integer("retention_raw_days", 1, 3650, "keep every stored sample this long"),
          integer("retention_minute_days", 1, 3650, "keep per-minute min/avg/max this long"),
          integer("retention_quarter_days", 1, 36500, "keep per-15-minute min/avg/max this long"),
          integer("max_series", 1, 100000, "paths recorded at most (memory bound)"),
      }};
}

std::unique_ptr<publishers::history::HistoryRecorder> make_history_recorder(
    const toml::table& cfg, publishers::PublisherContext ctx,
    const std::filesystem::path& data_dir) {
  const auto h = cfg["history"];
  if (!h["enabled"].value_or(true)) return nullptr;
  publishers::history::RecorderOptions o;
  o.file = history_file(data_dir);
  if (const auto* paths = h["paths"].as_array()) {
    o.rules.clear();
    for (const auto& node : *paths) {
      const auto text = node.value<std::string>().value_or("");
      if (text == "defaults") {
        const auto d = publishers::history::default_path_rules();
        o.rules.insert(o.rules.end(), d.begin(), d.end());
      } else if (auto rule = publishers::history::parse_path_rule(text)) {
        o.rules.push_back(*rule);
      } else {
        throw std::runtime_error("[history] paths: bad entry '" + text + "'");
      }
    }
  }
  auto secs = [&](const char* key, std::int64_t def) {
    return std::chrono::seconds(h[key].value_or(def));
  };
  o.interval = secs("interval_s", 10);
  o.heartbeat = secs("heartbeat_s", 300);
  const publishers::history::Retention defaults;
  o.retention.raw_days =
      static_cast<int>(h["retention_raw_days"].value_or(std::int64_t{defaults.raw_days}));
  o.retention.minute_days =
      static_cast<int>(h["retention_minute_days"].value_or(std::int64_t{defaults.minute_days}));
  o.retention.quarter_days =
      static_cast<int>(h["retention_quarter_days"].value_or(std::int64_t{defaults.quarter_days}));
  o.max_series = static_cast<std::size_t>(h["max_series"].value_or(std::int64_t{2000}));
  return std::make_unique<publishers::history::HistoryRecorder>(ctx, std::move(o));
}

std::vector<publishers::metrics::Family> daemon_metric_families(
    const std::vector<std::unique_ptr<drivers::Driver>>& drivers, const model::Model& model,
    const publishers::web::HttpServer* http, const publishers::history::HistoryRecorder* recorder) {
  std::vector<publishers::metrics::Family> out;
  auto health = family("gxlink_driver_health",
                       "Driver link state as GET /api/health gives it: 0 ok, 1 warning, 2 failed.");
  auto frames = family("gxlink_driver_frames_total",
                       "Frames, blocks or messages a driver accepted.", "counter");
  auto errors =
      family("gxlink_driver_decode_errors_total",
             "Frames or blocks a driver rejected (checksum, length, garbage).", "counter");
  auto reconnects =
      family("gxlink_driver_reconnects_total",
             "Times a driver's link was lost (/Connected went to 0) or reset.", "counter");
  for (const auto& d : drivers) {
    const std::vector<std::pair<std::string, std::string>> labels{{"kind", std::string(d->kind())},
                                                                  {"device", d->describe()}};
    health.samples.push_back({labels, static_cast<double>(d->health().state)});
    const auto c = d->counters();
    if (c.frames) frames.samples.push_back({labels, static_cast<double>(*c.frames)});
    if (c.decode_errors) errors.samples.push_back({labels, static_cast<double>(*c.decode_errors)});
    if (c.reconnects) reconnects.samples.push_back({labels, static_cast<double>(*c.reconnects)});
  }
  for (auto* f : {&health, &frames, &errors, &reconnects})
    if (!f->samples.empty()) out.push_back(std::move(*f));

  std::size_t connected = 0;
  for (const auto& [name, svc] : model.services())
    if (model::as_int(svc->get("/Connected")).value_or(0) == 1) ++connected;
  out.push_back({"gxlink_model_services",
                 "Services in the model.",
                 "gauge",
                 {{{}, static_cast<double>(model.services().size())}}});
  out.push_back({"gxlink_model_connected_services",
                 "Services with /Connected = 1.",
                 "gauge",
                 {{{}, static_cast<double>(connected)}}});
  out.push_back({"gxlink_model_repaired_strings_total",
                 "Device strings that were not UTF-8 and were repaired.",
                 "counter",
                 {{{}, static_cast<double>(model.repaired_strings())}}});

  if (http) {
    const auto s = http->stats();
    auto n = [](auto v) { return static_cast<double>(v); };
    out.push_back(
        {"gxlink_http_requests_total", "HTTP responses sent.", "counter", {{{}, n(s.requests)}}});
    out.push_back({"gxlink_http_connections_accepted_total",
                   "HTTP connections admitted.",
                   "counter",
                   {{{}, n(s.accepted)}}});
    out.push_back({"gxlink_http_connections_open",
                   "HTTP connections being served.",
                   "gauge",
                   {{{}, n(s.open)}}});
    out.push_back({"gxlink_http_refused_total",
                   "HTTP connections answered 503, by reason.",
                   "counter",
                   {{{{"reason", "per_address"}}, n(s.refused_per_address)},
                    {{{"reason", "full"}}, n(s.refused_full)}}});
    out.push_back({"gxlink_http_shed_total",
                   "Idle or slow HTTP connections closed to make room.",
                   "counter",
                   {{{}, n(s.shed)}}});
    out.push_back({"gxlink_http_timeouts_total",
                   "HTTP connections closed by a deadline, by phase.",
                   "counter",
                   {{{{"phase", "header"}}, n(s.header_timeouts)},
                    {{{"phase", "idle"}}, n(s.idle_timeouts)},
                    {{{"phase", "write"}}, n(s.write_timeouts)}}});
    out.push_back({"gxlink_http_bad_requests_total",
                   "Requests the parser refused (4xx/5xx).",
                   "counter",
                   {{{}, n(s.bad_requests)}}});
    out.push_back({"gxlink_http_internal_errors_total",
                   "Handlers that failed (500).",
                   "counter",
                   {{{}, n(s.internal_errors)}}});
  }

  if (recorder) {
    const auto& s = recorder->stats();
    auto n = [](auto v) { return static_cast<double>(v); };
    out.push_back({"gxlink_history_samples_total",
                   "Samples written to the history store.",
                   "counter",
                   {{{}, n(s.samples)}}});
    out.push_back({"gxlink_history_dropped_total",
                   "Samples lost: buffer full or a failed commit.",
                   "counter",
                   {{{}, n(s.dropped)}}});
    out.push_back({"gxlink_history_commit_errors_total",
                   "History commits that failed.",
                   "counter",
                   {{{}, n(s.commit_errors)}}});
    out.push_back({"gxlink_history_series", "Paths being recorded.", "gauge", {{{}, n(s.series)}}});
    out.push_back({"gxlink_history_last_commit_seconds",
                   "Duration of the last history commit.",
                   "gauge",
                   {{{}, s.last_commit_ms / 1000.0}}});
    const auto* store = const_cast<publishers::history::HistoryRecorder*>(recorder)->store();
    out.push_back({"gxlink_history_up",
                   "1 when the history store is open.",
                   "gauge",
                   {{{}, store ? 1.0 : 0.0}}});
    if (store)
      out.push_back({"gxlink_history_disk_bytes",
                     "History file size (main file and WAL).",
                     "gauge",
                     {{{}, n(store->disk_bytes())}}});
  }
  return out;
}

}  // namespace gxlink::app
