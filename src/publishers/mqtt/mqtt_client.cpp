// SPDX-License-Identifier: MIT
#include "publishers/mqtt/mqtt_client.hpp"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <asio/post.hpp>
#include "publishers/mqtt/mosquitto_library.hpp"

namespace gxlink::publishers::mqtt {
namespace {

const MosquittoLibrary& lib() { return mosquitto_library(); }

std::string reason(int rc, int err) {
  if (rc == MOSQ_ERR_ERRNO) return std::strerror(err);
  return lib().mosquitto_strerror(rc);
}

const char* opt(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

}  // namespace

MqttClient::MqttClient(asio::io_context& io, ClientOptions options)
    : io_(io),
      options_(std::move(options)),
      sd_(io),
      misc_timer_(io),
      reconnect_(io, options_.reconnect_min, options_.reconnect_max) {
  mosq_ = lib().mosquitto_new(opt(options_.client_id), /*clean_session=*/true, this);
  if (!mosq_) throw std::runtime_error("mqtt: cannot create a libmosquitto client");
  lib().mosquitto_connect_callback_set(mosq_, &MqttClient::connect_cb);
  lib().mosquitto_message_callback_set(mosq_, &MqttClient::message_cb);
  lib().mosquitto_publish_callback_set(mosq_, &MqttClient::publish_cb);
  lib().mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, options_.max_inflight);
  if (!options_.username.empty() &&
      lib().mosquitto_username_pw_set(mosq_, options_.username.c_str(), opt(options_.password)) !=
          MOSQ_ERR_SUCCESS)
    throw std::runtime_error("mqtt: bad username/password");
  if (options_.tls.enabled) {
    const auto& t = options_.tls;
    if (t.ca_file.empty() && t.ca_path.empty())
      throw std::runtime_error("mqtt: TLS needs ca_file or ca_path");
    int rc = lib().mosquitto_tls_set(mosq_, opt(t.ca_file), opt(t.ca_path), opt(t.cert_file),
                                     opt(t.key_file), nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      throw std::runtime_error(std::string("mqtt: TLS set-up failed: ") + reason(rc, errno));
    lib().mosquitto_tls_insecure_set(mosq_, t.insecure);
  }
  if (options_.will) {
    const auto& [topic, payload] = *options_.will;
    lib().mosquitto_will_set(mosq_, topic.c_str(), static_cast<int>(payload.size()), payload.data(),
                             1, true);
  }
}

MqttClient::~MqttClient() {
  stop();
  lib().mosquitto_destroy(mosq_);
}

std::string MqttClient::describe() const {
  return std::string(options_.tls.enabled ? "mqtts://" : "mqtt://") + options_.host + ":" +
         std::to_string(options_.port);
}

void MqttClient::start() {
  if (running_) return;
  running_ = true;
  connect();
}

void MqttClient::stop() {
  if (!running_) return;
  running_ = false;
  if (connected_) {
    // Let queued messages (e.g. Home Assistant's "offline") reach the socket before DISCONNECT.
    const int fd = lib().mosquitto_socket(mosq_);
    for (int i = 0; i < 20 && fd >= 0 && lib().mosquitto_want_write(mosq_); ++i) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 10) > 0 && lib().mosquitto_loop_write(mosq_, 1) != MOSQ_ERR_SUCCESS) break;
    }
    lib().mosquitto_disconnect(mosq_);
  }
  connected_ = false;
  writing_ = false;
  ++generation_;
  if (sd_.is_open()) sd_.release();  // libmosquitto owns the fd
  misc_timer_.cancel();
  reconnect_.cancel();
}

void MqttClient::connect() {
  if (!running_) return;
  errno = 0;
  const int rc = lib().mosquitto_connect_async(mosq_, options_.host.c_str(), options_.port,
                                               options_.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    lost(rc, "connect");
    return;
  }
  attach_socket();
}

