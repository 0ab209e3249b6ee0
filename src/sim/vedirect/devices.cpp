// SPDX-License-Identifier: MIT
#include "sim/vedirect/devices.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "protocols/vedirect/hex.hpp"
#include "protocols/vedirect/text.hpp"

namespace gxlink::sim::vedirect {

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
          on_set(reg->id);
        }
        send(make_register(cmd, reg->id, 0, it->second));
        break;
      }
      default: send(make_word_reply(HexResponse::kUnknown, m.command)); break;
    }
  }
  return out;
}

MpptSimOptions mppt_150_35_48v() {
  MpptSimOptions o;
  o.pid = 0xA058;  // SmartSolar MPPT 150|35 (product table, §1.5)
  o.pid_text = "0xA058";
  o.model = "SmartSolar Charger MPPT 150/35";
  o.serial = "HQ2311SIM03";
  o.nominal_voltage = 48;
  o.charge_limit_a = 35;
  o.pv_peak_w = 4500;  // an array larger than the charger, so limits (its own or DVCC's) bind
  o.capacity_ah = 280;
  o.soc = 0.65;
  o.load_output = false;
  return o;
}

namespace {
// Network registers a GX writes (nmea2000.md §4.2, vedirect_vebus.md §2.3).
constexpr std::uint16_t kLinkChargeVoltage = 0x2001;
constexpr std::uint16_t kLinkVoltageSense = 0x2002;
constexpr std::uint16_t kLinkTemperatureSense = 0x2003;
constexpr std::uint16_t kNetworkMode = 0x200E;
constexpr std::uint16_t kLinkChargeCurrent = 0x2015;
constexpr double kCurrentLimitReset = 50;  // §2.3: 0x2015 "resets after ~50 s"
constexpr double kBmsTimeout = 60;         // seed 003: "Must be written every 60 seconds"
}  // namespace

MpptSimulator::MpptSimulator(SimClockOptions clock, MpptSimOptions options)
    : clock_(clock), o_(std::move(options)) {
  pid_ = o_.pid;
  app_version_ = 0x0161;
  soc_ = o_.soc;
  set_u32(0x0100, 0xFF000000u | static_cast<std::uint32_t>(pid_) << 8);  // §2.3: 00 lo hi FF
  set_u32(0x0102, 0xFF0161);
  set_string(0x010A, o_.serial);
  set_string(0x010B, o_.model);
  set_u8(0x0200, 1);  // device mode on
  set_u16(0xEDF0, static_cast<std::uint16_t>(std::lround(o_.charge_limit_a * 10)));
  set_u32(0xEDDD, 0);
  // The link registers start "unknown" (all ones, §2.2); network mode 0 = stand-alone.
  set_u16(kLinkChargeVoltage, 0xFFFF);
  set_u16(kLinkVoltageSense, 0xFFFF);
  set_u16(kLinkTemperatureSense, 0x7FFF);
  set_u8(kNetworkMode, 0);
  set_u16(kLinkChargeCurrent, 0xFFFF);
  writable_ = {0x0200,
               0xEDF0,
               kLinkChargeVoltage,
               kLinkVoltageSense,
               kLinkTemperatureSense,
               kNetworkMode,
               kLinkChargeCurrent};
}

void MpptSimulator::on_set(std::uint16_t id) {
  if (id >= 0x2000 && id <= 0x20FF) {
    written_at_[id] = last_t_;
    last_link_write_ = last_t_;
  }
}

