// SPDX-License-Identifier: MIT
#include "sim/nmea2000/vecan_sim.hpp"

#include <algorithm>
#include <cmath>

#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/pgn_table.hpp"
#include "protocols/nmea2000/vreg.hpp"

namespace gxlink::sim::nmea2000 {
namespace n2k = gxlink::nmea2000;
namespace {

constexpr Duration kInterval = std::chrono::milliseconds(1500);
/// seed 003: the GX's link values "must be written every 60 seconds".
constexpr Duration kLinkTimeout = std::chrono::seconds(60);
constexpr std::uint16_t kLinkVset = 0x2001;
constexpr std::uint16_t kLinkChargeCurrent = 0x2015;
constexpr std::uint16_t kMaxCurrent = 0xEDF0;
/// vedirect_vebus.md §2.3: 0x2015 is RAM and "resets after ~50 s".
constexpr Duration kChargeCurrentReset = std::chrono::seconds(50);
/// The BlueSolar MPPT 150/70's maximum charge current.
constexpr double kMpptMaxCurrent = 70.0;

std::size_t vreg_width(n2k::VregType t) {
  switch (t) {
    case n2k::VregType::kUn8: return 1;
    case n2k::VregType::kUn16:
    case n2k::VregType::kSn16: return 2;
    case n2k::VregType::kUn32:
    case n2k::VregType::kSn32: return 4;
  }
  return 4;
}

n2k::SessionConfig config_for(VeCanProduct p, std::uint32_t unique, std::uint8_t address) {
  n2k::SessionConfig c;
  c.name.unique_number = unique;
  c.name.manufacturer = n2k::kVictronManufacturer;
  c.name.device_class = 35;  // Electrical Generation
  c.preferred_address = address;
  c.heartbeat = true;
  switch (p) {
    case VeCanProduct::kMppt150_70:
      c.name.function = 160;  // battery charger
      c.product = {2100, 0xA102, "BlueSolar MPPT 150/70", "2.08", "1", "HQ1234ABCDE", 1, 1};
      break;
    case VeCanProduct::kLynxShunt:
      c.name.function = 170;  // battery
      c.product = {2100, 0x0142, "Lynx Shunt VE.Can", "1.07", "1", "HQ2345BCDEF", 1, 1};
      break;
    case VeCanProduct::kSkyllaI:
      c.name.function = 160;
      c.product = {2100, 0xA2A4, "Skylla-i 24/100 (1+1)", "1.08", "1", "HQ3456CDEFG", 1, 1};
      break;
  }
  return c;
}

}  // namespace

VeCanDevice::VeCanDevice(transport::CanTransport& bus, VeCanProduct product,
                         std::uint32_t unique_number, std::uint8_t preferred_address,
                         int nominal_voltage)
    : bus_(bus),
      product_(product),
      k_(nominal_voltage == 12 || nominal_voltage == 48 ? nominal_voltage / 24.0 : 1.0),
      session_(config_for(product, unique_number, preferred_address)) {
  own_bank_.nominal_voltage = nominal_voltage == 12 || nominal_voltage == 48 ? nominal_voltage : 24;
  own_bank_.soc = 0.7;
  own_bank_.capacity_ah = 400;
  bus_.set_receiver([this](const CanFrame& f, TimePoint) { on_frame(f); });
  // The registers a GX reads and writes on these products (nmea2000.md §4.2); device mode 1 = on,
  // 4 = off; the charge current limit is what DVCC writes.
  switch (product_) {
    case VeCanProduct::kMppt150_70:
      registers_[0x0200] = {1, true, 4};
      registers_[0x0201] = {3, false, 0};     // bulk
      registers_[kLinkChargeCurrent] = {700, true, 700};  // 70.0 A
      registers_[kMaxCurrent] = {700, false, 0};         // its 70 A maximum
      registers_[0xEDD3] = {123, false, 0};
      break;
    case VeCanProduct::kLynxShunt:
      registers_[0x1000] = {200, true, 9999};  // battery capacity, Ah
      registers_[n2k::kVregConsumedAh] = {0, false, 0};
      break;
    case VeCanProduct::kSkyllaI:
      registers_[0x0200] = {1, true, 4};
      registers_[0x0201] = {3, false, 0};
      registers_[0x2015] = {1000, true, 1000};  // 100.0 A
      break;
  }
}

void VeCanDevice::attach_bank(DcBus& bank, std::string name) {
  bank_ = &bank;
  bank_name_ = std::move(name);
}

std::optional<double> VeCanDevice::link_charge_voltage() const {
  if (!link_voltage_ || now_ - link_written_ > kLinkTimeout) return std::nullopt;
  return link_voltage_;
}

void VeCanDevice::on_frame(const CanFrame& f) {
  if (const n2k::Message* m = rx_.on_frame(f, now_)) {
    std::vector<CanFrame> out;
    session_.on_message(*m, now_, out);
    for (auto& fr : out) bus_.send(fr);
    // VREG link values are broadcast by a GX (seed 003 vecan-xxx); other commands are addressed
    // to the device (nmea2000.md §4.1), and broadcasts are someone's data.
    if (m->id.pgn == n2k::kVregPgn) on_vreg(*m);
    if (m->id.pgn == 126208 && session_.can_send() && m->id.dst == session_.address())
      on_group_function(*m);
  }
}

void VeCanDevice::on_vreg(const n2k::Message& m) {
  auto v = n2k::decode_vreg(m.payload);
  if (!v || v->id == n2k::kVregAck) return;
  const bool mppt = product_ == VeCanProduct::kMppt150_70;
  // The GX broadcasts link values (PS 0xFF, seed 003 vecan-xxx); an MPPT takes LINK_VSET from
  // anyone. Everything else must be addressed to this device.
  if (m.id.dst == n2k::kBroadcast) {
    if (mppt && v->id == kLinkVset) take_link_voltage(v->value);
    return;
  }
  if (!session_.can_send() || m.id.dst != session_.address()) return;
  auto answer = [&](std::uint16_t reg, std::uint16_t code) {
    const auto f = n2k::encode_vack(reg, code);
    send_to(n2k::kVregPgn, n2k::kVregPriority, m.id.src, f.view());
  };
  if (v->id == n2k::kVregRequest) {
    if (v->value.size() < 2) return;
    const auto reg = load_le16(v->value, 0);
    const n2k::VregDesc* d = n2k::find_vreg(reg);
    auto it = registers_.find(reg);
    if (!d || it == registers_.end()) return answer(reg, n2k::kVackUnknownRegister);
    std::array<std::uint8_t, 4> b{};
    store_le32(b, 0, it->second.raw);
    // Values are broadcast, requests and commands addressed (nmea2000.md §4.1).
    const auto f = n2k::encode_vreg(reg, ByteView(b.data(), vreg_width(d->type)));
    send(n2k::kVregPgn, n2k::kVregPriority, f.view());
    return;
  }
  // Any other addressed VREG is a write.
  if (mppt && v->id == kLinkVset) {
    if (!take_link_voltage(v->value)) return answer(v->id, n2k::kVackInvalidValue);
    return answer(v->id, n2k::kVackOk);
  }
  const n2k::VregDesc* d = n2k::find_vreg(v->id);
  auto it = registers_.find(v->id);
  if (!d || it == registers_.end()) return answer(v->id, n2k::kVackUnknownRegister);
  if (!it->second.writable) return answer(v->id, n2k::kVackCommandFailed);
  const std::size_t w = vreg_width(d->type);
  if (v->value.size() < w) return answer(v->id, n2k::kVackInvalidValue);
  std::uint32_t raw = 0;
  for (std::size_t i = 0; i < w; ++i) raw |= std::uint32_t{v->value[i]} << (8 * i);
  if (raw > it->second.max_raw) return answer(v->id, n2k::kVackInvalidValue);
  it->second.raw = raw;
  if (mppt && v->id == kLinkChargeCurrent) {
    // A GX's DVCC share for this charger (nmea2000.md §4.1: commands are addressed).
    link_current_ = raw * d->scale;
    link_current_written_ = now_;
  }
  answer(v->id, n2k::kVackOk);
}

void VeCanDevice::on_group_function(const n2k::Message& m) {
  auto g = n2k::decode_group_function(m.payload);
  if (!g || g->function != 5) return;  // only Write Fields (seed 000 Q23)
  std::array<std::uint8_t, 8> ack{};
  auto acknowledge = [&](std::uint8_t pgn_error, std::uint8_t param_error) {
    std::vector<std::uint8_t> params(g->parameters.size(), param_error);
    if (auto len = n2k::encode_acknowledge(g->pgn, pgn_error, 0, params, ack))
      send_to(126208, 3, m.id.src, ByteView(ack.data(), *len));
  };
  std::array<std::uint8_t, 2>* inst = g->pgn == 127508   ? &instances_.battery_status
                                      : g->pgn == 127506 ? &instances_.dc_detailed
                                                         : nullptr;
  if (!inst) return acknowledge(1, 0);  // PGN not supported
  // Field 1 of both PGNs is the instance: select by it, write it.
  if (g->selection.size() != 1 || g->parameters.size() != 1 || g->selection[0].field_index != 1 ||
      g->parameters[0].field_index != 1)
    return acknowledge(0, 1);  // invalid parameter field
  const auto current = static_cast<std::uint8_t>(g->selection[0].raw);
  const auto wanted = g->parameters[0].raw;
  const int role = (*inst)[0] == current ? 0 : (*inst)[1] == current ? 1 : -1;
  if (role < 0) return acknowledge(0, 1);
  if (wanted > 252 || (*inst)[1 - role] == wanted) return acknowledge(0, 3);  // out of range
  (*inst)[static_cast<std::size_t>(role)] = static_cast<std::uint8_t>(wanted);
  acknowledge(0, 0);
}

bool VeCanDevice::take_link_voltage(ByteView value) {
  auto volts = n2k::vreg_value(*n2k::find_vreg(kLinkVset), value);
  if (!volts) return false;
  link_voltage_ = *volts;
  link_written_ = now_;
  return true;
}

std::optional<double> VeCanDevice::link_charge_current() const {
  if (!link_current_ || now_ - link_current_written_ > kChargeCurrentReset) return std::nullopt;
  return link_current_;
}

void VeCanDevice::charge(double dt, double wave) {
  // What the sun offers now, as battery current at full power point (the old curve: 18 ± 6 A).
  double by_pv = std::min(kMpptMaxCurrent, std::max(0.0, 18.0 + 6 * wave));
  if (registers_[0x0200].raw == 4) by_pv = 0;  // device mode "off" (VREG 0x0200)
  if (auto limit = link_charge_current()) by_pv = std::min(by_pv, *limit);
  const double k12 = bank_->k();
  // Its own absorption voltage (LiFePO4 preset, 14.4 V per 12 V), lowered by the GX's link value.
  double target = 14.4 * k12;
  const auto link = link_charge_voltage();
  if (link) target = std::min(target, *link);
  // The bank's voltage without this charger's share: the current that brings it to the target.
  bank_->set_current(bank_name_, 0);
  const double rest = bank_->voltage();
  const double by_v = std::max(0.0, (target - rest) / bank_->resistance());
  ibat_ = std::round(std::min(by_pv, by_v) * 10) / 10;
  bank_->set_current(bank_name_, ibat_);
  vbat_ = bank_->voltage();
  if (bank_ == &own_bank_) own_bank_.step(dt);
}

void VeCanDevice::send(std::uint32_t pgn, std::uint8_t prio, ByteView payload) {
  for (auto& f : session_.frames_for(pgn, prio, n2k::kBroadcast, payload)) bus_.send(f);
}

void VeCanDevice::send_to(std::uint32_t pgn, std::uint8_t prio, std::uint8_t dst,
                          ByteView payload) {
  for (auto& f : session_.frames_for(pgn, prio, dst, payload)) bus_.send(f);
}

void VeCanDevice::tick(TimePoint now) {
  now_ = now;
  std::vector<CanFrame> out;
  if (!started_) {
    started_ = true;
    session_.start(now, out);
    next_broadcast_ = now + kInterval;
  }
  session_.on_tick(now, out);
  rx_.on_tick(now);
  for (auto& fr : out) bus_.send(fr);
  if (session_.can_send() && now >= next_broadcast_) {
    t_ += 1.5;
    broadcast(now);
    next_broadcast_ = now + kInterval;
  }
}

void VeCanDevice::broadcast(TimePoint) {
  std::array<std::uint8_t, 223> buf{};
  auto emit = [&](std::uint32_t pgn, std::initializer_list<n2k::FieldInput> values) {
    const n2k::PgnDesc* d = n2k::find_pgn(pgn);
    auto len =
        n2k::encode(*d, std::span<const n2k::FieldInput>(values.begin(), values.size()), buf);
    if (len) send(pgn, d->priority, ByteView(buf.data(), *len));
  };
  const double wave = std::sin(t_ / 60.0);
  sid_ = static_cast<std::uint8_t>((sid_ + 1) % 250);
  const double sid = sid_;
  switch (product_) {
    case VeCanProduct::kMppt150_70: {
      charge(1.5, wave);
      const double pv_v = 88.0 + 4 * wave;
      const double bat_v = std::round(vbat_ * 100) / 100;
      const double bat_i = ibat_;
      const double pv_i = std::round(bat_v * bat_i / pv_v / 0.97 * 10) / 10;
      const auto& bs = instances_.battery_status;
      const auto& dd = instances_.dc_detailed;
      emit(127508, {{"instance", double(bs[0])},
                    {"voltage", bat_v},
                    {"current", bat_i},
                    {"temperature", 298.15},
                    {"sid", sid}});
      emit(127508,
           {{"instance", double(bs[1])}, {"voltage", pv_v}, {"current", pv_i}, {"sid", sid}});
      emit(127506, {{"sid", sid}, {"instance", double(dd[0])}, {"dcType", 0}});
      emit(127506, {{"sid", sid}, {"instance", double(dd[1])}, {"dcType", 3}});
      emit(127507, {{"instance", 0},
                    {"batteryInstance", 0},
                    // bulk, or absorption once the voltage holds the current back
                    {"operatingState", bat_i < 0.95 * std::max(0.0, 18.0 + 6 * wave) ? 2.0 : 1.0},
                    {"chargeMode", 0},
                    {"enabled", 1},
                    {"equalizationPending", 0},
                    {"equalizationTimeRemaining", 0}});
      registers_[0xEDD3].raw = static_cast<std::uint32_t>(123 + t_ / 10);
      std::array<std::uint8_t, 4> y{};
      store_le32(y, 0, registers_[0xEDD3].raw);
      const auto f = n2k::encode_vreg(0xEDD3, y);
      send(n2k::kVregPgn, n2k::kVregPriority, f.view());
      break;
    }
    case VeCanProduct::kLynxShunt: {
      const double v = (25.9 + 0.2 * wave) * k_;
      const double i = -12.5 + 5 * wave;
      const double soc = 78 + 5 * wave;
      const auto& bs = instances_.battery_status;
      emit(127508, {{"instance", double(bs[0])},
                    {"voltage", v},
                    {"current", i},
                    {"temperature", 295.15},
                    {"sid", sid}});
      emit(127508, {{"instance", double(bs[1])}, {"voltage", v - 0.01}, {"sid", sid}});
      emit(127506, {{"sid", sid},
                    {"instance", double(instances_.dc_detailed[0])},
                    {"dcType", 0},
                    {"stateOfCharge", std::round(soc)},
                    {"stateOfHealth", 100},
                    {"timeRemaining", 6 * 3600}});
      const auto d = n2k::find_vreg(n2k::kVregConsumedAh);
      if (auto f = n2k::encode_vreg_value(*d, -(100 - soc) * 2)) {
        registers_[n2k::kVregConsumedAh].raw = load_le32(f->view(), 4);
        send(n2k::kVregPgn, n2k::kVregPriority, f->view());
      }
      break;
    }
    case VeCanProduct::kSkyllaI: {
      const double v = 27.6 + 0.1 * wave;
      emit(127508, {{"instance", double(instances_.battery_status[0])},
                    {"voltage", v},
                    {"current", 42.0 + 10 * wave},
                    {"temperature", 300.15},
                    {"sid", sid}});
      emit(127507, {{"instance", 0},
                    {"batteryInstance", 0},
                    {"operatingState", 2},
                    {"chargeMode", 0},
                    {"enabled", 1},
                    {"equalizationPending", 0},
                    {"equalizationTimeRemaining", 0}});
      const n2k::PgnDesc* d = n2k::find_pgn(127503);
      const n2k::FieldInput ac[] = {{"instance", 0},        {"numberOfLines", 1},
                                    {"line", 0, 1},         {"acceptability", 3, 1},
                                    {"voltage", 230.0, 1},  {"current", 6.1 + wave, 1},
                                    {"frequency", 50.0, 1}, {"breakerSize", 16.0, 1}};
      if (auto len = n2k::encode(*d, ac, buf, 1)) send(127503, 6, ByteView(buf.data(), *len));
      break;
    }
  }
}

}  // namespace gxlink::sim::nmea2000
