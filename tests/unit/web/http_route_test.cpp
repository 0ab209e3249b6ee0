// SPDX-License-Identifier: MIT
// HttpOptions::routes (issue 15): routes from outside the server answer first, and a streamed body
// arrives whole, without Content-Length, ended by the close.
#include <gtest/gtest.h>

#include <thread>

#include <asio/connect.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "publishers/web/http_server.hpp"

namespace gxlink::publishers::web {
namespace {

using asio::ip::tcp;

/// Sends one request and reads until the server closes: the whole response, head and body.
std::string exchange(int port, const std::string& request) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  asio::write(s, asio::buffer(request));
  std::string out;
  asio::error_code ec;
  std::array<char, 4096> buf{};
  for (;;) {
    const auto n = s.read_some(asio::buffer(buf), ec);
    out.append(buf.data(), n);
    if (ec) break;
  }
  return out;
}

class HttpRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpOptions o{"127.0.0.1", 0};
    o.routes.push_back([](const Request& req) -> std::optional<RouteResponse> {
      if (req.path() != "/stream") return std::nullopt;
      RouteResponse r;
      r.content_type = "text/csv";
      auto left = std::make_shared<int>(3);
      r.stream = [left]() -> std::string {
        if (*left == 0) return {};
        return std::string(5000, static_cast<char>('a' + --*left));
      };
      return r;
    });
    o.routes.push_back([](const Request& req) -> std::optional<RouteResponse> {
      if (req.path() != "/api/model") return std::nullopt;  // a route may shadow the server's
      RouteResponse r;
      r.status = 418;
      r.body = "mine";
      return r;
    });
    server_ = std::make_unique<HttpServer>(PublisherContext{io_, model_}, o);
    server_->start();
    ASSERT_GT(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] { server_->stop(); });
    guard_.reset();
    thread_.join();
  }
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  model::Model model_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpRouteTest, AStreamedBodyArrivesWholeAndEndsAtTheClose) {
  // Keep-alive asked for: a streamed response closes anyway, its body ends at the close.
  const auto r = exchange(server_->port(), "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto head_end = r.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << r;
  const auto head = r.substr(0, head_end);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK")) << head;
  EXPECT_NE(head.find("Content-Type: text/csv"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(r.substr(head_end + 4),
            std::string(5000, 'c') + std::string(5000, 'b') + std::string(5000, 'a'));
}

TEST_F(HttpRouteTest, HeadOfAStreamedRouteSendsNoBody) {
  const auto r =
      exchange(server_->port(), "HEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n")) << r;
}

TEST_F(HttpRouteTest, RoutesAnswerBeforeTheServerAndOthersFallThrough) {
  const auto mine =
      exchange(server_->port(), "GET /api/model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(mine.starts_with("HTTP/1.1 418 ")) << mine;
  EXPECT_TRUE(mine.ends_with("\r\n\r\nmine")) << mine;
  const auto other =
      exchange(server_->port(), "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(other.starts_with("HTTP/1.1 404 ")) << other;
}

}  // namespace
}  // namespace gxlink::publishers::web
