// SPDX-License-Identifier: MIT
// The dashboard server against a real loopback client: routes, framing, keep-alive, limits.
#include "publishers/web/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <asio/connect.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

namespace gxlink::publishers {
namespace {

using asio::ip::tcp;

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
  bool has(std::string_view header_line) const {
    return head.find(header_line) != std::string::npos;
  }
};

/// A blocking client on the test thread; the server runs on its own io thread.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  void send(std::string_view s) { asio::write(socket_, asio::buffer(s)); }
  /// Reads one response framed by Content-Length; `head_only` for HEAD (no body follows).
  Reply read(bool head_only = false) {
    Reply r;
    const auto n = asio::read_until(socket_, buf_, "\r\n\r\n");
    r.head.assign(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + n);
    buf_.consume(n);
    r.status = std::stoi(r.head.substr(9, 3));
    const auto cl = r.head.find("Content-Length: ");
    EXPECT_NE(cl, std::string::npos);
    const std::size_t len = head_only ? 0 : std::stoul(r.head.substr(cl + 16));
    if (buf_.size() < len) asio::read(socket_, buf_, asio::transfer_exactly(len - buf_.size()));
    r.body.assign(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + len);
    buf_.consume(len);
    return r;
  }
  /// True when the server closed the connection (EOF) with nothing more to read.
  bool closed_by_peer() {
    asio::error_code ec;
    asio::read(socket_, buf_, asio::transfer_at_least(1), ec);
    return ec == asio::error::eof && buf_.size() == 0;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  asio::streambuf buf_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model::ServiceSpec spec;
    spec.type = "battery";
    spec.connection = "ttyT0";
    spec.device_instance = 512;
    auto& s = model_.add_service(spec);
    s.add("/Dc/0/Voltage", {}, 13.25);
    model_.flush();
    server_ =
        std::make_unique<HttpServer>(PublisherContext{io_, model_}, HttpOptions{"127.0.0.1", 0});
    server_->start();
    ASSERT_GT(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    asio::post(io_, [this] { server_->stop(); });
    guard_.reset();
    thread_.join();
  }
  Reply get(std::string_view target) {
    Client c(server_->port());
    c.send("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return c.read();
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  model::Model model_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, DashboardAtRoot) {
  const auto r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has("Content-Type: text/html; charset=utf-8\r\n"));
  EXPECT_EQ(r.body, dashboard_html());
  EXPECT_TRUE(r.has("Connection: close\r\n"));
}

TEST_F(HttpServerTest, ModelAsJsonNotCached) {
  const auto r = get("/api/model?now=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has("Content-Type: application/json\r\n"));
  EXPECT_TRUE(r.has("Cache-Control: no-store\r\n"));
  EXPECT_NE(r.body.find("\"com.victronenergy.battery.ttyT0\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("13.25"), std::string::npos) << r.body;
}

TEST_F(HttpServerTest, OneServiceOr404Null) {
  const auto r = get("/api/service/com.victronenergy.battery.ttyT0");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("/Dc/0/Voltage"), std::string::npos) << r.body;
  const auto missing = get("/api/service/com.victronenergy.battery.nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "null");
  EXPECT_TRUE(missing.has("Content-Type: application/json\r\n"));
  EXPECT_EQ(get("/api/service/").status, 404);
  EXPECT_EQ(get("/api/service/a/b").status, 404);
  EXPECT_EQ(get("/nothing").status, 404);
}

TEST_F(HttpServerTest, OnlyGetAndHead) {
  Client c(server_->port());
  c.send("POST /api/model HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
  const auto r = c.read();
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.has("Allow: GET, HEAD\r\n"));
  // HEAD: same headers and Content-Length, no body; the connection stays usable.
  c.send("HEAD /api/model HTTP/1.1\r\n\r\n");
  const auto h = c.read(true);
  EXPECT_EQ(h.status, 200);
  EXPECT_FALSE(h.has("Content-Length: 0\r\n"));
  c.send("GET /api/service/none HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(c.read().status, 404);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, KeepAliveAndPipelining) {
  Client c(server_->port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.has("Connection: keep-alive\r\n"));
  }
  // Two requests in one write, answered in order.
  c.send(
      "GET /nothing HTTP/1.1\r\n\r\nGET /api/service/com.victronenergy.battery.ttyT0 "
      "HTTP/1.1\r\n\r\n");
  EXPECT_EQ(c.read().status, 404);
  EXPECT_EQ(c.read().status, 200);
  // HTTP/1.0 without keep-alive closes after the answer.
  c.send("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(c.read().status, 200);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, MalformedAndOversizedRequestsAreAnsweredAndClosed) {
  {
    Client c(server_->port());
    c.send("GET / HTTP/1.1\r\nNoColon\r\n\r\n");
    const auto r = c.read();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.has("Connection: close\r\n"));
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server_->port());
    c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    EXPECT_EQ(c.read().status, 431);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server_->port());
    c.send("POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n");
    EXPECT_EQ(c.read().status, 413);
  }
  // The server is still fine.
  EXPECT_EQ(get("/api/model").status, 200);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreRefusedOthersServed) {
  std::vector<std::unique_ptr<Client>> idle;
  for (std::size_t i = 0; i < kMaxConnections; ++i) {
    idle.push_back(std::make_unique<Client>(server_->port()));
    // One round trip each makes sure the server has accepted it before the next.
    idle.back()->send("GET /nothing HTTP/1.1\r\n\r\n");
    EXPECT_EQ(idle.back()->read().status, 404);
  }
  Client extra(server_->port());
  EXPECT_TRUE(extra.closed_by_peer());
  idle.pop_back();  // one client leaves
  // Its slot comes back once the server has seen the close; poll generously.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    try {
      served = get("/api/model").status == 200;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(served);
}

TEST(HttpServerBind, RetriesWhileThePortIsTakenThenServes) {
  asio::io_context io;
  model::Model model;
  // Take a port, then start the server on it.
  tcp::acceptor blocker(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const int port = blocker.local_endpoint().port();
  HttpServer server(PublisherContext{io, model}, HttpOptions{"127.0.0.1", port});
  server.start();
  EXPECT_EQ(server.port(), 0);
  io.run_for(std::chrono::milliseconds(700));  // at least one retry, still taken
  EXPECT_EQ(server.port(), 0);
  blocker.close();
  for (int i = 0; i < 300 && server.port() == 0; ++i) io.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ(server.port(), port);
  std::atomic<bool> done{false};
  std::thread t([&] {
    Client c(port);
    c.send("GET /api/model HTTP/1.1\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(c.read().status, 200);
    done = true;
  });
  for (int i = 0; i < 600 && !done; ++i) io.run_for(std::chrono::milliseconds(20));
  t.join();
  EXPECT_TRUE(done);
  server.stop();
}

}  // namespace
}  // namespace gxlink::publishers
