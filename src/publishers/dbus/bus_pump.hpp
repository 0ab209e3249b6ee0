// SPDX-License-Identifier: MIT
#pragma once
/// Drives one sd-bus connection from the asio loop.
///
/// Why the fd and not a thread: the model is single-threaded (DESIGN.md "Layers"), and every
/// BusItem call reads it (GetValue, GetItems) or writes it (SetValue). With sdbus-c++'s
/// getEventLoopPollData() (fd, events, timeout) watched by an asio stream_descriptor and a
/// steady_timer, and processPendingRequest() run on readiness, every D-Bus callback runs on the
/// loop thread: no locks, no posting of replies across threads, and no thread per connection
/// (one connection per service, venus_os.md §1.3). sd-bus owns the fd; we only watch it.
///
/// A connection that fails (daemon gone, EOF, protocol error) is reported once through the error
/// handler, posted to the loop so that the owner may destroy the pump from it.

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>

#include <sdbus-c++/IConnection.h>

namespace gxlink::publishers::dbus {

class BusPump {
 public:
  using ErrorHandler = std::function<void(const std::string& reason)>;

  BusPump(asio::io_context& io, std::unique_ptr<sdbus::IConnection> conn, ErrorHandler on_error);
  ~BusPump();
  BusPump(const BusPump&) = delete;
  BusPump& operator=(const BusPump&) = delete;

  sdbus::IConnection& connection() noexcept { return *conn_; }

  /// Schedules a processing round on the loop: call after sending (the queue may need POLLOUT)
  /// and after synchronous calls (they may have queued incoming messages that the fd no longer
  /// announces).
  void kick();
  /// Declares the connection broken.
  void report_failure(const std::string& reason) { fail(reason); }

  /// Raw output beside sd-bus (wire.hpp's ready-made messages), with the stream kept whole: raw
  /// bytes start only when sd-bus has nothing queued (raw_allowed()), and while any of them are
  /// still queued sd-bus does not run, so its output cannot cut into ours. A daemon that stops
  /// reading fills the queue up to kMaxRawQueue, then the connection counts as failed.
  bool raw_allowed();
  bool raw_pending() const noexcept { return raw_off_ < raw_.size(); }
  void send_raw(const std::string& bytes);
  static constexpr std::size_t kMaxRawQueue = 64u << 20;

 private:
  void process();
  void arm();
  void fail(const std::string& reason);
  bool flush_raw();  ///< true when the raw queue is empty

  asio::io_context& io_;
  std::unique_ptr<sdbus::IConnection> conn_;
  ErrorHandler on_error_;
  asio::posix::stream_descriptor fd_;
  asio::steady_timer timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool reading_ = false;
  bool writing_ = false;
  bool kicked_ = false;
  bool failed_ = false;
  std::string raw_;
  std::size_t raw_off_ = 0;
};

}  // namespace gxlink::publishers::dbus
