// SPDX-License-Identifier: MIT
#pragma once
/// The HTTP side: the dashboard at `/`, `GET /api/model` ({service: {path: value}}), and
/// `GET /api/service/<name>`. A small HTTP/1.1 server on standalone Asio that runs on the model's
/// own io_context: no extra thread, so handlers read the model directly on the loop thread. Request
/// heads are parsed by the sans-I/O `http::RequestParser` (http_request.hpp).
///
/// Limits (a dashboard on a small GX-class box): heads up to 8 KB (431 beyond), bodies up to 8 KB
/// (413), kMaxConnections at once (further ones are closed at once), and a connection that does
/// not complete a request within kIdleTimeout is closed. When the port is taken the server reports
/// once and retries with backoff; it never stops the daemon (DESIGN.md "Safety rules").

#include <chrono>
#include <memory>
#include <string>

#include "publishers/publisher.hpp"

namespace gxlink::publishers {

struct HttpOptions {
  std::string host =
      "127.0.0.1";  ///< DESIGN.md: network services bind to loopback unless configured
  int port = 8088;  ///< 0: any free port (see HttpServer::port())
};

inline constexpr std::size_t kMaxConnections = 32;
inline constexpr std::chrono::seconds kIdleTimeout{15};

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

  class Impl;

 private:
  PublisherContext ctx_;
  HttpOptions options_;
  std::shared_ptr<Impl> impl_;
};

/// The dashboard page (self-contained HTML + JS, no external assets).
const std::string& dashboard_html();

}  // namespace gxlink::publishers
