// SPDX-License-Identifier: MIT
#include "publishers/mqtt/mqtt_client.hpp"

#include <gtest/gtest.h>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace gxlink::publishers::mqtt {
namespace {

using asio::ip::tcp;

template <class Pred>
bool run_until(asio::io_context& io, Pred done, Duration timeout = seconds(20)) {
  const auto end = Clock::now() + timeout;
  while (!done() && Clock::now() < end) io.run_for(milliseconds(5));
  return done();
}

// A fake broker that answers CONNECT with CONNACK (MQTT 3.1.1 §3.2: 20 02 00 00) and then stops
// reading, as a wedged broker would while its TCP connection stays up.
TEST(MqttClient, AStalledBrokerCannotMakeTheQueueGrowWithoutBound) {
  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket peer(io);
  acceptor.async_accept(peer, [&](const asio::error_code& ec) {
    ASSERT_FALSE(ec);
    static constexpr std::uint8_t kConnack[] = {0x20, 0x02, 0x00, 0x00};
    asio::write(peer, asio::buffer(kConnack));
  });
  ClientOptions o;
  o.port = acceptor.local_endpoint().port();
  o.max_backlog_bytes = 1u << 20;
  MqttClient client(io, o);
  client.start();
  ASSERT_TRUE(run_until(io, [&] { return client.connected(); }));

  const std::string payload(1000, 'x');
  std::size_t accepted = 0;
  for (int i = 0; i < 100000; ++i) accepted += client.publish("N/x/battery/1/Soc", payload, false);
  EXPECT_GT(client.dropped(), 0u);
  EXPECT_TRUE(client.backlogged());
  EXPECT_LT(accepted, 100000u);

  // The broker reads again: the queue drains and publishing works again.
  std::vector<std::uint8_t> sink(1 << 16);
  std::function<void()> drain = [&] {
    peer.async_read_some(asio::buffer(sink), [&](const asio::error_code& ec, std::size_t) {
      if (!ec) drain();
    });
  };
  drain();
  ASSERT_TRUE(run_until(io, [&] { return !client.backlogged(); }));
  const auto dropped = client.dropped();
  EXPECT_TRUE(client.publish("N/x/battery/1/Soc", payload, false));
  EXPECT_EQ(client.dropped(), dropped);
  client.stop();
}

TEST(MqttClient, NoBrokerMeansRetriesNotErrors) {
  asio::io_context io(1);
  // A port nobody listens on: take one and close it.
  int port = 0;
  {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = a.local_endpoint().port();
  }
  ClientOptions o;
  o.port = port;
  o.reconnect_min = milliseconds(50);
  o.reconnect_max = milliseconds(100);
  MqttClient client(io, o);
  client.start();
  io.run_for(milliseconds(500));
  EXPECT_FALSE(client.connected());
  EXPECT_FALSE(client.publish("t", "p", false));
  // Now a listener appears on that port: the client connects on its own.
  tcp::acceptor acceptor(
      io, tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(port)));
  tcp::socket peer(io);
  acceptor.async_accept(peer, [&](const asio::error_code& ec) {
    ASSERT_FALSE(ec);
    static constexpr std::uint8_t kConnack[] = {0x20, 0x02, 0x00, 0x00};
    asio::write(peer, asio::buffer(kConnack));
  });
  EXPECT_TRUE(run_until(io, [&] { return client.connected(); }));
  EXPECT_EQ(client.connects(), 1u);
  client.stop();
}

}  // namespace
}  // namespace gxlink::publishers::mqtt
