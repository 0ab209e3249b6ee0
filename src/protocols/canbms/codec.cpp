// SPDX-License-Identifier: MIT
#include "protocols/canbms/codec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace gxlink::canbms {
namespace {

// --- sentinels and field readers (STYLE.md rule 13: one helper per encoding) -------------------

constexpr std::uint16_t kNa16 = 0xFFFF;

bool fits(const CanFrame& f, std::size_t at, std::size_t n) noexcept { return at + n <= f.len; }

std::optional<std::uint16_t> un16(const CanFrame& f, std::size_t at) noexcept {
  if (!fits(f, at, 2)) return std::nullopt;
  const std::uint16_t v = load_le16(f.payload(), at);
  if (v == kNa16) return std::nullopt;
  return v;
}

std::optional<std::int16_t> sn16(const CanFrame& f, std::size_t at) noexcept {
  if (!fits(f, at, 2)) return std::nullopt;
  const std::int16_t v = load_le16s(f.payload(), at);
  if (v == 0x7FFF) return std::nullopt;  // top of range: "not available" in the N2K/Victron habit
  return v;
}

// Scales divide by the decimal step (3300 / 1000.0 is exactly the double nearest 3.3; 3300 * 0.001
// is not), so decoded values print as the battery meant them.
std::optional<double> scaled(std::optional<std::uint16_t> v, double divisor) noexcept {
  if (!v) return std::nullopt;
  return *v / divisor;
}
std::optional<double> scaled(std::optional<std::int16_t> v, double divisor) noexcept {
  if (!v) return std::nullopt;
  return *v / divisor;
}

// Encoders: round to the wire step and clamp to the field; nullopt -> the field's sentinel.
std::uint16_t to_un16(double v, double scale, std::uint16_t max = 0xFFFE) noexcept {
  if (!std::isfinite(v)) return kNa16;
  const double r = std::round(v / scale);
  return static_cast<std::uint16_t>(std::clamp(r, 0.0, static_cast<double>(max)));
}
std::uint16_t to_un16(const std::optional<double>& v, double scale,
                      std::uint16_t na = kNa16) noexcept {
  return v ? to_un16(*v, scale) : na;
}
// 0x351 fields use the whole un16 range (6553.5 A is a valid limit); a non-finite limit becomes 0,
// never a huge number.
std::uint16_t limit_un16(double v, double scale) noexcept {
  if (!std::isfinite(v)) return 0;
  return static_cast<std::uint16_t>(std::clamp(std::round(v / scale), 0.0, 65535.0));
}
std::uint16_t to_sn16(const std::optional<double>& v, double scale) noexcept {
  if (!v || !std::isfinite(*v)) return 0x7FFF;
  const double r = std::clamp(std::round(*v / scale), -32768.0, 32766.0);
  return static_cast<std::uint16_t>(static_cast<std::int16_t>(r));
}

Result<Message> bad_length(const MessageInfo& m, std::uint8_t len) {
  return fail(
      Errc::kBadLength, "0x" +
                            [&] {
                              char b[8];
                              std::snprintf(b, sizeof b, "%03X", static_cast<unsigned>(m.id));
                              return std::string(b);
                            }() +
                            " (" + std::string(m.name) + ") needs at least " +
                            std::to_string(m.min_len) + " bytes, got " + std::to_string(len));
}

CanFrame frame8(std::uint32_t id) noexcept {
  CanFrame f;
  f.id = id;
  f.len = 8;
  return f;
}

MutableByteView bytes(CanFrame& f) noexcept { return {f.data.data(), f.data.size()}; }

struct Encoder {
  CanFrame operator()(const Limits& m) const noexcept {
    CanFrame f = frame8(kIdLimits);
    store_le16(bytes(f), 0, limit_un16(m.charge_voltage_v, 0.1));
    store_le16(bytes(f), 2, limit_un16(m.charge_current_a, 0.1));
    store_le16(bytes(f), 4, limit_un16(m.discharge_current_a, 0.1));
    store_le16(bytes(f), 6, m.discharge_voltage_v ? to_un16(*m.discharge_voltage_v, 0.1) : 0);
    return f;
  }
  CanFrame operator()(const Soc& m) const noexcept {
    CanFrame f = frame8(kIdSoc);
    store_le16(bytes(f), 0, to_un16(m.soc_pct, 1));
    store_le16(bytes(f), 2, to_un16(m.soh_pct, 1));
    store_le16(bytes(f), 4, to_un16(m.soc_hires_pct, 0.01));
    return f;
  }
  CanFrame operator()(const DcStatus& m) const noexcept {
    CanFrame f = frame8(kIdDc);
    store_le16(bytes(f), 0, to_sn16(m.voltage_v, 0.01));
    store_le16(bytes(f), 2, to_sn16(m.current_a, 0.1));
    store_le16(bytes(f), 4, to_sn16(m.temperature_c, 0.1));
    return f;
  }
  CanFrame operator()(const Alarms& m) const noexcept {
    CanFrame f = frame8(kIdAlarms);
    f.len = m.len;
    f.data = m.bytes;
    return f;
  }
  CanFrame operator()(const TextMessage& m) const noexcept {
    CanFrame f = frame8(m.id);
    std::copy_n(m.text.chars.begin(), m.text.len, f.data.begin());  // zero padded (seeds/001 0x370)
    return f;
  }
  CanFrame operator()(const BatteryInfo& m) const noexcept {
    CanFrame f = frame8(kIdBatteryInfo);
    store_le16(bytes(f), 0, m.model.value_or(kNa16));
    store_be16(bytes(f), 2, m.firmware.value_or(kNa16));
    store_le16(bytes(f), 4, to_un16(m.online_capacity_ah, 1, 0));
    return f;
  }
  CanFrame operator()(const ForceCharge& m) const noexcept {
    CanFrame f = frame8(kIdForceCharge);
    f.data[0] = m.requested ? 0xFF : 0x00;
    return f;
  }
  CanFrame operator()(const Modules& m) const noexcept {
    CanFrame f = frame8(kIdModules);
    store_le16(bytes(f), 0, m.ok.value_or(kNa16));
    store_le16(bytes(f), 2, m.blocking_charge.value_or(kNa16));
    store_le16(bytes(f), 4, m.blocking_discharge.value_or(kNa16));
    store_le16(bytes(f), 6, m.offline.value_or(kNa16));
    return f;
  }
  CanFrame operator()(const CellExtremes& m) const noexcept {
    CanFrame f = frame8(kIdCellExtremes);
    store_le16(bytes(f), 0, to_un16(m.min_cell_voltage_v, 0.001));
    store_le16(bytes(f), 2, to_un16(m.max_cell_voltage_v, 0.001));
    auto kelvin = [](const std::optional<double>& c) -> std::optional<double> {
      if (!c) return std::nullopt;
      return *c + 273.15;
    };
    store_le16(bytes(f), 4, to_un16(kelvin(m.min_cell_temperature_c), 1));
    store_le16(bytes(f), 6, to_un16(kelvin(m.max_cell_temperature_c), 1));
    return f;
  }
  CanFrame operator()(const Energy& m) const noexcept {
    CanFrame f = frame8(kIdEnergy);
    auto to_u32 = [](const std::optional<double>& kwh) -> std::uint32_t {
      if (!kwh || !std::isfinite(*kwh)) return 0xFFFFFFFF;
      return static_cast<std::uint32_t>(std::clamp(std::round(*kwh * 10.0), 0.0, 4294967294.0));
    };
    store_le32(bytes(f), 0, to_u32(m.charged_kwh));
    store_le32(bytes(f), 4, to_u32(m.discharged_kwh));
    return f;
  }
  CanFrame operator()(const InstalledCapacity& m) const noexcept {
    CanFrame f = frame8(kIdInstalledCapacity);
    f.len = 2;  // the seed defines two bytes only
    store_le16(bytes(f), 0, to_un16(m.capacity_ah, 1));
    return f;
  }
  CanFrame operator()(const Keepalive& m) const noexcept { return frame8(m.id); }
  CanFrame operator()(const InverterId& m) const noexcept {
    CanFrame f = frame8(kIdInverterId);
    f.data = kInverterIdPayload;
    if (!m.victron) f.data[4] = f.data[5] = f.data[6] = 0;
    return f;
  }
  CanFrame operator()(const Tolerated& m) const noexcept { return m.frame; }
};

}  // namespace

