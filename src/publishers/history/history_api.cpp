// SPDX-License-Identifier: MIT
#include "publishers/history/history_api.hpp"

#include <charconv>
#include <ctime>
#include <memory>

#include "core/json_writer.hpp"
#include "publishers/history/history_recorder.hpp"
#include "publishers/web/http_request.hpp"

namespace gxlink::publishers::history {
namespace {

using publishers::web::RouteResponse;
namespace web = gxlink::publishers::web;

/// Rows asked from SQLite per streamed piece of an export: about 40 KB of CSV.
constexpr std::size_t kRowsPerPiece = 600;

RouteResponse json_error(int status, std::string_view message) {
  RouteResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = "{\"error\":";
  append_json_string(message, r.body);
  r.body += "}";
  r.extra_headers = "Cache-Control: no-store\r\n";
  return r;
}

/// A required or optional time parameter; writes the error response on failure.
bool time_param(const web::Request& req, std::string_view name, std::int64_t& out,
                std::optional<RouteResponse>& error) {
  const auto text = web::query_param(req.target, name);
  if (!text) {
    error = json_error(400,
                       std::string("missing parameter '") + std::string(name) + "' (unix seconds)");
    return false;
  }
  const auto t = parse_unix_seconds(*text);
  if (!t) {
    error = json_error(400, std::string("parameter '") + std::string(name) +
                                "' must be unix seconds, got '" + text->substr(0, 40) + "'");
    return false;
  }
  out = *t;
  return true;
}

/// from/to present, ordered, and not wider than kMaxRangeSeconds.
std::optional<RouteResponse> range_params(const web::Request& req, std::int64_t& from,
                                          std::int64_t& to) {
  std::optional<RouteResponse> error;
  if (!time_param(req, "from", from, error) || !time_param(req, "to", to, error)) return error;
  if (to <= from) return json_error(400, "'to' must be after 'from'");
  if (to - from > kMaxRangeSeconds) return json_error(400, "range longer than 400 days");
  return std::nullopt;
}

bool valid_service(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == '.' || c == '-'))
      return false;
  return true;
}

bool valid_path(std::string_view p) {
  if (p.size() < 2 || p.size() > 255 || p.front() != '/') return false;
  for (char c : p)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          c == '/'))
      return false;
  return true;
}

RouteResponse get_history(HistoryRecorder& rec, const web::Request& req) {
  auto* store = rec.store();
  if (!store) return json_error(503, "history is off or its file could not be opened");
  const auto service = web::query_param(req.target, "service");
  const auto path = web::query_param(req.target, "path");
  if (!service || !valid_service(*service))
    return json_error(400, "parameter 'service' must be a service name (com.victronenergy.…)");
  if (!path || !valid_path(*path))
    return json_error(400, "parameter 'path' must be a D-Bus path (/Dc/0/Voltage)");
  std::int64_t from = 0, to = 0;
  if (auto e = range_params(req, from, to)) return *e;
  std::size_t max_points = kDefaultMaxPoints;
  if (auto mp = web::query_param(req.target, "max_points")) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(mp->data(), mp->data() + mp->size(), n);
    if (ec != std::errc() || end != mp->data() + mp->size() || n < 1 || n > kMaxPoints)
      return json_error(400, "parameter 'max_points' must be 1.." + std::to_string(kMaxPoints));
    max_points = n;
  }
  Statistic stat = Statistic::kAvg;
  if (auto s = web::query_param(req.target, "stat")) {
    const auto parsed = parse_statistic(*s);
    if (!parsed) return json_error(400, "parameter 'stat' must be avg, min or max");
    stat = *parsed;
  }
  const auto id = store->find_series(*service, *path);
  if (!id) return json_error(404, "no history is kept for " + *service + " " + *path);
  auto result = store->query(*id, from, to, max_points, rec.now_unix(), stat);
  if (!result) return json_error(500, result.error().detail);
  RouteResponse r;
  r.content_type = "application/json";
  r.body.reserve(result->points.size() * 24 + 2);
  r.body += '[';
  bool first = true;
  for (const auto& p : result->points) {
    if (!first) r.body += ',';
    first = false;
    r.body += '[';
    append_json_integer(p.t, r.body);
    r.body += ',';
    if (p.value)
      append_json_number(*p.value, r.body);
    else
      r.body += "null";
    r.body += ']';
  }
  r.body += ']';
  r.extra_headers = "Cache-Control: no-store\r\nX-History-Resolution: " +
                    std::string(to_string(result->resolution)) + "\r\n";
  if (result->bucket_s)
    r.extra_headers += "X-History-Bucket: " + std::to_string(result->bucket_s) + "\r\n";
  return r;
}

RouteResponse get_series(HistoryRecorder& rec, const web::Request& req) {
  auto* store = rec.store();
  if (!store) return json_error(503, "history is off or its file could not be opened");
  const auto service = web::query_param(req.target, "service");
  if (service && !valid_service(*service))
    return json_error(400, "parameter 'service' must be a service name");
  RouteResponse r;
  r.content_type = "application/json";
  r.body = "[";
  bool first = true;
  for (const auto& s :
       store->series(service ? std::optional<std::string_view>(*service) : std::nullopt)) {
    if (!first) r.body += ',';
    first = false;
    r.body += "{\"service\":";
    append_json_string(s.service, r.body);
    r.body += ",\"path\":";
    append_json_string(s.path, r.body);
    r.body += '}';
  }
  r.body += ']';
  r.extra_headers = "Cache-Control: no-store\r\n";
  return r;
}

