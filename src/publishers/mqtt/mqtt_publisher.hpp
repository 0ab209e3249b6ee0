// SPDX-License-Identifier: MIT
#pragma once
/// The `mqtt` publisher: the model in the Venus (dbus-flashmq) format, optionally with Home
/// Assistant discovery, over one libmosquitto connection driven by the daemon's loop
/// (mqtt_client.hpp says why the socket lives in asio). Everything here runs on the loop thread.

#include <filesystem>
#include <memory>
#include <string>

#include <asio/steady_timer.hpp>

#include "publishers/mqtt/home_assistant.hpp"
#include "publishers/mqtt/mqtt_client.hpp"
#include "publishers/mqtt/venus_bridge.hpp"
#include "publishers/publisher.hpp"

namespace gxlink::publishers::mqtt {

struct MqttOptions {
  ClientOptions client;
  VenusOptions venus;  ///< portal_id must be set (see default_portal_id)
  bool homeassistant = false;
  HaOptions ha;                       ///< portal_id is copied from venus
  std::size_t republish_chunk = 256;  ///< messages per loop turn during a full republish
};

/// A stable portal id when none is configured: 12 hex digits (like a Venus portal id, which is a
/// MAC address) hashed from /etc/machine-id; without a machine id, a random id kept in
/// `state_file`.
std::string default_portal_id(const std::filesystem::path& state_file);

class MqttPublisher final : public publishers::Publisher, private model::Observer {
 public:
  MqttPublisher(publishers::PublisherContext ctx, MqttOptions options);
  ~MqttPublisher() override;

  std::string_view kind() const override { return "mqtt"; }
  std::string describe() const override;
  void start() override;
  void stop() override;

  const VenusBridge& venus() const { return venus_; }
  const MqttClient& client() const { return client_; }

 private:
  class ClientSink final : public Sink {
   public:
    explicit ClientSink(MqttClient& c) : c_(c) {}
    bool publish(std::string_view topic, std::string_view payload, bool retain) override {
      return c_.publish(topic, payload, retain);
    }
    bool connected() const override { return c_.connected(); }

   private:
    MqttClient& c_;
  };

  void on_service_added(const model::Service& s) override;
  void on_service_removed(const model::Service& s) override;
  void on_changes(std::span<const model::Change> changes) override;

  void schedule_pump();
  void pump();
  void arm_tick();

  publishers::PublisherContext ctx_;
  MqttOptions options_;
  MqttClient client_;
  ClientSink sink_;
  VenusBridge venus_;
  std::unique_ptr<HaDiscovery> ha_;
  asio::steady_timer tick_timer_;
  bool pump_scheduled_ = false;
  bool started_ = false;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace gxlink::publishers::mqtt
