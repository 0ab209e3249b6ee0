// SPDX-License-Identifier: MIT
#include "drivers/vebus/vebus_driver.hpp"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace gxlink::drivers::vebus {

namespace vb = gxlink::vebus;

std::string connection_from_port(const std::string& port) {
  auto name = std::filesystem::path(port).filename().string();
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return name.empty() ? "mk2" : name;
}

namespace {
std::unique_ptr<transport::ByteTransport> required(std::unique_ptr<transport::ByteTransport> t) {
  if (!t) throw std::invalid_argument("vebus: the driver needs a transport");
  return t;
}
}  // namespace

VebusDriver::VebusDriver(DriverContext& ctx, std::unique_ptr<transport::ByteTransport> transport,
                         VebusDriverOptions options)
    : options_(std::move(options)),
      transport_(required(std::move(transport))),
      session_(options_.session),
      mapping_(ctx.model, ctx.instances,
               options_.connection.empty() ? connection_from_port(std::string(transport_->name()))
                                           : options_.connection,
               VebusWriteHooks{
                   [this](int mode) {
                     return accept(
                         session_.write_switch(static_cast<vb::SwitchState>(mode), std::nullopt),
                         "mode");
                   },
                   [this](double amps) {
                     return accept(session_.write_switch(std::nullopt, amps), "current limit");
                   },
                   [this](std::string_view path, double v) { return on_dvcc_write(path, v); }}),
      timer_(ctx.io) {
  session_.set_tx([this](ByteView b) { transport_->write(b); });
  transport_->set_data_handler([this](ByteView b, TimePoint now) { on_data(b, now); });
  transport_->set_state_handler([this](bool open, const std::string& reason) {
    const auto now = Clock::now();
    if (open) {
      port_error_.clear();
      spdlog::info("[vebus] {} open", transport_->name());
      session_.start(now);
    } else {
      port_error_ = reason;
      spdlog::warn("[vebus] {}", reason);
      session_.stop();
    }
    pump(now);
  });
  mapping_.apply(session_.state(), false);
}

VebusDriver::~VebusDriver() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw; the port is closed either way
  }
}

void VebusDriver::start() {
  running_ = true;
  transport_->start();
  arm_timer();
}

void VebusDriver::stop() {
  running_ = false;
  timer_.cancel();
  session_.stop();
  transport_->stop();
}

Health VebusDriver::health() const {
  if (!port_error_.empty()) return Health::failed(port_error_);
  if (session_.ready()) {
    if (garbage_)
      return Health::warning("receiving bytes that are not MK2 frames (wrong baud rate?)");
    return Health::ok();
  }
  if (garbage_)
    return Health::warning(
        "no valid MK2 frames, only garbage (wrong baud rate, e.g. an MK3 at 115200?)");
  return Health::warning(std::string("VE.Bus link ") + vb::to_string(session_.link_state()));
}

model::WriteResult VebusDriver::accept(const Result<std::uint32_t>& r, const char* what) {
  if (r) {
    // Debug, not info: a client may write every second (issue 11 item 8); the outcome is logged.
    spdlog::debug("[vebus] {} write #{} queued", what, *r);
    pump(Clock::now());
    return model::WriteResult::kOk;
  }
  // A client hammering out-of-range writes must not flood the log (issue 11 item 8).
  const std::string why = r.error().message();
  if (auto d = refused_log_.check(std::string(what) + why, Clock::now()))
    spdlog::warn("[vebus] {} write refused: {}{}", what, truncate_for_log(why), suppressed_note(d));
  switch (r.error().code) {
    case Errc::kRefused:
    case Errc::kOutOfRange: return model::WriteResult::kOutOfRange;
    default: return model::WriteResult::kFailed;
  }
}

void VebusDriver::on_data(ByteView bytes, TimePoint now) {
  session_.on_bytes(bytes, now);
  pump(now);
}