const char* to_string(PairState s) noexcept {
  switch (s) {
    case PairState::kActive: return "active";
    case PairState::kOk: return "ok";
    case PairState::kNotSupported:
    case PairState::kNotSupported3: return "not_supported";
  }
  return "?";
}

Text8 Text8::from_wire(ByteView b) noexcept {
  Text8 t;
  for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
    const std::uint8_t c = b[i];
    if (c >= 0x20 && c <= 0x7E) t.chars[t.len++] = static_cast<char>(c);
  }
  while (t.len > 0 && t.chars[t.len - 1u] == ' ') --t.len;  // space padding seen in the field
  return t;
}

Text8 Text8::from_text(std::string_view s) noexcept {
  Text8 t;
  for (char c : s) {
    if (t.len == 8) break;
    const auto u = static_cast<unsigned char>(c);
    t.chars[t.len++] = (u >= 0x20 && u <= 0x7E) ? c : '?';
  }
  return t;
}

std::optional<int> Alarms::venus_level(const AlarmInfo& a) const noexcept {
  const PairState al = alarm(a);
  const PairState wa = warning(a);
  if (al == PairState::kActive) return 2;
  if (wa == PairState::kActive) return 1;
  if (is_supported(al) || is_supported(wa)) return 0;
  return std::nullopt;
}

