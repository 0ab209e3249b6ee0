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

namespace gxlink::dbus {

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
  /// Declares the connection broken (e.g. a write outside sd-bus failed half-way).
  void report_failure(const std::string& reason) { fail(reason); }

 private:
  void process();
  void arm();
  void fail(const std::string& reason);

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
};

}  // namespace gxlink::dbus
