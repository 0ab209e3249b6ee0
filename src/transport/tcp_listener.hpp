// SPDX-License-Identifier: MIT
#pragma once
/// A listening TCP socket on the daemon's io_context that never gives up, shared by every server
/// gxlink runs (the HTTP dashboard, Modbus-TCP). DESIGN.md "Safety rules": an output whose port is
/// taken is reported once, retried with backoff, and never takes the daemon down.
/// - A numeric host is bound at once; a host name is resolved on asio's resolver thread, so a slow
///   DNS cannot stall the drivers.
/// - Listen failures (port taken, no such address) retry from 0.5 s, doubling to 10 s; the owner
///   hears of the first failure of an outage only, and of each success.
/// - Accept errors (EMFILE, ENFILE, ENOBUFS) leave the connection in the kernel's queue, so the
///   socket stays readable and accepting again at once would spin: accepting backs off from
///   50 ms to 1 s and never stops.
/// The owner keeps the listener in a shared_ptr, calls stop() before it goes, and must not let
/// callbacks keep itself alive (capture a weak_ptr).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "transport/retry_timer.hpp"

namespace gxlink::transport {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  struct Callbacks {
    std::function<void(asio::ip::tcp::socket)> on_socket;  ///< each accepted connection
    std::function<void(int port)> on_listening;            ///< bound (the actual port)
    std::function<void(std::string_view what)> on_listen_failure;  ///< first failure of an outage
    std::function<void(const asio::error_code&)> on_accept_error;  ///< each failed accept
  };

  TcpListener(asio::io_context& io, std::string host, int port, Callbacks callbacks);

  void start();
  /// Closes the socket and cancels every retry; no callback runs afterwards.
  void stop();
  /// The bound port; 0 while not listening. Safe from any thread (tests read it).
  int port() const { return port_.load(); }

 private:
  void try_listen();
  void listen_on(const asio::ip::tcp::endpoint& ep);
  void failed(std::string_view what);
  void accept();
  void on_accept_error(const asio::error_code& ec);

  std::string host_;
  int wanted_port_;
  Callbacks callbacks_;
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::resolver resolver_;
  RetryTimer listen_retry_;
  RetryTimer accept_retry_;
  bool reported_ = false;
  bool stopped_ = true;
  std::atomic<int> port_{0};
};

}  // namespace gxlink::transport
