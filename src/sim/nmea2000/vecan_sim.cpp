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
    if (m->id.pgn == n2k::kVregPgn) on_vreg(*m);
  }
}

void VeCanDevice::on_vreg(const n2k::Message& m) {
  // The GX broadcasts link values (PS 0xFF); a command to our address counts as well.
  if (product_ != VeCanProduct::kMppt150_70) return;
  if (m.id.dst != n2k::kBroadcast && !(session_.can_send() && m.id.dst == session_.address()))
    return;
  auto v = n2k::decode_vreg(m.payload);
  if (!v) return;
  const bool to_us = m.id.dst != n2k::kBroadcast;
  if (v->id == kLinkVset) {
    if (auto volts = n2k::vreg_value(*n2k::find_vreg(kLinkVset), v->value)) {
      link_voltage_ = *volts;
      link_written_ = now_;
    }
  } else if (v->id == kLinkChargeCurrent && to_us) {
    // A command to this charger (nmea2000.md §4.1: commands are addressed).
    if (auto amps = n2k::vreg_value(*n2k::find_vreg(kLinkChargeCurrent), v->value)) {
      link_current_ = *amps;
      link_current_written_ = now_;
    }
  } else if (v->id == n2k::kVregRequest && to_us && v->value.size() >= 2 &&
             load_le16(v->value) == kMaxCurrent) {
    // VREQ: the answer is broadcast (§4.1).
    if (auto f = n2k::encode_vreg_value(*n2k::find_vreg(kMaxCurrent), kMpptMaxCurrent))
      send(n2k::kVregPgn, n2k::kVregPriority, f->view());
  }
}

std::optional<double> VeCanDevice::link_charge_current() const {
  if (!link_current_ || now_ - link_current_written_ > kChargeCurrentReset) return std::nullopt;
  return link_current_;
}

void VeCanDevice::charge(double dt, double wave) {
  // What the sun offers now, as battery current at full power point (the old curve: 18 ± 6 A).
  double by_pv = std::min(kMpptMaxCurrent, std::max(0.0, 18.0 + 6 * wave));
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
      emit(127508, {{"instance", 0},
                    {"voltage", bat_v},
                    {"current", bat_i},
                    {"temperature", 298.15},
                    {"sid", sid}});
      emit(127508, {{"instance", 1}, {"voltage", pv_v}, {"current", pv_i}, {"sid", sid}});
      emit(127506, {{"sid", sid}, {"instance", 0}, {"dcType", 0}});
      emit(127506, {{"sid", sid}, {"instance", 1}, {"dcType", 3}});
      emit(127507, {{"instance", 0},
                    {"batteryInstance", 0},
                    // bulk, or absorption once the voltage holds the current back
                    {"operatingState", bat_i < 0.95 * std::max(0.0, 18.0 + 6 * wave) ? 2.0 : 1.0},
                    {"chargeMode", 0},
                    {"enabled", 1},
                    {"equalizationPending", 0},
                    {"equalizationTimeRemaining", 0}});
      std::array<std::uint8_t, 4> y{};
      store_le32(y, 0, static_cast<std::uint32_t>(123 + t_ / 10));
      const auto f = n2k::encode_vreg(0xEDD3, y);
      send(n2k::kVregPgn, n2k::kVregPriority, f.view());
      break;
    }
    case VeCanProduct::kLynxShunt: {
      const double v = (25.9 + 0.2 * wave) * k_;
      const double i = -12.5 + 5 * wave;
      const double soc = 78 + 5 * wave;
      emit(
          127508,
          {{"instance", 0}, {"voltage", v}, {"current", i}, {"temperature", 295.15}, {"sid", sid}});
      emit(127508, {{"instance", 1}, {"voltage", v - 0.01}, {"sid", sid}});
      emit(127506, {{"sid", sid},
                    {"instance", 0},
                    {"dcType", 0},
                    {"stateOfCharge", std::round(soc)},
                    {"stateOfHealth", 100},
                    {"timeRemaining", 6 * 3600}});
      const auto d = n2k::find_vreg(n2k::kVregConsumedAh);
      if (auto f = n2k::encode_vreg_value(*d, -(100 - soc) * 2))
        send(n2k::kVregPgn, n2k::kVregPriority, f->view());
      break;
    }
    case VeCanProduct::kSkyllaI: {
      const double v = 27.6 + 0.1 * wave;
      emit(127508, {{"instance", 0},
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
