// SPDX-License-Identifier: MIT
#pragma once
/// VE.Direct HEX request session (vedirect_vebus.md §2.4): one request in flight, replies matched
/// by command and register id, a timeout with retries, and a minimum gap between requests. Time is
/// an input (STYLE.md rule 7): the driver calls poll_tx/on_message/on_tick with its clock.

#include <cstdint>
#include <deque>
#include <optional>

#include "core/time.hpp"
#include "protocols/vedirect/hex.hpp"

namespace gxlink::vedirect {

struct HexSessionOptions {
  Duration timeout = milliseconds(500);  ///< OpenDTU waits 500 ms per GET (§2.4)
  int retries = 2;                       ///< extra tries after the first
  Duration gap = milliseconds(50);       ///< "50 ms pause between commands" (OpenDTU #479)
  std::size_t max_queue = 32;
};

enum class HexOutcomeKind : std::uint8_t {
  kReply,    ///< `reply` answers `request` (check `flags` for GET/SET)
  kUnknown,  ///< the device answered "unknown command" (3)
  kTimeout,  ///< no answer after every retry
};

struct HexOutcome {
  HexOutcomeKind kind = HexOutcomeKind::kTimeout;
  HexMessage request;
  HexMessage reply;
};

class HexSession {
 public:
  explicit HexSession(HexSessionOptions o = {}) : opt_(o) {}

  /// Queues a request; false when the queue is full (the request is dropped).
  bool enqueue(const HexMessage& request);
  /// The next frame to write, if the link is free and the gap has passed.
  std::optional<HexText> poll_tx(TimePoint now);
  /// A frame from the device. Returns the outcome when it answers the request in flight.
  /// Async (A) frames and unrelated replies return nullopt.
  std::optional<HexOutcome> on_message(const HexMessage& m, TimePoint now);
  /// Retries or gives up on the request in flight when its deadline passed.
  std::optional<HexOutcome> on_tick(TimePoint now);
  /// When on_tick or poll_tx next has something to do.
  std::optional<TimePoint> next_deadline() const;
  /// Drops everything (link lost).
  void clear();

  bool busy() const { return in_flight_.has_value(); }
  std::size_t queued() const { return queue_.size(); }
  std::size_t timeouts() const { return timeouts_; }

 private:
  bool answers(const HexMessage& request, const HexMessage& reply) const;

  HexSessionOptions opt_;
  std::deque<HexMessage> queue_;
  std::optional<HexMessage> in_flight_;
  int tries_ = 0;
  bool resend_ = false;
  TimePoint deadline_{};
  TimePoint next_send_{};
  std::size_t timeouts_ = 0;
};

}  // namespace gxlink::vedirect
