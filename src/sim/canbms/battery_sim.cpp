// SPDX-License-Identifier: MIT
#include "sim/canbms/battery_sim.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "protocols/canbms/bms_session.hpp"
#include "protocols/canbms/codec.hpp"

namespace gxlink::sim::canbms {
namespace cb = gxlink::canbms;

BatterySim::BatterySim(transport::CanTransport& bus, BatterySimOptions o)
    : bus_(bus), o_(std::move(o)) {
  st_.soc = o_.soc;
  st_.temperature_c = o_.ambient_c;
  st_.cell_v.assign(static_cast<std::size_t>(o_.cells), cell_ocv(st_.soc));
  bus_.set_receiver([this](const CanFrame& f, TimePoint) {
    if (!f.extended && f.id == cb::kIdKeepalive) ++keepalives_;
  });
}

BatterySim::~BatterySim() { stop(); }

double BatterySim::cell_ocv(double soc) const {
  // A LiFePO4 open-circuit curve: steep at both ends, flat in the middle.
  static constexpr double kSoc[] = {0.0, 0.05, 0.10, 0.20, 0.50, 0.90, 0.97, 1.0};
  static constexpr double kV[] = {2.80, 3.10, 3.20, 3.25, 3.29, 3.33, 3.40, 3.50};
  soc = std::clamp(soc, 0.0, 1.0);
  for (std::size_t i = 1; i < std::size(kSoc); ++i)
    if (soc <= kSoc[i])
      return kV[i - 1] + (kV[i] - kV[i - 1]) * (soc - kSoc[i - 1]) / (kSoc[i] - kSoc[i - 1]);
  return kV[std::size(kV) - 1];
}

void BatterySim::advance(TimePoint now) {
  if (!t0_) t0_ = now;
  const double dt = last_ ? std::max(0.0, to_seconds(now - *last_)) : 0.0;
  last_ = now;
  const double t = to_seconds(now - *t0_);
  if (bank_ && !forced_current_) {
    // A shared bank: the sum of every device's current, the bank's SOC (its owner moves it) and
    // its terminal voltage, spread over the cells with the same small imbalance, summing to it.
    st_.current_a = bank_->battery_current();
    st_.soc = bank_->soc;
    const double n = static_cast<double>(st_.cell_v.size());
    double spread = 0;
    for (std::size_t i = 0; i < st_.cell_v.size(); ++i) spread += 0.003 * static_cast<double>(i % 5);
    for (std::size_t i = 0; i < st_.cell_v.size(); ++i)
      st_.cell_v[i] = (bank_->voltage() - spread) / n + 0.003 * static_cast<double>(i % 5);
  } else {
    st_.current_a = forced_current_.value_or(o_.current_amplitude_a *
                                             std::sin(2 * std::numbers::pi * t / 600.0));
    st_.soc = std::clamp(st_.soc + st_.current_a * dt / 3600.0 / o_.capacity_ah, 0.0, 1.0);
    const double ocv = cell_ocv(st_.soc);
    for (std::size_t i = 0; i < st_.cell_v.size(); ++i)
      st_.cell_v[i] = ocv + st_.current_a * 0.0004 + 0.003 * static_cast<double>(i % 5) - 0.006;
  }
  // First-order thermal model: I²R heating against the ambient.
  const double target = o_.ambient_c + 0.002 * st_.current_a * st_.current_a;
  st_.temperature_c += (target - st_.temperature_c) * std::min(1.0, dt / 300.0);
  double pack_v = 0;
  for (double v : st_.cell_v) pack_v += v;
  const double kwh = pack_v * st_.current_a * dt / 3600.0 / 1000.0;
  if (kwh > 0)
    st_.charged_kwh += kwh;
  else
    st_.discharged_kwh -= kwh;
}

std::vector<CanFrame> BatterySim::frames_due(TimePoint now) {
  advance(now);
  std::vector<CanFrame> out;
  if (silent_) return out;
  const auto [min_it, max_it] = std::minmax_element(st_.cell_v.begin(), st_.cell_v.end());
  const double vmin = *min_it, vmax = *max_it;
  double pack_v = 0;
  for (double v : st_.cell_v) pack_v += v;
  const double cells = static_cast<double>(o_.cells);
  if (!next_fast_ || now >= *next_fast_) {
    next_fast_ = now + seconds(1);
    // Limits the way a careful BMS sets them (seeds/001 §1.5): lower CVL near full instead of CCL =
    // 0.
    const double cvl = cells * (vmax > 3.50 ? 3.40 : 3.45);
    const double ccl = std::min(st_.soc > 0.95 ? 20.0 : o_.max_charge_current_a, o_.max_charge_current_a);
    const double dcl = st_.soc < 0.10 ? 20.0 : 150.0;
    out.push_back(cb::encode(cb::Limits{cvl, ccl, dcl, cells * 2.9}));
    out.push_back(
        cb::encode(cb::Soc{std::round(st_.soc * 100), 99.0, std::round(st_.soc * 10000) / 100}));
    out.push_back(cb::encode(cb::DcStatus{pack_v, st_.current_a, st_.temperature_c}));
    std::array<std::optional<int>, cb::kAlarms.size()> lv{};
    auto level = [](bool alarm, bool warning) { return alarm ? 2 : warning ? 1 : 0; };
    for (std::size_t i = 0; i < cb::kAlarms.size(); ++i) {
      const auto n = cb::kAlarms[i].name;
      if (n == "high_voltage")
        lv[i] = level(vmax > 3.65, vmax > 3.55);
      else if (n == "low_voltage")
        lv[i] = level(vmin < 2.80, vmin < 3.00);
      else if (n == "high_temperature")
        lv[i] = level(st_.temperature_c > 55, st_.temperature_c > 45);
      else if (n == "low_temperature")
        lv[i] = level(st_.temperature_c < -10, st_.temperature_c < 0);
      else if (n == "high_charge_current")
        lv[i] = level(st_.current_a > 140, st_.current_a > 100);
      else if (n == "high_current")
        lv[i] = level(st_.current_a < -200, st_.current_a < -150);
      else if (n == "cell_imbalance")
        lv[i] = level(vmax - vmin > 0.10, vmax - vmin > 0.05);
      else if (n == "bms_internal")
        lv[i] = 0;
      // general, contactor, short circuit: not supported by this BMS -> 00
    }
    out.push_back(cb::encode(cb::alarms_from_levels(lv)));
    out.push_back(cb::encode(
        cb::Modules{std::uint16_t{1}, std::uint16_t{0}, std::uint16_t{0}, std::uint16_t{0}}));
    out.push_back(
        cb::encode(cb::CellExtremes{vmin, vmax, st_.temperature_c - 1.0, st_.temperature_c + 1.0}));
  }
  if (!next_slow_ || now >= *next_slow_) {
    next_slow_ = now + seconds(5);
    auto text = [&](std::uint32_t id, std::string_view s) {
      out.push_back(cb::encode(cb::TextMessage{id, cb::Text8::from_text(s)}));
    };
    auto part = [](const std::string& s, std::size_t at) {
      return at < s.size() ? std::string_view(s).substr(at, 8) : std::string_view{};
    };
    text(cb::kIdManufacturer, o_.manufacturer);
    out.push_back(cb::encode(
        cb::BatteryInfo{std::uint16_t{0}, std::uint16_t{0x0102}, std::round(o_.capacity_ah)}));
    text(cb::kIdName1, part(o_.name, 0));
    text(cb::kIdName2, part(o_.name, 8));
    const auto imin = static_cast<std::size_t>(
        std::min_element(st_.cell_v.begin(), st_.cell_v.end()) - st_.cell_v.begin());
    const auto imax = static_cast<std::size_t>(
        std::max_element(st_.cell_v.begin(), st_.cell_v.end()) - st_.cell_v.begin());
    text(cb::kIdMinCellVoltageId, "C" + std::to_string(imin + 1));
    text(cb::kIdMaxCellVoltageId, "C" + std::to_string(imax + 1));
    text(cb::kIdMinCellTemperatureId, "T1");
    text(cb::kIdMaxCellTemperatureId, "T2");
    out.push_back(cb::encode(cb::Energy{st_.charged_kwh, st_.discharged_kwh}));
    out.push_back(cb::encode(cb::InstalledCapacity{std::round(o_.capacity_ah)}));
    text(cb::kIdSerial1, part(o_.serial, 0));
    text(cb::kIdSerial2, part(o_.serial, 8));
    text(cb::kIdFamily, o_.family);
  }
  return out;
}

void BatterySim::step(TimePoint now) {
  for (const auto& f : frames_due(now)) bus_.send(f);
}

void BatterySim::start(asio::io_context& io) {
  timer_ = std::make_unique<asio::steady_timer>(io);
  arm();
}

void BatterySim::arm() {
  step(Clock::now());
  timer_->expires_after(milliseconds(200));
  timer_->async_wait([this](const asio::error_code& ec) {
    if (!ec) arm();
  });
}

void BatterySim::stop() {
  if (timer_) timer_->cancel();
}

}  // namespace gxlink::sim::canbms