RouteResponse get_export(HistoryRecorder& rec, const web::Request& req) {
  auto* store = rec.store();
  if (!store) return json_error(503, "history is off or its file could not be opened");
  std::int64_t from = 0, to = 0;
  if (auto e = range_params(req, from, to)) return *e;
  std::optional<std::string> service = web::query_param(req.target, "service");
  if (service && !valid_service(*service))
    return json_error(400, "parameter 'service' must be a service name (com.victronenergy.…)");
  Resolution res = store->export_resolution(from);
  if (auto r = web::query_param(req.target, "resolution")) {
    const auto parsed = parse_resolution(*r);
    if (!parsed) return json_error(400, "parameter 'resolution' must be raw, 1m or 15m");
    res = *parsed;
  }
  // Buffered samples are written first, so that the export includes the last seconds.
  rec.commit();
  auto cursor = store->export_rows(from, to, res, service);
  if (!cursor) return json_error(500, cursor.error().detail);
  RouteResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.extra_headers =
      "Cache-Control: no-store\r\nContent-Disposition: attachment; filename=\"gxlink-" +
      std::to_string(from) + "-" + std::to_string(to) +
      ".csv\"\r\nX-History-Resolution: " + std::string(to_string(res)) + "\r\n";
  // The cursor moves into the stream; each call formats the next rows. The server holds the
  // stream (and so the cursor's read connection) until the response is written or the client goes.
  auto state = std::make_shared<std::pair<ExportCursor, bool>>(std::move(*cursor), false);
  r.stream = [state]() -> std::string {
    std::string out;
    if (!state->second) {
      state->second = true;
      out = csv_header();
    }
    auto n =
        state->first.next(kRowsPerPiece, [&](const ExportRow& row) { append_csv_row(out, row); });
    if (!n) out += "# export ended early: " + n.error().detail + "\r\n";
    return out;
  };
  return r;
}

}  // namespace

std::optional<std::int64_t> parse_unix_seconds(std::string_view s) {
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  if (dot != std::string_view::npos) {
    const auto frac = s.substr(dot + 1);
    if (frac.empty() || frac.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
  }
  if (whole.empty() || whole.size() > 12 ||
      whole.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t v = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), v);
  if (v > 253402300799) return std::nullopt;  // 9999-12-31T23:59:59Z
  return v;
}

std::string format_number(double v) {
  std::string out;
  append_json_number(v, out);
  return out;
}

std::string format_utc(std::int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string csv_header() { return "time,unix_s,service,path,value,min,max\r\n"; }

namespace {

/// RFC 4180 §2.6: a field with a comma, quote or line break is quoted, quotes doubled. Service
/// names and D-Bus paths never need it, but an imported service's name is not ours to trust.
void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_optional(std::string& out, const std::optional<double>& v) {
  if (v) append_json_number(*v, out);
}

}  // namespace

void append_csv_row(std::string& out, const ExportRow& row) {
  out += format_utc(row.t);
  out += ',';
  append_json_integer(row.t, out);
  out += ',';
  append_csv_field(out, row.service);
  out += ',';
  append_csv_field(out, row.path);
  out += ',';
  append_optional(out, row.value);
  out += ',';
  append_optional(out, row.min);
  out += ',';
  append_optional(out, row.max);
  out += "\r\n";
}

void append_jsonl_row(std::string& out, const ExportRow& row) {
  JsonWriter w(out);
  w.begin_object();
  w.key("t");
  w.integer(row.t);
  w.key("time");
  w.string(format_utc(row.t));
  w.key("service");
  w.string(row.service);
  w.key("path");
  w.string(row.path);
  w.key("value");
  if (row.value)
    w.number(*row.value);
  else
    w.null();
  if (row.min || row.max) {
    w.key("min");
    if (row.min)
      w.number(*row.min);
    else
      w.null();
    w.key("max");
    if (row.max)
      w.number(*row.max);
    else
      w.null();
  }
  w.end_object();
  out += '\n';
}

publishers::web::RouteHandler history_routes(HistoryRecorder& recorder) {
  return [&recorder](const web::Request& req) -> std::optional<RouteResponse> {
    const auto path = req.path();
    const bool is_history =
        path == "/api/history" || path == "/api/history/series" || path == "/api/export.csv";
    if (!is_history) return std::nullopt;
    if (req.method != "GET" && req.method != "HEAD") {
      auto r = json_error(405, "only GET");
      r.extra_headers += "Allow: GET, HEAD\r\n";
      return r;
    }
    if (path == "/api/history") return get_history(recorder, req);
    if (path == "/api/history/series") return get_series(recorder, req);
    return get_export(recorder, req);
  };
}

}  // namespace gxlink::publishers::history
