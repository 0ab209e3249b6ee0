// SPDX-License-Identifier: MIT
#pragma once
/// The HTTP side: the dashboard at `/`, `GET /api/model` ({service: {path: value}}), and
/// `GET /api/service/<name>`. cpp-httplib serves on its own thread; each request is answered by
/// posting into the model's loop, so the model stays single-threaded.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "publishers/publisher.hpp"

namespace httplib {
class Server;
}

namespace gxlink::publishers {

struct HttpOptions {
  std::string host = "127.0.0.1";  ///< DESIGN.md: network services bind to loopback unless configured
  int port = 8088;
};

class HttpServer final : public Publisher {
 public:
  HttpServer(PublisherContext ctx, HttpOptions options);
  ~HttpServer() override;

  std::string_view kind() const override { return "http"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  /// The bound port (useful with port 0 in tests); 0 before start.
  int port() const { return bound_port_.load(); }

 private:
  std::string in_loop(std::function<std::string()> fn);
  void listen_loop();

  PublisherContext ctx_;
  HttpOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<int> bound_port_{0};
  std::atomic<bool> running_{false};
};

/// The dashboard page (self-contained HTML + JS, no external assets).
const std::string& dashboard_html();

}  // namespace gxlink::publishers
