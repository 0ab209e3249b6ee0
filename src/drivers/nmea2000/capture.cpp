// SPDX-License-Identifier: MIT
#include "drivers/nmea2000/capture.hpp"

#include <charconv>
#include <cmath>

#include "protocols/nmea2000/pgn_table.hpp"
#include "transport/candump.hpp"

namespace gxlink::drivers::nmea2000 {
namespace n2k = gxlink::nmea2000;
namespace {

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Decimal digits (surrounding spaces allowed); the hot path of canboat text, so no from_chars.
template <class T>
bool to_num(std::string_view s, T& v, int = 10) noexcept {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  if (s.empty() || s.size() > 9) return false;
  std::uint32_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + static_cast<std::uint32_t>(c - '0');
  }
  v = static_cast<T>(x);
  return true;
}

/// The hot format, `(1502979132.106111) can0 09F50374#000A00FFFF00FFFF`, parsed without
/// allocations. Anything unusual (RTR, CAN FD, odd spacing) returns false and goes through
/// transport::parse_candump_line, which knows every candump format.
bool parse_candump_log_fast(std::string_view line, double& ts, CanFrame& f) noexcept {
  if (line.size() < 12 || line[0] != '(') return false;
  const std::size_t close = line.find(')');
  if (close == std::string_view::npos) return false;
  auto r = std::from_chars(line.data() + 1, line.data() + close, ts);
  // The reference parser (transport/candump.cpp) reports a time that is not is_capture_time().
  if (r.ec != std::errc() || r.ptr != line.data() + close || !transport::is_capture_time(ts))
    return false;
  std::size_t i = close + 1;
  if (i >= line.size() || line[i] != ' ') return false;
  const std::size_t sp = line.find(' ', i + 1);
  if (sp == std::string_view::npos) return false;
  const std::size_t hash = line.find('#', sp + 1);
  if (hash == std::string_view::npos || hash == sp + 1 || hash - sp - 1 > 8) return false;
  std::uint32_t id = 0;
  for (std::size_t k = sp + 1; k < hash; ++k) {
    const int v = hex_digit_value(line[k]);
    if (v < 0) return false;
    id = id << 4 | static_cast<std::uint32_t>(v);
  }
  const std::size_t id_digits = hash - sp - 1;
  std::size_t n = line.size() - hash - 1;
  if (n % 2 || n > 16) return false;
  f = CanFrame{};
  f.extended = id_digits > 3 || id > CanFrame::kMaxStdId;
  if (id > CanFrame::kMaxExtId) return false;
  f.id = id;
  f.len = static_cast<std::uint8_t>(n / 2);
  for (std::size_t k = 0; k < f.len; ++k) {
    const int hi = hex_digit_value(line[hash + 1 + 2 * k]),
              lo = hex_digit_value(line[hash + 2 + 2 * k]);
    if (hi < 0 || lo < 0) return false;
    f.data[k] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

std::optional<double> parse_iso_time(std::string_view s) noexcept {
  // YYYY-MM-DD(T|-)HH:MM:SS[.fff][Z]
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != '-') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!to_num(s.substr(0, 4), y) || !to_num(s.substr(5, 2), mo) || !to_num(s.substr(8, 2), d) ||
      !to_num(s.substr(11, 2), h) || !to_num(s.substr(14, 2), mi) || !to_num(s.substr(17, 2), se))
    return std::nullopt;
  double frac = 0;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    double scale = 0.1;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10)
      frac += (s[i] - '0') * scale;
  }
  const std::int64_t days = days_from_civil(y, mo, d);
  const double t =
      static_cast<double>(days * 86400 + std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + se) +
      frac;
  // As for candump times (transport/candump.cpp): a year such as 9999 is not a capture's time,
  // and two such times would overflow the clock's nanoseconds when subtracted.
  if (!transport::is_capture_time(t)) return std::nullopt;
  return t;
}

