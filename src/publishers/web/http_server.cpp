// SPDX-License-Identifier: MIT
#include "publishers/web/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <vector>

#include <spdlog/spdlog.h>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "model/model_json.hpp"
#include "publishers/web/http_request.hpp"

namespace gxlink::publishers {

namespace {

using asio::ip::tcp;

constexpr std::chrono::milliseconds kFirstBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{10000};
constexpr std::chrono::seconds kLinger{
    2};  ///< draining a peer's bytes before closing after an error

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

/// Service names are D-Bus names: letters, digits, '_', '.', '-' (as the old route's [\w.\-]+).
bool valid_service_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '.' || c == '-';
  });
}

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string extra_headers;  ///< complete "Name: value\r\n" lines
};

std::string serialize(const Response& r, bool head_only, bool keep_alive) {
  std::string out;
  out.reserve(160 + r.extra_headers.size() + (head_only ? 0 : r.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason(r.status);
  out += "\r\nContent-Type: ";
  out += r.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(r.body.size());
  out += keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n";
  out += r.extra_headers;
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

Response route(model::Model& model, const http::Request& req) {
  Response r;
  if (req.method != "GET" && req.method != "HEAD") {
    r.status = 405;
    r.body = "Method Not Allowed\n";
    r.extra_headers = "Allow: GET, HEAD\r\n";
    return r;
  }
  const std::string_view path = req.path();
  constexpr std::string_view kServicePrefix = "/api/service/";
  if (path == "/") {
    r.content_type = "text/html; charset=utf-8";
    r.body = dashboard_html();
  } else if (path == "/api/model") {
    r.content_type = "application/json";
    r.body = model::dump_json(model::to_json(model));
    r.extra_headers = "Cache-Control: no-store\r\n";
  } else if (path.substr(0, kServicePrefix.size()) == kServicePrefix &&
             valid_service_name(path.substr(kServicePrefix.size()))) {
    r.content_type = "application/json";
    const auto* s = model.find(std::string(path.substr(kServicePrefix.size())));
    if (s) {
      r.body = model::dump_json(model::to_json(*s));
    } else {
      r.status = 404;
      r.body = "null";
    }
  } else {
    r.status = 404;
    r.body = "Not Found\n";
  }
  return r;
}

}  // namespace

class Connection;

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(PublisherContext ctx, HttpOptions options)
      : ctx_(ctx), options_(std::move(options)), acceptor_(ctx.io), retry_(ctx.io) {}

  void start();
  void stop();
  int port() const { return port_; }
  bool stopped() const { return stopped_; }
  model::Model& model() { return ctx_.model; }

 private:
  void try_listen();
  void schedule_retry();
  void accept();

  PublisherContext ctx_;
  HttpOptions options_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::chrono::milliseconds backoff_ = kFirstBackoff;
  bool reported_ = false;
  bool stopped_ = false;
  std::atomic<int> port_{0};  // read by tests from another thread
  std::vector<std::weak_ptr<Connection>> connections_;
};

/// One client connection: read → parse → answer, keep-alive and pipelining, idle timeout.
/// Handlers hold a shared_ptr to it; it holds the server's Impl so neither dies under a pending
/// handler after stop().
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<HttpServer::Impl> server, tcp::socket socket)
      : server_(std::move(server)), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start() {
    arm_timer(kIdleTimeout);
    read();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    asio::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
  }

 private:
  void arm_timer(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      // A re-armed timer may still deliver the old expiry; only a real deadline closes.
      if (ec || self->timer_.expiry() > std::chrono::steady_clock::now()) return;
      self->close();
    });
  }

  void read() {
    if (closed_) return;
    socket_.async_read_some(asio::buffer(rbuf_),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(const asio::error_code& ec, std::size_t n) {
    if (closed_ || server_->stopped()) return close();
    if (ec) return close();
    if (lingering_) return read();  // discard until EOF or the linger deadline
    rpos_ = 0;
    rlen_ = n;
    process();
  }

  /// Feeds buffered bytes to the parser until a request is complete (then answers it and
  /// continues after the write) or the buffer is used up (then reads more).
  void process() {
    while (rpos_ < rlen_) {
      const auto r = parser_.take(ByteView(rbuf_.data() + rpos_, rlen_ - rpos_));
      rpos_ += r.consumed;
      if (r.status == http::TakeStatus::kRequest) {
        const http::Request& req = *r.request;
        const bool keep_alive = req.keep_alive;
        return write(serialize(route(server_->model(), req), req.method == "HEAD", keep_alive),
                     !keep_alive);
      }
      if (r.status == http::TakeStatus::kBad) {
        spdlog::debug("http: bad request ({}): {}", r.http_status, r.error.message());
        Response resp;
        resp.status = r.http_status;
        resp.body = std::string(reason(r.http_status)) + "\n";
        return write(serialize(resp, false, false), true);
      }
    }
    read();
  }

  void write(std::string data, bool close_after) {
    out_ = std::move(data);
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this(), close_after](const asio::error_code& ec, std::size_t) {
          if (self->closed_ || self->server_->stopped() || ec) return self->close();
          if (close_after) return self->linger();
          self->arm_timer(kIdleTimeout);
          self->process();  // pipelined bytes already read, then read more
        });
  }

  /// After a final response: stop sending, drain what the peer still sends (closing with unread
  /// bytes would reset the connection and could destroy the response in flight), then close.
  void linger() {
    lingering_ = true;
    asio::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    arm_timer(kLinger);
    read();
  }

  std::shared_ptr<HttpServer::Impl> server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::array<std::uint8_t, 4096> rbuf_{};
  std::size_t rpos_ = 0;
  std::size_t rlen_ = 0;
  http::RequestParser parser_;
  std::string out_;
  bool closed_ = false;
  bool lingering_ = false;
};

