// SPDX-License-Identifier: MIT
#pragma once
/// Moves samples from the queue to a peer (issue 18 "Store-and-forward"), the same way for MQTT
/// and InfluxDB:
/// - a sample leaves the queue only when the peer acknowledged it (acked());
/// - when the link comes up, everything still queued is the backlog; samples appended after that
///   are live. Each pump sends live samples first, then backlog, oldest first, within a catch-up
///   budget (samples/s, a token bucket), so live data keeps flowing while an outage is filled in,
///   and a site on a thin link does not saturate it for the catch-up;
/// - when the link goes down, whatever was in flight stays in the queue and is part of the next
///   backlog: a sample can arrive twice (QoS 1 semantics), never not at all.
/// Time is an input (STYLE.md rule 7): pump() is given `now`.

#include <cstdint>
#include <span>
#include <vector>

#include "core/time.hpp"
#include "publishers/upstream/sample_queue.hpp"

namespace gxlink::publishers::upstream {

/// The peer side: an MQTT client with a window of unacknowledged messages, or one HTTP request.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Connected, and room for another batch.
  virtual bool ready() const = 0;
  /// Takes a batch (oldest first); calls Forwarder::acked with its ids once the peer has them.
  virtual void send(std::vector<StoredSample> batch) = 0;
};

struct ForwardOptions {
  std::size_t batch = 200;     ///< samples read per send
  double catchup_rate = 2000;  ///< backlog samples per second, at most
};

struct ForwardStats {
  std::uint64_t sent_live = 0;
  std::uint64_t sent_backlog = 0;
  std::uint64_t acked = 0;
  std::uint64_t link_ups = 0;
};

class Forwarder {
 public:
  Forwarder(SampleQueue& queue, Transport& transport, ForwardOptions options)
      : queue_(queue), transport_(transport), options_(options) {}

  /// The link is up: everything queued now is backlog, to send from the oldest.
  void link_up(TimePoint now);
  /// The link is gone: nothing is in flight any more (it stays queued).
  void link_down();
  /// Sends what the transport has room for. Returns false on a queue error (reported by caller).
  Status pump(TimePoint now);
  /// The peer has these samples: they are deleted at the next flush_acks().
  void acked(std::span<const std::int64_t> ids);
  /// Deletes acknowledged samples from the queue (batched: one transaction per call).
  Status flush_acks();

  bool up() const noexcept { return up_; }
  /// Backlog samples not yet sent since the link came up (an upper bound: thinning may have
  /// removed some).
  bool catching_up() const noexcept { return up_ && backlog_after_ < backlog_upto_; }
  std::size_t pending_acks() const noexcept { return acks_.size(); }
  const ForwardStats& stats() const noexcept { return stats_; }

 private:
  SampleQueue& queue_;
  Transport& transport_;
  ForwardOptions options_;
  bool up_ = false;
  std::int64_t live_after_ = 0;     ///< live samples: id > live_after_
  std::int64_t backlog_after_ = 0;  ///< backlog: backlog_after_ < id <= backlog_upto_
  std::int64_t backlog_upto_ = 0;
  double tokens_ = 0;
  TimePoint refilled_{};
  std::vector<std::int64_t> acks_;
  ForwardStats stats_;
};

}  // namespace gxlink::publishers::upstream
