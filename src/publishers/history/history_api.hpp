// SPDX-License-Identifier: MIT
#pragma once
/// The history's HTTP contracts (DESIGN.md, issue 15 item 5) and the export formats `gxlink
/// export` shares with them:
/// - `GET /api/history?service=S&path=P&from=UNIX&to=UNIX[&max_points=N][&stat=avg|min|max]` →
///   `[[unix_s, value], …]` (value `null` where the device was gone), at most N points (default
///   1000, at most 10000); the resolution used is in `X-History-Resolution` (raw, 1m, 15m) and
///   the bucket width, when points were averaged further, in `X-History-Bucket`.
/// - `GET /api/history/series[?service=S]` → `[{"service": S, "path": P}, …]`: what is recorded.
/// - `GET /api/export.csv?from=UNIX&to=UNIX[&service=S][&resolution=raw|1m|15m]` → `text/csv`
///   with a header row, streamed (bounded memory whatever the range).
/// Bad parameters give 400 with `{"error": "…"}`; a series that is not recorded 404; history off
/// 503.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "publishers/history/history_store.hpp"
#include "publishers/web/http_route.hpp"

namespace gxlink::publishers::history {

class HistoryRecorder;

/// The routes above, answered from `recorder`'s store (which must outlive the server).
publishers::web::RouteHandler history_routes(HistoryRecorder& recorder);

inline constexpr std::size_t kDefaultMaxPoints = 1000;
inline constexpr std::size_t kMaxPoints = 10000;
/// The longest range one request may ask for (beyond the longest retention anyway).
inline constexpr std::int64_t kMaxRangeSeconds = 400LL * 86400;

/// "unix seconds" as a client sends them: digits, optionally a fraction (cut off). nullopt for
/// anything else or a time before 1970 or after 9999.
std::optional<std::int64_t> parse_unix_seconds(std::string_view s);

/// Shortest text that reads back as the same double ("12.5", "1e-05").
std::string format_number(double v);
/// "2026-12-07T03:22:13Z"
std::string format_utc(std::int64_t unix_s);

/// CSV (RFC 4180): the header row, and one row per export row (empty cells for invalid values and
/// for min/max of raw rows). Lines end with CRLF as RFC 4180 says.
std::string csv_header();
void append_csv_row(std::string& out, const ExportRow& row);
/// JSON Lines: {"t": unix_s, "time": "…Z", "service": S, "path": P, "value": v[, "min", "max"]}.
void append_jsonl_row(std::string& out, const ExportRow& row);

}  // namespace gxlink::publishers::history
