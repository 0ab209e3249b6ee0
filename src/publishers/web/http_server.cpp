// SPDX-License-Identifier: MIT
#include "publishers/web/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "core/log_limit.hpp"
#include "model/model_json.hpp"
#include "model/venus_formats.hpp"
#include "publishers/web/http_request.hpp"
#include "transport/tcp_listener.hpp"

namespace gxlink::publishers::web {

namespace {

using asio::ip::tcp;

constexpr std::chrono::seconds kLinger{
    2};  ///< draining a peer's bytes before closing after an error
constexpr std::chrono::seconds kRefusalLinger{1};  ///< the same after a 503 refusal
/// Descriptors left to the rest of the daemon when sizing the HTTP budget from RLIMIT_NOFILE.
constexpr std::size_t kFdReserve = 128;
/// Refused connections draining at once (beyond it they are answered and closed at once).
constexpr std::size_t kMaxRefusals = 64;

/// The answer to a client that cannot be served now (RFC 9110 §15.6.4). Sent before its request
/// is read, so it is the same for every request.
constexpr std::string_view kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 5\r\nRetry-After: 2\r\nConnection: close\r\n\r\nbusy\n";

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
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

/// Which counter a response adds to (HttpStats), for the routes that count.
enum class Counted { kNone, kWriteOk, kWriteRefused };

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string extra_headers;  ///< complete "Name: value\r\n" lines
  Counted counted = Counted::kNone;
  std::function<std::string()> stream;  ///< RouteResponse::stream
};

Response json_result(int status, std::string_view result) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = model::dump_json(nlohmann::json{{"result", result}});
  r.extra_headers = "Cache-Control: no-store\r\n";
  return r;
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
  return diff == 0;
}

/// Every POST changes something (a setting, an alarm's state), so every POST is checked alike
/// (issue 15 item 7): a browser's cross-site request (an Origin that is not this server) is
/// refused, so that a page the user visits cannot post here; with `[http] token` set, the request
/// must carry `Authorization: Bearer <token>`. nullopt: allowed.
bool is_loopback_name(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "[::1]";
}

/// The name part of a Host header ("127.0.0.1:8088" → "127.0.0.1", "[::1]:8088" → "[::1]").
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

std::optional<Response> refuse_post(const HttpOptions& options, const Request& req) {
  if (!req.origin.empty() && req.origin != "http://" + std::string(req.host))
    return json_result(403, "cross-site request refused");
  // DNS rebinding: a page of evil.example whose name then resolves to 127.0.0.1 is same-origin
  // with itself, so the Origin check passes. A server on loopback is only ever reached by a
  // loopback name, so any other Host means such a page.
  if (is_loopback_name(options.host) && !req.host.empty() && !is_loopback_name(host_name(req.host)))
    return json_result(403, "request for another host name refused (DNS rebinding)");
  if (!options.token.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    const std::string_view auth = req.authorization;
    if (!auth.starts_with(kBearer) || !same_secret(auth.substr(kBearer.size()), options.token)) {
      auto r = json_result(401, "a token is required (Authorization: Bearer <token>)");
      r.extra_headers += "WWW-Authenticate: Bearer\r\n";
      return r;
    }
  }
  return std::nullopt;
}

/// `POST /api/write?service=S&path=P&value=JSON` (issue 15 item 2): a setting changed from the
/// dashboard takes the same Model::write as a D-Bus SetValue or an MQTT W/ topic, so the owner's
/// range checks and safety rules apply alike. Only with `[http] writes = true`. The value is JSON
/// (a number, a string or null) so that 1 and "1" stay apart, as on MQTT.
Response write_value(model::Model& model, const HttpOptions& options, const Request& req) {
  auto refused = [](int status, std::string_view why) {
    auto r = json_result(status, why);
    r.counted = Counted::kWriteRefused;
    return r;
  };
  if (!options.writes) return refused(403, "writes are disabled ([http] writes = false)");
  const auto service = query_param(req.target, "service");
  const auto path = query_param(req.target, "path");
  const auto text = query_param(req.target, "value");
  if (!service || !path || !text) return refused(400, "service, path and value are required");
  if (!valid_service_name(*service) || path->empty() || path->front() != '/' || path->size() > 256)
    return refused(400, "bad service or path");
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded() || json.is_object() || json.is_array())
    return refused(400, "value must be a JSON number, string, boolean or null");
  const auto result = model.write(*service, *path, model::from_json(json));
  int status = 200;
  switch (result) {
    case model::WriteResult::kOk: break;
    case model::WriteResult::kUnknownPath: status = 404; break;
    case model::WriteResult::kNotWritable: status = 403; break;
    case model::WriteResult::kOutOfRange:
    case model::WriteResult::kBadType: status = 422; break;
    case model::WriteResult::kFailed: status = 409; break;
  }
  auto r = json_result(status, model::to_string(result));
  r.counted = result == model::WriteResult::kOk ? Counted::kWriteOk : Counted::kWriteRefused;
  // Every write that changed something is logged; refusals repeat (a client retrying) and are
  // rate-limited per path and reason (issue 11 item 8). Handlers run on the one loop thread.
  static RateLimiter refused_log{seconds(10)};
  if (result == model::WriteResult::kOk) {
    spdlog::info("http: write {} {} = {}: ok", truncate_for_log(*service), truncate_for_log(*path),
                 truncate_for_log(*text));
  } else if (auto d =
                 refused_log.check(*service + *path + model::to_string(result), Clock::now())) {
    spdlog::info("http: write {} {} = {}: {}{}", truncate_for_log(*service),
                 truncate_for_log(*path), truncate_for_log(*text), model::to_string(result),
                 suppressed_note(d));
  }
  return r;
}

