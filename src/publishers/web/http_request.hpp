// SPDX-License-Identifier: MIT
#pragma once
/// Sans-I/O incremental HTTP/1.1 request parser for the dashboard server (RFC 9112 §2–§6). Bytes
/// from the socket in, one request head at a time out, in the project's framer `take()` shape
/// (STYLE.md §6): the caller owns the socket and loops until `consumed` covers its input.
///
/// Scope is what the dashboard and its few POST actions need: the request line, the headers that
/// decide framing and connection reuse (Content-Length, Transfer-Encoding, Connection), and Host
/// and Origin (to refuse cross-site POSTs). A request body is skipped, not stored.
///
/// Bounds: the head (request line + headers + the empty line) is at most kMaxHeadBytes; beyond
/// that take() says kBad with status 431. A Content-Length above kMaxBodyBytes is kBad/413.
/// Transfer-Encoding (chunked bodies) is not supported: kBad/501. After kBad the connection must
/// be answered with the given status and closed; reset() makes the parser usable again.
///
/// Leniency (RFC 9112 §2.2): a bare LF ends a line like CRLF, and empty lines before the request
/// line are ignored. Obsolete header folding, NUL/control bytes, a missing colon or whitespace
/// before the colon are rejected (§5.1, §5.2), as are conflicting Content-Length values (§6.3).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace gxlink::publishers::web {

inline constexpr std::size_t kMaxHeadBytes = 8192;  ///< browsers send < 2 KB
inline constexpr std::size_t kMaxBodyBytes = 8192;  ///< GET/HEAD carry none; skipped anyway

/// A parsed request head; views point into the parser's buffer (valid until the next take()).
struct Request {
  std::string_view method;  ///< case-sensitive token (RFC 9110 §9.1)
  std::string_view target;  ///< origin-form as sent, query included
  int version_minor = 1;    ///< HTTP/1.<minor>; only 0 and 1 are accepted
  bool keep_alive = true;   ///< after Connection and the version default (RFC 9112 §9.3)
  std::size_t content_length = 0;
  std::string_view host;    ///< the Host header, empty when absent
  std::string_view origin;  ///< the Origin header (browsers send it with every POST), or empty
  std::string_view authorization;  ///< the Authorization header ("Bearer <token>"), or empty

  /// The target without its query ("?...") part.
  std::string_view path() const noexcept { return target.substr(0, target.find('?')); }
};

enum class TakeStatus { kNeedMore, kBad, kRequest };

/// What take() found. For kRequest, `request` is valid until the next take()/reset(); the body
/// (if any) has been consumed too. For kBad, `status` is the HTTP status to answer with (400,
/// 413, 431, 501, 505) and `error` says why.
struct TakeResult {
  TakeStatus status = TakeStatus::kNeedMore;
  std::size_t consumed = 0;  ///< bytes of the input used; feed the rest in the next call
  const Request* request = nullptr;
  int http_status = 0;
  Error error;
};

class RequestParser {
 public:
  /// Consumes bytes up to the end of the next request (head + body) or the byte that made it bad,
  /// or all of `in` (kNeedMore). After kBad, further calls return kBad with consumed 0 until
  /// reset(). Never throws.
  TakeResult take(ByteView in) noexcept;
  /// Forgets any partial request (new connection).
  void reset() noexcept;

 private:
  TakeResult parse_head() noexcept;
  TakeResult bad(int http_status, Errc code, const char* detail, std::size_t consumed) noexcept;

  std::array<char, kMaxHeadBytes> buf_{};
  std::size_t len_ = 0;         ///< head bytes buffered
  std::size_t line_start_ = 0;  ///< offset of the current line in buf_
  std::size_t body_left_ = 0;   ///< body bytes still to skip before the request is returned
  bool in_body_ = false;
  bool broken_ = false;
  TakeResult bad_{};
  Request request_{};
};

/// Decodes application/x-www-form-urlencoded text ("%2F" → "/", "+" → " "); nullopt when a "%"
/// is not followed by two hex digits, or for a decoded NUL (no C string downstream may be cut).
std::optional<std::string> percent_decode(std::string_view s);

/// The decoded value of the first `name=` parameter in the target's query (names are decoded too;
/// a fragment is ignored), nullopt when absent or badly encoded. A name without "=" gives an empty
/// value.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace gxlink::publishers::web
