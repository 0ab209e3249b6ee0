// SPDX-License-Identifier: MIT
#include "transport/candump.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace gxlink::transport {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool parse_hex_u32(std::string_view s, std::uint32_t& v) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  if (s.empty() || s.size() > 8) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool parse_hex_byte(std::string_view s, std::uint8_t& v) {
  std::uint32_t x = 0;
  if (s.size() != 2 || !parse_hex_u32(s, x)) return false;
  v = static_cast<std::uint8_t>(x);
  return true;
}

Result<CanFrame> make_frame(std::string_view id_text, bool force_extended) {
  std::uint32_t id = 0;
  if (!parse_hex_u32(id_text, id))
    return fail(Errc::kBadFormat, "bad CAN id '" + std::string(id_text) + "'");
  CanFrame f;
  f.extended = force_extended || id_text.size() > 3 || id > CanFrame::kMaxStdId;
  if (id > CanFrame::kMaxExtId) return fail(Errc::kOutOfRange, "CAN id above 29 bits");
  f.id = id;
  return f;
}

// `123#DEADBEEF`, `123#R`, `123#R4`
Result<CanFrame> parse_compact(std::string_view tok) {
  auto hash = tok.find('#');
  auto f = make_frame(tok.substr(0, hash), false);
  if (!f) return f;
  std::string_view data = tok.substr(hash + 1);
  if (!data.empty() && (data[0] == 'R' || data[0] == 'r')) {
    f->rtr = true;
    if (data.size() == 2 && data[1] >= '0' && data[1] <= '8')
      f->len = static_cast<std::uint8_t>(data[1] - '0');
    return f;
  }
  if (data.starts_with("#")) return fail(Errc::kUnsupported, "CAN FD frames are not supported");
  if (data.size() % 2 != 0) return fail(Errc::kBadFormat, "odd number of hex digits");
  if (data.size() > 16) return fail(Errc::kBadLength, "more than 8 data bytes");
  for (std::size_t i = 0; i < data.size(); i += 2) {
    if (data[i] == '.') continue;
    if (!parse_hex_byte(data.substr(i, 2), f->data[f->len]))
      return fail(Errc::kBadFormat, "bad hex byte '" + std::string(data.substr(i, 2)) + "'");
    ++f->len;
  }
  return f;
}

// `[8]  00 FC ...` or `[2]  remote request`, starting at the `[n]` token.
Result<CanFrame> parse_bracketed(CanFrame f, const std::vector<std::string_view>& toks,
                                 std::size_t at) {
  std::string_view dlc = toks[at];
  if (dlc.size() < 3 || dlc.front() != '[' || dlc.back() != ']')
    return fail(Errc::kBadFormat, "missing [dlc]");
  const int n = dlc[1] - '0';
  if (dlc.size() != 3 || n < 0 || n > 8) return fail(Errc::kBadLength, "dlc " + std::string(dlc));
  if (at + 1 < toks.size() && toks[at + 1] == "remote") {
    f.rtr = true;
    f.len = static_cast<std::uint8_t>(n);
    return f;
  }
  if (toks.size() < at + 1 + static_cast<std::size_t>(n))
    return fail(Errc::kTruncated, "dlc says " + std::to_string(n) + " bytes");
  for (int i = 0; i < n; ++i) {
    if (!parse_hex_byte(toks[at + 1 + static_cast<std::size_t>(i)],
                        f.data[static_cast<std::size_t>(i)]))
      return fail(Errc::kBadFormat,
                  "bad hex byte '" + std::string(toks[at + 1 + static_cast<std::size_t>(i)]) + "'");
  }
  f.len = static_cast<std::uint8_t>(n);
  return f;
}

}  // namespace

Result<std::optional<CandumpLine>> parse_candump_line(std::string_view raw) {
  std::string_view line = trim(raw);
  if (line.empty() || line.front() == '#') return std::optional<CandumpLine>{};
  auto toks = split_ws(line);
  CandumpLine out;
  std::size_t i = 0;
  if (toks[0].front() == '(' && toks[0].back() == ')') {
    std::string ts(toks[0].substr(1, toks[0].size() - 2));
    char* end = nullptr;
    const double t = std::strtod(ts.c_str(), &end);
    if (end == ts.c_str() || *end != '\0' || !is_capture_time(t))
      return fail(Errc::kBadFormat, "bad timestamp " + ts);
    out.timestamp = t;
    i = 1;
  }
  if (i >= toks.size()) return fail(Errc::kTruncated, "timestamp without frame");

  if (toks[i].front() == '<') {  // Angstrom: <0x18eeff01> [8] ...
    std::string_view id = toks[i].substr(1, toks[i].size() - 2);
    if (toks[i].back() != '>' || i + 1 >= toks.size()) return fail(Errc::kBadFormat, "bad <id>");
    // The width tells the frame format, as in the compact form: `<0x354>` is 11-bit and
    // `<0x00000356>` 29-bit (seeds/001 §5.1 shows both side by side).
    std::string_view digits = id;
    if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
    auto f = make_frame(digits, false);
    if (!f) return tl::unexpected(f.error());
    auto g = parse_bracketed(*f, toks, i + 1);
    if (!g) return tl::unexpected(g.error());
    out.frame = *g;
    return out;
  }
  if (toks.size() == 1 && toks[0].find('#') == std::string_view::npos) {
    return std::optional<CandumpLine>{};  // header lines such as "interface = can0, ..." have
                                          // spaces; a lone word is noise
  }
  // <iface> <id>#<data>   or   <iface> <id> [n] bytes
  if (i + 1 < toks.size() && toks[i + 1].find('#') != std::string_view::npos) {
    out.interface = std::string(toks[i]);
    auto f = parse_compact(toks[i + 1]);
    if (!f) return tl::unexpected(f.error());
    out.frame = *f;
    return out;
  }
  if (i + 2 < toks.size() && toks[i + 2].front() == '[') {
    out.interface = std::string(toks[i]);
    auto f = make_frame(toks[i + 1], false);
    if (!f) return tl::unexpected(f.error());
    auto g = parse_bracketed(*f, toks, i + 2);
    if (!g) return tl::unexpected(g.error());
    out.frame = *g;
    return out;
  }
  // Not a frame format we know. Lines with '=' are headers (candumpSample1.txt starts with one).
  if (line.find('=') != std::string_view::npos) return std::optional<CandumpLine>{};
  return fail(Errc::kBadFormat, "not a candump line");
}

std::string format_candump_log(const CanFrame& f, double timestamp, std::string_view interface) {
  char head[64];
  std::snprintf(head, sizeof head, "(%017.6f) ", timestamp);
  std::string s = head;
  s += interface;
  char id[16];
  std::snprintf(id, sizeof id, f.extended ? " %08X#" : " %03X#", static_cast<unsigned>(f.id));
  s += id;
  if (f.rtr) {
    // can-utils writes the DLC of a remote frame after the R when it is not zero ("123#R4").
    s += 'R';
    if (f.len > 0 && f.len <= 8) s.push_back(static_cast<char>('0' + f.len));
    return s;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t k = 0; k < f.len; ++k) {
    s.push_back(kHex[f.data[k] >> 4]);
    s.push_back(kHex[f.data[k] & 0xF]);
  }
  return s;
}

}  // namespace gxlink::transport