/// `GET /api/meta`: what the dashboard may offer to edit. Writable paths with their range and,
/// for enums, the values and texts of the shared Venus format table (the texts GetText gives).
std::string meta_json(const model::Model& model, const HttpOptions& options) {
  nlohmann::json j;
  j["writes"] = options.writes;
  j["token_required"] = !options.token.empty();
  nlohmann::json& writable = j["writable"] = nlohmann::json::object();
  for (const auto& [name, s] : model.services()) {
    for (const auto& [path, item] : s->items()) {
      if (!item.meta.writable) continue;
      nlohmann::json e = nlohmann::json::object();
      if (item.meta.min) e["min"] = *item.meta.min;
      if (item.meta.max) e["max"] = *item.meta.max;
      if (!item.meta.unit.empty()) e["unit"] = item.meta.unit;
      if (const auto* f = model::find_path_format(s->type(), path);
          f && f->kind == model::TextKind::kEnum) {
        nlohmann::json& en = e["enum"] = nlohmann::json::array();
        for (const auto& t : f->enums) en.push_back({t.value, t.text});
      }
      writable[name][path] = std::move(e);
    }
  }
  return model::dump_json(j);
}

/// Chart.js from Debian's libjs-chart.js, read per request (a ~200 KB file the browser then
/// caches), so the package's updates apply at once and the daemon keeps no copy in memory.
Response chartjs(const HttpOptions& options) {
  Response r;
  constexpr std::streamsize kMaxBytes = 4 << 20;
  std::ifstream in(options.chartjs_file, std::ios::binary);
  std::string body;
  if (in) {
    body.resize(static_cast<std::size_t>(kMaxBytes) + 1);
    in.read(body.data(), kMaxBytes + 1);
    body.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (body.empty() || body.size() > static_cast<std::size_t>(kMaxBytes)) {
    r.status = 404;
    r.content_type = "text/javascript; charset=utf-8";
    // Loaded by a <script> tag: a statement the page can see, not a plain text error.
    r.body =
        "window.GXLINK_CHARTJS_MISSING = " +
        model::dump_json(nlohmann::json("Plots need Chart.js: install Debian's libjs-chart.js (" +
                                        options.chartjs_file + " is missing)")) +
        ";\n";
    return r;
  }
  r.content_type = "text/javascript; charset=utf-8";
  r.body = std::move(body);
  r.extra_headers = "Cache-Control: max-age=86400\r\n";
  return r;
}

std::string serialize(const Response& r, bool head_only, bool keep_alive) {
  std::string out;
  out.reserve(160 + r.extra_headers.size() + (head_only ? 0 : r.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason(r.status);
  out += "\r\nContent-Type: ";
  out += r.content_type;
  if (!r.stream) {  // a streamed body ends at the close (http_route.hpp)
    out += "\r\nContent-Length: ";
    out += std::to_string(r.body.size());
  }
  out += keep_alive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n";
  out += r.extra_headers;
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

/// `POST /api/notifications/<n>/acknowledge` and `POST /api/notifications/acknowledge_all`
/// (issue 12 item 5): the same Model::write a D-Bus or MQTT client's write takes, into Venus'
/// platform service. A browser's cross-site POST (an Origin that is not this server) is refused,
/// so that a web page the user visits cannot silence an alarm.
Response acknowledge(model::Model& model, const HttpOptions& options, const Request& req,
                     std::string_view what) {
  Response r;
  r.content_type = "application/json";
  if (auto refused = refuse_post(options, req)) return std::move(*refused);
  std::string path;
  if (what == "acknowledge_all") {
    path = "/Notifications/AcknowledgeAll";
  } else if (const auto slash = what.find('/');
             slash != std::string_view::npos && slash >= 1 && slash <= 6 &&
             what.substr(slash) == "/acknowledge" &&
             std::all_of(what.begin(), what.begin() + static_cast<std::ptrdiff_t>(slash),
                         [](char c) { return c >= '0' && c <= '9'; })) {
    path = "/Notifications/" + std::string(what.substr(0, slash)) + "/Acknowledged";
  } else {
    r.status = 404;
    r.body = R"({"result":"no such action"})";
    return r;
  }
  const auto result =
      model.write("com.victronenergy.platform", path, model::Value{std::int64_t{1}});
  switch (result) {
    case model::WriteResult::kOk: break;
    case model::WriteResult::kUnknownPath:  // no platform service, or no such slot
    case model::WriteResult::kOutOfRange:   // an empty slot
      r.status = 404;
      break;
    default: r.status = 409; break;
  }
  r.body = std::string(R"({"result":")") + model::to_string(result) + "\"}";
  r.extra_headers = "Cache-Control: no-store\r\n";
  return r;
}

Response route(model::Model& model, const HttpOptions& options, const Request& req) {
  Response r;
  for (const auto& handler : options.routes) {
    if (auto answer = handler(req)) {
      r.status = answer->status;
      r.content_type = std::move(answer->content_type);
      r.body = std::move(answer->body);
      r.extra_headers = std::move(answer->extra_headers);
      if (req.method != "HEAD") r.stream = std::move(answer->stream);
      return r;
    }
  }
  constexpr std::string_view kNotificationsPrefix = "/api/notifications/";
  if (req.method == "POST" && req.path().starts_with(kNotificationsPrefix))
    return acknowledge(model, options, req, req.path().substr(kNotificationsPrefix.size()));
  if (req.method == "POST" && req.path() == "/api/write") {
    if (auto refused = refuse_post(options, req)) {
      refused->counted = Counted::kWriteRefused;
      return std::move(*refused);
    }
    return write_value(model, options, req);
  }
  if (req.method != "GET" && req.method != "HEAD") {
    r.status = 405;
    r.body = "Method Not Allowed\n";
    r.extra_headers = "Allow: GET, HEAD\r\n";
    return r;
  }
  const std::string_view path = req.path();
  constexpr std::string_view kServicePrefix = "/api/service/";
  constexpr std::string_view kAssetPrefix = "/assets/";
  if (path == "/") {
    r.content_type = "text/html; charset=utf-8";
    r.body = dashboard_html();
  } else if (path == "/assets/chart.min.js") {
    return chartjs(options);
  } else if (path.starts_with(kAssetPrefix) &&
             dashboard_asset(path.substr(kAssetPrefix.size())) != nullptr) {
    const auto* a = dashboard_asset(path.substr(kAssetPrefix.size()));
    r.content_type = std::string(a->content_type);
    r.body = std::string(a->body);
    r.extra_headers = "Cache-Control: no-cache\r\n";  // the daemon's version, not a stale one
  } else if (path == "/api/meta") {
    r.content_type = "application/json";
    r.body = meta_json(model, options);
    r.extra_headers = "Cache-Control: no-store\r\n";
  } else if (path == "/api/model") {
    r.content_type = "application/json";
    r.body = model::dump_json(model::to_json(model));
    r.extra_headers = "Cache-Control: no-store\r\n";
  } else if (path == "/api/health" && options.health_json) {
    r.content_type = "application/json";
    r.body = options.health_json();
    r.extra_headers = "Cache-Control: no-store\r\n";
  } else if (path == "/api/text") {
    // The same texts as D-Bus GetText and the terminal view, so the dashboard shows what they show.
    r.content_type = "application/json";
    r.body = model::dump_json(model::to_text_json(model));
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

/// Why a connection was refused, shed or closed early; the index of a rate-limited log slot.
enum class Event {
  kPerAddress,
  kFull,
  kShed,
  kHeaderTimeout,
  kWriteTimeout,
  kInternal,
  kAccept,
  kSlowStream,
  kCount
};

/// At most one log line per event kind per 10 s, with the number of events it stands for, so that
/// a flood of connections cannot flood the journal (issue 11 item 8; core/log_limit.hpp).
class RateLimitedLog {
 public:
  void note(Event e, std::string_view peer, std::string_view detail = {}) {
    const auto d = limiter_.check(text(e), Clock::now());
    if (!d) return;
    spdlog::warn("http: {} [{}{}{}]{}", text(e), peer, detail.empty() ? "" : ": ",
                 truncate_for_log(detail), suppressed_note(d));
  }

 private:
  static std::string_view text(Event e) {
    switch (e) {
      case Event::kPerAddress: return "too many connections from one address, answered 503";
      case Event::kFull: return "all connections busy, answered 503";
      case Event::kShed: return "closed an idle or slow connection to make room";
      case Event::kHeaderTimeout: return "request head not complete in time, closed";
      case Event::kWriteTimeout: return "client did not take its response in time, closed";
      case Event::kInternal: return "handler failed, answered 500";
      case Event::kAccept: return "accept failed, retrying";
      case Event::kSlowStream: return "event stream client too slow, dropped";
      case Event::kCount: break;
    }
    return "?";
  }
  RateLimiter limiter_{seconds(10), static_cast<std::size_t>(Event::kCount)};
};

class Connection;

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl>,
                         public model::Observer {
 public:
  Impl(PublisherContext ctx, HttpOptions options)
      : ctx_(ctx), options_(std::move(options)), heartbeat_(ctx.io) {}

  void start();
  void stop();
  int port() const { return listener_ ? listener_->port() : 0; }
  bool stopped() const { return stopped_; }
  model::Model& model() { return ctx_.model; }
  const HttpOptions& options() const { return options_; }
  HttpStats& stats() { return stats_; }
  RateLimitedLog& log() { return log_; }

  /// Called by Connection::close() (exactly once per registered connection).
  void on_closed(Connection& c);
  /// A connection moves from the served set to the refusal budget (after being shed); false when
  /// that budget is full (then the caller closes it after the 503).
  bool take_refusal_slot(Connection& c);

  /// `GET /api/events`: false when max_streams are open (the caller answers 503).
  bool open_stream();
  void stream_closed();
  /// The whole model as `{service: {path: [value, text]}}`, a new stream's first event.
  std::string snapshot_event() const;

  // model::Observer: each flush's batch becomes one event on every open stream.
  void on_service_added(const model::Service& s) override;
  void on_service_removed(const model::Service& s) override;
  void on_changes(std::span<const model::Change> changes) override;

 private:
  void broadcast(std::string_view event);
  void arm_heartbeat();
  void listen();
  void admit(tcp::socket socket);
  void refuse(tcp::socket socket, Event why, const asio::ip::address& peer);
  std::shared_ptr<Connection> pick_victim(const asio::ip::address* only_from,
                                          bool idle_keep_alive_too) const;
  void size_limits();

  PublisherContext ctx_;
  HttpOptions options_;
  std::shared_ptr<transport::TcpListener> listener_;
  asio::steady_timer heartbeat_;
  bool observing_ = false;
  bool stopped_ = false;
  std::size_t max_active_ = 0;
  std::size_t max_refusals_ = 0;
  std::size_t active_ = 0;    ///< connections being served (the max_connections budget)
  std::size_t refusals_ = 0;  ///< connections draining after a 503 (their own small budget)
  std::vector<std::weak_ptr<Connection>> conns_;  ///< both kinds; pruned in on_closed()
  HttpStats stats_;
  RateLimitedLog log_;
};

/// One client connection: read → parse → answer, keep-alive and pipelining, with a deadline for
/// each phase (head, write, idle, linger). Handlers hold a shared_ptr to it; it holds the server's
/// Impl so neither dies under a pending handler after stop().
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class Slot { kNone, kActive, kRefusal };
  /// kStream: an event stream after its response head; it only ever writes events until closed.
  enum class Phase { kHead, kWrite, kLinger, kStream, kClosed };

  Connection(std::shared_ptr<HttpServer::Impl> server, tcp::socket socket,
             const asio::ip::address& peer, Slot slot)
      : server_(std::move(server)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        peer_(peer),
        slot_(slot) {
    asio::error_code ec;
    // Synchronous sends below (the 503) must never block the loop; async ops are unaffected.
    socket_.non_blocking(true, ec);
  }

  void start() {
    if (slot_ == Slot::kRefusal) {
      send_now(kBusyResponse);
      return linger(kRefusalLinger);
    }
    phase_ = Phase::kHead;
    since_ = std::chrono::steady_clock::now();
    arm_timer(server_->options().header_timeout);
    read();
  }

  /// Shed to make room for another client (see HttpServer::Impl::admit). An idle keep-alive or
  /// lingering connection has nothing in flight and is closed; one waiting for its request head
  /// is told 503 (its request may be on the way) and drains in the refusal budget if there is room.
  void shed() {
    if (phase_ == Phase::kLinger || idle()) return close();
    send_now(kBusyResponse);
    if (!server_->take_refusal_slot(*this)) return close();
    linger(kRefusalLinger);
  }

  void close() {
    if (phase_ == Phase::kClosed) return;
    if (phase_ == Phase::kStream) server_->stream_closed();
    phase_ = Phase::kClosed;
    asio::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
    server_->on_closed(*this);
  }

  /// Queues one event on a stream. A client that has fallen `stream_queue_bytes` behind is
  /// dropped instead of queueing more: memory per client stays bounded whatever the client does
  /// (it reconnects, EventSource does so by itself, and starts again from a snapshot).
  void push(std::string_view event) {
    if (phase_ != Phase::kStream) return;
    auto& st = server_->stats();
    if (queued_.size() + event.size() > server_->options().stream_queue_bytes) {
      ++st.streams_dropped_slow;
      server_->log().note(Event::kSlowStream, peer_.to_string());
      return close();
    }
    queued_ += event;
    ++st.stream_events;
    if (!stream_writing_) write_stream();
  }

  Slot slot() const { return slot_; }
  void set_slot(Slot s) { slot_ = s; }
  Phase phase() const { return phase_; }
  const asio::ip::address& peer() const { return peer_; }
  std::chrono::steady_clock::time_point since() const { return since_; }
  /// Kept alive after a response and no byte of the next request yet.
  bool idle() const { return phase_ == Phase::kHead && served_ > 0 && !head_started_; }
  /// Some bytes of a request, not the whole of it: a slowloris, or (rarely, for a moment) a head
  /// split across two segments.
  bool partial() const { return phase_ == Phase::kHead && head_started_; }

 private:
  void arm_timer(std::chrono::steady_clock::duration d) {
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      // A re-armed timer may still deliver the old expiry; only a real deadline closes.
      if (ec || self->timer_.expiry() > std::chrono::steady_clock::now()) return;
      self->on_deadline();
    });
  }

  void on_deadline() {
    auto& st = server_->stats();
    switch (phase_) {
      case Phase::kHead:
        if (idle()) {
          ++st.idle_timeouts;  // normal keep-alive expiry: not worth a log line
        } else {
          ++st.header_timeouts;
          // A browser's unused preconnect sends nothing; a slowloris sends a partial head.
          if (head_started_) server_->log().note(Event::kHeaderTimeout, peer_.to_string());
        }
        break;
      case Phase::kWrite:
        ++st.write_timeouts;
        server_->log().note(Event::kWriteTimeout, peer_.to_string());
        break;
      case Phase::kStream:
        if (!stream_writing_) return;  // an idle stream has no deadline
        ++st.write_timeouts;
        server_->log().note(Event::kWriteTimeout, peer_.to_string());
        break;
      case Phase::kLinger:
      case Phase::kClosed: break;
    }
    close();
  }

  void read() {
    if (phase_ == Phase::kClosed || reading_) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(rbuf_),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                              self->reading_ = false;
                              self->on_read(ec, n);
                            });
  }

  void on_read(const asio::error_code& ec, std::size_t n) {
    if (phase_ == Phase::kClosed) return;
    if (ec || server_->stopped()) return close();
    // Discard until EOF (a stream's client says nothing more; EOF tells that it went away) or the
    // linger deadline.
    if (phase_ == Phase::kLinger || phase_ == Phase::kStream) return read();
    rpos_ = 0;
    rlen_ = n;
    note_request_start();
    process();
  }

  /// The first byte of a request on a kept-alive connection starts its head deadline; the first
  /// request's deadline runs from the accept. Later bytes never extend it (slowloris).
  void note_request_start() {
    if (head_started_ || rpos_ >= rlen_) return;
    head_started_ = true;
    if (served_ > 0) {
      since_ = std::chrono::steady_clock::now();
      arm_timer(server_->options().header_timeout);
    }
  }

  /// Feeds buffered bytes to the parser until a request is complete (then answers it and
  /// continues after the write) or the buffer is used up (then reads more).
  void process() {
    while (rpos_ < rlen_) {
      const auto r = parser_.take(ByteView(rbuf_.data() + rpos_, rlen_ - rpos_));
      rpos_ += r.consumed;
      if (r.status == TakeStatus::kRequest) {
        const Request& req = *r.request;
        bool keep_alive = req.keep_alive;
        std::string out;
        if (req.method == "GET" && req.path() == "/api/events") {
          if (server_->open_stream()) return start_stream();
          ++server_->stats().streams_refused;
          Response busy;
          busy.status = 503;
          busy.body = "too many event streams\n";
          busy.extra_headers = "Retry-After: 5\r\n";
          return write(serialize(busy, false, false), true);
        }
        try {
          auto resp = route(server_->model(), server_->options(), req);
          if (resp.counted == Counted::kWriteOk) ++server_->stats().writes_ok;
          if (resp.counted == Counted::kWriteRefused) ++server_->stats().writes_refused;
          if (resp.stream) keep_alive = false;  // its body ends at the close
          out = serialize(resp, req.method == "HEAD", keep_alive);
          stream_ = std::move(resp.stream);
        } catch (const std::exception& e) {
          // One bad value (issue 11 item 1) must not take the loop down; the client learns it.
          ++server_->stats().internal_errors;
          server_->log().note(Event::kInternal, peer_.to_string(), e.what());
          Response resp;
          resp.status = 500;
          resp.body = "Internal Server Error\n";
          keep_alive = false;
          out = serialize(resp, false, false);
        }
        return write(std::move(out), !keep_alive);
      }
      if (r.status == TakeStatus::kBad) {
        spdlog::debug("http: bad request ({}): {}", r.http_status, r.error.message());
        ++server_->stats().bad_requests;
        Response resp;
        resp.status = r.http_status;
        resp.body = std::string(reason(r.http_status)) + "\n";
        return write(serialize(resp, false, false), true);
      }
    }
    read();
  }

  void write(std::string data, bool close_after) {
    ++server_->stats().requests;
    phase_ = Phase::kWrite;
    since_ = std::chrono::steady_clock::now();
    arm_timer(server_->options().write_timeout);
    out_ = std::move(data);
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this(), close_after](const asio::error_code& ec, std::size_t) {
          if (self->phase_ == Phase::kClosed) return;
          if (self->server_->stopped() || ec) return self->close();
          std::string().swap(self->out_);  // a large body is not kept while idle
          if (self->stream_ && self->next_piece()) return;
          if (close_after) return self->linger(kLinger);
          ++self->served_;
          self->phase_ = Phase::kHead;
          self->since_ = std::chrono::steady_clock::now();
          self->head_started_ = false;
          self->arm_timer(self->server_->options().idle_timeout);
          self->note_request_start();  // pipelined bytes already read
          self->process();
        });
  }

  /// The response head (no Content-Length: the stream ends when the connection does, RFC 9112
  /// §6.3), the reconnect delay and the snapshot; then events as the model flushes
  /// (HttpServer::Impl::on_changes). The request timer stops: only writes have a deadline now.
  void start_stream() {
    ++server_->stats().requests;
    phase_ = Phase::kStream;
    timer_.cancel();
    queued_ =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "Connection: close\r\n\r\nretry: 3000\n\n";
    queued_ += server_->snapshot_event();
    write_stream();
    read();
  }

  void write_stream() {
    if (queued_.empty()) {
      stream_writing_ = false;
      timer_.cancel();
      return;
    }
    stream_writing_ = true;
    out_.swap(queued_);
    queued_.clear();
    arm_timer(server_->options().write_timeout);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                        if (self->phase_ == Phase::kClosed) return;
                        if (self->server_->stopped() || ec) return self->close();
                        self->out_.clear();
                        self->write_stream();
                      });
  }

  /// A streamed body (http_route.hpp): writes its next piece and returns true, or returns false
  /// when it is done (then the connection closes like any response marked close).
  bool next_piece() {
    std::string piece;
    try {
      piece = stream_();
    } catch (const std::exception& e) {  // the head is out: all we can do is end the body early
      ++server_->stats().internal_errors;
      server_->log().note(Event::kInternal, peer_.to_string(), e.what());
    }
    if (piece.empty()) {
      stream_ = nullptr;
      return false;
    }
    --server_->stats().requests;  // write() counts; this is the same response
    write(std::move(piece), true);
    return true;
  }

  /// Best effort, without blocking: only used when nothing else is being written.
  void send_now(std::string_view data) {
    asio::error_code ec;
    socket_.send(asio::buffer(data), 0, ec);
  }

  /// After a final response: stop sending, drain what the peer still sends (closing with unread
  /// bytes would reset the connection and could destroy the response in flight), then close.
  void linger(std::chrono::steady_clock::duration d) {
    phase_ = Phase::kLinger;
    since_ = std::chrono::steady_clock::now();
    asio::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    arm_timer(d);
    read();  // no-op when a read is already pending (a shed connection)
  }

  std::shared_ptr<HttpServer::Impl> server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::ip::address peer_;
  Slot slot_;
  Phase phase_ = Phase::kHead;
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
  std::array<std::uint8_t, 4096> rbuf_{};
  std::size_t rpos_ = 0;
  std::size_t rlen_ = 0;
  RequestParser parser_;
  std::string out_;
  std::string queued_;  ///< a stream's events behind the write in flight (bounded, see push())
  bool stream_writing_ = false;
  std::function<std::string()> stream_;  ///< pieces of a streamed body still to come
  std::uint64_t served_ = 0;             ///< responses completed on this connection
  bool head_started_ = false;            ///< bytes of the current request seen
  bool reading_ = false;
};

