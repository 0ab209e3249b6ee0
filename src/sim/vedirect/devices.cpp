// SPDX-License-Identifier: MIT
#include "sim/vedirect/devices.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "protocols/vedirect/hex.hpp"
#include "protocols/vedirect/text.hpp"

namespace gxlink::sim {

using namespace gxlink::vedirect;
using Fields = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::string num(double v) { return std::to_string(static_cast<long long>(std::lround(v))); }

std::string hex32(std::uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

// A small deterministic wobble so values move second by second without a random generator.
double wobble(double t, double period) { return std::sin(2 * kPi * t / period); }

}  // namespace

double sun_factor(const SimClockOptions& c, double t) {
  const double phase = std::fmod(c.start_phase + t / c.day_seconds, 1.0);
  // Daylight from 06:00 to 18:00 of the simulated day, a half-sine with passing clouds.
  if (phase < 0.25 || phase > 0.75) return 0;
  const double s = std::sin(kPi * (phase - 0.25) / 0.5);
  const double clouds = 0.85 + 0.15 * wobble(t, 37.0);
  return std::clamp(s * clouds, 0.0, 1.0);
}

void VeDirectSimDevice::set_u16(std::uint16_t id, std::uint16_t v) {
  regs_[id] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
}

void VeDirectSimDevice::set_u32(std::uint16_t id, std::uint32_t v) {
  regs_[id] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
               static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

void VeDirectSimDevice::set_string(std::uint16_t id, const std::string& s) {
  regs_[id] = std::vector<std::uint8_t>(s.begin(), s.end());
}

bool VeDirectSimDevice::writable(std::uint16_t id) const {
  return std::find(writable_.begin(), writable_.end(), id) != writable_.end();
}

std::string VeDirectSimDevice::on_input(ByteView bytes) {
  std::string out;
  auto send = [&](const HexMessage& m) {
    auto t = encode_hex(m);
    out.append(reinterpret_cast<const char*>(t.data.data()), t.size);
  };
  std::size_t off = 0;
  while (off < bytes.size()) {
    auto r = framer_.take(bytes.subspan(off));
    off += r.consumed;
    if (r.status == TakeStatus::kNeedMore) break;
    if (r.status == TakeStatus::kBad) {
      if (r.hex_error) send(make_word_reply(HexResponse::kError, 0xAAAA));  // `:4AAAAFD` (§2.1)
      continue;
    }
    if (r.kind != FrameKind::kHex) continue;
    ++hex_requests_;
    const HexMessage& m = *r.hex;
    switch (static_cast<HexCommand>(m.command)) {
      case HexCommand::kPing:
        send(make_word_reply(HexResponse::kPingReply, app_version_ | 0x4000));
        break;
      case HexCommand::kAppVersion: send(make_word_reply(HexResponse::kDone, app_version_)); break;
      case HexCommand::kProductId: send(make_word_reply(HexResponse::kDone, pid_)); break;
      case HexCommand::kRestart: {
        const std::uint8_t state = 5;  // §2.1: after a restart, async device state
        send(make_register(HexCommand::kAsync, 0x0201, 0, ByteView(&state, 1)));
        break;
      }
      case HexCommand::kGet:
      case HexCommand::kSet: {
        auto reg = parse_register(m);
        if (!reg) {
          send(make_word_reply(HexResponse::kError, 0xAAAA));
          break;
        }
        const auto cmd = static_cast<HexCommand>(m.command);
        auto it = regs_.find(reg->id);
        if (it == regs_.end()) {
          send(make_register(cmd, reg->id, kFlagUnknownId, {}));
          break;
        }
        if (cmd == HexCommand::kSet) {
          if (!writable(reg->id)) {
            send(make_register(cmd, reg->id, kFlagNotSupported, {}));
            break;
          }
          if (reg->value.size != it->second.size()) {
            send(make_register(cmd, reg->id, kFlagParameterError, {}));
            break;
          }
          it->second.assign(reg->value.view().begin(), reg->value.view().end());
        }
        send(make_register(cmd, reg->id, 0, it->second));
        break;
      }
      default: send(make_word_reply(HexResponse::kUnknown, m.command)); break;
    }
  }
  return out;
}

MpptSimulator::MpptSimulator(SimClockOptions clock) : clock_(clock) {
  pid_ = 0xA05F;
  app_version_ = 0x0161;
  set_u32(0x0100, 0xFF000000u | static_cast<std::uint32_t>(pid_) << 8);  // §2.3: 00 lo hi FF
  set_u32(0x0102, 0xFF0161);
  set_string(0x010A, "HQ2245SIM01");
  set_string(0x010B, "SmartSolar Charger MPPT 100/20");
  set_u8(0x0200, 1);     // device mode on
  set_u16(0xEDF0, 200);  // charge current limit 20.0 A
  set_u32(0xEDDD, 0);
  writable_ = {0x0200, 0xEDF0};
}

std::string MpptSimulator::tick(double t) {
  const double dt = std::max(0.0, t - last_t_);
  last_t_ = t;
  const int day = static_cast<int>((clock_.start_phase + t / clock_.day_seconds));
  if (day != day_) {
    day_ = day;
    yield_today_wh_ = 0;
    max_power_today_ = 0;
  }
  const bool on = regs_[0x0200][0] == 1;
  const double sun = sun_factor(clock_, t);
  const double limit_a = load_le16(regs_[0xEDF0]) / 10.0;
  double ppv = on ? 290.0 * sun : 0;
  const double load_a = 0.8 + 0.4 * wobble(t, 23.0);
  // Charge stage from the simulated battery: bulk below 85 %, absorption, then float.
  int cs = 0;
  int mppt = 0;
  if (ppv > 2) {
    if (soc_ < 0.85) {
      cs = 3;
      mppt = 2;
    } else if (soc_ < 0.99) {
      cs = 4;
      mppt = 1;
      ppv *= 0.6;
    } else {
      cs = 5;
      mppt = 1;
      ppv = std::min(ppv, 40.0);
    }
  }
  const double vbat = 12.4 + 1.0 * soc_ + (cs == 4 ? 1.2 : cs == 5 ? 0.7 : 0.2 * sun);
  double ibat = ppv > 2 ? std::min(ppv * 0.96 / vbat, limit_a) : 0;
  ppv = ibat * vbat / 0.96;
  soc_ = std::clamp(soc_ + (ibat - load_a) * dt / 3600.0 / 200.0 * 30.0, 0.1, 1.0);
  yield_today_wh_ += ibat * vbat * dt / 3600.0 * 144.0;  // the day is compressed 144×
  yield_total_wh_ += ibat * vbat * dt / 3600.0 * 144.0;
  max_power_today_ = std::max(max_power_today_, ppv);
  const double vpv = ppv > 2 ? 33.0 + 4.0 * sun : (sun > 0 ? 20.0 * sun : 0.4);
  set_u8(0x0201, static_cast<std::uint8_t>(cs));
  set_u32(0xEDDD, static_cast<std::uint32_t>(yield_total_wh_ / 10.0));

  Fields f = {
      {"PID", "0xA05F"},
      {"FW", "161"},
      {"SER#", "HQ2245SIM01"},
      {"V", num(vbat * 1000)},
      {"I", num(ibat * 1000)},
      {"VPV", num(vpv * 1000)},
      {"PPV", num(ppv)},
      {"CS", std::to_string(cs)},
      {"MPPT", std::to_string(mppt)},
      {"OR", hex32(!on       ? 0x4u
                   : ppv > 2 ? 0u
                             : 0x1u)},
      {"ERR", "0"},
      {"LOAD", "ON"},
      {"IL", num(load_a * 1000)},
      {"H19", num(yield_total_wh_ / 10.0)},
      {"H20", num(yield_today_wh_ / 10.0)},
      {"H21", num(max_power_today_)},
      {"H22", "112"},
      {"H23", "274"},
      {"HSDS", std::to_string(day_ % 365)},
  };
  return encode_text_block(f);
}

SmartShuntSimulator::SmartShuntSimulator(SimClockOptions clock) : clock_(clock) {
  pid_ = 0xA389;
  app_version_ = 0x0415;
  set_u32(0x0100, 0xFF000000u | static_cast<std::uint32_t>(pid_) << 8);
  set_u32(0x0102, 0xFF0415);
  set_string(0x010A, "HQ2131SIM02");
  set_string(0x010B, "SmartShunt 500A/50mV");
  set_u16(0x0FFF, 6200);
}

std::string SmartShuntSimulator::tick(double t) {
  const double dt = std::max(0.0, t - last_t_);
  last_t_ = t;
  const double sun = sun_factor(clock_, t);
  // Battery current: solar charging minus house loads (a fridge cycling every ~45 s).
  const double solar_a = soc_ < 0.99 ? 19.0 * sun : 2.5 * sun;
  const double load_a = 6.0 + 4.0 * (wobble(t, 45.0) > 0.3 ? 1 : 0) + 0.5 * wobble(t, 7.0);
  const double i = solar_a - load_a;
  soc_ = std::clamp(soc_ + i * dt / 3600.0 / capacity_ah_ * 30.0, 0.05, 1.0);
  const double v = 12.3 + 0.9 * soc_ + 0.01 * i;
  const double p = v * i;
  if (i < 0) {
    discharged_kwh_ += -p * dt / 3.6e6 * 30.0;
    drawn_ah_ += -i * dt / 3600.0 * 30.0;
  } else {
    charged_kwh_ += p * dt / 3.6e6 * 30.0;
  }
  const double consumed_ah = -(1.0 - soc_) * capacity_ah_;
  const std::string ttg = i < 0 ? num(soc_ * capacity_ah_ / -i * 60.0) : "-1";
  set_u16(0x0FFF, static_cast<std::uint16_t>(soc_ * 10000));

  Fields main = {
      {"PID", "0xA389"},
      {"V", num(v * 1000)},
      {"I", num(i * 1000)},
      {"P", num(p)},
      {"CE", num(consumed_ah * 1000)},
      {"SOC", num(soc_ * 1000)},
      {"TTG", ttg},
      {"Alarm", "OFF"},
      {"AR", "0"},
      {"BMV", "SmartShunt 500A/50mV"},
      {"FW", "0415"},
      {"MON", "0"},
  };
  Fields history = {
      {"H1", "-102345"},
      {"H2", "-31250"},
      {"H3", "-45678"},
      {"H4", "187"},
      {"H5", "0"},
      {"H6", num(-drawn_ah_ * 1000)},
      {"H7", "11843"},
      {"H8", "14512"},
      {"H9", "86400"},
      {"H10", "143"},
      {"H11", "0"},
      {"H12", "0"},
      {"H17", num(discharged_kwh_ * 100)},
      {"H18", num(charged_kwh_ * 100)},
  };
  return encode_text_block(main) + encode_text_block(history);
}

}  // namespace gxlink::sim
