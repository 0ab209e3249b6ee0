// SPDX-License-Identifier: MIT
#pragma once
/// Heartbeat tracking per node (CiA 301 §7.2.8.3.2, 0x700+node): the NMT state, boot-ups, and a
/// guess that two devices share one node id. Sans-I/O: heartbeats and time go in.
///
/// Duplicate-id heuristic: a node produces one heartbeat per producer time (0x1017; 1000 ms on
/// SuperB, reference/canbms_canopen.md §5.5). Over a window of ten periods, clearly more
/// heartbeats than one producer can send (> 1.5×), or the state flipping back and forth without a
/// boot-up, means a second device answers to the same id.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "core/time.hpp"
#include "protocols/canopen/codec.hpp"

namespace gxlink::canopen {

struct HeartbeatUpdate {
  std::uint8_t node = 0;
  NmtState state = NmtState::kBootUp;
  bool boot_up = false;  ///< this was a boot-up message (node (re)started)
  bool state_changed = false;
  bool duplicate_changed = false;  ///< duplicate_suspected() changed with this heartbeat
  bool duplicate = false;
};

class NodeMonitor {
 public:
  explicit NodeMonitor(Duration heartbeat_period = seconds(1)) : period_(heartbeat_period) {}

  HeartbeatUpdate on_heartbeat(const Heartbeat& hb, TimePoint now);

  std::optional<NmtState> state(std::uint8_t node) const;
  std::optional<TimePoint> last_heartbeat(std::uint8_t node) const;
  bool duplicate_suspected(std::uint8_t node) const;

 private:
  struct NodeInfo {
    std::optional<NmtState> state;
    TimePoint last{};
    std::deque<TimePoint> recent;  ///< heartbeat times inside the window
    std::deque<TimePoint> flips;   ///< state changes without boot-up inside the window
    bool duplicate = false;
  };
  Duration period_;
  std::map<std::uint8_t, NodeInfo> nodes_;
};

}  // namespace gxlink::canopen
