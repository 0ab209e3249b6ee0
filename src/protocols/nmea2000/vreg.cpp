// SPDX-License-Identifier: MIT
#include "protocols/nmea2000/vreg.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::nmea2000 {
namespace {

// Victron ve_regs.h ids and types as summarised in nmea2000.md §4.2 (facts only).
constexpr VregDesc kVregs[] = {
    {0x0001, "VREQ", VregType::kUn32, 1, ""},
    {0x0002, "VACK", VregType::kUn32, 1, ""},
    {0x0120, "UPTIME", VregType::kUn32, 1, "s"},
    {0x0200, "DEVICE_MODE", VregType::kUn8, 1, ""},
    {0x0201, "DEVICE_STATE", VregType::kUn8, 1, ""},
    {0x0203, "AC_IN_CURRENT_LIMIT", VregType::kUn16, 0.1, "A"},
    {0x0204, "AC_IN_ACTIVE", VregType::kUn8, 1, ""},
    {0x0382, "BATTERY_MID_POINT_VOLTAGE", VregType::kUn16, 0.01, "V"},
    {0x0FFC, "CONSUMED_AH", VregType::kSn32, 0.1, "Ah"},
    {0x0FFE, "TTG", VregType::kUn16, 60, "s"},
    {0x0FFF, "SOC", VregType::kUn16, 0.01, "%"},
    {0x1000, "BATTERY_CAPACITY", VregType::kUn16, 1, "Ah"},
    {0x2001, "LINK_VSET", VregType::kUn16, 0.01, "V"},
    {0x2002, "LINK_VSENSE", VregType::kUn16, 0.01, "V"},
    {0x2003, "LINK_TSENSE", VregType::kSn16, 0.01, "C"},
    // Network mode: VE.Can VREGs and VE.Direct HEX registers share ids; vedirect_vebus.md §2.3
    // ("0x200D-F network info/mode/status"), an un8 bit mask (seed 003 /Link/NetworkMode).
    {0x200E, "LINK_NETWORK_MODE", VregType::kUn8, 1, ""},
    {0x2015, "LINK_CHARGE_CURRENT_LIMIT", VregType::kUn16, 0.1, "A"},
    {0x201C, "LINK_EXTRA_BATTERY_CURRENT", VregType::kSn32, 0.001, "A"},
    {0x2200, "AC_OUT_VOLTAGE", VregType::kSn16, 0.01, "V"},
    {0x2201, "AC_OUT_CURRENT", VregType::kSn16, 0.1, "A"},
    {0x2204, "AC_OUT_REAL_POWER", VregType::kSn32, 1, "W"},
    {0x2230, "AC_IN_1_VOLTAGE", VregType::kSn16, 0.01, "V"},
    {0x2231, "AC_IN_1_CURRENT", VregType::kSn16, 0.1, "A"},
    {0x2234, "AC_IN_1_REAL_POWER", VregType::kSn32, 1, "W"},
    {0x2238, "AC_IN_1_FREQUENCY", VregType::kUn16, 0.01, "Hz"},
    {0xED8C, "DC_CHANNEL1_CURRENT_MA", VregType::kSn32, 0.001, "A"},
    {0xED8D, "DC_CHANNEL1_VOLTAGE", VregType::kSn16, 0.01, "V"},
    {0xED8E, "DC_CHANNEL1_POWER", VregType::kSn16, 1, "W"},
    {0xED8F, "DC_CHANNEL1_CURRENT", VregType::kSn16, 0.1, "A"},
    {0xEDBB, "DC_INPUT_VOLTAGE", VregType::kUn16, 0.01, "V"},
    {0xEDBC, "DC_INPUT_POWER", VregType::kUn32, 0.01, "W"},
    {0xEDBD, "DC_INPUT_CURRENT", VregType::kUn16, 0.1, "A"},
    {0xEDD3, "CHR_TODAY_YIELD", VregType::kUn32, 0.01, "kWh"},
    {0xEDD5, "CHR_VOLTAGE", VregType::kUn16, 0.01, "V"},
    {0xEDD7, "CHR_CURRENT", VregType::kSn16, 0.1, "A"},
    {0xEDDA, "CHR_ERROR_CODE", VregType::kUn8, 1, ""},
    {0xEDDB, "CHR_TEMPERATURE", VregType::kSn16, 0.01, "C"},
    {0xEDDC, "CHR_USER_YIELD", VregType::kUn32, 0.01, "kWh"},
    {0xEDEC, "BAT_TEMPERATURE", VregType::kUn16, 0.01, "K"},
    // The charger's maximum charge current: un16 0.1 A as on VE.Direct (vedirect_vebus.md §2.3,
    // "Get 0xEDF0 … 150 = 15.0 A"; the ids are shared).
    {0xEDF0, "BAT_MAX_CURRENT", VregType::kUn16, 0.1, "A"},
    {0xEEFF, "BMV_CE", VregType::kSn32, 0.1, "Ah"},
};

constexpr std::size_t width(VregType t) noexcept {
  switch (t) {
    case VregType::kUn8: return 1;
    case VregType::kUn16:
    case VregType::kSn16: return 2;
    default: return 4;
  }
}

}  // namespace

