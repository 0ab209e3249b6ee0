// SPDX-License-Identifier: MIT
#pragma once
/// Where the Venus and Home Assistant logic sends its messages: the MQTT client in the daemon, a
/// recording fake in unit tests.

#include <string_view>

namespace gxlink::publishers::mqtt {

class Sink {
 public:
  virtual ~Sink() = default;
  /// QoS 0. Returns false when the message could not be queued (not connected): it is dropped,
  /// and the state is republished after the reconnect.
  virtual bool publish(std::string_view topic, std::string_view payload, bool retain) = 0;
  virtual bool connected() const = 0;
};

}  // namespace gxlink::publishers::mqtt
