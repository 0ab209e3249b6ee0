// SPDX-License-Identifier: MIT
#pragma once
/// The HTTP side: the dashboard at `/` (its script and style under `/assets/`, Chart.js from
/// Debian's libjs-chart.js), `GET /api/model` ({service: {path: value}}), `GET /api/text`,
/// `GET /api/meta` (what may be written), `GET /api/service/<name>`, `GET /api/events` (a
/// Server-Sent Events stream of the model's change batches, issue 15 item 5), and the writes:
/// `POST /api/notifications/<n>/acknowledge`, `POST /api/notifications/acknowledge_all` (issue 12
/// item 5) and `POST /api/write?service=S&path=P&value=JSON` (issue 15 item 2, only with
/// `writes`), all through Model::write like D-Bus and MQTT; cross-site POSTs refused and, when a
/// token is configured, a POST without `Authorization: Bearer <token>` too (issue 15 item 7). A
/// small HTTP/1.1 server on standalone Asio that runs on the model's own io_context: no extra
/// thread, so handlers read the model directly on the loop thread. Request heads are parsed by the
/// sans-I/O `RequestParser` (http_request.hpp).
///
/// Limits (a dashboard on a small GX-class box; issue 11 item 5: one misbehaving client must not
/// shut the dashboard out):
/// - heads up to 8 KB (431 beyond), bodies up to 8 KB (413), so memory per connection is bounded;
/// - a client must complete a request head within `header_timeout` of connecting (or of its first
///   byte after a keep-alive response: slowloris), a keep-alive connection may sit idle between
///   requests for `idle_timeout`, and a response must drain within `write_timeout`;
/// - at most `max_per_address` connections per client address (idle keep-alive ones count). Every
///   local client is 127.0.0.1, and so is everyone behind a reverse proxy, so a newcomer first
///   sheds one of that address's connections that does no useful work (answered and draining,
///   stuck in the middle of a request head, or, after `shed_grace`, new and silent); only when
///   there is none does it get 503;
/// - at most `max_connections` in total (lowered at start() to what RLIMIT_NOFILE leaves room
///   for). When full, a connection that is not doing useful work is shed first (one already
///   answered and draining, then the oldest one stuck in a partial request head, then, after
///   `shed_grace`, an idle keep-alive one, then a new and silent one); only when there is none is
///   the newcomer refused with 503.
///
/// A refused connection is always answered (`503`, `Retry-After`, `Connection: close`), never
/// closed silently. Refusals, sheds and timeouts are counted in stats() and logged at most once per
/// reason per 10 s. When the port is taken the server reports once and retries with backoff; it
/// never stops the daemon and never throws out of start() or a handler (DESIGN.md "Safety
/// rules").

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "publishers/publisher.hpp"
#include "publishers/web/http_route.hpp"

