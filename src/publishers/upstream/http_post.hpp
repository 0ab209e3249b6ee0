// SPDX-License-Identifier: MIT
#pragma once
/// One HTTP/1.1 POST at a time on the daemon's loop, for the InfluxDB output.
///
/// Why a small client on Asio and not cpp-httplib: httplib's client blocks, so it would need a
/// worker thread and a post back per result; and Debian's libcpp-httplib links OpenSSL, brotli and
/// zlib, about 3 MB of pages mapped in every daemon even with no upstream configured (the reason
/// the web server does not use it either, src/publishers/web/CMakeLists.txt). What InfluxDB's
/// write endpoint needs is small: one request with Content-Length, `Connection: close`, and the
/// status code of the answer (RFC 9112 §4 status line); the body is read only for the log, capped.
/// Plain http only: TLS to a remote database goes through a local Telegraf or stunnel
/// (docs/fleet.md), which is also where a fleet puts its buffering proxy.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>

namespace gxlink::publishers::upstream {

struct HttpTarget {
  std::string host;
  std::string port = "80";
  std::string base_path;  ///< without a trailing '/'
};

/// "http://host[:port][/base]" → target; an error text for anything else (https included).
std::string parse_http_url(const std::string& url, HttpTarget& out);

struct HttpResult {
  int status = 0;     ///< 0: no answer (connect, write or read failed, or the timeout ran out)
  std::string error;  ///< why there was no answer
  std::string body;   ///< the start of the answer's body (capped), for the log
};

/// Sends `POST path` with `body` to `target` and calls `done` once, on the loop. The handler is
/// not called after the returned handle is destroyed.
class HttpPost {
 public:
  using Done = std::function<void(HttpResult)>;
  static std::shared_ptr<HttpPost> start(asio::io_context& io, const HttpTarget& target,
                                         std::string path_and_query, std::string headers,
                                         std::string body, std::chrono::milliseconds timeout,
                                         Done done);
  virtual ~HttpPost() = default;
  virtual void cancel() = 0;
};

/// The status code of "HTTP/1.1 204 No Content\r\n..."; 0 when the text is no status line.
int parse_status_line(const std::string& head);

/// Base64 (RFC 4648 §4) for a Basic Authorization header.
std::string base64(const std::string& in);
/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string url_encode(const std::string& in);

}  // namespace gxlink::publishers::upstream
