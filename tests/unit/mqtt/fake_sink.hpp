// SPDX-License-Identifier: MIT
#pragma once
// Records what the Venus/HA logic publishes; can pretend to be disconnected.
#include <string>
#include <vector>

#include "model/model.hpp"
#include "publishers/mqtt/sink.hpp"

namespace gxlink::publishers::mqtt::test {

inline model::ServiceSpec spec(std::string type, std::string connection, int instance) {
  model::ServiceSpec s;
  s.type = std::move(type);
  s.connection = std::move(connection);
  s.device_instance = instance;
  return s;
}

inline model::ItemMeta meta(std::string unit = {}, int decimals = -1,
                            std::optional<double> min = {}, std::optional<double> max = {}) {
  model::ItemMeta m;
  m.unit = std::move(unit);
  m.decimals = decimals;
  m.min = min;
  m.max = max;
  return m;
}

struct Sent {
  std::string topic;
  std::string payload;
  bool retain = false;
};

class FakeSink : public Sink {
 public:
  bool publish(std::string_view topic, std::string_view payload, bool retain) override {
    if (!up) return false;
    sent.push_back({std::string(topic), std::string(payload), retain});
    return true;
  }
  bool connected() const override { return up; }

  std::vector<Sent> take() {
    auto s = std::move(sent);
    sent.clear();
    return s;
  }
  const Sent* find(std::string_view topic) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if (it->topic == topic) return &*it;
    return nullptr;
  }

  std::vector<Sent> sent;
  bool up = true;
};

}  // namespace gxlink::publishers::mqtt::test
