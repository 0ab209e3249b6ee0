// SPDX-License-Identifier: MIT
#pragma once
/// A publisher reads the model and routes writes back into it (D-Bus, MQTT, Modbus-TCP, web).
/// It runs on the model's loop; one that needs its own thread posts into the loop. A publisher that
/// cannot start or loses its peer reports once, retries with backoff and never stops the daemon
/// (DESIGN.md "Safety rules").

#include <filesystem>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>

#include "model/model.hpp"

namespace gxlink::publishers {

struct PublisherContext {
  asio::io_context& io;
  model::Model& model;
  /// `[general] data_dir`: where outputs keep files that must survive a restart (the upstream
  /// queue); empty when unknown (tests), and then such outputs keep them in memory.
  std::filesystem::path data_dir{};
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual std::string_view kind() const = 0;
  /// "http://127.0.0.1:8088", "mqtt://127.0.0.1:1883", "system bus"
  virtual std::string describe() const = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
};

}  // namespace gxlink::publishers
