// SPDX-License-Identifier: MIT
#include "publishers/web/http_request.hpp"

#include <algorithm>

namespace gxlink::publishers::web {

namespace {

/// tchar (RFC 9110 §5.6.2).
bool is_tchar(char c) noexcept {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Strips the line terminator (LF or CRLF).
std::string_view chomp(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

void RequestParser::reset() noexcept {
  len_ = 0;
  line_start_ = 0;
  body_left_ = 0;
  in_body_ = false;
  broken_ = false;
  request_ = Request{};
}

TakeResult RequestParser::bad(int http_status, Errc code, const char* detail,
                              std::size_t consumed) noexcept {
  broken_ = true;
  bad_ = TakeResult{};
  bad_.status = TakeStatus::kBad;
  bad_.http_status = http_status;
  bad_.error = Error{code, detail};
  TakeResult r = bad_;
  r.consumed = consumed;
  return r;
}

TakeResult RequestParser::take(ByteView in) noexcept {
  if (broken_) {
    TakeResult r = bad_;
    r.consumed = 0;
    return r;
  }
  std::size_t i = 0;
  if (!in_body_) {
    for (; i < in.size(); ++i) {
      const char c = static_cast<char>(in[i]);
      // Any control byte other than HT/CR/LF is never valid in a request head (RFC 9110 §5.5).
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
          c == 0x7f)
        return bad(400, Errc::kBadFormat, "control byte in request head", i + 1);
      if (len_ == kMaxHeadBytes) return bad(431, Errc::kBadLength, "request head too large", i + 1);
      buf_[len_++] = c;
      if (c != '\n') continue;
      const std::string_view line = chomp({buf_.data() + line_start_, len_ - line_start_});
      if (!line.empty()) {
        line_start_ = len_;
        continue;
      }
      if (line_start_ == 0) {
        // An empty line before the request line (RFC 9112 §2.2): ignore it.
        len_ = 0;
        continue;
      }
      // The empty line: the head is complete.
      auto r = parse_head();
      if (r.status == TakeStatus::kBad) {
        r.consumed = i + 1;
        return r;
      }
      ++i;
      in_body_ = true;
      body_left_ = request_.content_length;
      break;
    }
    if (!in_body_) return TakeResult{TakeStatus::kNeedMore, i, nullptr, 0, {}};
  }
  const std::size_t skip = std::min(body_left_, in.size() - i);
  body_left_ -= skip;
  i += skip;
  if (body_left_ > 0) return TakeResult{TakeStatus::kNeedMore, i, nullptr, 0, {}};
  // Request complete; the next take() starts a new head. request_ views stay valid until then
  // because the buffer is only overwritten by the next take().
  in_body_ = false;
  len_ = 0;
  line_start_ = 0;
  return TakeResult{TakeStatus::kRequest, i, &request_, 0, {}};
}

TakeResult RequestParser::parse_head() noexcept {
  request_ = Request{};
  const std::string_view head(buf_.data(), len_);
  std::size_t pos = head.find('\n');
  const std::string_view start = chomp(head.substr(0, pos + 1));
  pos += 1;

  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  const auto sp1 = start.find(' ');
  if (sp1 == std::string_view::npos) return bad(400, Errc::kBadFormat, "no request target", 0);
  const auto sp2 = start.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return bad(400, Errc::kBadFormat, "no HTTP version", 0);
  request_.method = start.substr(0, sp1);
  request_.target = start.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = start.substr(sp2 + 1);
  if (!is_token(request_.method)) return bad(400, Errc::kBadFormat, "bad method", 0);
  if (request_.target.empty() ||
      std::any_of(request_.target.begin(), request_.target.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r'; }))
    return bad(400, Errc::kBadFormat, "bad request target", 0);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return bad(400, Errc::kBadFormat, "bad HTTP version", 0);
  if (version[5] != '1' || version[7] > '1')
    return bad(505, Errc::kUnsupported, "HTTP version not supported", 0);
  request_.version_minor = version[7] - '0';
  request_.keep_alive = request_.version_minor == 1;

  bool have_length = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  while (pos < head.size()) {
    const auto eol = head.find('\n', pos);
    const std::string_view line = chomp(head.substr(pos, eol + 1 - pos));
    pos = eol + 1;
    if (line.empty()) break;  // the terminating empty line
    if (line.front() == ' ' || line.front() == '\t')
      return bad(400, Errc::kBadFormat, "obsolete header folding", 0);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return bad(400, Errc::kBadFormat, "header without colon", 0);
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_token(name)) return bad(400, Errc::kBadFormat, "bad header name", 0);
    if (std::any_of(value.begin(), value.end(), [](char c) { return c == '\r'; }))
      return bad(400, Errc::kBadFormat, "CR in header value", 0);
    if (iequals(name, "Content-Length")) {
      // Digits only (a list of equal values is also allowed by §6.3, but no client sends it).
      if (value.empty() || value.size() > 9 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return bad(400, Errc::kBadFormat, "bad Content-Length", 0);
      std::size_t n = 0;
      for (char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
      if (have_length && n != request_.content_length)
        return bad(400, Errc::kBadFormat, "conflicting Content-Length", 0);
      have_length = true;
      request_.content_length = n;
      if (n > kMaxBodyBytes) return bad(413, Errc::kBadLength, "request body too large", 0);
    } else if (iequals(name, "Host")) {
      request_.host = value;
    } else if (iequals(name, "Origin")) {
      request_.origin = value;
    } else if (iequals(name, "Authorization")) {
      request_.authorization = value;
    } else if (iequals(name, "Transfer-Encoding")) {
      return bad(501, Errc::kUnsupported, "Transfer-Encoding not supported", 0);
    } else if (iequals(name, "Connection")) {
      // A comma-separated list of tokens (RFC 9110 §7.6.1).
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view opt = trim_ows(rest.substr(0, comma));
        if (iequals(opt, "close")) connection_close = true;
        if (iequals(opt, "keep-alive")) connection_keep_alive = true;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (connection_close)
    request_.keep_alive = false;
  else if (connection_keep_alive)
    request_.keep_alive = true;
  return TakeResult{TakeStatus::kRequest, 0, &request_, 0, {}};
}

namespace {

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_digit(s[i + 1]);
      const int lo = hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out.push_back(decoded);
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = part.find('=');
    const auto key = percent_decode(part.substr(0, eq));
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percent_decode(part.substr(eq + 1));
  }
  return std::nullopt;
}

}  // namespace gxlink::publishers::web
