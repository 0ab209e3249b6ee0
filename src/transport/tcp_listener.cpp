// SPDX-License-Identifier: MIT
#include "transport/tcp_listener.hpp"

#include <algorithm>

namespace gxlink::transport {
namespace {

using asio::ip::tcp;

constexpr std::chrono::milliseconds kFirstBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{10000};
constexpr std::chrono::milliseconds kFirstAcceptBackoff{50};
constexpr std::chrono::milliseconds kMaxAcceptBackoff{1000};

}  // namespace

TcpListener::TcpListener(asio::io_context& io, std::string host, int port, Callbacks callbacks)
    : host_(std::move(host)),
      wanted_port_(port),
      callbacks_(std::move(callbacks)),
      acceptor_(io),
      resolver_(io),
      listen_retry_(io, kFirstBackoff, kMaxBackoff),
      accept_retry_(io, kFirstAcceptBackoff, kMaxAcceptBackoff) {}

void TcpListener::start() {
  stopped_ = false;
  try_listen();
}

void TcpListener::stop() {
  stopped_ = true;
  asio::error_code ignored;
  acceptor_.close(ignored);
  resolver_.cancel();
  listen_retry_.cancel();
  accept_retry_.cancel();
  port_ = 0;
}

void TcpListener::try_listen() {
  if (stopped_) return;
  asio::error_code ec;
  const auto addr = asio::ip::make_address(host_, ec);
  if (!ec) return listen_on(tcp::endpoint(addr, static_cast<unsigned short>(wanted_port_)));
  resolver_.async_resolve(host_, std::to_string(wanted_port_), tcp::resolver::numeric_service,
                          [self = shared_from_this()](const asio::error_code& e,
                                                      const tcp::resolver::results_type& results) {
                            if (self->stopped_ || e == asio::error::operation_aborted) return;
                            if (e || results.empty()) return self->failed(e ? e.message() : "no address");
                            self->listen_on(results.begin()->endpoint());
                          });
}

void TcpListener::listen_on(const tcp::endpoint& ep) {
  asio::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  // SOMAXCONN (4096 on current glibc; the kernel caps it at net.core.somaxconn): a burst of
  // clients waits in the kernel's queue instead of being dropped.
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return failed(ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  listen_retry_.succeeded();
  reported_ = false;
  if (callbacks_.on_listening) callbacks_.on_listening(port_.load());
  accept();
}

void TcpListener::failed(std::string_view what) {
  if (!reported_ && callbacks_.on_listen_failure) callbacks_.on_listen_failure(what);
  reported_ = true;
  listen_retry_.schedule([self = shared_from_this()] { self->try_listen(); });
}

void TcpListener::accept() {
  acceptor_.async_accept([self = shared_from_this()](const asio::error_code& ec,
                                                     tcp::socket socket) {
    if (self->stopped_) return;
    if (ec) return self->on_accept_error(ec);
    self->accept_retry_.succeeded();
    if (self->callbacks_.on_socket) self->callbacks_.on_socket(std::move(socket));
    if (!self->stopped_) self->accept();
  });
}

void TcpListener::on_accept_error(const asio::error_code& ec) {
  if (callbacks_.on_accept_error) callbacks_.on_accept_error(ec);
  accept_retry_.schedule([self = shared_from_this()] {
    if (!self->stopped_) self->accept();
  });
}

}  // namespace gxlink::transport