void VebusDriver::pump(TimePoint now) {
  session_.on_tick(now);
  const std::string_view port = transport_->name();
  for (auto& e : session_.take_events()) {
    switch (e.kind) {
      case vb::EventKind::kGarbageStart:
        // Logged once per episode, not per byte.
        if (!garbage_) spdlog::warn("[vebus] {}: {}", port, truncate_for_log(e.detail));
        garbage_ = true;
        break;
      case vb::EventKind::kGarbageEnd: garbage_ = false; break;
      case vb::EventKind::kLinkUp:
        spdlog::info("[vebus] {}: {}", port, truncate_for_log(e.detail));
        break;
      default: spdlog::warn("[vebus] {}: {}", port, truncate_for_log(e.detail)); break;
    }
  }
  for (auto& c : session_.take_completions()) {
    // Every write that reached the unit is logged (a record of what was done to the inverter);
    // there are at most a few per second whatever a client sends, because switch writes not yet
    // sent are replaced, not queued. Failures repeat and are rate-limited (issue 11 item 8).
    if (c.superseded) {
      spdlog::debug("[vebus] write #{} superseded by a newer one before it went out", c.id);
    } else if (c.ok) {
      spdlog::info("[vebus] write #{} confirmed by read-back{}", c.id,
                   c.acknowledged ? "" : " (no acknowledgement, as usual)");
    } else if (auto d = outcome_log_.check("failed " + c.error.message(), now)) {
      spdlog::warn("[vebus] write #{} failed: {}{}", c.id, truncate_for_log(c.error.message()),
                   suppressed_note(d));
    }
    if (dvcc_write_ && c.id == *dvcc_write_) {
      dvcc_write_.reset();
      if (!c.ok) sent_mcc_.reset();  // try again on the next round
    }
    if (on_completion_) on_completion_(c);
  }
  if (session_.take_changed()) mapping_.apply(session_.state(), session_.ready());
  apply_charge_limit(now);
  arm_timer();
}

model::WriteResult VebusDriver::on_dvcc_write(std::string_view path, double v) {
  // Range checks (DESIGN.md safety rules): finite, not negative, and a voltage of this unit's bank
  // (the nominal voltage from its absorption setting's default or its battery voltage).
  auto refuse = [&](const std::string& why) {
    if (auto d = dvcc_log_.check(std::string(path) + why, Clock::now()))
      spdlog::warn("[vebus] {} = {} refused: {}{}", path, v, why, suppressed_note(d));
    return model::WriteResult::kOutOfRange;
  };
  if (!std::isfinite(v)) return refuse("not a number");
  const bool voltage = path.ends_with("Voltage");
  const bool temperature = path.ends_with("Temperature");
  if (temperature) {
    if (v < -40 || v > 85) return refuse("outside -40 .. 85 °C");
  } else if (v < 0) {
    return refuse("negative");
  } else if (voltage) {
    const auto nominal = session_.state().nominal_voltage;
    const auto bank = vb::nominal_voltage_from_battery(v);
    if (!nominal || !bank || *bank != *nominal)
      return refuse("not a voltage of this unit's battery bank");
  } else if (v > 10000) {
    return refuse("more than 10000 A");
  }
  const auto now = Clock::now();
  last_dvcc_write_ = now;
  if (path == "/Dc/0/MaxChargeCurrent") dc_mcc_ = v;
  if (path == "/BatteryOperationalLimits/MaxChargeCurrent") bol_mcc_ = v;
  if (path == "/BatteryOperationalLimits/MaxChargeVoltage") bol_cvl_ = v;
  apply_charge_limit(now);
  return model::WriteResult::kOk;
}

