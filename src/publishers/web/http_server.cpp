// SPDX-License-Identifier: MIT
#include "publishers/web/http_server.hpp"

#include <future>

#include <asio/post.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "model/model_json.hpp"

namespace gxlink::publishers {

HttpServer::HttpServer(PublisherContext ctx, HttpOptions options) : ctx_(ctx), options_(std::move(options)) {}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::describe() const {
  return "http://" + options_.host + ":" + std::to_string(port() ? port() : options_.port);
}

std::string HttpServer::in_loop(std::function<std::string()> fn) {
  auto task = std::make_shared<std::packaged_task<std::string()>>(std::move(fn));
  auto fut = task->get_future();
  asio::post(ctx_.io, [task] { (*task)(); });
  if (fut.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
  return fut.get();
}

void HttpServer::start() {
  server_ = std::make_unique<httplib::Server>();
  server_->Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(dashboard_html(), "text/html; charset=utf-8");
  });
  server_->Get("/api/model", [this](const httplib::Request&, httplib::Response& res) {
    auto body = in_loop([this] { return model::to_json(ctx_.model).dump(); });
    if (body.empty()) {
      res.status = 503;
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_content(body, "application/json");
  });
  server_->Get(R"(/api/service/([\w.\-]+))", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    auto body = in_loop([this, name]() -> std::string {
      const auto* s = ctx_.model.find(name);
      return s ? model::to_json(*s).dump() : std::string("null");
    });
    if (body == "null") res.status = 404;
    res.set_content(body, "application/json");
  });
  running_ = true;
  thread_ = std::thread([this] { listen_loop(); });
}

void HttpServer::listen_loop() {
  // Retry with backoff while the port is taken; report once per episode.
  bool reported = false;
  auto backoff = std::chrono::milliseconds(500);
  while (running_) {
    int port = options_.port;
    bool ok = false;
    if (port == 0) {
      port = server_->bind_to_any_port(options_.host);
      ok = port > 0;
    } else {
      ok = server_->bind_to_port(options_.host, port);
    }
    if (ok) {
      bound_port_ = port;
      spdlog::info("http: serving the dashboard and /api/model on http://{}:{}", options_.host, port);
      server_->listen_after_bind();
      bound_port_ = 0;
      if (!running_) return;
    } else if (!reported) {
      spdlog::warn("http: cannot listen on {}:{}; retrying", options_.host, port);
      reported = true;
    }
    for (auto waited = std::chrono::milliseconds(0); running_ && waited < backoff; waited += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
  }
}

void HttpServer::stop() {
  if (!running_) return;
  running_ = false;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace gxlink::publishers
