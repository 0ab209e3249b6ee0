// SPDX-License-Identifier: MIT
#include "protocols/vebus/codec.hpp"

#include <cmath>

namespace gxlink::vebus {
namespace {

WireFrame mk2(std::uint8_t letter, std::initializer_list<std::uint8_t> data) noexcept {
  return encode_mk2(letter, ByteView(data.begin(), data.size()));
}

std::uint8_t lo(std::uint16_t v) noexcept { return static_cast<std::uint8_t>(v); }
std::uint8_t hi(std::uint16_t v) noexcept { return static_cast<std::uint8_t>(v >> 8); }

WireFrame winmon_id16(std::uint8_t letter, std::uint8_t code, std::uint16_t id) noexcept {
  return mk2(letter, {code, lo(id), hi(id)});
}

}  // namespace

WireFrame encode_set_address(std::uint8_t address) noexcept {
  return mk2(cmd::kAddress, {1, address});
}
WireFrame encode_get_address() noexcept { return mk2(cmd::kAddress, {0, 0}); }
WireFrame encode_version() noexcept { return mk2(cmd::kVersion, {}); }
WireFrame encode_led() noexcept { return mk2(cmd::kLed, {}); }
WireFrame encode_info_request(std::uint8_t which) noexcept { return mk2(cmd::kInfo, {which}); }
WireFrame encode_line_state_query() noexcept { return mk2(cmd::kLineState, {}); }

WireFrame encode_switch(SwitchState state, std::optional<double> limit_amps) noexcept {
  std::uint16_t limit = 0x8000;
  if (limit_amps && std::isfinite(*limit_amps) && *limit_amps >= 0 && *limit_amps < 3000)
    limit = static_cast<std::uint16_t>(std::lround(*limit_amps * 10));
  return mk2(cmd::kSwitch, {static_cast<std::uint8_t>(state), lo(limit), hi(limit), 0x01, 0x80});
}

WireFrame encode_read_ram_vars(std::uint8_t letter, std::span<const std::uint8_t> ids) noexcept {
  if (ids.empty() || ids.size() > 6) return {};
  Frame<8> d;
  d.push_back(wm::kReadRamVar);
  for (auto id : ids) d.push_back(id);
  // A 'W' command always carries two argument bytes (short winmon mode; the documented
  // `05 FF 57 30 0D 00 68` reads var 13 alone).
  if (letter == cmd::kWinmonW && ids.size() == 1) d.push_back(0x00);
  return encode_mk2(letter, d.view());
}
WireFrame encode_read_setting(std::uint8_t letter, std::uint16_t id) noexcept {
  return winmon_id16(letter, wm::kReadSetting, id);
}
WireFrame encode_get_ram_var_info(std::uint8_t letter, std::uint16_t id) noexcept {
  return winmon_id16(letter, wm::kGetRamVarInfo, id);
}
WireFrame encode_get_setting_info(std::uint8_t letter, std::uint16_t id) noexcept {
  return winmon_id16(letter, wm::kGetSettingInfo, id);
}
WireFrame encode_write_via_id(std::uint8_t letter, bool is_setting, bool ram_only, std::uint8_t id,
                              std::uint16_t raw) noexcept {
  const std::uint8_t flags =
      static_cast<std::uint8_t>((is_setting ? wvi::kSetting : 0) | (ram_only ? wvi::kRamOnly : 0));
  return mk2(letter, {wm::kWriteViaId, flags, id, lo(raw), hi(raw)});
}
WireFrame encode_write_setting(std::uint8_t letter, std::uint16_t id) noexcept {
  return winmon_id16(letter, wm::kWriteSetting, id);
}
WireFrame encode_write_ram_var(std::uint8_t letter, std::uint16_t id) noexcept {
  return winmon_id16(letter, wm::kWriteRamVar, id);
}
WireFrame encode_write_data(std::uint8_t letter, std::uint16_t raw) noexcept {
  return winmon_id16(letter, wm::kWriteData, raw);
}
WireFrame encode_software_version(std::uint8_t letter, int part) noexcept {
  return mk2(letter, {part == 0 ? wm::kSendSoftwareVersionPart0 : wm::kSendSoftwareVersionPart1});
}

std::optional<std::uint32_t> software_version_low(const WinmonReply& w) noexcept {
  if (w.code != wm::kSoftwareVersionPart0 || w.data.size < 2) return std::nullopt;
  if (w.data.size >= 4) return load_le32(w.data.view(), 0);  // combined reply (§4.5)
  return load_le16(w.data.view(), 0);
}

std::optional<std::uint16_t> software_version_high(const WinmonReply& w) noexcept {
  if (w.code != wm::kSoftwareVersionPart1 || w.data.size < 2) return std::nullopt;
  return load_le16(w.data.view(), 0);
}

std::optional<VebusIdentity> vebus_identity(std::uint32_t n) noexcept {
  if (n < 1000) return std::nullopt;
  auto digits_as_hex = [](std::uint32_t v) {
    std::int64_t out = 0;
    for (std::int64_t shift = 0; v > 0; v /= 10, shift += 4) out |= std::int64_t{v % 10} << shift;
    return out;
  };
  return VebusIdentity{digits_as_hex(n / 1000), digits_as_hex(n % 1000)};
}

WireFrame encode_device_state(std::uint8_t letter, std::uint8_t action) noexcept {
  return mk2(letter, {wm::kGetSetDeviceState, action});
}

SwitchState ConfigInfo::switch_state() const noexcept {
  const bool charge = (switch_register & 0x10) != 0;
  const bool invert = (switch_register & 0x20) != 0;
  if (charge && invert) return SwitchState::kOn;
  if (charge) return SwitchState::kChargerOnly;
  if (invert) return SwitchState::kInverterOnly;
  return SwitchState::kOff;
}

Result<Reply> decode(const Mk2Frame& f) noexcept {
  const ByteView d = f.data();
  switch (f.type) {
    case 0x00: return Reply{ResetNotice{}};
    case 0x20: {
      // Offsets below are into the bytes after the type byte; the reference counts the type byte
      // as [0], so its [5] (phase) is d[4] here.
      if (d.size() < 14) return fail(Errc::kTruncated, "info frame needs 14 bytes after the type");
      const PhaseInfo ph = phase_info(d[4]);
      if (ph.dc) {
        DcInfoRaw r;
        r.device_state = d[3];
        r.ubat = load_le16(d, 5);
        r.inverter_current = load_le24(d, 7);
        r.charger_current = load_le24(d, 10);
        r.inverter_period = d[13];
        return Reply{r};
      }
      if (ph.phase == 0) return fail(Errc::kUnknownId, "unknown phase code in info frame");
      AcInfoRaw r;
      r.bf_factor = d[0];
      r.inverter_factor = d[1];
      r.device_state = d[3];
      r.phase = ph;
      r.mains_u = load_le16(d, 5);
      r.mains_i = load_le16(d, 7);
      r.inverter_u = load_le16(d, 9);
      r.inverter_i = load_le16(d, 11);
      r.mains_period = d[13];
      return Reply{r};
    }
    case 0x41: {
      if (d.size() < 12)
        return fail(Errc::kTruncated, "config frame needs 12 bytes after the type");
      ConfigInfo c;
      const std::uint8_t b = d[4];
      c.active_input = b & 0x03;
      c.limit_overridden_by_panel = (b & 0x04) != 0;
      c.number_of_inputs = static_cast<std::uint8_t>((b >> 4) & 0x07);
      c.remote_panel_detected = (b & 0x80) != 0;
      c.min_limit = load_le16(d, 5);
      c.max_limit = load_le16(d, 7);
      c.actual_limit = load_le16(d, 9);
      c.switch_register = d[11];
      return Reply{c};
    }
    case 0xFF: break;
    default: return Reply{OtherFrame{f.type, 0}};
  }
  const std::uint8_t c = f.command();
  // Host → interface commands look like replies with fewer bytes; a capture of both directions
  // (or an echo) gives them as OtherFrame instead of a decode error.
  const bool request = (c == cmd::kVersion && d.empty()) || (c == cmd::kLed && d.size() < 2) ||
                       c == cmd::kInfo || (is_winmon_letter(c) && !d.empty() && d[0] < 0x80);
  if (request) return Reply{OtherFrame{f.type, c}};
  switch (c) {
    case cmd::kAddress:
      if (d.size() < 2) return fail(Errc::kTruncated, "'A' reply needs 2 bytes");
      return Reply{AddressReply{d[0] == 1, d[1]}};
    case cmd::kVersion:
      if (d.size() < 5) return fail(Errc::kTruncated, "'V' reply needs 5 bytes");
      return Reply{VersionReply{load_le32(d, 0), d[4]}};
    case cmd::kLed: {
      if (d.size() < 2) return fail(Errc::kTruncated, "'L' reply needs 2 bytes");
      LedReply l{d[0], d[1], {}, {}};
      if (d.size() >= 3) l.alarms = d[2];
      if (d.size() >= 4) l.vebus_error = static_cast<std::uint8_t>(d[3] & 0x1F);
      return Reply{l};
    }
    case cmd::kSwitch: return Reply{SwitchReply{}};
    case cmd::kLineState: return Reply{LineStateReply{d.empty() ? std::uint8_t{0} : d[0]}};
    default: break;
  }
  if (is_winmon_letter(c)) {
    if (d.empty()) return fail(Errc::kTruncated, "winmon reply without a response code");
    WinmonReply w;
    w.letter = c;
    w.code = d[0];
    for (std::size_t i = 1; i < d.size(); ++i) w.data.push_back(d[i]);
    return Reply{w};
  }
  return Reply{OtherFrame{f.type, c}};
}

Result<Frame<16>> ram_values(const WinmonReply& r) noexcept {
  if (r.code == wm::kRamVarNotSupported) return fail(Errc::kUnsupported, "RAM var not supported");
  if (r.code != wm::kReadRamOk) return fail(Errc::kUnknownId, "not a ReadRAMVar reply");
  if (r.data.size % 2 != 0) return fail(Errc::kBadLength, "odd ReadRAMVar reply length");
  Frame<16> out;
  for (std::size_t i = 0; i < r.data.size && i < 16; ++i) out.push_back(r.data.data[i]);
  return out;
}

std::uint16_t ram_value(const Frame<16>& words, std::size_t i) noexcept {
  if (2 * i + 1 >= words.size) return 0;
  return load_le16(words.view(), 2 * i);
}

Result<RamVarInfo> ram_var_info(const WinmonReply& r) noexcept {
  if (r.code != wm::kRamVarScale) return fail(Errc::kUnknownId, "not a GetRAMVarInfo reply");
  const ByteView d = r.data.view();
  RamVarInfo info;
  switch (d.size()) {
    case 0: return info;  // empty: not supported (velib: `03 FF 5A 8E 16`)
    case 2: info.scale = load_le16(d, 0); break;
    case 4:
      info.scale = load_le16(d, 0);
      info.offset = load_le16s(d, 2);
      break;
    case 5:
      if (d[2] != wm::kRamVarOffset) return fail(Errc::kBadFormat, "split reply without 0x8F");
      info.scale = load_le16(d, 0);
      info.offset = load_le16s(d, 3);
      break;
    default: return fail(Errc::kBadLength, "GetRAMVarInfo reply of unexpected length");
  }
  if (info.is_bit() && (info.scale < 1 || info.scale > 16))
    return fail(Errc::kOutOfRange, "bit RAM var with a bit number outside 1..16");
  return info;
}

Result<SettingInfo> setting_info(const WinmonReply& r) noexcept {
  if (r.code == wm::kSettingNotSupported) return fail(Errc::kUnsupported, "setting not supported");
  if (r.code != wm::kSettingScale) return fail(Errc::kUnknownId, "not a GetSettingInfo reply");
  const ByteView d = r.data.view();
  SettingInfo s;
  if (d.size() >= 14 && d[2] == wm::kSettingOffset && d[5] == wm::kSettingDefault &&
      d[8] == wm::kSettingMin && d[11] == wm::kSettingMax) {
    s.scale = load_le16s(d, 0);
    s.offset = load_le16s(d, 3);
    s.default_raw = load_le16(d, 6);
    s.min_raw = load_le16(d, 9);
    s.max_raw = load_le16(d, 12);
  } else if (d.size() == 10 || d.size() == 11) {
    s.scale = load_le16s(d, 0);
    s.offset = load_le16s(d, 2);
    s.default_raw = load_le16(d, 4);
    s.min_raw = load_le16(d, 6);
    s.max_raw = load_le16(d, 8);
    if (d.size() == 11) s.access_level = d[10];
  } else {
    // Short winmon frames cut the reply (j9brown: W replies longer than 4 bytes get cut off);
    // mk2.py stops here too rather than guess.
    return fail(Errc::kBadLength, "GetSettingInfo reply of unexpected length");
  }
  if (s.scale == 0) return fail(Errc::kUnsupported, "setting has scale 0");
  if (s.min_raw > s.max_raw) return fail(Errc::kBadFormat, "setting min above max");
  return s;
}

Result<std::uint16_t> setting_value(const WinmonReply& r) noexcept {
  if (r.code == wm::kSettingNotSupported) return fail(Errc::kUnsupported, "setting not supported");
  if (r.code != wm::kReadSettingOk) return fail(Errc::kUnknownId, "not a ReadSetting reply");
  if (r.data.size < 2) return fail(Errc::kTruncated, "ReadSetting reply needs 2 bytes");
  return load_le16(r.data.view(), 0);
}

Result<DeviceStateReply> device_state(const WinmonReply& r) noexcept {
  if (r.code != wm::kDeviceState) return fail(Errc::kUnknownId, "not a device state reply");
  if (r.data.size < 2) return fail(Errc::kTruncated, "device state reply needs 2 bytes");
  return DeviceStateReply{r.data.data[0], r.data.data[1]};
}

}  // namespace gxlink::vebus
