// SPDX-License-Identifier: MIT
#include "publishers/modbus/modbus_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

namespace gxlink::publishers {

namespace {

using asio::ip::tcp;

constexpr std::chrono::milliseconds kFirstBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{10000};
constexpr std::chrono::milliseconds kFirstAcceptBackoff{50};
constexpr std::chrono::milliseconds kMaxAcceptBackoff{1000};

}  // namespace

class ModbusServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  class Connection;

  Impl(PublisherContext ctx, ModbusOptions options, const modbus::RegisterMap& map)
      : ctx_(ctx),
        options_(std::move(options)),
        registers_(ctx.model, map, options_.registers),
        acceptor_(ctx.io),
        resolver_(ctx.io),
        retry_(ctx.io),
        accept_retry_(ctx.io) {}

  void start() {
    stopped_ = false;
    try_listen();
  }
  void stop();
  int port() const { return port_.load(); }
  ModbusStats stats() const {
    ModbusStats s = stats_;
    s.open = connections_.size();
    s.registers = registers_.stats();
    return s;
  }
  const ModbusOptions& options() const { return options_; }

 private:
  friend class Connection;
  void try_listen();
  void listen_on(const tcp::endpoint& ep);
  void report_listen_failure(std::string_view what);
  void schedule_retry();
  void accept();
  void on_accept_error(const asio::error_code& ec);
  void forget(Connection* c);

  PublisherContext ctx_;
  ModbusOptions options_;
  RegisterServer registers_;
  tcp::acceptor acceptor_;
  tcp::resolver resolver_;
  asio::steady_timer retry_;
  asio::steady_timer accept_retry_;
  std::chrono::milliseconds backoff_ = kFirstBackoff;
  std::chrono::milliseconds accept_backoff_ = kFirstAcceptBackoff;
  bool reported_ = false;
  bool stopped_ = true;
  std::atomic<int> port_{0};
  ModbusStats stats_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
};

/// One client. Reads into a fixed buffer, answers one ADU at a time, and closes on a bad header,
/// a timeout or an error. Holds the server weakly: a handler that runs after stop() does nothing.
class ModbusServer::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::weak_ptr<Impl> server, tcp::socket socket)
      : server_(std::move(server)), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start() {
    asio::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);  // one small answer per request: no Nagle
    arm(Deadline::kIdle);
    read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  enum class Deadline { kIdle, kWrite };

  void arm(Deadline d) {
    const auto s = server_.lock();
    if (!s) return;
    timer_.expires_after(d == Deadline::kIdle ? s->options_.idle_timeout
                                              : s->options_.write_timeout);
    const auto generation = ++generation_;
    timer_.async_wait([self = shared_from_this(), d, generation](const asio::error_code& ec) {
      if (ec || self->closed_ || generation != self->generation_) return;
      if (auto srv = self->server_.lock()) {
        ++(d == Deadline::kIdle ? srv->stats_.idle_timeouts : srv->stats_.write_timeouts);
      }
      self->finish();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(in_.data() + have_, in_.size() - have_),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec) return self->finish();
                              self->have_ += n;
                              self->process();
                            });
  }

  /// Answers the first complete frame in the buffer, or reads more.
  void process() {
    const auto s = server_.lock();
    if (!s || s->stopped_) return finish();
    const auto taken = modbus::take_adu(ByteView(in_.data(), have_));
    if (taken.status == modbus::TakeStatus::kBad) {
      ++s->stats_.bad_frames;
      return finish();
    }
    if (taken.status == modbus::TakeStatus::kNeedMore) return read();
    consumed_ = taken.consumed;
    const std::size_t size = s->registers_.handle(taken.adu, out_);
    arm(Deadline::kWrite);
    asio::async_write(socket_, asio::buffer(out_.data(), size),
                      [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec) return self->finish();
                        // Keep what the client sent after this frame (pipelined requests).
                        std::memmove(self->in_.data(), self->in_.data() + self->consumed_,
                                     self->have_ - self->consumed_);
                        self->have_ -= self->consumed_;
                        self->arm(Deadline::kIdle);
                        self->process();
                      });
  }

  void finish() {
    close();
    if (auto s = server_.lock()) s->forget(this);
  }

  std::weak_ptr<Impl> server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::array<std::uint8_t, modbus::kMaxAduSize> in_{};
  std::array<std::uint8_t, modbus::kMaxAduSize> out_{};
  std::size_t have_ = 0;
  std::size_t consumed_ = 0;
  std::uint64_t generation_ = 0;
  bool closed_ = false;
};

