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

#include "transport/tcp_listener.hpp"

namespace gxlink::publishers::modbus {

namespace {

using asio::ip::tcp;

}  // namespace

class ModbusServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  class Connection;

  Impl(PublisherContext ctx, ModbusOptions options, const gxlink::modbus::RegisterMap& map)
      : ctx_(ctx), options_(std::move(options)), registers_(ctx.model, map, options_.registers) {}

  void start();
  void stop();
  int port() const { return listener_ ? listener_->port() : 0; }
  ModbusStats stats() const {
    ModbusStats s = stats_;
    s.open = connections_.size();
    s.registers = registers_.stats();
    return s;
  }
  const ModbusOptions& options() const { return options_; }

 private:
  friend class Connection;
  void admit(tcp::socket socket);
  void forget(Connection* c);

  PublisherContext ctx_;
  ModbusOptions options_;
  RegisterServer registers_;
  std::shared_ptr<transport::TcpListener> listener_;
  bool stopped_ = true;
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
    const auto taken = gxlink::modbus::take_adu(ByteView(in_.data(), have_));
    if (taken.status == gxlink::modbus::TakeStatus::kBad) {
      ++s->stats_.bad_frames;
      return finish();
    }
    if (taken.status == gxlink::modbus::TakeStatus::kNeedMore) return read();
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
  std::array<std::uint8_t, gxlink::modbus::kMaxAduSize> in_{};
  std::array<std::uint8_t, gxlink::modbus::kMaxAduSize> out_{};
  std::size_t have_ = 0;
  std::size_t consumed_ = 0;
  std::uint64_t generation_ = 0;
  bool closed_ = false;
};

void ModbusServer::Impl::start() {
  stopped_ = false;
  std::weak_ptr<Impl> weak = shared_from_this();
  transport::TcpListener::Callbacks cb;
  cb.on_socket = [weak](tcp::socket socket) {
    if (auto self = weak.lock()) self->admit(std::move(socket));
  };
  cb.on_listening = [weak](int port) {
    if (auto self = weak.lock())
      spdlog::info("modbus: serving the GX register map on {}:{} (writes {})", self->options_.host,
                   port, self->options_.registers.writes ? "on" : "off");
  };
  cb.on_listen_failure = [weak](std::string_view what) {
    if (auto self = weak.lock())
      spdlog::warn("modbus: cannot listen on {}:{} ({}); retrying", self->options_.host,
                   self->options_.port, what);
  };
  cb.on_accept_error = [](const asio::error_code& ec) {
    spdlog::debug("modbus: accept failed ({})", ec.message());
  };
  listener_ = std::make_shared<transport::TcpListener>(ctx_.io, options_.host, options_.port,
                                                       std::move(cb));
  listener_->start();
}

void ModbusServer::Impl::stop() {
  stopped_ = true;
  if (listener_) listener_->stop();
  auto connections = std::move(connections_);
  connections_.clear();
  for (const auto& c : connections) c->close();
}

void ModbusServer::Impl::admit(tcp::socket socket) {
  if (stopped_) return;
  if (connections_.size() >= options_.max_connections) {
    // Modbus has no "busy" answer before a request; closing at once frees the client to retry.
    ++stats_.refused_full;
    asio::error_code ignored;
    socket.close(ignored);
    return;
  }
  ++stats_.accepted;
  auto c = std::make_shared<Connection>(shared_from_this(), std::move(socket));
  connections_.insert(c);
  c->start();
}

void ModbusServer::Impl::forget(Connection* c) {
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->get() == c) {
      connections_.erase(it);
      return;
    }
  }
}

ModbusServer::ModbusServer(PublisherContext ctx, ModbusOptions options,
                           const gxlink::modbus::RegisterMap& map)
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

}  // namespace gxlink::publishers::modbus
