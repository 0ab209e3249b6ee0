// SPDX-License-Identifier: MIT
// The CAN-bus BMS protocol (seeds/001): `gxlink decode canbms`, `gxlink snapshot canbms:FILE`, the
// `[[canbms]]` (GX role) and `[[canbms-bms]]` (battery emulation) config sections, and the demo's
// simulated CAN battery.
#include <istream>
#include <ostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "app/demo.hpp"
#include "app/registry.hpp"
#include "drivers/canbms/bms_driver.hpp"
#include "drivers/canbms/gx_driver.hpp"
#include "model/model_json.hpp"
#include "protocols/canbms/codec.hpp"
#include "sim/canbms/battery_sim.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/candump_file.hpp"

namespace gxlink::app {
namespace {
namespace cb = gxlink::canbms;
using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
json opt(const std::optional<std::uint16_t>& v) { return v ? json(*v) : json(nullptr); }

json fields_of(const cb::Message& msg) {
  json f = json::object();
  if (const auto* l = std::get_if<cb::Limits>(&msg)) {
    f["charge_voltage_v"] = l->charge_voltage_v;
    f["charge_current_a"] = l->charge_current_a;
    f["discharge_current_a"] = l->discharge_current_a;
    f["discharge_voltage_v"] = opt(l->discharge_voltage_v);
  } else if (const auto* s = std::get_if<cb::Soc>(&msg)) {
    f["soc_pct"] = opt(s->soc_pct);
    f["soh_pct"] = opt(s->soh_pct);
    f["soc_hires_pct"] = opt(s->soc_hires_pct);
  } else if (const auto* d = std::get_if<cb::DcStatus>(&msg)) {
    f["voltage_v"] = opt(d->voltage_v);
    f["current_a"] = opt(d->current_a);
    f["temperature_c"] = opt(d->temperature_c);
  } else if (const auto* a = std::get_if<cb::Alarms>(&msg)) {
    json al = json::object(), wa = json::object();
    for (const auto& info : cb::kAlarms) {
      al[std::string(info.name)] = cb::to_string(a->alarm(info));
      wa[std::string(info.name)] = cb::to_string(a->warning(info));
    }
    f["alarms"] = al;
    f["warnings"] = wa;
    f["system_status"] = static_cast<int>(a->pair(cb::kSystemStatusByte, cb::kSystemStatusShift));
  } else if (const auto* t = std::get_if<cb::TextMessage>(&msg)) {
    f["text"] = std::string(t->text.view());
  } else if (const auto* b = std::get_if<cb::BatteryInfo>(&msg)) {
    f["model"] = opt(b->model);
    f["firmware"] = opt(b->firmware);
    f["online_capacity_ah"] = opt(b->online_capacity_ah);
  } else if (const auto* fc = std::get_if<cb::ForceCharge>(&msg)) {
    f["force_charge"] = fc->requested;
  } else if (const auto* m = std::get_if<cb::Modules>(&msg)) {
    f["modules_ok"] = opt(m->ok);
    f["modules_blocking_charge"] = opt(m->blocking_charge);
    f["modules_blocking_discharge"] = opt(m->blocking_discharge);
    f["modules_offline"] = opt(m->offline);
  } else if (const auto* c = std::get_if<cb::CellExtremes>(&msg)) {
    f["min_cell_voltage_v"] = opt(c->min_cell_voltage_v);
    f["max_cell_voltage_v"] = opt(c->max_cell_voltage_v);
    f["min_cell_temperature_c"] = opt(c->min_cell_temperature_c);
    f["max_cell_temperature_c"] = opt(c->max_cell_temperature_c);
  } else if (const auto* e = std::get_if<cb::Energy>(&msg)) {
    f["charged_kwh"] = opt(e->charged_kwh);
    f["discharged_kwh"] = opt(e->discharged_kwh);
  } else if (const auto* ic = std::get_if<cb::InstalledCapacity>(&msg)) {
    f["installed_capacity_ah"] = opt(ic->capacity_ah);
  } else if (const auto* id = std::get_if<cb::InverterId>(&msg)) {
    f["victron"] = id->victron;
  } else if (const auto* tol = std::get_if<cb::Tolerated>(&msg)) {
    f["raw"] = to_hex(tol->frame.payload());
  }
  return f;
}

std::string hex_id(std::uint32_t id) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%03X", static_cast<unsigned>(id));
  return b;
}

DecodeStats decode_canbms(std::istream& in, std::ostream& out, std::ostream& err) {
  DecodeStats st;
  transport::CandumpReader reader(in, [&](std::size_t line, const Error& e) {
    err << "line " << line << ": " << e.message() << '\n';
    ++st.errors;
  });
  while (auto l = reader.next()) {
    auto m = cb::decode(l->frame);
    if (!m) {
      err << "line " << reader.lines() << ": " << hex_id(l->frame.id) << ": " << m.error().message()
          << '\n';
      ++st.errors;
      continue;
    }
    const cb::MessageInfo* info = cb::find_message(l->frame.id);
    json j;
    if (l->timestamp) j["t"] = *l->timestamp;
    j["id"] = hex_id(l->frame.id);
    j["kind"] = info ? std::string(info->name) : "unknown";
    j["len"] = l->frame.len;
    j["fields"] = fields_of(*m);
    out << model::dump_json(j) << '\n';
    ++st.messages;
  }
  report_too_long(reader, err, st);
  return st;
}

DecodeStats snapshot_canbms(std::istream& in, const std::string& source,
                            drivers::DriverContext& ctx, std::ostream& err) {
  DecodeStats st;
  transport::CandumpReader reader(in, [&](std::size_t line, const Error& e) {
    err << source << ":" << line << ": " << e.message() << '\n';
    ++st.errors;
  });
  std::unique_ptr<drivers::canbms::GxDriver> driver;
  TimePoint last{};
  while (auto l = reader.next()) {
    if (!driver) {
      drivers::canbms::GxDriverOptions o;
      o.connection = "socketcan_" + (l->interface.empty() ? std::string("can0") : l->interface);
      driver = std::make_unique<drivers::canbms::GxDriver>(ctx, nullptr, o);
    }
    // Capture timestamps are the clock: a gap of more than 3 s without 0x351 disconnects, as live.
    last = time_from_seconds(*l->timestamp);
    driver->on_tick(last);
    driver->on_frame(l->frame, last);
  }
  report_too_long(reader, err, st);
  if (!driver) return st;
  driver->on_tick(last);
  const auto& s = driver->session().stats();
  st.messages = s.decoded;
  if (s.unknown_ids || s.bad_frames) {
    err << source << ": " << s.unknown_ids << " frames with unknown ids ignored, " << s.bad_frames
        << " bad frames rejected\n";
    st.errors += s.bad_frames;
  }
  return st;
}

double number(const toml::table& cfg, const char* key, double fallback) {
  if (auto v = cfg[key].value<double>()) return *v;
  return fallback;
}

std::unique_ptr<drivers::Driver> make_gx(const toml::table& cfg, drivers::DriverContext& ctx) {
  auto iface = cfg["interface"].value<std::string>();
  if (!iface)
    throw std::invalid_argument(
        "needs interface = \"slcan:/dev/ttyACM0@500000\" or \"socketcan:can0\"");
  drivers::canbms::GxDriverOptions o;
  o.device_instance = static_cast<int>(cfg["device_instance"].value_or(std::int64_t{512}));
  o.connection = cfg["connection"].value_or(std::string());
  o.session.send_keepalive = cfg["keepalive"].value_or(true);
  const auto bitrate = static_cast<unsigned>(cfg["bitrate"].value_or(std::int64_t{500000}));
  return std::make_unique<drivers::canbms::GxDriver>(
      ctx, transport::make_can_transport(ctx.io, *iface, bitrate), o);
}

std::unique_ptr<drivers::Driver> make_bms(const toml::table& cfg, drivers::DriverContext& ctx) {
  auto iface = cfg["interface"].value<std::string>();
  auto source = cfg["source"].value<std::string>();
  if (!iface || !source)
    throw std::invalid_argument(
        "needs interface = \"slcan:...\" and source = \"com.victronenergy.battery.<id>\"");
  // Limits are never guessed: sending a wrong CVL to an inverter can damage a battery.
  auto cvl = cfg["charge_voltage"].value<double>();
  auto ccl = cfg["charge_current"].value<double>();
  auto dcl = cfg["discharge_current"].value<double>();
  if (!cvl || !ccl || !dcl)
    throw std::invalid_argument("needs charge_voltage, charge_current and discharge_current");
  if (*cvl <= 0 || *cvl > 1000)
    throw std::invalid_argument("charge_voltage must be in (0, 1000] V");
  if (*ccl < 0 || *ccl > 6553.5 || *dcl < 0 || *dcl > 6553.5)
    throw std::invalid_argument("charge_current and discharge_current must be in [0, 6553.5] A");
  drivers::canbms::BmsDriverOptions o;
  o.source_service = *source;
  o.limits = {*cvl, *ccl, *dcl, cfg["battery_low_voltage"].value<double>()};
  o.session.manufacturer = cfg["manufacturer"].value_or(o.session.manufacturer);
  o.session.name = cfg["name"].value_or(std::string());
  o.session.serial = cfg["serial"].value_or(std::string());
  auto secs = [](double s) {
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
  };
  o.session.inverter_timeout = secs(number(cfg, "inverter_timeout_s", 600));
  o.session.source_timeout = secs(number(cfg, "source_timeout_s", 30));
  o.session.failsafe_hold = secs(number(cfg, "failsafe_s", 5));
  const auto bitrate = static_cast<unsigned>(cfg["bitrate"].value_or(std::int64_t{500000}));
  return std::make_unique<drivers::canbms::BmsDriver>(
      ctx, transport::make_can_transport(ctx.io, *iface, bitrate), std::move(o));
}

void demo_canbms(DemoContext& demo) {
  // A managed battery on the demo's 500 k bus and a GX-role driver reading it, as on a real GX.
  struct Part {
    std::unique_ptr<transport::InProcessCanBus::Endpoint> endpoint;
    std::unique_ptr<sim::canbms::BatterySim> sim;
  };
  auto part = std::make_shared<Part>();
  part->endpoint = demo.can_bus(kDemoBmsBus).attach("canbms-battery-sim");
  part->sim = std::make_unique<sim::canbms::BatterySim>(*part->endpoint);
  part->sim->start(demo.drivers_ctx.io);
  demo.simulators.push_back(part);
  demo.drivers.push_back(std::make_unique<drivers::canbms::GxDriver>(
      demo.drivers_ctx, demo.can_bus(kDemoBmsBus).attach("canbms-gx"),
      drivers::canbms::GxDriverOptions{}));
}

}  // namespace

void register_canbms(Registry& r) {
  r.decoders["canbms"] = decode_canbms;
  r.snapshots["canbms"] = snapshot_canbms;
  r.drivers["canbms"] = make_gx;
  r.drivers["canbms-bms"] = make_bms;
  r.demos.emplace_back("canbms", demo_canbms);
}

}  // namespace gxlink::app
