// SPDX-License-Identifier: MIT
#include "sim/vebus/multi_sim.hpp"

#include <algorithm>
#include <cmath>

#include "protocols/vebus/tables.hpp"

namespace gxlink::sim::vebus {

namespace vb = gxlink::vebus;

namespace {

std::uint8_t lo(unsigned v) { return static_cast<std::uint8_t>(v & 0xFF); }
std::uint8_t hi(unsigned v) { return static_cast<std::uint8_t>((v >> 8) & 0xFF); }
constexpr unsigned kFirmwareNumber = 2620422;

// Raw word for a value with a RAM var's typical scale (the sim answers 0x36 with those scales).
std::uint16_t to_raw(std::uint8_t var, double value) {
  const auto* d = vb::find_ram_var(var);
  if (!d) return 0;
  auto r = d->typical.to_raw(value);
  return r ? *r : 0;
}

}  // namespace

MultiSim::MultiSim(MultiSimOptions o) : opt_(o) {
  opt_.phases = std::clamp(opt_.phases, 1, 3);
  opt_.units_per_phase = std::clamp(opt_.units_per_phase, 1, 6);
  const int n =
      opt_.nominal_voltage == 12 || opt_.nominal_voltage == 24 ? opt_.nominal_voltage : 48;
  opt_.nominal_voltage = n;
  const auto k = static_cast<std::uint16_t>(n / 12);
  // Voltages in 0.01 V (scale −100), currents in 0.1 A (scale −10), like a MultiPlus-II
  // (GitNik1 definitions, vedirect_vebus.md §4.7).
  auto add = [this](std::uint16_t id, std::int16_t scale, std::uint16_t def, std::uint16_t mn,
                    std::uint16_t mx) {
    SimSetting s;
    s.info.scale = scale;
    s.info.default_raw = def;
    s.info.min_raw = mn;
    s.info.max_raw = mx;
    s.info.access_level = 0;
    s.ram = s.eeprom = def;
    settings_[id] = s;
  };
  add(vb::setting::kUBatAbsorption, -100, static_cast<std::uint16_t>(1440 * k),
      static_cast<std::uint16_t>(900 * k), static_cast<std::uint16_t>(1700 * k));
  add(vb::setting::kUBatFloat, -100, static_cast<std::uint16_t>(1380 * k),
      static_cast<std::uint16_t>(900 * k), static_cast<std::uint16_t>(1700 * k));
  add(vb::setting::kIBatBulk, -10, static_cast<std::uint16_t>(1400 / k), 0, 2000);
  add(vb::setting::kIMainsLimit, -10, 160, 30, 500);
  add(vb::setting::kUInvSetpoint, -100, 23000, 21000, 24500);
  ubat_ = 12.6 * k;
  soc_ = 60;
}

double MultiSim::absorption_v() const {
  const auto& s = settings_.at(vb::setting::kUBatAbsorption);
  return s.info.to_value(s.ram);
}
double MultiSim::float_v() const {
  const auto& s = settings_.at(vb::setting::kUBatFloat);
  return s.info.to_value(s.ram);
}

bool MultiSim::charging() const {
  return opt_.mains &&
         (switch_ == vb::SwitchState::kOn || switch_ == vb::SwitchState::kChargerOnly);
}

bool MultiSim::inverting() const {
  if (switch_ == vb::SwitchState::kInverterOnly) return true;
  return switch_ == vb::SwitchState::kOn && !opt_.mains;
}

std::uint8_t MultiSim::device_state() const {
  if (charging()) return static_cast<std::uint8_t>(vb::DeviceState::kCharge);
  if (inverting()) return static_cast<std::uint8_t>(vb::DeviceState::kInvertFull);
  return static_cast<std::uint8_t>(vb::DeviceState::kOff);
}

double MultiSim::battery_current() const {
  if (bank_) return bank_current_;
  const double k = opt_.nominal_voltage / 12.0;
  if (charging()) {
    // The charger gives what the unit can, up to its charge current setting (IBatBulk, §4.6) as
    // it is in RAM: a GX's DVCC lowers it there (RAM-only WriteViaID).
    const auto& ibat = settings_.at(vb::setting::kIBatBulk);
    const double bulk = std::min(70.0 / k, ibat.info.to_value(ibat.ram));
    switch (substate_) {
      case 1: return bulk;
      case 2: return std::min(bulk, std::max(2.0, bulk * std::exp(-in_state_s_ / 8.0)));
      default: return std::min(bulk, 1.0);
    }
  }
  if (inverting()) return -opt_.load_watts * opt_.phases / std::max(ubat_, 1.0) / 0.92;
  return 0.0;
}

void MultiSim::on_tick(TimePoint now) {
  if (!last_tick_) last_tick_ = now;
  const double dt = std::chrono::duration<double>(now - *last_tick_).count();
  last_tick_ = now;
  if (dt <= 0) return;
  t_ += dt;
  in_state_s_ += dt;
  const double k = opt_.nominal_voltage / 12.0;
  if (bank_) {
    tick_on_bank();
  } else if (charging()) {
    switch (substate_) {
      case 1:  // bulk: voltage climbs to absorption
        ubat_ = std::min(absorption_v(), ubat_ + 0.08 * k * dt);
        soc_ = std::min(99.0, soc_ + 0.5 * dt);
        if (ubat_ >= absorption_v() - 1e-6) {
          substate_ = 2;
          in_state_s_ = 0;
        }
        break;
      case 2:  // absorption: held, then float
        ubat_ += (absorption_v() - ubat_) * std::min(1.0, dt);
        soc_ = std::min(100.0, soc_ + 0.2 * dt);
        if (in_state_s_ >= opt_.absorption_seconds) {
          substate_ = 3;
          in_state_s_ = 0;
        }
        break;
      default:  // float
        ubat_ += (float_v() - ubat_) * std::min(1.0, 0.2 * dt);
        soc_ = 100;
        break;
    }
  } else {
    if (substate_ != 1) {
      substate_ = 1;
      in_state_s_ = 0;
    }
    if (inverting()) {
      ubat_ = std::max(11.8 * k, ubat_ - 0.01 * k * dt);
      soc_ = std::max(5.0, soc_ - 0.05 * dt);
    }
  }
  if (opt_.heartbeat && !silent_ && now - last_rx_ > seconds(1) &&
      now - last_heartbeat_ > seconds(1)) {
    last_heartbeat_ = now;
    reply(vb::cmd::kVersion, {0x98, 0x3E, 0x11, 0x00, 'B'});  // 1130136, a "MK2 20Mhz"
  }
}

void MultiSim::tick_on_bank() {
  const double k = opt_.nominal_voltage / 12.0;
  bank_->set_current(bank_name_, 0);
  const double rest = bank_->voltage();  // the bank without this unit's current
  double i = 0;
  if (charging()) {
    // At most its charge current setting in RAM (a GX's DVCC lowers it there), and no more than
    // holds the bank at the stage's voltage.
    const auto& ibat = settings_.at(vb::setting::kIBatBulk);
    const double bulk = std::min(70.0 / k, ibat.info.to_value(ibat.ram));
    const double target = substate_ == 3 ? float_v() : absorption_v();
    i = std::clamp((target - rest) / bank_->resistance(), 0.0, std::max(0.0, bulk));
    if (substate_ == 1 && i < bulk - 0.05) {
      substate_ = 2;  // the voltage holds the current back: absorption
      in_state_s_ = 0;
    } else if (substate_ == 2 && in_state_s_ >= opt_.absorption_seconds) {
      substate_ = 3;
      in_state_s_ = 0;
    }
  } else {
    if (substate_ != 1) {
      substate_ = 1;
      in_state_s_ = 0;
    }
    if (inverting()) i = -opt_.load_watts * opt_.phases / std::max(rest, 1.0) / 0.92;
  }
  // Reported in 0.1 A steps, as the DC info frame carries it.
  bank_current_ = std::round(i * 10) / 10;
  bank_->set_current(bank_name_, bank_current_);
  ubat_ = bank_->voltage();
  soc_ = bank_->soc * 100;
}

void MultiSim::on_bytes(ByteView in, TimePoint now) {
  last_rx_ = now;
  framer_.push(
      in, [this](const vb::Mk2Frame& f) { on_frame(f); }, [](Errc) {});
}

void MultiSim::send(const vb::WireFrame& f) {
  if (sink_ && f.size) sink_(f.view());
}

void MultiSim::send_raw(ByteView bytes) {
  if (sink_) sink_(bytes);
}

void MultiSim::send_reset_notice() {
  const std::uint8_t d[1] = {0x00};
  send(vb::encode_frame(0x00, ByteView(d, 1)));
}

void MultiSim::reply(std::uint8_t letter, std::initializer_list<std::uint8_t> data) {
  reply_bytes(letter, ByteView(data.begin(), data.size()));
}

void MultiSim::reply_bytes(std::uint8_t letter, ByteView data) {
  send(vb::encode_mk2(letter, data));
}

std::pair<std::uint8_t, std::uint8_t> MultiSim::leds() const {
  std::uint8_t on = 0, blink = 0;
  if (opt_.mains) (switch_ == vb::SwitchState::kOff ? blink : on) |= 0x01;
  if (charging()) {
    if (substate_ == 1) on |= 0x04;
    if (substate_ == 2) on |= 0x02;
    if (substate_ == 3) on |= 0x08;
  }
  if (inverting()) on |= 0x10;
  if (inverting() && ubat_ < 12.0 * opt_.nominal_voltage / 12.0) blink |= 0x40;
  return {on, blink};
}

void MultiSim::send_dc() {
  const double i = battery_current();
  const double inv = i < 0 ? -i : 0;
  const double chg = i > 0 ? i : 0;
  const auto ubat = to_raw(vb::ram::kUBat, ubat_);
  const auto iinv = static_cast<std::uint32_t>(std::lround(inv * 10));
  const auto ichg = static_cast<std::uint32_t>(std::lround(chg * 10));
  // Period byte for 50 Hz with InverterPeriod's 1/1961 scale and +256 offset: 0.2 s → 136.
  const std::uint8_t period = inverting() || charging() ? 136 : 0;
  const std::uint8_t d[14] = {0x00,
                              0x00,
                              0x00,
                              device_state(),
                              0x0C,
                              lo(ubat),
                              hi(ubat),
                              lo(iinv),
                              hi(iinv),
                              static_cast<std::uint8_t>(iinv >> 16),
                              lo(ichg),
                              hi(ichg),
                              static_cast<std::uint8_t>(ichg >> 16),
                              period};
  send(vb::encode_frame(0x20, ByteView(d, 14)));
}

void MultiSim::send_ac(int phase) {
  std::uint8_t code = 0x08;
  if (phase == 1) code = static_cast<std::uint8_t>(0x07 + opt_.phases);  // 0x08 / 0x09 / 0x0A
  if (phase == 2) code = 0x07;
  if (phase == 3) code = 0x06;
  const double u = 230.0 + 1.5 * std::sin(t_ / 7.0 + phase);
  const double load = opt_.load_watts * (1.0 + 0.1 * std::sin(t_ / 5.0 + phase));
  const double units = opt_.units_per_phase;
  const double out_i = load / u;
  const double chg_w = charging() ? battery_current() * ubat_ / 0.94 / opt_.phases : 0;
  const bool pass =
      opt_.mains && switch_ != vb::SwitchState::kInverterOnly && switch_ != vb::SwitchState::kOff;
  const double in_u = opt_.mains ? u : 0;
  const double in_i = pass ? (load + chg_w) / u : 0;
  const double inv_u = pass || inverting() ? u : 0;
  const double inv_i = pass || inverting() ? out_i : 0;
  // Currents are per unit; the factors multiply them back to the phase total.
  const auto mu = to_raw(vb::ram::kUMainsRms, in_u);
  const auto mi = to_raw(vb::ram::kIMainsRms, in_i / units);
  const auto iu = to_raw(vb::ram::kUInverterRms, inv_u);
  const auto ii = to_raw(vb::ram::kIInverterRms, inv_i / units);
  const std::uint8_t period = opt_.mains ? 195 : 0;  // 10 / (195 / 977) = 50.1 Hz
  const auto f = static_cast<std::uint8_t>(units);
  const std::uint8_t d[14] = {f,      f,      0x01,   device_state(), code,   lo(mu), hi(mu),
                              lo(mi), hi(mi), lo(iu), hi(iu),         lo(ii), hi(ii), period};
  send(vb::encode_frame(0x20, ByteView(d, 14)));
}

void MultiSim::send_config() {
  std::uint8_t sw = 0;
  if (switch_ == vb::SwitchState::kOn || switch_ == vb::SwitchState::kChargerOnly) sw |= 0x10;
  if (switch_ == vb::SwitchState::kOn || switch_ == vb::SwitchState::kInverterOnly) sw |= 0x20;
  const std::uint8_t inputs = 1;
  const std::uint8_t d[12] = {0x00,
                              0x00,
                              0x00,
                              device_state(),
                              static_cast<std::uint8_t>(inputs << 4),
                              lo(min_limit_da_),
                              hi(min_limit_da_),
                              lo(max_limit_da_),
                              hi(max_limit_da_),
                              lo(limit_da_),
                              hi(limit_da_),
                              sw};
  send(vb::encode_frame(0x41, ByteView(d, 12)));
}

void MultiSim::on_frame(const vb::Mk2Frame& f) {
  if (!f.is_mk2()) return;
  ++frames_rx_;
  if (silent_) return;
  const ByteView d = f.data();
  switch (f.command()) {
    case vb::cmd::kAddress:
      if (d.size() >= 2 && d[0] == 1) address_ = d[1];
      reply(vb::cmd::kAddress, {1, address_});
      return;
    case vb::cmd::kVersion: reply(vb::cmd::kVersion, {0x98, 0x3E, 0x11, 0x00, 'B'}); return;
    case vb::cmd::kLineState:
      if (opt_.mk3) reply(vb::cmd::kLineState, {0x05});
      return;
    case vb::cmd::kLed: {
      auto [on, blink] = leds();
      reply(vb::cmd::kLed, {on, blink, 0x00, 0x00});
      return;
    }
    case vb::cmd::kInfo: {
      if (d.empty()) return;
      if (d[0] == 0)
        send_dc();
      else if (d[0] >= 1 && d[0] <= opt_.phases)
        send_ac(d[0]);
      else if (d[0] == 5)
        send_config();
      return;  // other phases: a real unit does not answer either
    }
    case vb::cmd::kSwitch: {
      ++writes_rx_;
      if (d.size() >= 3 && d[0] >= 1 && d[0] <= 4) {
        switch_ = static_cast<vb::SwitchState>(d[0]);
        const unsigned limit = d[1] | (d[2] << 8);
        if (limit != 0x8000 && limit >= min_limit_da_ && limit <= max_limit_da_)
          limit_da_ = static_cast<std::uint16_t>(limit);
      }
      if (opt_.reply_to_writes) reply(vb::cmd::kSwitch, {});
      return;
    }
    default: break;
  }
  if (vb::is_winmon_letter(f.command())) on_winmon(f.command(), d);
}

void MultiSim::on_winmon(std::uint8_t letter, ByteView d) {
  if (d.empty()) return;
  auto id16 = [&d]() -> std::uint16_t {
    return d.size() >= 3 ? load_le16(d, 1) : d.size() >= 2 ? d[1] : 0;
  };
  switch (d[0]) {
    case vb::wm::kReadRamVar: {
      std::vector<std::uint8_t> out{vb::wm::kReadRamOk};
      for (std::size_t i = 1; i < d.size(); ++i) {
        std::uint16_t raw = 0;
        switch (d[i]) {
          case vb::ram::kUBat: raw = to_raw(d[i], ubat_); break;
          case vb::ram::kChargeState:  // scale 1/200: 1.0 = 100 %
            raw = to_raw(d[i], soc_ / 100.0);
            break;
          case vb::ram::kInverterPower2: {
            const double in_w = opt_.mains && switch_ != vb::SwitchState::kInverterOnly &&
                                        switch_ != vb::SwitchState::kOff
                                    ? opt_.load_watts + std::max(0.0, battery_current() * ubat_)
                                    : 0;
            raw = to_raw(d[i], -in_w);
            break;
          }
          case vb::ram::kOutputPower:
            raw = to_raw(d[i], switch_ == vb::SwitchState::kOff ? 0 : opt_.load_watts);
            break;
          default:
            if (!vb::find_ram_var(d[i])) {
              reply(letter, {vb::wm::kRamVarNotSupported, static_cast<std::uint8_t>(i)});
              return;
            }
        }
        out.push_back(lo(raw));
        out.push_back(hi(raw));
      }
      reply_bytes(letter, ByteView(out.data(), out.size()));
      return;
    }
    case vb::wm::kGetRamVarInfo: {
      if (std::find(opt_.ignore_ram_info.begin(), opt_.ignore_ram_info.end(), id16()) !=
          opt_.ignore_ram_info.end())
        return;  // some firmware does not answer at all
      const auto* v = vb::find_ram_var(static_cast<std::uint8_t>(id16()));
      if (!v || !v->typical.supported()) {
        reply(letter, {vb::wm::kRamVarScale});  // empty: not supported
        return;
      }
      const auto s = v->typical.scale;
      const auto o = static_cast<std::uint16_t>(v->typical.offset);
      reply(letter, {vb::wm::kRamVarScale, lo(s), hi(s), lo(o), hi(o)});
      return;
    }
    case vb::wm::kGetSettingInfo: {
      auto it = settings_.find(id16());
      if (it == settings_.end()) {
        reply(letter, {vb::wm::kSettingNotSupported});
        return;
      }
      const auto& i = it->second.info;
      const auto sc = static_cast<std::uint16_t>(i.scale);
      const auto of = static_cast<std::uint16_t>(i.offset);
      reply(letter, {vb::wm::kSettingScale, lo(sc), hi(sc), lo(of), hi(of), lo(i.default_raw),
                     hi(i.default_raw), lo(i.min_raw), hi(i.min_raw), lo(i.max_raw), hi(i.max_raw),
                     i.access_level.value_or(0)});
      return;
    }
    case vb::wm::kReadSetting: {
      auto it = settings_.find(id16());
      if (it == settings_.end()) {
        reply(letter, {vb::wm::kSettingNotSupported});
        return;
      }
      reply(letter, {vb::wm::kReadSettingOk, lo(it->second.ram), hi(it->second.ram)});
      return;
    }
    case vb::wm::kWriteViaId: {
      ++writes_rx_;
      if (d.size() < 5) return;
      const bool setting = d[1] & vb::wvi::kSetting;
      const bool ram_only = d[1] & vb::wvi::kRamOnly;
      const std::uint16_t raw = load_le16(d, 3);
      if (setting) {
        auto it = settings_.find(d[2]);
        if (it != settings_.end() && raw >= it->second.info.min_raw &&
            raw <= it->second.info.max_raw) {
          it->second.ram = raw;
          if (!ram_only) it->second.eeprom = raw;
        }
      }
      if (opt_.reply_to_writes)
        reply(letter, {setting ? vb::wm::kWriteSettingOk : vb::wm::kWriteRamOk});
      return;
    }
    case vb::wm::kWriteSetting:
      pending_write_setting_ = id16();
      pending_write_ram_.reset();
      return;
    case vb::wm::kWriteRamVar:
      pending_write_ram_ = id16();
      pending_write_setting_.reset();
      return;
    case vb::wm::kWriteData: {
      ++writes_rx_;
      const std::uint16_t raw = id16();
      if (pending_write_setting_) {
        auto it = settings_.find(*pending_write_setting_);
        if (it != settings_.end() && raw >= it->second.info.min_raw &&
            raw <= it->second.info.max_raw)
          it->second.ram = it->second.eeprom = raw;
        if (opt_.reply_to_writes) reply(letter, {vb::wm::kWriteSettingOk});
      } else if (pending_write_ram_) {
        if (opt_.reply_to_writes) reply(letter, {vb::wm::kWriteRamOk});
      }
      pending_write_setting_.reset();
      pending_write_ram_.reset();
      return;
    }
    // Firmware version number 2620422: a MultiPlus 48/3000/35-50 on firmware 422, the unit of
    // the shared vebus.csv recording (/ProductId 0x2620, /FirmwareVersion 0x422). Split replies.
    case vb::wm::kSendSoftwareVersionPart0:
      reply(letter, {vb::wm::kSoftwareVersionPart0, lo(kFirmwareNumber), hi(kFirmwareNumber)});
      return;
    case vb::wm::kSendSoftwareVersionPart1:
      reply(letter, {vb::wm::kSoftwareVersionPart1, lo(kFirmwareNumber >> 16),
                     hi(kFirmwareNumber >> 16)});
      return;
    case vb::wm::kGetSetDeviceState: {
      if (d.size() >= 2 && charging()) {
        if (d[1] == 2) substate_ = 6, in_state_s_ = 0;  // forced absorption
        if (d[1] == 3) substate_ = 3, in_state_s_ = 0;  // forced float
      }
      reply(letter,
            {vb::wm::kDeviceState, device_state(), charging() ? substate_ : std::uint8_t{0}});
      return;
    }
    default: reply(letter, {vb::wm::kUnknownCommand, 0x00}); return;
  }
}

}  // namespace gxlink::sim::vebus