const VregDesc* find_vreg(std::uint16_t id) noexcept {
  for (const auto& d : kVregs)
    if (d.id == id) return &d;
  return nullptr;
}

Result<Vreg> decode_vreg(ByteView p) noexcept {
  if (p.size() < 4) return tl::unexpected(Error{Errc::kBadLength, "VREG shorter than 4 bytes"});
  if (p[0] != 0x66 || p[1] != 0x99)
    return tl::unexpected(Error{Errc::kUnknownId, "not a Victron VREG"});
  return Vreg{load_le16(p, 2), p.subspan(4)};
}

std::optional<double> vreg_value(const VregDesc& d, ByteView v) noexcept {
  const std::size_t w = width(d.type);
  if (v.size() < w) return std::nullopt;
  std::int64_t raw = 0;
  switch (d.type) {
    case VregType::kUn8:
      if (v[0] == 0xFF) return std::nullopt;
      raw = v[0];
      break;
    case VregType::kUn16:
      if (load_le16(v) == 0xFFFF) return std::nullopt;
      raw = load_le16(v);
      break;
    case VregType::kSn16:
      if (load_le16(v) == 0x7FFF) return std::nullopt;
      raw = load_le16s(v);
      break;
    case VregType::kUn32:
      if (load_le32(v) == 0xFFFFFFFFu) return std::nullopt;
      raw = load_le32(v);
      break;
    case VregType::kSn32:
      if (load_le32(v) == 0x7FFFFFFFu) return std::nullopt;
      raw = load_le32s(v);
      break;
  }
  const double x = static_cast<double>(raw);
  return d.scale < 1 ? x / std::round(1.0 / d.scale) : x * d.scale;
}

Frame<8> encode_vreg(std::uint16_t id, ByteView value) noexcept {
  Frame<8> f;
  f.data.fill(0xFF);
  f.size = 8;
  f.data[0] = 0x66;
  f.data[1] = 0x99;
  store_le16(f.data, 2, id);
  std::copy_n(value.begin(), std::min<std::size_t>(value.size(), 4), f.data.begin() + 4);
  return f;
}

Frame<8> encode_vreg_request(std::uint16_t id, std::uint16_t mask) noexcept {
  std::array<std::uint8_t, 4> v{};
  store_le16(v, 0, id);
  store_le16(v, 2, mask);
  return encode_vreg(kVregRequest, v);
}

Frame<8> encode_vack(std::uint16_t reg, std::uint16_t code) noexcept {
  std::array<std::uint8_t, 4> v{};
  store_le16(v, 0, reg);
  store_le16(v, 2, code);
  return encode_vreg(kVregAck, v);
}

std::string_view vack_text(std::uint16_t code) noexcept {
  switch (code) {
    case 0x0000: return "OK";
    case 0x0100: return "begin";
    case 0x0200: return "continue";
    case 0x4000: return "delayed";
    case 0x8000: return "unknown register";
    case 0x8100: return "command failed";
    case 0x8200: return "busy";
    case 0x8300: return "invalid value";
    case 0x8400: return "timeout";
    case 0x8500: return "overflow";
    case 0x8600: return "initializing";
    case 0xC001: return "another panel is present";
    default: return {};
  }
}

Result<Frame<8>> encode_vreg_value(const VregDesc& d, double value) noexcept {
  if (!std::isfinite(value)) return tl::unexpected(Error{Errc::kOutOfRange, "not a finite value"});
  const double x = std::round(value / d.scale);
  std::array<std::uint8_t, 4> v{};
  switch (d.type) {
    case VregType::kUn8:
      if (x < 0 || x > 254) return tl::unexpected(Error{Errc::kOutOfRange, "un8 out of range"});
      v[0] = static_cast<std::uint8_t>(x);
      return encode_vreg(d.id, ByteView(v.data(), 1));
    case VregType::kUn16:
      if (x < 0 || x > 65534) return tl::unexpected(Error{Errc::kOutOfRange, "un16 out of range"});
      store_le16(v, 0, static_cast<std::uint16_t>(x));
      return encode_vreg(d.id, ByteView(v.data(), 2));
    case VregType::kSn16:
      if (x < -32768 || x > 32766)
        return tl::unexpected(Error{Errc::kOutOfRange, "sn16 out of range"});
      store_le16(v, 0, static_cast<std::uint16_t>(static_cast<std::int16_t>(x)));
      return encode_vreg(d.id, ByteView(v.data(), 2));
    case VregType::kUn32:
      if (x < 0 || x > 4294967294.0)
        return tl::unexpected(Error{Errc::kOutOfRange, "un32 out of range"});
      store_le32(v, 0, static_cast<std::uint32_t>(x));
      return encode_vreg(d.id, v);
    case VregType::kSn32:
      if (x < -2147483648.0 || x > 2147483646.0)
        return tl::unexpected(Error{Errc::kOutOfRange, "sn32 out of range"});
      store_le32(v, 0, static_cast<std::uint32_t>(static_cast<std::int32_t>(x)));
      return encode_vreg(d.id, v);
  }
  return tl::unexpected(Error{Errc::kUnsupported, "unknown type"});
}

}  // namespace gxlink::nmea2000
