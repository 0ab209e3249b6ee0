// SPDX-License-Identifier: MIT
#pragma once
/// A libmosquitto client driven by the daemon's single asio loop.
///
/// Why the socket is integrated into asio (mosquitto_socket() + posix::stream_descriptor, with
/// mosquitto_loop_read / loop_write / loop_misc) rather than mosquitto_loop_start()'s thread:
/// - every callback (connect, message) then runs on the loop thread, so the model is touched from
///   one thread only, without a mutex or a post per message;
/// - with no network thread, mosquitto_publish() writes straight to the socket (one send per
///   message) instead of also waking a second thread through its socket pair: on the 2-core GX
///   class hardware this is half the system calls and no context switches per message;
/// - reconnect and backoff are ours, so a lost broker is reported once and retried with a capped
///   exponential delay without ever blocking the loop.
/// The cost: the connect itself (mosquitto_connect_async) resolves the host name with getaddrinfo
/// on the loop thread. Brokers are given as IP literals or local names in practice; the TCP connect
/// and TLS handshake are non-blocking.
///
/// Asio's epoll reactor is edge-triggered: after a read the socket is polled (zero timeout) and
/// read again in a posted continuation while data remains, so no edge is lost and a flood of
/// incoming messages cannot starve the loop.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "core/time.hpp"
#include "transport/retry_timer.hpp"

struct mosquitto;
struct mosquitto_message;

namespace gxlink::publishers::mqtt {

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;    ///< PEM bundle of trusted CAs
  std::string ca_path;    ///< or a directory of hashed CA certificates
  std::string cert_file;  ///< client certificate (mutual TLS), optional
  std::string key_file;
  bool insecure = false;  ///< do not check the broker's host name (testing only)
};

struct ClientOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  ///< empty: libmosquitto picks a random one
  std::string username;
  std::string password;
  TlsOptions tls;
  int keepalive_s = 30;  ///< MQTT PINGREQ interval
  Duration reconnect_min = seconds(1);
  Duration reconnect_max = seconds(30);
  /// A broker that stops reading (but keeps the TCP connection until the MQTT keep-alive runs
  /// out) must not make queued messages grow without bound: beyond this many bytes waiting for
  /// the socket, publish() drops (and counts) messages.
  std::size_t max_backlog_bytes = 16u << 20;
  /// QoS 1 messages libmosquitto keeps in flight (waiting for PUBACK) before it queues the rest
  /// (MOSQ_OPT_SEND_MAXIMUM; libmosquitto's default is 20).
  int max_inflight = 20;
  /// Last will (e.g. Home Assistant availability "offline"), retained.
  std::optional<std::pair<std::string, std::string>> will;
};

class MqttClient {
 public:
  MqttClient(asio::io_context& io, ClientOptions options);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  /// Starts connecting (and reconnecting for ever, with backoff). Never throws for network errors.
  void start();
  /// Sends DISCONNECT (when connected) and stops; no callbacks afterwards.
  void stop();

  bool connected() const noexcept { return connected_; }
  /// QoS 0. False when not connected or the library refused the message.
  bool publish(std::string_view topic, std::string_view payload, bool retain);
  /// QoS 1, not retained: the message id, whose PUBACK is reported through on_published; nullopt
  /// when not connected or refused. Not subject to max_backlog_bytes: the caller bounds what it
  /// has in flight (the upstream publisher keeps its own window and its own on-disk queue).
  std::optional<int> publish_qos1(std::string_view topic, std::string_view payload);
  /// Subscribed now (when connected) and again after every reconnect.
  void subscribe(std::string filter);
  /// Bytes are waiting for the socket to take them (used for back-pressure).
  bool backlogged() const;
  /// Calls `fn` once, on the loop, when nothing waits for the socket any more.
  void when_drained(std::function<void()> fn);

  std::function<void()> on_connect;
  std::function<void()> on_disconnect;
  std::function<void(std::string_view topic, std::string_view payload, bool retained)> on_message;
  /// The broker acknowledged a QoS 1 message (PUBACK) with this id.
  std::function<void(int mid)> on_published;

  std::string describe() const;
  std::uint64_t connects() const noexcept { return connects_; }
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  static void connect_cb(struct mosquitto*, void* self, int rc);
  static void message_cb(struct mosquitto*, void* self, const struct mosquitto_message* msg);
  static void publish_cb(struct mosquitto*, void* self, int mid);

  void connect();
  void attach_socket();
  void wait_read();
  void on_readable();
  void arm_write();
  void arm_misc();
  void lost(int rc, const char* where);
  void schedule_reconnect();

  asio::io_context& io_;
  ClientOptions options_;
  struct mosquitto* mosq_ = nullptr;
  asio::posix::stream_descriptor sd_;
  asio::steady_timer misc_timer_;
  transport::RetryTimer reconnect_;
  std::vector<std::string> subscriptions_;
  std::vector<std::function<void()>> drained_;
  std::uint64_t generation_ = 0;  ///< bumped when the socket goes; stale handlers return
  bool running_ = false;
  bool connected_ = false;
  bool writing_ = false;
  bool reported_ = false;  ///< the current outage has been logged
  std::uint64_t connects_ = 0;
  std::uint64_t dropped_ = 0;
  std::size_t backlog_bytes_ = 0;  ///< published since the socket last took everything
  bool backlog_reported_ = false;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);  ///< posted handlers check it
};

}  // namespace gxlink::publishers::mqtt
