// SPDX-License-Identifier: MIT
#include "publishers/upstream/http_post.hpp"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

namespace gxlink::publishers::upstream {
namespace {

constexpr std::size_t kMaxAnswer = 64 * 1024;  // status line, headers and the start of the body

class Exchange : public HttpPost, public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& io, Done done)
      : resolver_(io), socket_(io), timer_(io), done_(std::move(done)) {}

  void run(const HttpTarget& t, std::string request, std::chrono::milliseconds timeout) {
    request_ = std::move(request);
    auto self = shared_from_this();
    timer_.expires_after(timeout);
    timer_.async_wait([self](const asio::error_code& ec) {
      if (!ec) self->finish({0, "timed out", {}});
    });
    resolver_.async_resolve(t.host, t.port, [self](const asio::error_code& ec, auto results) {
      if (ec) return self->finish({0, "resolve: " + ec.message(), {}});
      asio::async_connect(self->socket_, results, [self](const asio::error_code& ec2, const auto&) {
        if (ec2) return self->finish({0, "connect: " + ec2.message(), {}});
        asio::async_write(self->socket_, asio::buffer(self->request_),
                          [self](const asio::error_code& ec3, std::size_t) {
                            if (ec3) return self->finish({0, "write: " + ec3.message(), {}});
                            self->read_more();
                          });
      });
    });
  }

  void cancel() override {
    done_ = nullptr;
    close();
  }

 private:
  void read_more() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(chunk_), [self](const asio::error_code& ec,
                                                         std::size_t n) {
      if (n)
        self->answer_.append(self->chunk_.data(),
                             std::min(n, kMaxAnswer - std::min(kMaxAnswer, self->answer_.size())));
      // With `Connection: close` the answer ends at EOF; a full cap is enough to judge it too.
      if (ec || self->answer_.size() >= kMaxAnswer) {
        if (ec && ec != asio::error::eof && self->answer_.empty())
          return self->finish({0, "read: " + ec.message(), {}});
        HttpResult r;
        r.status = parse_status_line(self->answer_);
        if (r.status == 0) r.error = "no HTTP status line in the answer";
        if (auto p = self->answer_.find("\r\n\r\n"); p != std::string::npos)
          r.body = self->answer_.substr(p + 4, 512);
        return self->finish(std::move(r));
      }
      self->read_more();
    });
  }

  void finish(HttpResult r) {
    close();
    if (auto d = std::move(done_)) {
      done_ = nullptr;
      d(std::move(r));
    }
  }

  void close() {
    asio::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    socket_.close(ignored);
  }

  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  Done done_;
  std::string request_;
  std::string answer_;
  std::array<char, 4096> chunk_{};
};

}  // namespace

std::string parse_http_url(const std::string& url, HttpTarget& out) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind("https://", 0) == 0)
    return "https is not supported here: point url at a local Telegraf or a TLS proxy "
           "(docs/fleet.md)";
  if (url.rfind(kScheme, 0) != 0) return "must start with http://";
  auto rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  out.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  if (authority.empty()) return "has no host";
  if (authority.find('@') != std::string::npos) return "put credentials in token/username";
  std::string host = authority, port = "80";
  if (authority.front() == '[') {  // [::1]:8086
    const auto close = authority.find(']');
    if (close == std::string::npos) return "has a bad IPv6 address";
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "has a bad port";
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return "has no host";
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535)
    return "has a bad port";
  out.host = host;
  out.port = port;
  return {};
}

int parse_status_line(const std::string& head) {
  // "HTTP/1.x SSS" (RFC 9112 §4): three digits after the version and one space.
  if (head.size() < 12 || head.rfind("HTTP/1.", 0) != 0 || head[8] != ' ') return 0;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return 0;
    code = code * 10 + (head[i] - '0');
  }
  return code >= 100 ? code : 0;
}

std::string base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const auto left = in.size() - i; left > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string url_encode(const std::string& in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::shared_ptr<HttpPost> HttpPost::start(asio::io_context& io, const HttpTarget& target,
                                          std::string path_and_query, std::string headers,
                                          std::string body, std::chrono::milliseconds timeout,
                                          Done done) {
  // RFC 9110 §7.2: an IPv6 literal goes in brackets in Host.
  const bool v6 = target.host.find(':') != std::string::npos;
  std::string req = "POST " + path_and_query + " HTTP/1.1\r\nHost: " + (v6 ? "[" : "") +
                    target.host + (v6 ? "]:" : ":") + target.port +
                    "\r\nUser-Agent: gxlink/" GXLINK_VERSION
                    "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
                    headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  req += body;
  auto x = std::make_shared<Exchange>(io, std::move(done));
  x->run(target, std::move(req), timeout);
  return x;
}

}  // namespace gxlink::publishers::upstream