void HttpServer::Impl::start() {
  stopped_ = false;
  try_listen();
}

void HttpServer::Impl::try_listen() {
  if (stopped_) return;
  asio::error_code ec;
  tcp::endpoint ep;
  const auto addr = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, static_cast<unsigned short>(options_.port));
  } else {
    // A host name ("localhost"): resolve it (once per attempt; numeric service, no DNS for it).
    tcp::resolver resolver(ctx_.io);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port),
                                    tcp::resolver::numeric_service, ec);
    if (!ec && results.empty()) ec = asio::error::host_not_found;
    if (!ec) ep = results.begin()->endpoint();
  }
  if (!ec) acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    if (!reported_) {
      spdlog::warn("http: cannot listen on {}:{} ({}); retrying", options_.host, options_.port,
                   ec.message());
      reported_ = true;
    }
    return schedule_retry();
  }
  port_ = acceptor_.local_endpoint(ec).port();
  backoff_ = kFirstBackoff;
  reported_ = false;
  spdlog::info("http: serving the dashboard and /api/model on http://{}:{}", options_.host,
               port_.load());
  accept();
}

void HttpServer::Impl::schedule_retry() {
  retry_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->try_listen();
  });
}

void HttpServer::Impl::accept() {
  acceptor_.async_accept(
      [self = shared_from_this()](const asio::error_code& ec, tcp::socket socket) {
        if (self->stopped_) return;
        if (ec) {
          // Out of descriptors or similar: try again shortly rather than spinning.
          spdlog::debug("http: accept failed: {}", ec.message());
          self->retry_.expires_after(std::chrono::milliseconds(100));
          self->retry_.async_wait([self](const asio::error_code& e) {
            if (!e && !self->stopped_) self->accept();
          });
          return;
        }
        auto& conns = self->connections_;
        conns.erase(
            std::remove_if(conns.begin(), conns.end(), [](const auto& w) { return w.expired(); }),
            conns.end());
        if (conns.size() >= kMaxConnections) {
          spdlog::debug("http: {} connections open; refusing one", conns.size());
          asio::error_code ignored;
          socket.close(ignored);
        } else {
          auto conn = std::make_shared<Connection>(self, std::move(socket));
          conns.push_back(conn);
          conn->start();
        }
        self->accept();
      });
}

void HttpServer::Impl::stop() {
  stopped_ = true;
  asio::error_code ec;
  acceptor_.close(ec);
  retry_.cancel();
  for (auto& w : connections_)
    if (auto c = w.lock()) c->close();
  connections_.clear();
  port_ = 0;
}

HttpServer::HttpServer(PublisherContext ctx, HttpOptions options)
    : ctx_(ctx), options_(std::move(options)) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_ ? impl_->port() : 0; }

std::string HttpServer::describe() const {
  return "http://" + options_.host + ":" + std::to_string(port() ? port() : options_.port);
}

void HttpServer::start() {
  if (impl_) return;
  impl_ = std::make_shared<Impl>(ctx_, options_);
  impl_->start();
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->stop();
  impl_.reset();  // pending handlers keep it alive until they run or the io_context goes
}

}  // namespace gxlink::publishers
