// SPDX-License-Identifier: MIT
#include "drivers/canbms/gx_driver.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <spdlog/spdlog.h>

namespace gxlink::drivers::canbms {
namespace cb = gxlink::canbms;
using model::Invalid;
using model::Value;

namespace {

Value opt(const std::optional<double>& v) { return v ? Value{*v} : Value{Invalid{}}; }
Value opt_int(const std::optional<std::uint16_t>& v) {
  return v ? Value{std::int64_t{*v}} : Value{Invalid{}};
}

// Every path this driver publishes, declared up front so they exist (invalid) before the service is
// announced (issue 13, conformance 1). The alarm paths come from the protocol's alarm table; units,
// decimals and texts from model/venus_formats (conformance 9).
constexpr model::PathSpec kPaths[] = {
    {"/Dc/0/Voltage"},
    {"/Dc/0/Current"},
    {"/Dc/0/Power"},
    {"/Dc/0/Temperature"},
    {"/Soc"},
    {"/Soh"},
    {"/Info/MaxChargeVoltage"},
    {"/Info/MaxChargeCurrent"},
    {"/Info/MaxDischargeCurrent"},
    {"/Info/BatteryLowVoltage"},
    {"/Info/ChargeRequest"},
    {"/Capacity"},
    {"/InstalledCapacity"},
    {"/History/ChargedEnergy"},
    {"/History/DischargedEnergy"},
    {"/System/MinCellVoltage"},
    {"/System/MaxCellVoltage"},
    {"/System/MinCellTemperature"},
    {"/System/MaxCellTemperature"},
    {"/System/MinVoltageCellId"},
    {"/System/MaxVoltageCellId"},
    {"/System/MinTemperatureCellId"},
    {"/System/MaxTemperatureCellId"},
    {"/System/NrOfModulesOnline"},
    {"/System/NrOfModulesOffline"},
    {"/System/NrOfModulesBlockingCharge"},
    {"/System/NrOfModulesBlockingDischarge"},
    {"/Serial"},
    {"/Manufacturer"},
    {"/Family"},
};

}  // namespace

GxDriver::GxDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
                   GxDriverOptions o)
    : ctx_(ctx),
      transport_(std::move(transport)),
      options_(std::move(o)),
      session_(options_.session),
      timer_(ctx.io) {
  if (!transport_) {  // replay: listen only
    options_.session.send_keepalive = false;
    session_ = cb::GxSession(options_.session);
  }
  connection_ =
      !options_.connection.empty()
          ? options_.connection
          : "socketcan_" + std::string(transport_ ? transport_->interface_name() : "can0");
  service_name_ = model::service_name("battery", connection_);
}

GxDriver::~GxDriver() { stop(); }

std::string GxDriver::describe() const {
  return transport_ ? std::string(transport_->interface_name()) : std::string("(replay)");
}

void GxDriver::start() {
  running_ = true;
  if (!transport_) return;
  attach();
  transport_->start();
  on_tick(Clock::now());
}

void GxDriver::attach() {
  if (!transport_) return;
  transport_->set_receiver([this](const CanFrame& f, TimePoint t) { on_frame(f, t); });
  transport_->set_state_handler([this](transport::CanBusState s) {
    if (s == transport::CanBusState::kClosed && !transport_->last_error().empty())
      spdlog::warn("canbms {}: {}", describe(), transport_->last_error());
    else
      spdlog::info("canbms {}: bus {}", describe(), transport::to_string(s));
  });
}

void GxDriver::stop() {
  if (!running_) return;
  running_ = false;
  timer_.cancel();
  if (transport_) transport_->stop();
}

Health GxDriver::health() const {
  if (transport_ && transport_->state() == transport::CanBusState::kClosed &&
      !transport_->last_error().empty())
    return Health::failed(transport_->last_error());
  if (transport_ && transport_->state() == transport::CanBusState::kBusOff)
    return Health::failed("bus-off");
  if (!session_.connected()) return Health::warning("no 0x351 from a battery in the last 3 s");
  return Health::ok();
}

void GxDriver::ensure_service() {
  if (service_) return;
  model::ServiceSpec spec;
  spec.type = "battery";
  spec.connection = connection_;
  spec.device_instance =
      ctx_.instances.allocate("canbms_" + connection_, "battery", options_.device_instance);
  spec.mgmt_connection =
      "CAN-bus BMS " + std::string(transport_ ? transport_->interface_name() : "replay");
  spec.product_name = session_.name();
  service_ = &ctx_.model.add_service(std::move(spec));
  service_->declare(kPaths);
  for (const auto& a : cb::kAlarms)
    if (!a.path.empty()) service_->declare({model::PathSpec{a.path}});
  service_->set("/Connected", std::int64_t{0});  // until the first 0x351
}

void GxDriver::on_frame(const CanFrame& f, TimePoint now) {
  const bool was_connected = session_.connected();
  auto m = session_.on_frame(f, now);
  if (!m) return;  // counted in the session's stats
  if (std::holds_alternative<cb::Keepalive>(*m) || std::holds_alternative<cb::InverterId>(*m) ||
      std::holds_alternative<cb::Tolerated>(*m))
    return;
  ensure_service();
  if (!was_connected && session_.connected()) service_->set("/Connected", std::int64_t{1});
  if (f.id >= 0x300 && f.id <= 0x3FF) {
    Seen& s = seen_[f.id - 0x300];
    if (s.valid && s.len == f.len && std::memcmp(s.data.data(), f.data.data(), f.len) == 0) return;
    s.valid = true;
    s.len = f.len;
    s.data = f.data;
  }
  apply(*m);
}