namespace gxlink::publishers::web {

struct HttpOptions {
  std::string host =
      "127.0.0.1";  ///< DESIGN.md: network services bind to loopback unless configured
  int port = 8088;  ///< 0: any free port (see HttpServer::port())
  /// Total client connections being served at once; lowered at start() if RLIMIT_NOFILE is small.
  std::size_t max_connections = 256;
  /// Connections at once from one client address (a browser opens at most 6 per host).
  std::size_t max_per_address = 8;
  /// A request head (and its small body) must be complete this long after the connection opened,
  /// or after its first byte on a kept-alive connection.
  std::chrono::milliseconds header_timeout{5000};
  /// A kept-alive connection may wait this long for the next request.
  std::chrono::milliseconds idle_timeout{15000};
  /// A response must be taken by the client within this time.
  std::chrono::milliseconds write_timeout{10000};
  /// When full, a connection waiting for a request (new or kept alive) may be shed only after this
  /// long, so that a request already on its way is not met by a close.
  std::chrono::milliseconds shed_grace{1000};
  /// `GET /api/health`: the daemon's parts and their state as a JSON object (DESIGN.md contract),
  /// built by the app, which owns the drivers. Unset: 404.
  std::function<std::string()> health_json{};
  /// `POST /api/write` may change settings (`[http] writes`); off by default, like MQTT's.
  bool writes = false;
  /// When set, every POST (writes and acknowledges) needs `Authorization: Bearer <token>`.
  std::string token{};
  /// Event streams (`GET /api/events`) at once; each also holds one connection of the budget.
  std::size_t max_streams = 16;
  /// Bytes an event stream may have queued behind the one in flight; a client that falls this far
  /// behind is dropped (it reconnects and starts again from a snapshot), so memory stays bounded.
  std::size_t stream_queue_bytes = 256 * 1024;
  /// A comment line on every stream this often, so a vanished client is noticed (write timeout).
  std::chrono::milliseconds stream_heartbeat{15000};
  /// Chart.js 3 (Debian's libjs-chart.js), read at request time and served as
  /// `/assets/chart.min.js`: security updates of the package apply without rebuilding gxlink.
  std::string chartjs_file = "/usr/share/javascript/chart.js/chart.min.js";
  /// Further routes (history, export, metrics: issue 15), asked in order before the server's own;
  /// the first that answers wins.
  std::vector<RouteHandler> routes{};
};

/// Counters since start(), for diagnostics (read on the loop thread).
struct HttpStats {
  std::uint64_t accepted = 0;              ///< connections admitted
  std::uint64_t requests = 0;              ///< responses sent (any status)
  std::uint64_t refused_per_address = 0;   ///< 503: the client address had max_per_address
  std::uint64_t refused_full = 0;          ///< 503: max_connections busy, nothing to shed
  std::uint64_t shed = 0;                  ///< idle/slow connections closed to make room
  std::uint64_t header_timeouts = 0;       ///< closed: request head not complete in time
  std::uint64_t idle_timeouts = 0;         ///< closed: keep-alive connection idle too long
  std::uint64_t write_timeouts = 0;        ///< closed: client did not read its response
  std::uint64_t bad_requests = 0;          ///< 4xx/5xx from the parser (400, 413, 431, 501, 505)
  std::uint64_t internal_errors = 0;       ///< 500: a handler threw
  std::uint64_t accept_errors = 0;         ///< accept() failed (EMFILE, ENFILE, ...)
  std::size_t open = 0;                    ///< connections being served now
  std::size_t max_connections = 0;         ///< the effective total limit (after RLIMIT_NOFILE)
  std::size_t streams_open = 0;            ///< `GET /api/events` streams being served now
  std::uint64_t streams_refused = 0;       ///< 503: max_streams already open
  std::uint64_t stream_events = 0;         ///< events queued to streams (one per stream each)
  std::uint64_t streams_dropped_slow = 0;  ///< closed: queue above stream_queue_bytes
  std::uint64_t writes_ok = 0;             ///< POST /api/write accepted by Model::write
  std::uint64_t writes_refused = 0;  ///< POST /api/write refused (disabled, token, origin, model)
};

class HttpServer final : public Publisher {
 public:
  HttpServer(PublisherContext ctx, HttpOptions options);
  ~HttpServer() override;

  std::string_view kind() const override { return "http"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  /// The bound port (useful with port 0 in tests); 0 before start or while not listening.
  int port() const;
  /// Counters since start(); zeros before. Call on the loop thread.
  HttpStats stats() const;

  class Impl;

 private:
  PublisherContext ctx_;
  HttpOptions options_;
  std::shared_ptr<Impl> impl_;
};

/// The dashboard page; its script and style are served from /assets/ (dashboard_asset). All are
/// built into the binary from src/publishers/web/assets/ (no CDN: it works on a boat offline).
const std::string& dashboard_html();

/// A built-in asset by name ("app.js", "app.css"), nullptr when there is none.
struct Asset {
  std::string_view content_type;
  std::string_view body;
};
const Asset* dashboard_asset(std::string_view name);

}  // namespace gxlink::publishers::web