std::optional<double> MpptSimulator::fresh_u16(std::uint16_t id, double scale,
                                               double max_age) const {
  auto at = written_at_.find(id);
  if (at == written_at_.end() || last_t_ - at->second > max_age) return std::nullopt;
  const auto& r = regs_.at(id);
  const std::uint16_t raw = load_le16(r);
  if (raw == 0xFFFF) return std::nullopt;
  return raw * scale;
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
  const double k = o_.nominal_voltage / 12.0;
  const bool on = regs_[0x0200][0] == 1;
  const double sun = sun_factor(clock_, t);

  // 0x2015 falls back to "unknown" when the GX stops writing it (§2.3).
  if (auto at = written_at_.find(kLinkChargeCurrent);
      at != written_at_.end() && t - at->second > kCurrentLimitReset)
    set_u16(kLinkChargeCurrent, 0xFFFF);
  const std::uint8_t mode = regs_[kNetworkMode][0];
  const bool external = (mode & 0x4) != 0;
  // BMS mode: no link write for 60 s is "BMS lost" (error 67); a new write clears it.
  const bool bms_lost =
      (mode & 0x8) != 0 && (!last_link_write_ || t - *last_link_write_ > kBmsTimeout);
  err_ = bms_lost ? 67 : 0;

  // Targets: its own (absorption 14.4 V, float 13.8 V per 12 V, LiFePO4 preset), lowered by the GX.
  double target_v = (soc_ >= 0.995 ? 13.8 : 14.4) * k;
  double limit_a = load_le16(regs_[0xEDF0]) / 10.0;
  bool link_voltage = false;
  if (external) {
    if (auto v = fresh_u16(kLinkChargeVoltage, 0.01, kBmsTimeout)) {
      target_v = std::min(target_v, *v);
      link_voltage = true;
    }
    if (auto i = fresh_u16(kLinkChargeCurrent, 0.1, kCurrentLimitReset))
      limit_a = std::min(limit_a, *i);
  }

  // The bank: LiFePO4 open-circuit voltage rising steeply above 90 % SOC, 5 mΩ per 12 V. On a
  // shared bank, its voltage without this charger's current takes the open-circuit voltage's
  // place (the other devices' currents already move it).
  if (bank_) {
    soc_ = bank_->soc;
    bank_->set_current(bank_name_, 0);
  }
  const double ocv =
      bank_ ? bank_->voltage() : (12.4 + 1.0 * soc_ + std::max(0.0, soc_ - 0.9) * 12.0) * k;
  const double r = bank_ ? bank_->resistance() : 0.005 * k;
  const double load_a = o_.load_output ? 0.8 + 0.4 * wobble(t, 23.0) : 0.0;
  const double ppv_avail = on && !bms_lost ? o_.pv_peak_w * sun : 0;
  double ibat = 0;
  bool voltage_limited = false;
  if (ppv_avail > 2) {
    const double by_pv = ppv_avail * 0.96 / ocv;
    const double by_v = std::max(0.0, (target_v - ocv) / r);
    ibat = std::min({by_pv, limit_a, by_v});
    voltage_limited = by_v <= std::min(by_pv, limit_a);
  }
  ibat_ = ibat;
  if (bank_) {
    bank_->set_current(bank_name_, ibat - load_a);
    vbat_ = bank_->voltage();
  } else {
    vbat_ = ocv + r * (ibat - load_a);
  }
  double ppv = ibat * vbat_ / 0.96;
  int mppt = 0;
  if (bms_lost) {
    cs_ = 2;  // fault
  } else if (ppv_avail <= 2) {
    cs_ = 0;
  } else if (external && link_voltage) {
    cs_ = 252;  // external control (seed 003 bct recording: /State 252 under DVCC)
    mppt = voltage_limited ? 1 : 2;
  } else {
    cs_ = voltage_limited ? (soc_ >= 0.995 ? 5 : 4) : 3;
    mppt = voltage_limited ? 1 : 2;
  }
  if (!bank_)  // a shared bank's owner moves its SOC
    soc_ = std::clamp(soc_ + (ibat - load_a) * dt / 3600.0 / o_.capacity_ah * 30.0, 0.1, 1.0);
  yield_today_wh_ += ibat * vbat_ * dt / 3600.0 * 144.0;  // the day is compressed 144×
  yield_total_wh_ += ibat * vbat_ * dt / 3600.0 * 144.0;
  max_power_today_ = std::max(max_power_today_, ppv);
  const double vpv =
      ppv > 2 ? (33.0 + 4.0 * sun) * std::max(1.0, k * 0.75) : (sun > 0 ? 20.0 * sun : 0.4);
  set_u8(0x0201, static_cast<std::uint8_t>(cs_));
  set_u32(0xEDDD, static_cast<std::uint32_t>(yield_total_wh_ / 10.0));

  Fields f = {
      {"PID", o_.pid_text},
      {"FW", "161"},
      {"SER#", o_.serial},
      {"V", num(vbat_ * 1000)},
      {"I", num(ibat * 1000)},
      {"VPV", num(vpv * 1000)},
      {"PPV", num(ppv)},
      {"CS", std::to_string(cs_)},
      {"MPPT", std::to_string(mppt)},
      {"OR", hex32(!on       ? 0x4u
                   : ppv > 2 ? 0u
                             : 0x1u)},
      {"ERR", std::to_string(err_)},
  };
  if (o_.load_output) {
    f.emplace_back("LOAD", "ON");
    f.emplace_back("IL", num(load_a * 1000));
  }
  const Fields history = {
      {"H19", num(yield_total_wh_ / 10.0)},
      {"H20", num(yield_today_wh_ / 10.0)},
      {"H21", num(max_power_today_)},
      {"H22", "112"},
      {"H23", "274"},
      {"HSDS", std::to_string(day_ % 365)},
  };
  f.insert(f.end(), history.begin(), history.end());
  return encode_text_block(f);
}

SmartShuntSimulator::SmartShuntSimulator(SimClockOptions clock, int nominal_voltage)
    : clock_(clock), k_(std::clamp(nominal_voltage, 12, 48) / 12.0) {
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
  // On a shared bank it measures what every device there puts in, rounded as its TEXT I (mA).
  const double i = bank_ ? std::round(bank_->battery_current() * 1000) / 1000 : solar_a - load_a;
  i_ = i;
  if (bank_) {
    soc_ = bank_->soc;
    capacity_ah_ = bank_->capacity_ah;
  } else {
    soc_ = std::clamp(soc_ + i * dt / 3600.0 / capacity_ah_ * 30.0, 0.05, 1.0);
  }
  const double v = bank_ ? bank_->voltage() : (12.3 + 0.9 * soc_ + 0.01 * i) * k_;
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

}  // namespace gxlink::sim::vedirect