void format_iso_time(double t, std::string& out) {
  const auto ms_total = static_cast<std::int64_t>(std::llround(t * 1000.0));
  std::int64_t days = ms_total / 86400000;
  std::int64_t ms = ms_total % 86400000;
  if (ms < 0) {
    ms += 86400000;
    --days;
  }
  // civil_from_days
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[32];
  const auto h = static_cast<unsigned>(ms / 3600000);
  const auto mi = static_cast<unsigned>(ms / 60000 % 60);
  const auto s = static_cast<unsigned>(ms / 1000 % 60);
  const auto f = static_cast<unsigned>(ms % 1000);
  char* p = buf;
  auto put = [&p](unsigned v, int w) {
    for (int i = w - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += w;
  };
  put(static_cast<unsigned>(y), 4);
  *p++ = '-';
  put(m, 2);
  *p++ = '-';
  put(d, 2);
  *p++ = 'T';
  put(h, 2);
  *p++ = ':';
  put(mi, 2);
  *p++ = ':';
  put(s, 2);
  *p++ = '.';
  put(f, 3);
  *p++ = 'Z';
  out.append(buf, p);
}

Result<const n2k::Message*> CaptureReader::feed_canboat(std::string_view line) noexcept {
  // timestamp,prio,pgn,src,dst,len,b0,b1,...
  std::string_view f[6];
  std::size_t pos = 0;
  for (int i = 0; i < 6; ++i) {
    const std::size_t c = line.find(',', pos);
    if (c == std::string_view::npos)
      return tl::unexpected(Error{Errc::kBadFormat, "too few fields"});
    f[i] = line.substr(pos, c - pos);
    pos = c + 1;
  }
  unsigned prio = 0, pgn = 0, src = 0, dst = 0, len = 0;
  if (!to_num(f[1], prio) || !to_num(f[2], pgn) || !to_num(f[3], src) || !to_num(f[4], dst) ||
      !to_num(f[5], len) || prio > 7 || pgn > 0xFFFFFF || src > 255 || dst > 255 ||
      len > n2k::kTpMax)
    return tl::unexpected(Error{Errc::kBadFormat, "bad header field"});
  std::size_t n = 0;
  while (pos < line.size() && n < len) {
    const char a = line[pos];
    const char b = pos + 1 < line.size() ? line[pos + 1] : ',';
    int hi = hex_digit_value(a), lo = hex_digit_value(b);
    if (hi < 0) return tl::unexpected(Error{Errc::kBadFormat, "bad hex byte"});
    std::size_t step = 2;
    if (lo < 0) {  // a single digit byte
      lo = hi;
      hi = 0;
      step = 1;
    }
    buf_[n++] = static_cast<std::uint8_t>(hi << 4 | lo);
    pos += step;
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (n != len)
    return tl::unexpected(Error{Errc::kBadLength, "fewer data bytes than the length says"});
  timestamp_.assign(f[0]);
  if (auto t = parse_iso_time(f[0])) last_time_ = time_from_seconds(*t);
  if (len > 8) coalesced_ = true;
  // Actisense adds pseudo-PGNs above 18 bits (262386 = 0x400F2); they are printed as unknown.
  const n2k::N2kId id{static_cast<std::uint8_t>(prio), pgn, static_cast<std::uint8_t>(src),
                      static_cast<std::uint8_t>(n2k::is_pdu1(pgn) ? dst : 0xFF)};
  if (coalesced_ || !n2k::is_fast_packet(pgn)) {
    msg_ = n2k::Message{id, ByteView(buf_.data(), n), last_time_};
    return &msg_;
  }
  CanFrame fr;
  fr.extended = true;
  fr.id = (prio << 26) | (pgn << 8) | src;
  if (n2k::is_pdu1(pgn)) fr.id = (fr.id & ~0xFF00u) | (dst << 8);
  fr.len = static_cast<std::uint8_t>(n);
  std::copy_n(buf_.begin(), n, fr.data.begin());
  return rx_.on_frame(fr, last_time_);
}

Result<const n2k::Message*> CaptureReader::feed_line(std::string_view line) noexcept {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' '))
    line.remove_suffix(1);
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  line.remove_prefix(i);
  if (line.empty() || line[0] == '#') return nullptr;
  // canboat text starts with a date: digits then '-' at position 4.
  if (line.size() > 20 && line[4] == '-' && line[0] >= '0' && line[0] <= '9')
    return feed_canboat(line);
  double ts = 0;
  CanFrame fast;
  if (parse_candump_log_fast(line, ts, fast)) {
    last_time_ = time_from_seconds(ts);
    timestamp_.clear();
    format_iso_time(ts, timestamp_);
    return rx_.on_frame(fast, last_time_);
  }
  auto r = transport::parse_candump_line(line);
  if (!r) return tl::unexpected(r.error());
  if (!r->has_value()) return nullptr;
  const auto& cl = **r;
  timestamp_.clear();
  if (cl.timestamp) {
    last_time_ = time_from_seconds(*cl.timestamp);
    format_iso_time(*cl.timestamp, timestamp_);
  }
  return rx_.on_frame(cl.frame, last_time_);
}

}  // namespace gxlink::drivers::nmea2000