void ModbusServer::Impl::stop() {
  stopped_ = true;
  asio::error_code ignored;
  retry_.cancel();
  accept_retry_.cancel();
  resolver_.cancel();
  acceptor_.close(ignored);
  port_ = 0;
  auto connections = std::move(connections_);
  connections_.clear();
  for (const auto& c : connections) c->close();
}

void ModbusServer::Impl::forget(Connection* c) {
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->get() == c) {
      connections_.erase(it);
      return;
    }
  }
}

void ModbusServer::Impl::try_listen() {
  if (stopped_) return;
  asio::error_code ec;
  const auto addr = asio::ip::make_address(options_.host, ec);
  if (!ec) return listen_on(tcp::endpoint(addr, static_cast<unsigned short>(options_.port)));
  // A host name: resolved by asio's resolver thread, so a slow DNS cannot stall the loop.
  resolver_.async_resolve(options_.host, std::to_string(options_.port),
                          tcp::resolver::numeric_service,
                          [self = shared_from_this()](const asio::error_code& e,
                                                      const tcp::resolver::results_type& results) {
                            if (self->stopped_ || e == asio::error::operation_aborted) return;
                            if (e || results.empty()) {
                              self->report_listen_failure(e ? e.message() : "no address");
                              return self->schedule_retry();
                            }
                            self->listen_on(results.begin()->endpoint());
                          });
}

void ModbusServer::Impl::listen_on(const tcp::endpoint& ep) {
  asio::error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    report_listen_failure(ec.message());
    return schedule_retry();
  }
  port_ = acceptor_.local_endpoint(ec).port();
  backoff_ = kFirstBackoff;
  reported_ = false;
  spdlog::info("modbus: serving the GX register map on {}:{} (writes {})", options_.host,
               port_.load(), options_.registers.writes ? "on" : "off");
  accept();
}

void ModbusServer::Impl::report_listen_failure(std::string_view what) {
  if (reported_) return;
  spdlog::warn("modbus: cannot listen on {}:{} ({}); retrying", options_.host, options_.port, what);
  reported_ = true;
}

void ModbusServer::Impl::schedule_retry() {
  retry_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->try_listen();
  });
}

void ModbusServer::Impl::accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const asio::error_code& ec, tcp::socket socket) {
        if (self->stopped_) return;
        if (ec) return self->on_accept_error(ec);
        self->accept_backoff_ = kFirstAcceptBackoff;
        if (self->connections_.size() >= self->options_.max_connections) {
          // Modbus has no "busy" answer before a request; closing at once frees the client to
          // retry.
          ++self->stats_.refused_full;
          asio::error_code ignored;
          socket.close(ignored);
        } else {
          ++self->stats_.accepted;
          auto c = std::make_shared<Connection>(self, std::move(socket));
          self->connections_.insert(c);
          c->start();
        }
        self->accept();
      });
}

/// EMFILE/ENFILE leave the connection queued, so accepting again at once would spin: back off.
void ModbusServer::Impl::on_accept_error(const asio::error_code& ec) {
  spdlog::debug("modbus: accept failed ({})", ec.message());
  accept_retry_.expires_after(accept_backoff_);
  accept_backoff_ = std::min(accept_backoff_ * 2, kMaxAcceptBackoff);
  accept_retry_.async_wait([self = shared_from_this()](const asio::error_code& e) {
    if (!e && !self->stopped_) self->accept();
  });
}

ModbusServer::ModbusServer(PublisherContext ctx, ModbusOptions options,
                           const modbus::RegisterMap& map)
    : impl_(std::make_shared<Impl>(ctx, std::move(options), map)) {}

ModbusServer::~ModbusServer() { impl_->stop(); }

std::string ModbusServer::describe() const {
  return "modbus://" + impl_->options().host + ":" +
         std::to_string(impl_->port() ? impl_->port() : impl_->options().port);
}

void ModbusServer::start() { impl_->start(); }
void ModbusServer::stop() { impl_->stop(); }
int ModbusServer::port() const { return impl_->port(); }
ModbusStats ModbusServer::stats() const { return impl_->stats(); }

}  // namespace gxlink::publishers
