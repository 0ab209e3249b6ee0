// SPDX-License-Identifier: MIT
#include "drivers/canbms/bms_driver.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace gxlink::drivers::canbms {
namespace cb = gxlink::canbms;

cb::BatterySnapshot snapshot_from_service(const model::Service& s) {
  auto d = [&](std::string_view p) { return model::as_double(s.get(p)); };
  cb::BatterySnapshot b;
  b.voltage_v = d("/Dc/0/Voltage");
  b.current_a = d("/Dc/0/Current");
  b.temperature_c = d("/Dc/0/Temperature");
  b.soc_pct = d("/Soc");
  b.soh_pct = d("/Soh");
  b.min_cell_voltage_v = d("/System/MinCellVoltage");
  b.max_cell_voltage_v = d("/System/MaxCellVoltage");
  b.min_cell_temperature_c = d("/System/MinCellTemperature");
  b.max_cell_temperature_c = d("/System/MaxCellTemperature");
  b.capacity_ah = d("/Capacity");
  b.installed_capacity_ah = d("/InstalledCapacity");
  b.charged_kwh = d("/History/ChargedEnergy");
  b.discharged_kwh = d("/History/DischargedEnergy");
  auto count = [&](std::string_view p) -> std::optional<std::uint16_t> {
    auto v = model::as_int(s.get(p));
    if (!v || *v < 0 || *v > 0xFFFE) return std::nullopt;
    return static_cast<std::uint16_t>(*v);
  };
  b.modules_online = count("/System/NrOfModulesOnline");
  b.modules_blocking_charge = count("/System/NrOfModulesBlockingCharge");
  b.modules_blocking_discharge = count("/System/NrOfModulesBlockingDischarge");
  b.modules_offline = count("/System/NrOfModulesOffline");
  auto text = [&](std::string_view p) {
    const auto* v = std::get_if<std::string>(&s.get(p));
    return v ? *v : std::string();
  };
  b.min_voltage_cell_id = text("/System/MinVoltageCellId");
  b.max_voltage_cell_id = text("/System/MaxVoltageCellId");
  b.min_temperature_cell_id = text("/System/MinTemperatureCellId");
  b.max_temperature_cell_id = text("/System/MaxTemperatureCellId");
  for (std::size_t i = 0; i < cb::kAlarms.size(); ++i) {
    if (cb::kAlarms[i].path.empty()) continue;
    if (auto v = model::as_int(s.get(cb::kAlarms[i].path)); v && *v >= 0 && *v <= 2)
      b.alarm_levels[i] = static_cast<int>(*v);
  }
  return b;
}

BmsDriver::BmsDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
                     BmsDriverOptions o, std::shared_ptr<cb::LimitPolicy> policy)
    : ctx_(ctx),
      transport_(std::move(transport)),
      options_(std::move(o)),
      session_(options_.session, policy ? std::move(policy)
                                        : std::make_shared<cb::StaticLimitPolicy>(options_.limits)),
      timer_(ctx.io) {
  ctx_.model.add_observer(this);
  observing_ = true;
}

BmsDriver::~BmsDriver() {
  stop();
  if (observing_) ctx_.model.remove_observer(this);
}

std::string BmsDriver::describe() const {
  return options_.source_service + " -> " +
         (transport_ ? std::string(transport_->interface_name()) : "(none)");
}

void BmsDriver::start() {
  running_ = true;
  if (!transport_) return;
  attach();
  transport_->start();
  on_tick(Clock::now());
}

void BmsDriver::attach() {
  if (!transport_) return;
  transport_->set_receiver([this](const CanFrame& f, TimePoint t) { session_.on_frame(f, t); });
  transport_->set_state_handler([this](transport::CanBusState s) {
    if (s == transport::CanBusState::kClosed && !transport_->last_error().empty())
      spdlog::warn("canbms-bms {}: {}", describe(), transport_->last_error());
  });
}

void BmsDriver::stop() {
  if (!running_) return;
  running_ = false;
  timer_.cancel();
  if (transport_) transport_->stop();
}

Health BmsDriver::health() const {
  if (transport_ && transport_->state() == transport::CanBusState::kClosed &&
      !transport_->last_error().empty())
    return Health::failed(transport_->last_error());
  switch (session_.state()) {
    case cb::BmsState::kWaiting:
      return Health::warning("waiting for data from " + options_.source_service);
    case cb::BmsState::kFailSafe: return Health::warning("source stale: sending CCL = DCL = 0");
    case cb::BmsState::kStopped: return Health::failed("source lost: stopped sending");
    case cb::BmsState::kRunning: break;
  }
  if (session_.inverter_link(Clock::now()) == cb::InverterLink::kLost)
    return Health::warning("no 0x305 keepalive from the inverter");
  return Health::ok();
}

void BmsDriver::on_service_added(const model::Service& s) {
  if (s.name() == options_.source_service) {
    removed_ = false;
  }
}

void BmsDriver::on_service_removed(const model::Service& s) {
  if (s.name() == options_.source_service) removed_ = true;
}

void BmsDriver::on_tick(TimePoint now) {
  const model::Service* src = removed_ ? nullptr : ctx_.model.find(options_.source_service);
  const bool connected = src && model::as_int(src->get("/Connected")).value_or(0) == 1;
  // Freshness comes from the source's /Connected: every driver drops it to 0 within its protocol's
  // timeout (VE.Direct 5 s, CAN-bus BMS 3 s, CANopen 5 s). A battery at rest sends identical values
  // for minutes, so "no change" must not be read as "stale": that would stop a healthy system.
  if (!connected) {
    session_.on_source_lost(now);
  } else {
    session_.on_source(snapshot_from_service(*src), now);
  }
  out_.clear();
  session_.on_tick(now, out_);
  const auto link = session_.inverter_link(now);
  if (link != last_link_) {
    if (link == cb::InverterLink::kOk)
      spdlog::info("canbms-bms {}: inverter keepalive (0x305) seen{}", describe(),
                   session_.inverter_is_victron() ? ", Victron (0x307 VIC)" : "");
    else if (link == cb::InverterLink::kLost)
      spdlog::warn("canbms-bms {}: no 0x305 from the inverter for {:.0f} s", describe(),
                   to_seconds(options_.session.inverter_timeout));
    last_link_ = link;
  }
  if (session_.state() != last_state_) {
    spdlog::info("canbms-bms {}: {}", describe(), cb::to_string(session_.state()));
    last_state_ = session_.state();
  }
  if (transport_)
    for (const auto& f : out_)
      if (!transport_->send(f)) ++send_failures_;
  if (running_ && transport_) schedule();
}

void BmsDriver::schedule() {
  const TimePoint now = Clock::now();
  TimePoint next = now + milliseconds(500);
  if (auto d = session_.next_deadline()) next = std::max(now + milliseconds(1), std::min(next, *d));
  timer_.expires_at(next);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && running_) on_tick(Clock::now());
  });
}

}  // namespace gxlink::drivers::canbms