void MqttClient::attach_socket() {
  const int fd = lib().mosquitto_socket(mosq_);
  if (fd < 0) {
    lost(MOSQ_ERR_NO_CONN, "connect");
    return;
  }
  if (sd_.is_open()) sd_.release();
  ++generation_;
  asio::error_code ec;
  sd_.assign(fd, ec);
  if (ec) {
    lost(MOSQ_ERR_NO_CONN, "connect");
    return;
  }
  wait_read();
  arm_write();
  arm_misc();
}

void MqttClient::wait_read() {
  const auto gen = generation_;
  sd_.async_wait(asio::posix::descriptor_base::wait_read, [this, gen](const asio::error_code& ec) {
    if (ec || gen != generation_) return;
    on_readable();
  });
}

void MqttClient::on_readable() {
  const auto gen = generation_;
  errno = 0;
  const int rc = lib().mosquitto_loop_read(mosq_, 1);
  if (rc != MOSQ_ERR_SUCCESS) {
    lost(rc, "read");
    return;
  }
  if (gen != generation_) return;  // a callback stopped us
  arm_write();                     // callbacks only queue their messages
  // Edge-triggered reactor: read again while the socket still has data (or an error to report).
  pollfd p{lib().mosquitto_socket(mosq_), POLLIN, 0};
  if (p.fd >= 0 && ::poll(&p, 1, 0) > 0) {
    asio::post(io_, [this, gen, life = std::weak_ptr<int>(life_)] {
      if (!life.expired() && gen == generation_) on_readable();
    });
  } else {
    wait_read();
  }
}

void MqttClient::arm_write() {
  if (writing_ || !sd_.is_open()) return;
  if (!lib().mosquitto_want_write(mosq_)) {
    backlog_bytes_ = 0;
    backlog_reported_ = false;
    if (!drained_.empty()) {
      auto fns = std::move(drained_);
      drained_.clear();
      for (auto& fn : fns) asio::post(io_, std::move(fn));
    }
    return;
  }
  writing_ = true;
  const auto gen = generation_;
  sd_.async_wait(asio::posix::descriptor_base::wait_write, [this, gen](const asio::error_code& ec) {
    if (ec || gen != generation_) return;
    writing_ = false;
    errno = 0;
    int rc = lib().mosquitto_loop_write(mosq_, 1);
    // During a TLS handshake that wants to write, loop_write does nothing (2.0.x
    // packet__write returns early while connecting) but loop_read drives the
    // handshake on; with no data, a read is harmless (EAGAIN → success).
    if (rc == MOSQ_ERR_SUCCESS && options_.tls.enabled && !connected_)
      rc = lib().mosquitto_loop_read(mosq_, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      lost(rc, "write");
      return;
    }
    if (gen != generation_) return;
    arm_write();
  });
}

void MqttClient::arm_misc() {
  const auto gen = generation_;
  misc_timer_.expires_after(seconds(1));
  misc_timer_.async_wait([this, gen](const asio::error_code& ec) {
    if (ec || gen != generation_) return;
    errno = 0;
    const int rc = lib().mosquitto_loop_misc(mosq_);  // PINGREQ and the keep-alive check
    if (rc != MOSQ_ERR_SUCCESS) {
      lost(rc, "keep-alive");
      return;
    }
    arm_write();
    arm_misc();
  });
}

void MqttClient::lost(int rc, const char* where) {
  const int err = errno;
  const bool was_connected = connected_;
  connected_ = false;
  writing_ = false;
  backlog_bytes_ = 0;
  ++generation_;
  if (sd_.is_open()) sd_.release();
  misc_timer_.cancel();
  if (!running_) return;
  // DESIGN.md safety rules: report once per outage, retry with backoff, never stop the daemon.
  if (!reported_) {
    spdlog::warn("mqtt: {} {} ({}: {}); retrying every {} s at most", describe(),
                 was_connected ? "connection lost" : "cannot connect", where, reason(rc, err),
                 std::chrono::duration_cast<seconds>(options_.reconnect_max).count());
    reported_ = true;
  } else {
    spdlog::debug("mqtt: {} still unreachable ({}: {})", describe(), where, reason(rc, err));
  }
  if (was_connected && on_disconnect) on_disconnect();
  if (!drained_.empty()) {
    auto fns = std::move(drained_);
    drained_.clear();
    for (auto& fn : fns) asio::post(io_, std::move(fn));
  }
  schedule_reconnect();
}

