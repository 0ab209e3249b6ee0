// SPDX-License-Identifier: MIT
// The socket side of the Modbus server on a real io_context and loopback sockets: pipelining,
// the connection limit, bad headers, idle clients and a taken port. The loop runs on its own
// thread; the test thread only uses sockets (the model is touched on the loop only). No timed
// assertions: every wait is "until it happens" with a generous bound.
#include "publishers/modbus/modbus_server.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <asio/executor_work_guard.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace gxlink::publishers::modbus {
namespace {

using asio::ip::tcp;

constexpr std::string_view kMap = "com.victronenergy.system,/Dc/Battery/Soc,d,%,843,uint16,1,R\n";

class ModbusServerTest : public ::testing::Test {
 protected:
  void start(ModbusOptions o) {
    map_ = *gxlink::modbus::RegisterMap::parse(kMap);
    model::ServiceSpec spec;
    spec.type = "system";
    model_.add_service(spec).set("/Dc/Battery/Soc", 65.0);
    o.host = "127.0.0.1";
    server_.emplace(PublisherContext{io_, model_}, o, *map_);
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) asio::post(io_, [this] { server_->stop(); });
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int wait_port() {
    for (int i = 0; i < 2000 && server_->port() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return server_->port();
  }
  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                            static_cast<unsigned short>(wait_port())));
    timeval tv{10, 0};  // a broken server fails the test instead of hanging it
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }
  static std::vector<std::uint8_t> read_soc(std::uint16_t tid) {
    return {std::uint8_t(tid >> 8), std::uint8_t(tid), 0, 0, 0, 6, 100, 3, 0x03, 0x4B, 0, 1};
  }
  /// One response (header + PDU), or nullopt when the server closed the connection.
  static std::optional<std::vector<std::uint8_t>> response(tcp::socket& s) {
    std::vector<std::uint8_t> head(7);
    asio::error_code ec;
    asio::read(s, asio::buffer(head), ec);
    if (ec) return std::nullopt;
    std::vector<std::uint8_t> pdu(static_cast<std::size_t>((head[4] << 8 | head[5]) - 1));
    asio::read(s, asio::buffer(pdu), ec);
    if (ec) return std::nullopt;
    head.insert(head.end(), pdu.begin(), pdu.end());
    return head;
  }
  static bool closed_by_server(tcp::socket& s) {
    std::uint8_t b;
    asio::error_code ec;
    s.read_some(asio::buffer(&b, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::io_context client_io_;
  model::Model model_;
  std::optional<gxlink::modbus::RegisterMap> map_;
  std::optional<ModbusServer> server_;
  std::thread thread_;
};

TEST_F(ModbusServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ModbusOptions o;
  o.port = 0;
  start(o);
  auto s = connect();
  auto both = read_soc(1);
  const auto second = read_soc(2);
  both.insert(both.end(), second.begin(), second.end());
  asio::write(s, asio::buffer(both));
  for (std::uint8_t tid : {std::uint8_t{1}, std::uint8_t{2}}) {
    const auto r = response(s);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, (std::vector<std::uint8_t>{0, tid, 0, 0, 0, 5, 100, 3, 2, 0, 65}));
  }
}

TEST_F(ModbusServerTest, ConnectionsBeyondTheLimitAreClosedAndTheOthersServed) {
  ModbusOptions o;
  o.port = 0;
  o.max_connections = 2;
  start(o);
  auto a = connect();
  auto b = connect();
  for (auto* s : {&a, &b}) {  // both admitted and served
    asio::write(*s, asio::buffer(read_soc(1)));
    ASSERT_TRUE(response(*s));
  }
  auto c = connect();
  EXPECT_TRUE(closed_by_server(c));
  asio::write(a, asio::buffer(read_soc(3)));
  EXPECT_TRUE(response(a));
  // When one leaves, a newcomer is served (once the server has seen the close).
  a.close();
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    auto d = connect();
    asio::error_code ec;
    asio::write(d, asio::buffer(read_soc(4)), ec);
    served = !ec && response(d).has_value();
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST_F(ModbusServerTest, ABadHeaderClosesOnlyThatConnection) {
  ModbusOptions o;
  o.port = 0;
  start(o);
  auto good = connect();
  auto bad = connect();
  auto frame = read_soc(1);
  frame[3] = 1;  // protocol id 1: not Modbus
  asio::write(bad, asio::buffer(frame));
  EXPECT_TRUE(closed_by_server(bad));
  asio::write(good, asio::buffer(read_soc(2)));
  EXPECT_TRUE(response(good));
}

TEST_F(ModbusServerTest, AnIdleClientIsClosedAfterTheIdleTimeout) {
  ModbusOptions o;
  o.port = 0;
  o.idle_timeout = std::chrono::milliseconds(50);
  start(o);
  auto s = connect();
  const std::uint8_t half[] = {0, 1, 0};  // half a header, then nothing
  asio::write(s, asio::buffer(half));
  EXPECT_TRUE(closed_by_server(s));
}

TEST_F(ModbusServerTest, ATakenPortIsRetriedUntilItIsFree) {
  tcp::acceptor blocker(client_io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = blocker.local_endpoint().port();
  ModbusOptions o;
  o.port = port;
  start(o);  // must not throw; reports and retries
  blocker.close();
  EXPECT_EQ(wait_port(), port);
  auto s = connect();
  asio::write(s, asio::buffer(read_soc(1)));
  EXPECT_TRUE(response(s));
}

}  // namespace
}  // namespace gxlink::publishers::modbus
