// SPDX-License-Identifier: MIT
#include "protocols/vedirect/text.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gxlink::vedirect {

std::optional<std::int64_t> parse_decimal(std::string_view s) noexcept {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

std::optional<std::uint32_t> parse_base0(std::string_view s) noexcept {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    if (s.empty() || s.size() > 8) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : s) {
      const int d = hex_digit_value(c);
      if (d < 0) return std::nullopt;
      v = v << 4 | static_cast<std::uint32_t>(d);
    }
    return v;
  }
  auto d = parse_decimal(s);
  if (!d || *d < 0 || *d > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(*d);
}

Result<FieldValue> parse_field(const FieldDesc& d, std::string_view value) noexcept {
  FieldValue out;
  if (value == "---") return out;  // §1.4: not available (SOC/CE not synchronised, T no sensor)
  switch (d.type) {
    case FieldType::kString:
      out.kind = ValueKind::kText;
      out.text = value;
      return out;
    case FieldType::kOnOff:
      if (value == "ON" || value == "On")
        out.raw = 1;
      else if (value == "OFF" || value == "Off")
        out.raw = 0;
      else
        return fail(Errc::kBadFormat, "expected ON or OFF");
      break;
    case FieldType::kHexInt: {
      auto v = parse_base0(value);
      if (!v) return fail(Errc::kBadFormat, "expected 0x hex or a number");
      out.raw = *v;
      break;
    }
    case FieldType::kInt: {
      auto v = parse_decimal(value);
      if (!v) return fail(Errc::kBadFormat, "expected a decimal number");
      out.raw = *v;
      if (d.scale == 60 && out.raw < 0) return FieldValue{};  // TTG -1 = infinite (§1.4)
      break;
    }
  }
  out.kind = ValueKind::kNumber;
  // Divide by the integral inverse for fractional scales: 12822 / 1000.0 prints as 12.822, while
  // 12822 * 0.001 would carry a binary rounding tail into every publisher.
  const auto raw = static_cast<double>(out.raw);
  if (d.scale == 0.001)
    out.value = raw / 1000.0;
  else if (d.scale == 0.01)
    out.value = raw / 100.0;
  else if (d.scale == 0.1)
    out.value = raw / 10.0;
  else if (d.scale < 1)
    out.value = raw / std::round(1.0 / d.scale);
  else
    out.value = raw * d.scale;
  return out;
}

std::optional<std::int64_t> parse_firmware(std::string_view fw, bool fwe) noexcept {
  // §1.4: a leading letter marks a release candidate; FWE's last two characters are the beta id
  // ("FF" = official release).
  if (!fw.empty() && ((fw[0] >= 'G' && fw[0] <= 'Z') || (fw[0] >= 'g' && fw[0] <= 'z')))
    fw.remove_prefix(1);
  if (fwe && fw.size() > 2) fw.remove_suffix(2);
  if (fw.empty() || fw.size() > 6) return std::nullopt;
  std::int64_t v = 0;
  for (char c : fw) {
    const int d = hex_digit_value(c);
    if (d < 0) return std::nullopt;
    v = v << 4 | d;
  }
  return v;
}

void Dataset::merge(const TextBlock& block) {
  ++blocks_;
  for (const auto& f : block) {
    bool found = false;
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i].first == f.label) {
        fields_[i].second.assign(f.value);
        seen_[i] = blocks_;
        found = true;
        break;
      }
    }
    if (found) continue;
    if (fields_.size() < kMaxDatasetFields) {
      fields_.emplace_back(std::string(f.label), std::string(f.value));
      seen_.push_back(blocks_);
      continue;
    }
    const auto stalest = std::min_element(seen_.begin(), seen_.end());
    if (blocks_ - *stalest < kStaleBlocks) {
      ++dropped_;
      continue;
    }
    const auto i = static_cast<std::size_t>(stalest - seen_.begin());
    fields_.erase(fields_.begin() + static_cast<std::ptrdiff_t>(i));  // keeps first-seen order
    seen_.erase(stalest);
    fields_.emplace_back(std::string(f.label), std::string(f.value));
    seen_.push_back(blocks_);
  }
}

const std::string* Dataset::get(std::string_view label) const noexcept {
  for (auto& [l, v] : fields_)
    if (l == label) return &v;
  return nullptr;
}

std::optional<std::uint16_t> Dataset::pid() const noexcept {
  const std::string* p = get("PID");
  if (!p) return std::nullopt;
  auto v = parse_base0(*p);
  if (!v || *v > 0xFFFF) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

bool Dataset::is_bmv60x() const noexcept { return !get("PID") && get("BMV"); }

ProductClass Dataset::product_class() const noexcept {
  if (auto p = pid()) return vedirect::product_class(*p);
  if (is_bmv60x()) return ProductClass::kBatteryMonitor;
  return ProductClass::kUnknown;
}

std::string encode_text_block(std::span<const std::pair<std::string, std::string>> fields) {
  std::string out;
  out.reserve(fields.size() * 12 + 16);
  for (auto& [label, value] : fields) {
    out += "\r\n";
    out += label;
    out += '\t';
    out += value;
  }
  out += "\r\nChecksum\t";
  unsigned sum = 0;
  for (unsigned char c : out) sum += c;
  out += static_cast<char>(static_cast<std::uint8_t>(256u - (sum & 0xFFu)));
  return out;
}

}  // namespace gxlink::vedirect