void MqttClient::schedule_reconnect() {
  reconnect_.schedule([this] { connect(); });
}

void MqttClient::connect_cb(struct mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    spdlog::error("mqtt: {} refused the connection: {}", c->describe(),
                  lib().mosquitto_connack_string(rc));
    c->reported_ = true;
    return;  // the broker closes the socket; lost() retries with backoff
  }
  if (c->reported_)
    spdlog::info("mqtt: connected to {} again", c->describe());
  else
    spdlog::info("mqtt: connected to {}", c->describe());
  c->reported_ = false;
  c->connected_ = true;
  c->reconnect_.succeeded();
  ++c->connects_;
  for (const auto& f : c->subscriptions_)
    lib().mosquitto_subscribe(c->mosq_, nullptr, f.c_str(), 0);
  if (c->on_connect) c->on_connect();
}

void MqttClient::message_cb(struct mosquitto*, void* self, const struct mosquitto_message* msg) {
  auto* c = static_cast<MqttClient*>(self);
  if (!c->on_message || !msg->topic) return;
  std::string_view payload(static_cast<const char*>(msg->payload),
                           msg->payload ? static_cast<std::size_t>(msg->payloadlen) : 0);
  c->on_message(msg->topic, payload, msg->retain);
}

bool MqttClient::publish(std::string_view topic, std::string_view payload, bool retain) {
  if (!connected_) return false;
  if (writing_) {  // the socket is full: the message waits in libmosquitto's queue
    if (backlog_bytes_ > options_.max_backlog_bytes) {
      ++dropped_;
      if (!backlog_reported_) {
        spdlog::warn("mqtt: {} is not reading; dropping messages until it catches up", describe());
        backlog_reported_ = true;
      }
      return false;
    }
    backlog_bytes_ += topic.size() + payload.size() + 8;
  }
  const std::string t(topic);
  const int rc = lib().mosquitto_publish(
      mosq_, nullptr, t.c_str(), static_cast<int>(payload.size()), payload.data(), 0, retain);
  if (rc != MOSQ_ERR_SUCCESS) return false;  // a broken socket shows up on the read side
  arm_write();
  return true;
}

std::optional<int> MqttClient::publish_qos1(std::string_view topic, std::string_view payload) {
  if (!connected_) return std::nullopt;
  const std::string t(topic);
  int mid = 0;
  const int rc = lib().mosquitto_publish(mosq_, &mid, t.c_str(), static_cast<int>(payload.size()),
                                         payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS) return std::nullopt;
  arm_write();
  return mid;
}

void MqttClient::publish_cb(struct mosquitto*, void* self, int mid) {
  // libmosquitto calls this for QoS 0 messages once written and for QoS 1 on PUBACK; only the
  // QoS 1 ids are known to whoever listens.
  auto* c = static_cast<MqttClient*>(self);
  if (c->on_published) c->on_published(mid);
}

void MqttClient::subscribe(std::string filter) {
  if (connected_) lib().mosquitto_subscribe(mosq_, nullptr, filter.c_str(), 0);
  subscriptions_.push_back(std::move(filter));
}

bool MqttClient::backlogged() const { return connected_ && lib().mosquitto_want_write(mosq_); }

void MqttClient::when_drained(std::function<void()> fn) {
  if (!backlogged()) {
    asio::post(io_, std::move(fn));
    return;
  }
  drained_.push_back(std::move(fn));
}

}  // namespace gxlink::publishers::mqtt
