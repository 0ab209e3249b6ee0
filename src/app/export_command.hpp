// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink export --from T --to T [--format csv|jsonl] [--service S] [--resolution raw|1m|15m]
/// [--data-dir D] [--output FILE]` (issue 15 item 5): the history's rows as GET /api/export.csv
/// gives them (same columns, same resolution choice), or as JSON Lines; a progress bar on stderr
/// only when stderr is a terminal.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace gxlink::app {

struct ExportOptions {
  std::string from;  ///< unix seconds or ISO 8601 UTC ("2026-12-07", "2026-12-07T03:00:00Z")
  std::string to;    ///< same; default: now
  std::string format = "csv";
  std::string service;     ///< empty: every service
  std::string resolution;  ///< empty: as GET /api/export.csv picks
  std::string data_dir;    ///< empty: as `gxlink run` picks
  std::string config;
  std::string output;  ///< empty: stdout
};

CLI::App* add_export_command(CLI::App& app, ExportOptions& opts);
/// Exit code: 0 done, 1 the file could not be read, 2 bad arguments.
int run_export_command(const ExportOptions& opts);

/// Unix seconds from "1733540000", "2026-12-07", "2026-12-07T03:00", "2026-12-07T03:00:00Z".
std::optional<std::int64_t> parse_time_argument(const std::string& s);

}  // namespace gxlink::app