void HttpServer::Impl::start() {
  stopped_ = false;
  size_limits();
  ctx_.model.add_observer(this);
  observing_ = true;
  arm_heartbeat();
  listen();
}

bool HttpServer::Impl::open_stream() {
  if (stats_.streams_open >= options_.max_streams) return false;
  ++stats_.streams_open;
  return true;
}

void HttpServer::Impl::stream_closed() {
  if (stats_.streams_open > 0) --stats_.streams_open;
}

namespace {

nlohmann::json value_and_text(const model::Item& item) {
  return nlohmann::json::array({model::to_json(item.value), item.text()});
}

nlohmann::json service_paths(const model::Service& s) {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& [path, item] : s.items()) paths[path] = value_and_text(item);
  return paths;
}

/// One Server-Sent Event (WHATWG HTML §9.2): JSON has no raw newline, so one data line.
std::string sse(std::string_view name, const nlohmann::json& data) {
  std::string e = "event: ";
  e += name;
  e += "\ndata: ";
  e += model::dump_json(data);
  e += "\n\n";
  return e;
}

}  // namespace

std::string HttpServer::Impl::snapshot_event() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, s] : ctx_.model.services()) j[name] = service_paths(*s);
  return sse("snapshot", j);
}

void HttpServer::Impl::on_service_added(const model::Service& s) {
  if (stats_.streams_open == 0) return;
  broadcast(sse("service", nlohmann::json{{s.name(), service_paths(s)}}));
}

