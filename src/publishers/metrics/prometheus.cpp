// SPDX-License-Identifier: MIT
#include "publishers/metrics/prometheus.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/json_writer.hpp"

namespace gxlink::publishers::metrics {
namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// promtool's lint flags these as abbreviated units when they stand alone between underscores
/// (client_golang promlint, "metric names should not contain abbreviated units").
bool looks_like_unit_abbreviation(std::string_view part) {
  static constexpr std::array<std::string_view, 14> kAbbreviations = {
      "s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"};
  return std::find(kAbbreviations.begin(), kAbbreviations.end(), part) != kAbbreviations.end();
}

/// One path segment in snake_case: "MaxChargeVoltage" → "max_charge_voltage", "ActiveIn" →
/// "active_in", "L1" → "l1", "CVL" → "cvl", "PvOnGrid" → "pv_on_grid".
std::string snake(std::string_view seg) {
  std::string out;
  for (std::size_t i = 0; i < seg.size(); ++i) {
    const char c = seg[i];
    if (is_upper(c)) {
      const bool after_lower = i > 0 && (is_lower(seg[i - 1]) || is_digit(seg[i - 1]));
      const bool acronym_end =
          i > 0 && is_upper(seg[i - 1]) && i + 1 < seg.size() && is_lower(seg[i + 1]);
      if (after_lower || acronym_end) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else if (is_lower(c) || is_digit(c)) {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    append_json_number(v, out);
  }
}

}  // namespace

std::string metric_name_for_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    const auto slash = path.find('/', i);
    const auto seg = path.substr(i, slash == std::string_view::npos ? path.npos : slash - i);
    if (!seg.empty()) {
      // A segment may itself hold several words; split them so each is checked on its own.
      std::string s = snake(seg);
      std::size_t start = 0;
      while (start <= s.size()) {
        const auto us = s.find('_', start);
        auto word = s.substr(start, us == std::string::npos ? std::string::npos : us - start);
        if (!word.empty()) {
          if (looks_like_unit_abbreviation(word) && !parts.empty())
            parts.back() += word;
          else
            parts.push_back(std::move(word));
        }
        if (us == std::string::npos) break;
        start = us + 1;
      }
    }
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  std::string name = "victron";
  for (const auto& p : parts) {
    name += '_';
    name += p;
  }
  if (name.ends_with("_total")) name += "_value";
  return name;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::vector<Family> model_families(const model::Model& model) {
  std::map<std::string, Family> by_name;
  for (const auto& [name, svc] : model.services()) {
    const std::string instance = std::to_string(svc->device_instance());
    for (const auto& [path, item] : svc->items()) {
      const auto& v = item.value;
      if (!std::holds_alternative<std::int64_t>(v) && !std::holds_alternative<double>(v)) continue;
      const double value = *model::as_double(v);
      if (!std::isfinite(value)) continue;
      auto metric = metric_name_for_path(path);
      auto& fam = by_name[metric];
      if (fam.name.empty()) {
        fam.name = metric;
        fam.help =
            "Venus path " + path + (item.meta.unit.empty() ? "" : " (" + item.meta.unit + ")");
      }
      fam.samples.push_back(
          {{{"service", name}, {"type", svc->type()}, {"instance", instance}, {"path", path}},
           value});
    }
  }
  std::vector<Family> out;
  out.reserve(by_name.size());
  for (auto& [n, f] : by_name) out.push_back(std::move(f));
  return out;
}

std::vector<Family> process_families() {
  std::vector<Family> out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name (which may hold spaces, so start after its ')').
    const auto close = line.rfind(')');
    std::istringstream in(line.substr(close + 2));
    std::vector<std::string> f;
    for (std::string x; in >> x;) f.push_back(x);
    // proc(5): utime = field 14, stime = 15, starttime = 22, rss = 24 (1-based; f[0] is field 3).
    if (f.size() > 21) {
      const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      out.push_back({"process_cpu_seconds_total",
                     "User and system CPU time spent in seconds.",
                     "counter",
                     {{{}, cpu}}});
      out.push_back({"process_resident_memory_bytes",
                     "Resident memory size in bytes.",
                     "gauge",
                     {{{}, std::stod(f[21]) * page}}});
      double boot = 0;
      std::ifstream s("/proc/stat");
      for (std::string l; std::getline(s, l);)
        if (l.starts_with("btime ")) boot = std::stod(l.substr(6));
      if (boot > 0)
        out.push_back({"process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.",
                       "gauge",
                       {{{}, boot + std::stod(f[19]) / ticks}}});
    }
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  out.push_back({"process_open_fds", "Number of open file descriptors.", "gauge", {{{}, fds}}});
  return out;
}

std::string render(std::vector<Family> families) {
  std::sort(families.begin(), families.end(),
            [](const Family& a, const Family& b) { return a.name < b.name; });
  std::string out;
  out.reserve(families.size() * 200);
  for (std::size_t i = 0; i < families.size(); ++i) {
    const auto& f = families[i];
    // The same name twice would be two families, which the format forbids: merge into the first.
    if (i > 0 && families[i - 1].name == f.name) continue;
    out += "# HELP " + f.name + ' ';
    for (char c : f.help) out += c == '\n' ? ' ' : c;
    out += "\n# TYPE " + f.name + ' ' + f.type + '\n';
    for (std::size_t j = i; j < families.size() && families[j].name == f.name; ++j) {
      for (const auto& s : families[j].samples) {
        out += f.name;
        if (!s.labels.empty()) {
          out += '{';
          bool first = true;
          for (const auto& [k, v] : s.labels) {
            if (!first) out += ',';
            first = false;
            out += k + "=\"" + escape_label_value(v) + '"';
          }
          out += '}';
        }
        out += ' ';
        append_value(out, s.value);
        out += '\n';
      }
    }
  }
  return out;
}

publishers::web::RouteHandler metrics_route(const model::Model& model,
                                            std::function<std::vector<Family>()> daemon) {
  return [&model, daemon = std::move(daemon)](
             const publishers::web::Request& req) -> std::optional<publishers::web::RouteResponse> {
    if (req.path() != "/metrics") return std::nullopt;
    publishers::web::RouteResponse r;
    if (req.method != "GET" && req.method != "HEAD") {
      r.status = 405;
      r.body = "only GET\n";
      r.extra_headers = "Allow: GET, HEAD\r\n";
      return r;
    }
    auto families = model_families(model);
    for (auto& f : process_families()) families.push_back(std::move(f));
    if (daemon)
      for (auto& f : daemon()) families.push_back(std::move(f));
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = render(std::move(families));
    r.extra_headers = "Cache-Control: no-store\r\n";
    return r;
  };
}

}  // namespace gxlink::publishers::metrics
