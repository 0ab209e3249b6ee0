// SPDX-License-Identifier: MIT
#include "app/export_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "app/config.hpp"
#include "app/history_phase.hpp"
#include "publishers/history/history_api.hpp"
#include "publishers/history/history_store.hpp"

namespace gxlink::app {
namespace {

/// The daemon's data directory as `gxlink run` picks it (daemon.cpp state_dir): the config's
/// [general] data_dir, else /var/lib/gxlink for root, else ~/.local/state/gxlink.
std::filesystem::path data_dir_for(const ExportOptions& o) {
  if (!o.data_dir.empty()) return o.data_dir;
  const auto file = !o.config.empty() ? std::filesystem::path(o.config) : default_config_path();
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    try {
      const auto cfg = load_config(file);
      if (auto d = cfg["general"]["data_dir"].value<std::string>()) return *d;
    } catch (const std::exception&) {  // an unreadable config: the default place
    }
  }
  if (::geteuid() == 0) return "/var/lib/gxlink";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/tmp") / ".local/state/gxlink";
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// `\r[#####.....]  45%  123456/270000 rows` on a terminal, redrawn at most every 1%.
class Progress {
 public:
  Progress(std::int64_t total, bool on) : total_(total), on_(on && total > 0) {}
  void update(std::int64_t done) {
    if (!on_) return;
    const int pct = static_cast<int>(done * 100 / total_);
    if (pct == last_) return;
    last_ = pct;
    constexpr int kWidth = 30;
    std::string bar(kWidth, '.');
    for (int i = 0; i < pct * kWidth / 100; ++i) bar[static_cast<std::size_t>(i)] = '#';
    std::fprintf(stderr, "\r[%s] %3d%%  %lld/%lld rows", bar.c_str(), pct,
                 static_cast<long long>(done), static_cast<long long>(total_));
    std::fflush(stderr);
  }
  void finish() {
    if (on_) std::fputs("\n", stderr);
  }

 private:
  std::int64_t total_;
  bool on_;
  int last_ = -1;
};

}  // namespace

std::optional<std::int64_t> parse_time_argument(const std::string& s) {
  if (auto t = publishers::history::parse_unix_seconds(s)) return t;
  std::tm tm{};
  const char* end = nullptr;
  for (const char* fmt :
       {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"}) {
    tm = std::tm{};
    end = ::strptime(s.c_str(), fmt, &tm);
    if (end && (*end == '\0' || (end[0] == 'Z' && end[1] == '\0'))) return ::timegm(&tm);
  }
  return std::nullopt;
}

CLI::App* add_export_command(CLI::App& app, ExportOptions& o) {
  auto* cmd = app.add_subcommand("export", "Print stored history as CSV or JSON Lines");
  cmd->add_option("--from", o.from, "start: unix seconds or UTC date/time (2026-12-07T03:00Z)")
      ->required();
  cmd->add_option("--to", o.to, "end (exclusive); default now");
  cmd->add_option("--format", o.format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--service", o.service, "only this service (com.victronenergy.…)");
  cmd->add_option("--resolution", o.resolution, "raw, 1m or 15m; default as /api/export.csv")
      ->check(CLI::IsMember({"raw", "1m", "15m"}));
  cmd->add_option("--data-dir", o.data_dir, "the daemon's data_dir (default: as gxlink run)");
  cmd->add_option("--config", o.config, "read data_dir from this config");
  cmd->add_option("--output,-o", o.output, "write here instead of stdout");
  return cmd;
}

int run_export_command(const ExportOptions& o) {
  const auto from = parse_time_argument(o.from);
  const auto to =
      o.to.empty() ? std::optional<std::int64_t>(now_unix()) : parse_time_argument(o.to);
  if (!from || !to) {
    std::cerr << "gxlink export: --from/--to must be unix seconds or YYYY-MM-DD[THH:MM[:SS]][Z]\n";
    return 2;
  }
  if (*to <= *from) {
    std::cerr << "gxlink export: --to must be after --from\n";
    return 2;
  }
  const auto file = history_file(data_dir_for(o));
  auto store = publishers::history::HistoryStore::open_existing(file);
  if (!store) {
    std::cerr << "gxlink export: " << store.error().detail << '\n';
    return 1;
  }
  // The same choice as GET /api/export.csv makes.
  const auto res = !o.resolution.empty() ? *publishers::history::parse_resolution(o.resolution)
                                         : store->export_resolution(*from);
  const auto service = o.service.empty() ? std::nullopt : std::optional<std::string>(o.service);
  auto total = store->count_rows(*from, *to, res, service);
  auto cursor = store->export_rows(*from, *to, res, service);
  if (!cursor || !total) {
    std::cerr << "gxlink export: " << (cursor ? total.error().detail : cursor.error().detail)
              << '\n';
    return 1;
  }
  FILE* out = stdout;
  if (!o.output.empty()) {
    out = std::fopen(o.output.c_str(), "wb");
    if (!out) {
      std::cerr << "gxlink export: cannot write " << o.output << '\n';
      return 1;
    }
  }
  Progress progress(*total, ::isatty(STDERR_FILENO) != 0);
  const bool csv = o.format == "csv";
  std::string buf = csv ? publishers::history::csv_header() : std::string();
  std::int64_t done = 0;
  int code = 0;
  for (;;) {
    auto n = cursor->next(2000, [&](const publishers::history::ExportRow& r) {
      if (csv)
        publishers::history::append_csv_row(buf, r);
      else
        publishers::history::append_jsonl_row(buf, r);
    });
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), out) != buf.size()) {
      std::cerr << "\ngxlink export: write failed\n";
      code = 1;
      break;
    }
    buf.clear();
    if (!n) {
      std::cerr << "\ngxlink export: " << n.error().detail << '\n';
      code = 1;
      break;
    }
    if (*n == 0) break;
    done += static_cast<std::int64_t>(*n);
    progress.update(done);
  }
  progress.finish();
  if (std::fflush(out) != 0) code = 1;
  if (out != stdout) std::fclose(out);
  return code;
}

}  // namespace gxlink::app