void HttpServer::Impl::on_service_removed(const model::Service& s) {
  if (stats_.streams_open == 0) return;
  broadcast(sse("removed", nlohmann::json(s.name())));
}

void HttpServer::Impl::on_changes(std::span<const model::Change> changes) {
  if (stats_.streams_open == 0 || changes.empty()) return;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& c : changes) j[c.service->name()][*c.path] = value_and_text(*c.item);
  broadcast(sse("changes", j));
}

void HttpServer::Impl::broadcast(std::string_view event) {
  // push() may close a slow stream, which edits conns_: take the streams first.
  std::vector<std::shared_ptr<Connection>> streams;
  for (const auto& w : conns_)
    if (auto c = w.lock(); c && c->phase() == Connection::Phase::kStream)
      streams.push_back(std::move(c));
  for (auto& c : streams) c->push(event);
}

/// A comment line now and then: a client that vanished without a FIN is found by the write
/// timeout, and proxies do not close a quiet stream.
void HttpServer::Impl::arm_heartbeat() {
  heartbeat_.expires_after(options_.stream_heartbeat);
  heartbeat_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->stopped_) return;
    if (self->stats_.streams_open > 0) self->broadcast(":\n\n");
    self->arm_heartbeat();
  });
}

/// Each connection costs one descriptor; the daemon needs others (serial ports, CAN, D-Bus, MQTT,
/// files). Keep the HTTP budget well inside RLIMIT_NOFILE so accept() never eats the last ones.
void HttpServer::Impl::size_limits() {
  std::size_t fd_limit = 1024;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0)
    fd_limit =
        rl.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(rl.rlim_cur);
  const std::size_t budget = fd_limit > 2 * kFdReserve ? fd_limit - kFdReserve : fd_limit / 2;
  max_active_ = std::clamp<std::size_t>(options_.max_connections, 1,
                                        std::max<std::size_t>(1, budget * 3 / 4));
  max_refusals_ = std::clamp<std::size_t>(budget - std::min(budget, max_active_), 1, kMaxRefusals);
  if (max_active_ < options_.max_connections)
    spdlog::info("http: serving at most {} connections (RLIMIT_NOFILE is {})", max_active_,
                 fd_limit);
  stats_.max_connections = max_active_;
}

