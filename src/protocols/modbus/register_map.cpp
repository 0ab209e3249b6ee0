// SPDX-License-Identifier: MIT
#include "protocols/modbus/register_map.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace gxlink::modbus {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <class T>
std::optional<T> number(std::string_view s) {
  T v{};
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

std::optional<double> decimal(std::string_view s) {
  // from_chars for double is in libstdc++ 11+; strtod would need a NUL-terminated copy.
  auto v = number<double>(s);
  if (v && std::isfinite(*v)) return v;
  return std::nullopt;
}

/// "uint16" → (type, 1); "string[6]" → (kString, 6).
std::optional<std::pair<RegisterType, std::uint16_t>> modbus_type(std::string_view s) {
  if (s == "int16") return std::pair{RegisterType::kInt16, std::uint16_t{1}};
  if (s == "uint16") return std::pair{RegisterType::kUint16, std::uint16_t{1}};
  if (s == "int32") return std::pair{RegisterType::kInt32, std::uint16_t{2}};
  if (s == "uint32") return std::pair{RegisterType::kUint32, std::uint16_t{2}};
  if (s == "uint64") return std::pair{RegisterType::kUint64, std::uint16_t{4}};
  constexpr std::string_view kString = "string[";
  if (s.starts_with(kString) && s.ends_with("]")) {
    auto n = number<unsigned>(s.substr(kString.size(), s.size() - kString.size() - 1));
    if (n && *n >= 1 && *n <= 125) return std::pair{RegisterType::kString, std::uint16_t(*n)};
  }
  return std::nullopt;
}

Result<RegisterEntry> parse_row(std::string_view line, int line_no) {
  std::array<std::string_view, 8> col{};
  std::size_t n = 0;
  while (true) {
    const auto comma = line.find(',');
    if (n == col.size()) return fail(Errc::kBadFormat, "more than 8 columns");
    col[n++] = trim(line.substr(0, comma));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  if (n != col.size()) return fail(Errc::kBadFormat, "needs 8 columns, has " + std::to_string(n));
  RegisterEntry e;
  e.line = line_no;
  constexpr std::string_view kPrefix = "com.victronenergy.";
  if (!col[0].starts_with(kPrefix) || col[0].size() == kPrefix.size() ||
      col[0].substr(kPrefix.size()).find('.') != std::string_view::npos)
    return fail(Errc::kBadFormat, "service must be com.victronenergy.<type>");
  e.service_type = std::string(col[0].substr(kPrefix.size()));
  if (!col[1].starts_with('/') || col[1].size() < 2)
    return fail(Errc::kBadFormat, "path must start with '/'");
  e.path = std::string(col[1]);
  if (col[2].size() != 1 ||
      std::string_view("ybnqiuxtds").find(col[2][0]) == std::string_view::npos)
    return fail(Errc::kBadFormat, "unknown D-Bus type '" + std::string(col[2]) + "'");
  e.dbus_type = col[2][0];
  e.unit = std::string(col[3]);
  const auto reg = number<unsigned>(col[4]);
  if (!reg || *reg > 0xFFFF) return fail(Errc::kOutOfRange, "register must be 0..65535");
  e.address = static_cast<std::uint16_t>(*reg);
  const auto mt = modbus_type(col[5]);
  if (!mt) return fail(Errc::kUnknownId, "unknown Modbus type '" + std::string(col[5]) + "'");
  e.type = mt->first;
  e.count = mt->second;
  if (e.last_address() > 0xFFFF) return fail(Errc::kOutOfRange, "value runs past register 65535");
  const auto scale = decimal(col[6]);
  // Venus reads scale 0 as 1 (§4.1); here it is an error, so that a typo cannot hide.
  if (!scale || *scale == 0) return fail(Errc::kBadFormat, "scale must be a non-zero number");
  e.scale = *scale;
  if (col[7] == "W") {
    e.writable = true;
  } else if (col[7] != "R") {
    return fail(Errc::kBadFormat, "access must be R or W");
  }
  if (e.type == RegisterType::kString && (e.writable || e.dbus_type != 's'))
    return fail(Errc::kBadFormat, "a string register is read-only and has D-Bus type s");
  return e;
}

}  // namespace

std::string RegisterEntry::type_name() const {
  switch (type) {
    case RegisterType::kInt16: return "int16";
    case RegisterType::kUint16: return "uint16";
    case RegisterType::kInt32: return "int32";
    case RegisterType::kUint32: return "uint32";
    case RegisterType::kUint64: return "uint64";
    case RegisterType::kString: return "string[" + std::to_string(count) + "]";
  }
  return "?";
}

Result<RegisterMap> RegisterMap::parse(std::string_view csv) {
  RegisterMap map;
  int line_no = 0;
  while (!csv.empty()) {
    const auto nl = csv.find('\n');
    const std::string_view line = trim(csv.substr(0, nl));
    csv.remove_prefix(nl == std::string_view::npos ? csv.size() : nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto row = parse_row(line, line_no);
    if (!row) {
      return fail(row.error().code, "line " + std::to_string(line_no) + ": " + row.error().detail);
    }
    map.entries_.push_back(std::move(*row));
  }
  std::stable_sort(map.entries_.begin(), map.entries_.end(),
                   [](const auto& a, const auto& b) { return a.address < b.address; });
  map.by_address_.assign(0x10000, -1);
  for (std::size_t i = 0; i < map.entries_.size(); ++i) {
    const auto& e = map.entries_[i];
    for (std::uint32_t a = e.address; a <= e.last_address(); ++a) {
      if (map.by_address_[a] >= 0) {
        const auto& other = map.entries_[static_cast<std::size_t>(map.by_address_[a])];
        return fail(Errc::kBadFormat, "line " + std::to_string(e.line) + ": register " +
                                          std::to_string(a) + " is also used by line " +
                                          std::to_string(other.line) + " (" + other.path + ")");
      }
      map.by_address_[a] = static_cast<std::int32_t>(i);
    }
  }
  return map;
}

const RegisterEntry* RegisterMap::find(std::uint16_t address) const noexcept {
  if (by_address_.empty()) return nullptr;
  const auto i = by_address_[address];
  return i < 0 ? nullptr : &entries_[static_cast<std::size_t>(i)];
}

const RegisterMap& gx_register_map() {
  static const RegisterMap kMap = [] {
    auto m = RegisterMap::parse(gx_register_map_csv());
    if (!m) throw std::logic_error("built-in Modbus register map: " + m.error().detail);
    return std::move(*m);
  }();
  return kMap;
}

std::uint64_t not_available_code(RegisterType t) noexcept {
  switch (t) {
    case RegisterType::kInt16: return 0x7FFF;
    case RegisterType::kUint16: return 0xFFFF;
    case RegisterType::kInt32: return 0x7FFFFFFF;
    case RegisterType::kUint32: return 0xFFFFFFFF;
    case RegisterType::kUint64: return ~std::uint64_t{0};
    case RegisterType::kString: return 0;
  }
  return 0;
}

void encode_number(const RegisterEntry& entry, std::optional<double> value, InvalidPolicy policy,
                   std::span<std::uint16_t> out) noexcept {
  std::uint64_t bits = 0;
  if (!value || !std::isfinite(*value)) {
    bits = policy == InvalidPolicy::kZero ? 0 : not_available_code(entry.type);
  } else {
    const double scaled = std::round(*value * entry.scale);
    // MAX is the "not available" code of the type, so an overflow clamps to MAX−1 (§4.2).
    auto clamp = [scaled](double lo, double hi) {
      return scaled > hi - 1 ? hi - 1 : scaled < lo ? lo : scaled;
    };
    switch (entry.type) {
      case RegisterType::kInt16:
        bits = static_cast<std::uint16_t>(static_cast<std::int16_t>(clamp(-32768.0, 32767.0)));
        break;
      case RegisterType::kUint16: bits = static_cast<std::uint64_t>(clamp(0.0, 65535.0)); break;
      case RegisterType::kInt32:
        bits = static_cast<std::uint32_t>(
            static_cast<std::int32_t>(clamp(-2147483648.0, 2147483647.0)));
        break;
      case RegisterType::kUint32:
        bits = static_cast<std::uint64_t>(clamp(0.0, 4294967295.0));
        break;
      case RegisterType::kUint64:
        // 2^64 − 2048 is the largest double below 2^64 − 1; clamp there.
        bits = scaled >= 18446744073709549568.0 ? ~std::uint64_t{0} - 1
               : scaled < 0                     ? 0
                                                : static_cast<std::uint64_t>(scaled);
        break;
      case RegisterType::kString: bits = 0; break;
    }
  }
  // High word first (§4.1: "offset == 0 ? v >> 16 : v & 0xFFFF").
  const std::size_t n = std::min<std::size_t>(entry.count, out.size());
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint16_t>(bits >> (16 * (entry.count - 1 - i)));
}

void encode_string(const RegisterEntry& entry, std::string_view utf8,
                   std::span<std::uint16_t> out) noexcept {
  const std::size_t n = std::min<std::size_t>(entry.count, out.size());
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), std::uint16_t{0});
  std::size_t at = 0;  // byte position in the registers
  for (std::size_t i = 0; i < utf8.size() && at < 2 * n;) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    unsigned code = '?';
    std::size_t len = 1;
    if (c < 0x80) {
      code = c;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      code = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
      len = 2;
      if (code > 0xFF) code = '?';
    } else {
      len = (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    }
    i += len;
    auto& reg = out[at / 2];
    reg = static_cast<std::uint16_t>(reg | (at % 2 == 0 ? code << 8 : code));
    ++at;
  }
}

