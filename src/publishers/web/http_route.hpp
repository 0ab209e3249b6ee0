// SPDX-License-Identifier: MIT
#pragma once
/// Routes added to the HTTP server from outside it (issue 15: history, export, metrics), so that
/// each feature keeps its handlers in its own files and the server has one dispatch hook
/// (HttpOptions::routes). Handlers run on the loop thread, like the server's own.

#include <functional>
#include <optional>
#include <string>

#include "publishers/web/http_request.hpp"

namespace gxlink::publishers::web {

struct RouteResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string extra_headers;  ///< complete "Name: value\r\n" lines
  /// A body too large to build at once (an export of days): when set, `body` is ignored and the
  /// server sends the head, then calls `stream` again after each piece has been written until it
  /// returns an empty string. The response has no Content-Length and the connection closes after
  /// it (RFC 9112 §6.3 item 8: the body ends at the close), so it works for HTTP/1.0 clients too.
  /// A piece is written before the next is asked for, so memory stays at one piece.
  std::function<std::string()> stream;
};

/// Answers a request it owns, or nullopt to let the next route (finally the server's 404) have it.
using RouteHandler = std::function<std::optional<RouteResponse>(const Request&)>;

}  // namespace gxlink::publishers::web