void HttpServer::Impl::listen() {
  if (stopped_) return;
  if (options_.port < 0 || options_.port > 65535) {
    // Cannot become valid by waiting: say so once and stay off (the config check rejects it too).
    spdlog::error("http: invalid port {}; the dashboard is not served", options_.port);
    return;
  }
  std::weak_ptr<Impl> weak = shared_from_this();
  transport::TcpListener::Callbacks cb;
  cb.on_socket = [weak](tcp::socket socket) {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    try {
      self->admit(std::move(socket));
    } catch (const std::exception& e) {  // bad_alloc: drop this one, keep serving
      self->log_.note(Event::kInternal, "accept", e.what());
    }
  };
  cb.on_listening = [weak](int port) {
    if (auto self = weak.lock())
      spdlog::info("http: serving the dashboard and /api/model on http://{}:{}",
                   self->options_.host, port);
  };
  cb.on_listen_failure = [weak](std::string_view what) {
    if (auto self = weak.lock())
      spdlog::warn("http: cannot listen on {}:{} ({}); retrying", self->options_.host,
                   self->options_.port, what);
  };
  cb.on_accept_error = [weak](const asio::error_code& ec) {
    if (auto self = weak.lock()) {
      ++self->stats_.accept_errors;
      self->log_.note(Event::kAccept, "accept", ec.message());
    }
  };
  listener_ = std::make_shared<transport::TcpListener>(ctx_.io, options_.host, options_.port,
                                                       std::move(cb));
  listener_->start();
}

