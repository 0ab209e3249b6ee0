// SPDX-License-Identifier: MIT
#include "protocols/canopen/node_monitor.hpp"

namespace gxlink::canopen {

HeartbeatUpdate NodeMonitor::on_heartbeat(const Heartbeat& hb, TimePoint now) {
  NodeInfo& n = nodes_[hb.node];
  HeartbeatUpdate u;
  u.node = hb.node;
  u.state = hb.state;
  u.boot_up = hb.state == NmtState::kBootUp;
  u.state_changed = !n.state || *n.state != hb.state;
  const Duration window = period_ * 10;
  if (u.state_changed && n.state && !u.boot_up && *n.state != NmtState::kBootUp)
    n.flips.push_back(now);
  n.recent.push_back(now);
  while (!n.recent.empty() && now - n.recent.front() > window) n.recent.pop_front();
  while (!n.flips.empty() && now - n.flips.front() > window) n.flips.pop_front();
  // Only judge once a full window of history exists, so a start-up burst does not trip it.
  const bool full_window = now - n.recent.front() >= window - period_;
  const bool too_many = full_window && static_cast<double>(n.recent.size()) > 1.5 * 10 + 1;
  const bool dup = too_many || n.flips.size() >= 4;
  u.duplicate_changed = dup != n.duplicate;
  u.duplicate = dup;
  n.duplicate = dup;
  n.state = hb.state;
  n.last = now;
  return u;
}

std::optional<NmtState> NodeMonitor::state(std::uint8_t node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? std::nullopt : it->second.state;
}

std::optional<TimePoint> NodeMonitor::last_heartbeat(std::uint8_t node) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.last;
}

bool NodeMonitor::duplicate_suspected(std::uint8_t node) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() && it->second.duplicate;
}

}  // namespace gxlink::canopen
