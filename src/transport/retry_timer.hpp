// SPDX-License-Identifier: MIT
#pragma once
/// The one retry loop of gxlink (issue 13 structure item 3): wait, try again, and wait twice as
/// long after each failure, up to a ceiling, until something succeeds. The serial port, SocketCAN,
/// the TCP listener, the MQTT client and the upstream outputs each carried a copy of these lines.
/// A device that vanishes is retried for ever (DESIGN.md safety rules: never give up, never spin),
/// and a success resets the delay so that the next outage starts from the short one again.
/// Reporting stays with the caller: each says once per outage what failed, in its own words.

#include <algorithm>
#include <chrono>
#include <utility>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

namespace gxlink::transport {

class RetryTimer {
 public:
  using Duration = std::chrono::steady_clock::duration;

  RetryTimer(asio::io_context& io, Duration first, Duration ceiling)
      : timer_(io), first_(first), ceiling_(std::max(first, ceiling)), next_(first) {}

  /// Calls `retry` after the current delay, unless cancel() comes first, and doubles the delay
  /// for the time after (up to the ceiling). A schedule replaces one still pending.
  template <class Fn>
  void schedule(Fn&& retry) {
    timer_.expires_after(next_);
    next_ = std::min(next_ * 2, ceiling_);
    timer_.async_wait([fn = std::forward<Fn>(retry)](const asio::error_code& ec) mutable {
      if (!ec) fn();
    });
  }

  /// The attempt succeeded: the next failure waits the first delay again.
  void succeeded() noexcept { next_ = first_; }
  /// Drops a pending retry (its function is never called).
  void cancel() { timer_.cancel(); }

  /// The wait before the next retry, and the longest one (for "retrying every N s at most").
  Duration next_delay() const noexcept { return next_; }
  Duration ceiling() const noexcept { return ceiling_; }

 private:
  asio::steady_timer timer_;
  Duration first_;
  Duration ceiling_;
  Duration next_;
};

}  // namespace gxlink::transport