void VebusDriver::apply_charge_limit(TimePoint now) {
  if (!session_.ready()) return;
  auto& svc = mapping_.service();
  const auto& st = session_.state();
  // The installer's values, as first read (before any write of ours): DVCC lowers them, and
  // restores them, never goes above them.
  if (!ceiling_) {
    ceiling_ = st.setting_value(vb::setting::kIBatBulk);
    if (!ceiling_) return;
    spdlog::info("[vebus] charge current {:.1f} A is the ceiling for DVCC", *ceiling_);
  }
  if (!absorption_ceiling_) absorption_ceiling_ = st.setting_value(vb::setting::kUBatAbsorption);
  if (!float_ceiling_) float_ceiling_ = st.setting_value(vb::setting::kUBatFloat);
  if (last_dvcc_write_ && now - *last_dvcc_write_ > options_.dvcc_hold) {
    // The GX stopped: the unit goes back to stand-alone (the installer's values).
    spdlog::info("[vebus] no DVCC write for {:.0f} s: back to the unit's own charge settings",
                 to_seconds(options_.dvcc_hold));
    last_dvcc_write_.reset();
    dc_mcc_.reset();
    bol_mcc_.reset();
    bol_cvl_.reset();
    for (std::string_view p : kDvccPaths) svc.set(p, model::Invalid{});
  }
  if (!dc_mcc_) svc.set("/Dc/0/MaxChargeCurrent", *ceiling_);
  if (dvcc_write_) return;  // one at a time; its read-back decides
  if (last_dvcc_send_ && now - *last_dvcc_send_ < kMccWriteGap) return;

  // The charge current: the lower of the GX's two limits.
  double want = *ceiling_;
  if (dc_mcc_) want = std::min(want, *dc_mcc_);
  if (bol_mcc_) want = std::min(want, *bol_mcc_);
  want = std::max(0.0, want);
  // The charge voltages: at most the BMS's CVL (what the BOL frame would carry), in the order that
  // keeps float at or below absorption at every step (safety.hpp).
  std::optional<std::pair<std::uint16_t, double>> voltage;
  const auto cur_abs = st.setting_value(vb::setting::kUBatAbsorption);
  const auto cur_float = st.setting_value(vb::setting::kUBatFloat);
  if (absorption_ceiling_ && float_ceiling_ && cur_abs && cur_float) {
    const double want_abs =
        bol_cvl_ ? std::min(*absorption_ceiling_, *bol_cvl_) : *absorption_ceiling_;
    const double want_float = bol_cvl_ ? std::min(*float_ceiling_, *bol_cvl_) : *float_ceiling_;
    auto differs = [](double a, double b) { return std::fabs(a - b) >= 0.05; };
    if (differs(want_float, *cur_float) && want_float < *cur_float)
      voltage = {vb::setting::kUBatFloat, want_float};
    else if (differs(want_abs, *cur_abs))
      voltage = {vb::setting::kUBatAbsorption, want_abs};
    else if (differs(want_float, *cur_float))
      voltage = {vb::setting::kUBatFloat, want_float};
  }

  Result<std::uint32_t> r = fail(Errc::kRefused, "nothing to do");
  std::string what;
  if (std::fabs(want - sent_mcc_.value_or(*ceiling_)) >= 0.5) {  // 0.1 A steps; no churn
    r = session_.write_charge_current(want, *ceiling_);
    what = fmt::format("charge current {:.1f} A", want);
    if (r) sent_mcc_ = want;
  } else if (voltage) {
    r = session_.write_setting(voltage->first, voltage->second, false);  // RAM only
    what = fmt::format("{} {:.2f} V",
                       voltage->first == vb::setting::kUBatFloat ? "float" : "absorption",
                       voltage->second);
  } else {
    return;
  }
  last_dvcc_send_ = now;
  if (!r) {
    if (auto d = dvcc_log_.check(what + r.error().message(), now))
      spdlog::warn("[vebus] DVCC: {} not written: {}{}", what,
                   truncate_for_log(r.error().message()), suppressed_note(d));
    return;
  }
  spdlog::info("[vebus] DVCC: {} (RAM only), write #{}", what, *r);
  dvcc_write_ = *r;
}

void VebusDriver::arm_timer() {
  if (!running_) return;
  auto next = session_.next_deadline();
  // At least every 250 ms, so a lost port is noticed and the session's timers run.
  const auto now = Clock::now();
  TimePoint at = now + milliseconds(250);
  if (next && *next < at) at = std::max(*next, now);
  timer_.expires_at(at);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) return;
    pump(Clock::now());
  });
}

}  // namespace gxlink::drivers::vebus