void HttpServer::Impl::admit(tcp::socket socket) {
  asio::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return;  // already gone; the socket closes here
  const auto addr = ep.address();
  const std::size_t from_peer =
      static_cast<std::size_t>(std::count_if(conns_.begin(), conns_.end(), [&](const auto& w) {
        auto c = w.lock();
        return c && c->slot() == Connection::Slot::kActive && c->peer() == addr;
      }));
  if (from_peer >= std::max<std::size_t>(1, options_.max_per_address)) {
    // Its own draining or stalled connections make room: all of a host's clients share its
    // address (every local one is 127.0.0.1, and so is everyone behind a reverse proxy), so a
    // slowloris there must not shut out the dashboard beside it. Its idle keep-alive ones are
    // not closed for it: a request of its own may be on the way on them (wrk -c10 saw resets).
    if (auto victim = pick_victim(&addr, false)) {
      log_.note(Event::kShed, victim->peer().to_string());
      ++stats_.shed;
      victim->shed();
    } else {
      ++stats_.refused_per_address;
      return refuse(std::move(socket), Event::kPerAddress, addr);
    }
  } else if (active_ >= max_active_) {
    if (auto victim = pick_victim(nullptr, true)) {
      ++stats_.shed;
      log_.note(Event::kShed, victim->peer().to_string());
      victim->shed();
    } else {
      ++stats_.refused_full;
      return refuse(std::move(socket), Event::kFull, addr);
    }
  }
  auto conn = std::make_shared<Connection>(shared_from_this(), std::move(socket), addr,
                                           Connection::Slot::kActive);
  conns_.push_back(conn);
  ++active_;
  ++stats_.accepted;
  stats_.open = active_;
  conn->start();
}