void GxDriver::apply(const cb::Message& msg) {
  model::Service& s = *service_;
  if (const auto* l = std::get_if<cb::Limits>(&msg)) {
    s.set("/Info/MaxChargeVoltage", l->charge_voltage_v);
    s.set("/Info/MaxChargeCurrent", l->charge_current_a);
    s.set("/Info/MaxDischargeCurrent", l->discharge_current_a);
    s.set("/Info/BatteryLowVoltage", opt(l->discharge_voltage_v));
  } else if (const auto* soc = std::get_if<cb::Soc>(&msg)) {
    s.set("/Soc", opt(soc->soc_pct));
    s.set("/Soh", opt(soc->soh_pct));
  } else if (const auto* dc = std::get_if<cb::DcStatus>(&msg)) {
    s.set("/Dc/0/Voltage", opt(dc->voltage_v));
    s.set("/Dc/0/Current", opt(dc->current_a));
    s.set("/Dc/0/Temperature", opt(dc->temperature_c));
    if (dc->voltage_v && dc->current_a)
      s.set("/Dc/0/Power", std::round(*dc->voltage_v * *dc->current_a));
    else
      s.set("/Dc/0/Power", Invalid{});
  } else if (const auto* al = std::get_if<cb::Alarms>(&msg)) {
    for (const auto& a : cb::kAlarms) {
      if (a.path.empty()) continue;
      auto lvl = al->venus_level(a);
      s.set(a.path, lvl ? Value{std::int64_t{*lvl}} : Value{Invalid{}});
    }
  } else if (const auto* t = std::get_if<cb::TextMessage>(&msg)) {
    auto text = [&](std::string_view path) {
      s.set(path, t->text.len ? Value{std::string(t->text.view())} : Value{Invalid{}});
    };
    switch (t->id) {
      case cb::kIdManufacturer: text("/Manufacturer"); [[fallthrough]];
      case cb::kIdName1:
      case cb::kIdName2: s.set("/ProductName", session_.name()); break;
      case cb::kIdMinCellVoltageId: text("/System/MinVoltageCellId"); break;
      case cb::kIdMaxCellVoltageId: text("/System/MaxVoltageCellId"); break;
      case cb::kIdMinCellTemperatureId: text("/System/MinTemperatureCellId"); break;
      case cb::kIdMaxCellTemperatureId: text("/System/MaxTemperatureCellId"); break;
      case cb::kIdSerial1:
      case cb::kIdSerial2:
        if (auto sn = session_.serial()) s.set("/Serial", *sn);
        break;
      case cb::kIdFamily: text("/Family"); break;
      default: break;
    }
  } else if (const auto* bi = std::get_if<cb::BatteryInfo>(&msg)) {
    s.set("/FirmwareVersion", opt_int(bi->firmware));
    s.set("/Capacity", opt(bi->online_capacity_ah));
  } else if (const auto* fc = std::get_if<cb::ForceCharge>(&msg)) {
    s.set("/Info/ChargeRequest", std::int64_t{fc->requested ? 1 : 0});
  } else if (const auto* mo = std::get_if<cb::Modules>(&msg)) {
    s.set("/System/NrOfModulesOnline", opt_int(mo->ok));
    s.set("/System/NrOfModulesBlockingCharge", opt_int(mo->blocking_charge));
    s.set("/System/NrOfModulesBlockingDischarge", opt_int(mo->blocking_discharge));
    s.set("/System/NrOfModulesOffline", opt_int(mo->offline));
  } else if (const auto* ce = std::get_if<cb::CellExtremes>(&msg)) {
    s.set("/System/MinCellVoltage", opt(ce->min_cell_voltage_v));
    s.set("/System/MaxCellVoltage", opt(ce->max_cell_voltage_v));
    s.set("/System/MinCellTemperature", opt(ce->min_cell_temperature_c));
    s.set("/System/MaxCellTemperature", opt(ce->max_cell_temperature_c));
  } else if (const auto* en = std::get_if<cb::Energy>(&msg)) {
    s.set("/History/ChargedEnergy", opt(en->charged_kwh));
    s.set("/History/DischargedEnergy", opt(en->discharged_kwh));
  } else if (const auto* ic = std::get_if<cb::InstalledCapacity>(&msg)) {
    s.set("/InstalledCapacity", opt(ic->capacity_ah));
  }
}

void GxDriver::on_tick(TimePoint now) {
  out_.clear();
  if (session_.on_tick(now, out_) && service_) {
    spdlog::warn("canbms {}: no 0x351 for {:.0f} s: battery disconnected", describe(),
                 to_seconds(options_.session.link_timeout));
    service_->invalidate_all();  // sets /Connected 0; limits become invalid (seeds/001 §1.4)
    for (auto& s : seen_) s.valid = false;
  }
  if (transport_)
    for (const auto& f : out_)
      if (!transport_->send(f)) ++send_failures_;
  if (running_ && transport_) schedule();
}

void GxDriver::schedule() {
  const TimePoint now = Clock::now();
  TimePoint next = now + seconds(1);
  if (auto d = session_.next_deadline()) next = std::max(now + milliseconds(1), std::min(next, *d));
  timer_.expires_at(next);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && running_) on_tick(Clock::now());
  });
}

}  // namespace gxlink::drivers::canbms