bool operator==(const Alarms& a, const Alarms& b) noexcept {
  return a.len == b.len && std::equal(a.bytes.begin(), a.bytes.begin() + a.len, b.bytes.begin());
}

Result<Message> decode(const CanFrame& f) noexcept {
  const MessageInfo* info = find_message(f.id);
  if (f.extended)
    return fail(Errc::kUnsupported, "29-bit identifier: the CAN-bus BMS protocol uses 11-bit ids");
  if (f.rtr) return fail(Errc::kUnsupported, "remote frame");
  if (!info) return fail(Errc::kUnknownId, "unknown CAN-bus BMS id");
  if (f.len > 8) return fail(Errc::kBadLength, "DLC above 8: not a classic CAN frame");
  if (f.len < info->min_len) return bad_length(*info, f.len);

  switch (f.id) {
    case kIdLimits: {
      Limits m;
      m.charge_voltage_v = load_le16(f.payload(), 0) / 10.0;
      m.charge_current_a = load_le16(f.payload(), 2) / 10.0;
      m.discharge_current_a = load_le16(f.payload(), 4) / 10.0;
      if (auto v = un16(f, 6); v && *v != 0) m.discharge_voltage_v = *v / 10.0;
      return m;
    }
    case kIdSoc: {
      Soc m;
      m.soc_pct = scaled(un16(f, 0), 1);
      m.soh_pct = scaled(un16(f, 2), 1);
      m.soc_hires_pct = scaled(un16(f, 4), 100);
      if (m.soc_pct && *m.soc_pct > 100) m.soc_pct.reset();
      if (m.soh_pct && *m.soh_pct > 100) m.soh_pct.reset();
      if (m.soc_hires_pct && *m.soc_hires_pct > 100) m.soc_hires_pct.reset();
      return m;
    }
    case kIdDc: {
      DcStatus m;
      m.voltage_v = scaled(sn16(f, 0), 100);
      if (m.voltage_v && *m.voltage_v < 0) m.voltage_v.reset();
      m.current_a = scaled(sn16(f, 2), 10);
      m.temperature_c = scaled(sn16(f, 4), 10);
      return m;
    }
    case kIdAlarms: {
      Alarms m;
      m.len = f.len;
      std::copy_n(f.data.begin(), f.len, m.bytes.begin());
      return m;
    }
    case kIdManufacturer:
    case kIdName1:
    case kIdName2:
    case kIdMinCellVoltageId:
    case kIdMaxCellVoltageId:
    case kIdMinCellTemperatureId:
    case kIdMaxCellTemperatureId:
    case kIdSerial1:
    case kIdSerial2:
    case kIdFamily: return TextMessage{f.id, Text8::from_wire(f.payload())};
    case kIdBatteryInfo: {
      BatteryInfo m;
      m.model = un16(f, 0);
      if (fits(f, 2, 2)) {
        const std::uint16_t fw = load_be16(f.payload(), 2);
        if (fw != kNa16) m.firmware = fw;
      }
      if (auto c = un16(f, 4); c && *c != 0) m.online_capacity_ah = *c;
      return m;
    }
    case kIdForceCharge: return ForceCharge{f.data[0] == 0xFF};
    case kIdModules: return Modules{un16(f, 0), un16(f, 2), un16(f, 4), un16(f, 6)};
    case kIdCellExtremes: {
      CellExtremes m;
      auto nz = [&](std::size_t at) -> std::optional<std::uint16_t> {
        auto v = un16(f, at);
        if (v && *v == 0) return std::nullopt;
        return v;
      };
      m.min_cell_voltage_v = scaled(nz(0), 1000);
      m.max_cell_voltage_v = scaled(nz(2), 1000);
      // Integer Kelvin; rounding to 0.01 °C drops the binary noise of "- 273.15".
      if (auto k = nz(4)) m.min_cell_temperature_c = std::round((*k - 273.15) * 100) / 100;
      if (auto k = nz(6)) m.max_cell_temperature_c = std::round((*k - 273.15) * 100) / 100;
      return m;
    }
    case kIdEnergy: {
      Energy m;
      auto u32 = [&](std::size_t at) -> std::optional<double> {
        if (!fits(f, at, 4)) return std::nullopt;
        const std::uint32_t v = load_le32(f.payload(), at);
        if (v == 0xFFFFFFFF) return std::nullopt;
        return v / 10.0;  // 100 Wh units -> kWh
      };
      m.charged_kwh = u32(0);
      m.discharged_kwh = u32(4);
      return m;
    }
    case kIdInstalledCapacity: return InstalledCapacity{scaled(un16(f, 0), 1)};
    case kIdKeepalive:
    case 0x306: return Keepalive{f.id};
    case kIdInverterId:
      return InverterId{f.len >= 7 && f.data[4] == 'V' && f.data[5] == 'I' && f.data[6] == 'C'};
    default: return Tolerated{f};
  }
}

