// SPDX-License-Identifier: MIT
#include "publishers/upstream/forwarder.hpp"

#include <algorithm>

namespace gxlink::publishers::upstream {

void Forwarder::link_up(TimePoint now) {
  up_ = true;
  ++stats_.link_ups;
  backlog_after_ = 0;
  backlog_upto_ = queue_.last_id();
  live_after_ = backlog_upto_;
  tokens_ = 0;
  refilled_ = now;
}

void Forwarder::link_down() { up_ = false; }

Status Forwarder::pump(TimePoint now) {
  if (!up_) return {};
  const double rate = std::max(1.0, options_.catchup_rate);
  tokens_ = std::min(rate, tokens_ + rate * to_seconds(now - refilled_));
  refilled_ = now;
  while (up_ && transport_.ready()) {
    auto live = queue_.read(live_after_, queue_.last_id(), options_.batch);
    if (!live) return tl::unexpected(live.error());
    if (!live->empty()) {
      live_after_ = live->back().id;
      stats_.sent_live += live->size();
      transport_.send(std::move(*live));
      continue;
    }
    // The backlog goes in whole batches (or a second's worth at a low rate): a batch spans more
    // time, so each topic gets more samples per array message, fewer messages and fewer bytes
    // of topic and framing on the site's link.
    const double full = std::min(static_cast<double>(options_.batch), rate);
    if (backlog_after_ >= backlog_upto_ || tokens_ < full) break;
    const auto n = std::min<std::size_t>(options_.batch, static_cast<std::size_t>(tokens_));
    auto old = queue_.read(backlog_after_, backlog_upto_, n);
    if (!old) return tl::unexpected(old.error());
    if (old->empty()) {
      backlog_after_ = backlog_upto_;  // the rest was thinned or acknowledged already
      break;
    }
    backlog_after_ = old->back().id;
    tokens_ -= static_cast<double>(old->size());
    stats_.sent_backlog += old->size();
    transport_.send(std::move(*old));
  }
  return {};
}

void Forwarder::acked(std::span<const std::int64_t> ids) {
  acks_.insert(acks_.end(), ids.begin(), ids.end());
  stats_.acked += ids.size();
}

Status Forwarder::flush_acks() {
  if (acks_.empty()) return {};
  auto ok = queue_.remove(acks_);
  acks_.clear();
  return ok;
}

}  // namespace gxlink::publishers::upstream
