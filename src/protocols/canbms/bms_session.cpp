// SPDX-License-Identifier: MIT
#include "protocols/canbms/bms_session.hpp"

#include <algorithm>
#include <cmath>

namespace gxlink::canbms {
namespace {

void advance(std::optional<TimePoint>& next, TimePoint now, Duration period) {
  *next += period;
  if (*next <= now) *next = now + period;  // after a stall, resume instead of bursting
}

}  // namespace

const char* to_string(BmsState s) noexcept {
  switch (s) {
    case BmsState::kWaiting: return "waiting";
    case BmsState::kRunning: return "running";
    case BmsState::kFailSafe: return "fail-safe";
    case BmsState::kStopped: return "stopped";
  }
  return "?";
}

const char* to_string(InverterLink s) noexcept {
  switch (s) {
    case InverterLink::kNeverSeen: return "never seen";
    case InverterLink::kOk: return "ok";
    case InverterLink::kLost: return "lost";
  }
  return "?";
}

Alarms alarms_from_levels(const std::array<std::optional<int>, kAlarms.size()>& levels) noexcept {
  Alarms a;
  for (std::size_t i = 0; i < kAlarms.size(); ++i) {
    if (!levels[i]) continue;  // 00 / 00: not supported
    const auto& info = kAlarms[i];
    a.set(info.byte, info.shift, *levels[i] >= 2 ? PairState::kActive : PairState::kOk);
    a.set(info.byte + 4u, info.shift, *levels[i] == 1 ? PairState::kActive : PairState::kOk);
  }
  return a;
}

BmsSession::BmsSession(BmsOptions o, std::shared_ptr<LimitPolicy> policy)
    : options_(std::move(o)), policy_(std::move(policy)) {}

void BmsSession::on_source(const BatterySnapshot& b, TimePoint now) {
  battery_ = b;
  last_source_ = now;
  if (state_ != BmsState::kRunning) {
    state_ = BmsState::kRunning;
    failsafe_since_.reset();
    next_fast_ = now;  // speak at once
    next_slow_ = now;
  }
}

void BmsSession::on_source_lost(TimePoint now) {
  if (state_ == BmsState::kRunning) enter_failsafe(now);
}

void BmsSession::enter_failsafe(TimePoint now) {
  state_ = BmsState::kFailSafe;
  failsafe_since_ = now;
  next_fast_ = now;  // the zero limits go out at the next tick, not a second later
}

void BmsSession::on_frame(const CanFrame& f, TimePoint now) noexcept {
  if (f.extended || f.rtr) return;
  if (f.id != kIdKeepalive && f.id != 0x306 && f.id != kIdInverterId) return;
  // An inverter that appears (or comes back after a GX reboot) gets the identification at once
  // instead of at the next slow round, so it recognises the battery within a second.
  if (inverter_link(now) != InverterLink::kOk && state_ == BmsState::kRunning) next_slow_ = now;
  if (f.id == kIdKeepalive || f.id == 0x306) {
    last_keepalive_ = now;
  } else {
    last_keepalive_ = now;
    auto m = decode(f);
    if (m)
      if (const auto* id = std::get_if<InverterId>(&*m)) inverter_victron_ = id->victron;
  }
}

InverterLink BmsSession::inverter_link(TimePoint now) const noexcept {
  if (!last_keepalive_) return InverterLink::kNeverSeen;
  return now - *last_keepalive_ < options_.inverter_timeout ? InverterLink::kOk
                                                            : InverterLink::kLost;
}

void BmsSession::on_tick(TimePoint now, std::vector<CanFrame>& out) {
  if (state_ == BmsState::kRunning && last_source_ &&
      now - *last_source_ >= options_.source_timeout)
    enter_failsafe(now);
  if (state_ == BmsState::kFailSafe && now - *failsafe_since_ >= options_.failsafe_hold) {
    state_ = BmsState::kStopped;  // silence: the inverter stops after 3 s without 0x351
    return;
  }
  if (state_ == BmsState::kRunning || state_ == BmsState::kFailSafe) {
    if (next_slow_ && now >= *next_slow_ && state_ == BmsState::kRunning) {
      // 0x351 first, so that a lost frame later in the burst never delays the limits.
      send_fast(now, out);
      advance(next_fast_, now, options_.fast_period);
      send_slow(out);
      advance(next_slow_, now, options_.slow_period);
    } else if (next_fast_ && now >= *next_fast_) {
      send_fast(now, out);
      advance(next_fast_, now, options_.fast_period);
    }
  }
}

void BmsSession::send_fast(TimePoint now, std::vector<CanFrame>& out) {
  if (state_ == BmsState::kFailSafe) {
    // Keep the last CVL (never 0: seeds/001 §1.5 and reference §3, a zero CVL makes the system
    // discharge the battery), stop charge and discharge.
    LimitValues l = last_limits_.value_or(policy_->limits(battery_, now));
    out.push_back(encode(Limits{l.charge_voltage_v, 0.0, 0.0, l.battery_low_voltage_v}));
    return;
  }
  LimitValues l = policy_->limits(battery_, now);
  l.charge_current_a = std::max(0.0, l.charge_current_a);
  l.discharge_current_a = std::max(0.0, l.discharge_current_a);
  last_limits_ = l;
  out.push_back(encode(Limits{l.charge_voltage_v, l.charge_current_a, l.discharge_current_a,
                              l.battery_low_voltage_v}));
  std::optional<double> soc = battery_.soc_pct;
  if (soc) soc = std::clamp(std::round(*soc), 0.0, 100.0);
  std::optional<double> soh = battery_.soh_pct;
  if (soh) soh = std::clamp(std::round(*soh), 0.0, 100.0);
  out.push_back(encode(Soc{soc, soh, std::nullopt}));
  out.push_back(encode(DcStatus{battery_.voltage_v, battery_.current_a, battery_.temperature_c}));
  // Always sent: the GX recognises a connected battery by 0x35A (seeds/001 §5.1).
  out.push_back(encode(alarms_from_levels(battery_.alarm_levels)));
  if (battery_.modules_online || battery_.modules_blocking_charge ||
      battery_.modules_blocking_discharge || battery_.modules_offline)
    out.push_back(encode(Modules{battery_.modules_online, battery_.modules_blocking_charge,
                                 battery_.modules_blocking_discharge, battery_.modules_offline}));
  if (battery_.min_cell_voltage_v || battery_.max_cell_voltage_v ||
      battery_.min_cell_temperature_c || battery_.max_cell_temperature_c)
    out.push_back(
        encode(CellExtremes{battery_.min_cell_voltage_v, battery_.max_cell_voltage_v,
                            battery_.min_cell_temperature_c, battery_.max_cell_temperature_c}));
}

void BmsSession::send_slow(std::vector<CanFrame>& out) const {
  out.push_back(encode(TextMessage{kIdManufacturer, Text8::from_text(options_.manufacturer)}));
  out.push_back(encode(BatteryInfo{std::uint16_t{0}, options_.firmware, battery_.capacity_ah}));
  if (options_.name.size() >
      8) {  // "If the name is 8 characters or less, it is better to use 0x35E"
    out.push_back(encode(TextMessage{kIdName1, Text8::from_text(options_.name.substr(0, 8))}));
    out.push_back(encode(TextMessage{kIdName2, Text8::from_text(options_.name.substr(8))}));
  }
  const std::pair<std::uint32_t, const std::string*> ids[] = {
      {kIdMinCellVoltageId, &battery_.min_voltage_cell_id},
      {kIdMaxCellVoltageId, &battery_.max_voltage_cell_id},
      {kIdMinCellTemperatureId, &battery_.min_temperature_cell_id},
      {kIdMaxCellTemperatureId, &battery_.max_temperature_cell_id}};
  for (const auto& [id, text] : ids)
    if (!text->empty()) out.push_back(encode(TextMessage{id, Text8::from_text(*text)}));
  if (battery_.charged_kwh || battery_.discharged_kwh)
    out.push_back(encode(Energy{battery_.charged_kwh, battery_.discharged_kwh}));
  if (battery_.installed_capacity_ah)
    out.push_back(encode(InstalledCapacity{battery_.installed_capacity_ah}));
  if (!options_.serial.empty()) {  // "Both 0x380 and 0x381 must be sent"
    out.push_back(encode(TextMessage{kIdSerial1, Text8::from_text(options_.serial.substr(0, 8))}));
    out.push_back(encode(TextMessage{
        kIdSerial2,
        Text8::from_text(options_.serial.size() > 8 ? options_.serial.substr(8) : "")}));
  }
  if (!options_.family.empty())
    out.push_back(encode(TextMessage{kIdFamily, Text8::from_text(options_.family)}));
}

std::optional<TimePoint> BmsSession::next_deadline() const noexcept {
  std::optional<TimePoint> d;
  auto take = [&](std::optional<TimePoint> t) {
    if (t && (!d || *t < *d)) d = t;
  };
  if (state_ == BmsState::kRunning) {
    take(next_fast_);
    take(next_slow_);
    if (last_source_) take(*last_source_ + options_.source_timeout);
  } else if (state_ == BmsState::kFailSafe) {
    take(next_fast_);
    take(*failsafe_since_ + options_.failsafe_hold);
  }
  return d;
}

}  // namespace gxlink::canbms
