// SPDX-License-Identifier: MIT
#include "transport/candump_file.hpp"

#include <charconv>
#include <cmath>

namespace gxlink::transport {
namespace {

// The candump -L log line `(1600000000.123456) can0 356#1C14F4FF` without allocating: replaying a
// full bus in real time is dominated by text parsing otherwise (bench/README.md). Anything else
// (other formats, RTR, errors) returns false and goes through parse_candump_line, the reference.
bool parse_log_line_fast(std::string_view s, CandumpLine& out) noexcept {
  if (s.size() < 10 || s.front() != '(') return false;
  const auto close = s.find(')');
  if (close == std::string_view::npos || close + 2 >= s.size() || s[close + 1] != ' ') return false;
  double ts = 0;
  auto [p, ec] = std::from_chars(s.data() + 1, s.data() + close, ts);
  // The reference parser (candump.cpp) reports a time that is not is_capture_time().
  if (ec != std::errc{} || p != s.data() + close || !is_capture_time(ts)) return false;
  std::string_view rest = s.substr(close + 2);
  const auto sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  const std::string_view iface = rest.substr(0, sp);
  std::string_view frame = rest.substr(sp + 1);
  while (!frame.empty() && (frame.back() == '\r' || frame.back() == ' ')) frame.remove_suffix(1);
  const auto hash = frame.find('#');
  if (hash == std::string_view::npos || hash == 0 || hash > 8) return false;
  std::uint32_t id = 0;
  for (std::size_t i = 0; i < hash; ++i) {
    const int d = hex_digit_value(frame[i]);
    if (d < 0) return false;
    id = (id << 4) | static_cast<std::uint32_t>(d);
  }
  const std::string_view data = frame.substr(hash + 1);
  if (data.size() % 2 != 0 || data.size() > 16) return false;
  CanFrame f;
  f.id = id;
  f.extended = hash > 3 || id > CanFrame::kMaxStdId;
  if (id > CanFrame::kMaxExtId) return false;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const int hi = hex_digit_value(data[i]), lo = hex_digit_value(data[i + 1]);
    if (hi < 0 || lo < 0) return false;
    f.data[f.len++] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  out.timestamp = ts;
  out.interface.assign(iface);
  out.frame = f;
  return true;
}

}  // namespace

std::optional<CandumpLine> CandumpReader::next() {
  while (auto next_line = lines_.next()) {
    line_no_ = lines_.line_number();
    const std::string_view line = *next_line;
    CandumpLine fast;
    if (parse_log_line_fast(line, fast)) {
      last_ts_ = *fast.timestamp;
      return fast;
    }
    auto r = parse_candump_line(line);
    if (!r) {
      ++errors_;
      if (on_error_) on_error_(line_no_, r.error());
      continue;
    }
    if (!*r) continue;
    CandumpLine l = std::move(**r);
    if (l.timestamp)
      last_ts_ = *l.timestamp;
    else
      l.timestamp = last_ts_;
    return l;
  }
  return std::nullopt;
}

void CandumpWriter::write(const CanFrame& f, double timestamp) {
  out_ << format_candump_log(f, timestamp, interface_) << '\n';
}

}  // namespace gxlink::transport
