// SPDX-License-Identifier: MIT
#pragma once
/// Wires issue 15's data side into the daemon: the `[history]` section and its recorder (data in
/// `<data_dir>/history.sqlite`), and the daemon's own counters for GET /metrics.

#include <filesystem>
#include <memory>
#include <vector>

#include <toml++/toml.h>

#include "drivers/driver.hpp"
#include "publishers/history/history_api.hpp"
#include "publishers/history/history_recorder.hpp"
#include "publishers/metrics/prometheus.hpp"
#include "publishers/web/http_server.hpp"
#include "registry/config_schema.hpp"

namespace gxlink::app {

/// The history file under a data directory.
std::filesystem::path history_file(const std::filesystem::path& data_dir);

registry::SectionSchema history_schema();

/// The recorder `[history]` describes (not started), or nullptr when `enabled = false`. Throws
/// std::runtime_error for a `paths` entry that is not `type:/path` (the schema refuses it first).
std::unique_ptr<publishers::history::HistoryRecorder> make_history_recorder(
    const toml::table& cfg, publishers::PublisherContext ctx,
    const std::filesystem::path& data_dir);

/// `gxlink_*` families: per-driver health and counters, the model's counts, the HTTP server's
/// counters and the history's. Any pointer may be null (that part is off).
std::vector<publishers::metrics::Family> daemon_metric_families(
    const std::vector<std::unique_ptr<drivers::Driver>>& drivers, const model::Model& model,
    const publishers::web::HttpServer* http, const publishers::history::HistoryRecorder* recorder);

}  // namespace gxlink::app