double decode_registers(const RegisterEntry& entry,
                        std::span<const std::uint16_t> registers) noexcept {
  std::uint64_t bits = 0;
  const std::size_t n = std::min<std::size_t>(entry.count, registers.size());
  for (std::size_t i = 0; i < n; ++i) bits = (bits << 16) | registers[i];
  double raw = 0;
  switch (entry.type) {
    case RegisterType::kInt16:
      raw = static_cast<std::int16_t>(static_cast<std::uint16_t>(bits));
      break;
    case RegisterType::kInt32:
      raw = static_cast<std::int32_t>(static_cast<std::uint32_t>(bits));
      break;
    default: raw = static_cast<double>(bits); break;
  }
  return raw / entry.scale;
}

namespace {

// Facts of dbus_modbustcp's unitid2di.csv (venus_os.md §4.2): the unit ids Venus documents for
// device instances above 255 and for unit 0, for clients that cannot send those.
constexpr std::array<UnitInstance, 43> kUnitIds{{
    {100, 0},   {204, 262}, {205, 263}, {206, 264}, {207, 265}, {208, 266}, {209, 267}, {210, 268},
    {211, 269}, {212, 270}, {213, 271}, {214, 272}, {215, 280}, {216, 281}, {217, 282}, {218, 283},
    {219, 284}, {220, 285}, {221, 286}, {222, 287}, {223, 277}, {224, 278}, {225, 512}, {226, 279},
    {227, 276}, {228, 275}, {229, 274}, {230, 273}, {231, 295}, {232, 294}, {233, 293}, {234, 296},
    {235, 292}, {236, 291}, {237, 290}, {238, 289}, {239, 288}, {242, 261}, {243, 260}, {244, 259},
    {245, 258}, {246, 257}, {247, 256},
}};

}  // namespace

std::optional<int> documented_instance(std::uint8_t unit) noexcept {
  for (const auto& u : kUnitIds)
    if (u.unit == unit) return u.instance;
  return std::nullopt;
}

std::span<const UnitInstance> documented_unit_ids() noexcept { return kUnitIds; }

}  // namespace gxlink::modbus