/// Answers 503 at once, so the client is never left with an empty reply. The refused connection
/// drains for a moment in its own small budget; when that is full too it is closed right after the
/// answer (having read what the client already sent, so that the close is not a reset).
void HttpServer::Impl::refuse(tcp::socket socket, Event why, const asio::ip::address& peer) {
  log_.note(why, peer.to_string());
  asio::error_code ec;
  if (refusals_ < max_refusals_) {
    auto conn = std::make_shared<Connection>(shared_from_this(), std::move(socket), peer,
                                             Connection::Slot::kRefusal);
    conns_.push_back(conn);
    ++refusals_;
    return conn->start();
  }
  socket.non_blocking(true, ec);
  std::array<char, 4096> sink{};
  for (int i = 0; i < 4 && !ec; ++i) socket.read_some(asio::buffer(sink), ec);
  socket.send(asio::buffer(kBusyResponse), 0, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

/// The connection to close when a newcomer needs its slot, best first:
///   0. one already answered and draining;
///   1. one stuck in the middle of a request head, the oldest first: what a slowloris holds. It
///      is sheddable at once, because a real client sends its head in one go; if one is caught
///      between two segments it is answered 503, not dropped;
///   2. (if `idle_keep_alive_too`) an idle keep-alive one, after `shed_grace`;
///   3. a new one that has sent nothing yet, after `shed_grace`.
/// The grace is there because a keep-alive client sends its next request right after a response,
/// and a new one right after connecting, and that request must not meet a close. Never one being
/// written to, nor an event stream.
std::shared_ptr<Connection> HttpServer::Impl::pick_victim(const asio::ip::address* only_from,
                                                          bool idle_keep_alive_too) const {
  constexpr int kNone = 4;
  const auto now = std::chrono::steady_clock::now();
  std::shared_ptr<Connection> best;
  int best_rank = kNone;
  for (const auto& w : conns_) {
    auto c = w.lock();
    if (!c || c->slot() != Connection::Slot::kActive) continue;
    if (only_from && c->peer() != *only_from) continue;
    const bool past_grace = now - c->since() >= options_.shed_grace;
    int rank = kNone;
    if (c->phase() == Connection::Phase::kLinger)
      rank = 0;
    else if (c->partial())
      rank = 1;
    else if (c->idle())
      rank = idle_keep_alive_too && past_grace ? 2 : kNone;
    else if (c->phase() == Connection::Phase::kHead && past_grace)
      rank = 3;
    if (rank < best_rank || (rank == best_rank && rank != kNone && c->since() < best->since())) {
      best = std::move(c);
      best_rank = rank;
    }
  }
  return best;
}

bool HttpServer::Impl::take_refusal_slot(Connection& c) {
  if (c.slot() == Connection::Slot::kActive) {
    --active_;
    stats_.open = active_;
  }
  c.set_slot(Connection::Slot::kNone);
  if (refusals_ >= max_refusals_) return false;
  c.set_slot(Connection::Slot::kRefusal);
  ++refusals_;
  return true;
}

void HttpServer::Impl::on_closed(Connection& c) {
  if (c.slot() == Connection::Slot::kActive) --active_;
  if (c.slot() == Connection::Slot::kRefusal) --refusals_;
  c.set_slot(Connection::Slot::kNone);
  stats_.open = active_;
  std::erase_if(conns_, [&](const auto& w) {
    auto p = w.lock();
    return !p || p.get() == &c;
  });
}

void HttpServer::Impl::stop() {
  stopped_ = true;
  if (observing_) ctx_.model.remove_observer(this);
  observing_ = false;
  heartbeat_.cancel();
  if (listener_) listener_->stop();
  auto conns = std::move(conns_);  // close() edits conns_
  conns_.clear();
  for (auto& w : conns)
    if (auto c = w.lock()) c->close();
}

HttpServer::HttpServer(PublisherContext ctx, HttpOptions options)
    : ctx_(ctx), options_(std::move(options)) {}

HttpServer::~HttpServer() {
  try {
    stop();
  } catch (...) {  // asio's timer cancel() may throw system_error; a destructor must not
  }
}

int HttpServer::port() const { return impl_ ? impl_->port() : 0; }

HttpStats HttpServer::stats() const { return impl_ ? impl_->stats() : HttpStats{}; }

std::string HttpServer::describe() const {
  return "http://" + options_.host + ":" + std::to_string(port() ? port() : options_.port);
}

void HttpServer::start() {
  if (impl_) return;
  try {
    impl_ = std::make_shared<Impl>(ctx_, options_);
    impl_->start();
  } catch (const std::exception& e) {  // never out of start(): the daemon runs on without HTTP
    spdlog::error("http: cannot start: {}", e.what());
    impl_.reset();
  }
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->stop();
  impl_.reset();  // pending handlers keep it alive until they run or the io_context goes
}

}  // namespace gxlink::publishers::web