std::uint32_t message_id(const Message& m) noexcept {
  struct V {
    std::uint32_t operator()(const Limits&) const noexcept { return kIdLimits; }
    std::uint32_t operator()(const Soc&) const noexcept { return kIdSoc; }
    std::uint32_t operator()(const DcStatus&) const noexcept { return kIdDc; }
    std::uint32_t operator()(const Alarms&) const noexcept { return kIdAlarms; }
    std::uint32_t operator()(const TextMessage& t) const noexcept { return t.id; }
    std::uint32_t operator()(const BatteryInfo&) const noexcept { return kIdBatteryInfo; }
    std::uint32_t operator()(const ForceCharge&) const noexcept { return kIdForceCharge; }
    std::uint32_t operator()(const Modules&) const noexcept { return kIdModules; }
    std::uint32_t operator()(const CellExtremes&) const noexcept { return kIdCellExtremes; }
    std::uint32_t operator()(const Energy&) const noexcept { return kIdEnergy; }
    std::uint32_t operator()(const InstalledCapacity&) const noexcept {
      return kIdInstalledCapacity;
    }
    std::uint32_t operator()(const Keepalive& k) const noexcept { return k.id; }
    std::uint32_t operator()(const InverterId&) const noexcept { return kIdInverterId; }
    std::uint32_t operator()(const Tolerated& t) const noexcept { return t.frame.id; }
  };
  return std::visit(V{}, m);
}

CanFrame encode(const Message& m) noexcept { return std::visit(Encoder{}, m); }

std::string_view battery_name(std::string_view name_370_371, std::string_view manufacturer,
                              std::string_view fallback) noexcept {
  if (!name_370_371.empty()) return name_370_371;
  if (!manufacturer.empty()) {
    for (const auto& k : kKnownManufacturers)
      if (k.wire == manufacturer) return k.readable;
    return manufacturer;
  }
  return fallback;
}

}  // namespace gxlink::canbms
