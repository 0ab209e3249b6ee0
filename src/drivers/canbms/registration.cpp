// SPDX-License-Identifier: MIT
// The CAN-bus BMS protocol (seeds/001): `gxlink decode canbms`, `gxlink snapshot canbms:FILE`, the
// `[[canbms]]` (GX role) and `[[canbms-bms]]` (battery emulation) config sections, and the demo's
// simulated CAN battery.
#include <cmath>
#include <istream>
#include <ostream>
#include <stdexcept>

#include "core/json_writer.hpp"
#include "drivers/canbms/bms_driver.hpp"
#include "drivers/canbms/controller_policy.hpp"
#include "drivers/canbms/gx_driver.hpp"
#include "model/model_json.hpp"
#include "protocols/canbms/codec.hpp"
#include "registry/charge_control_config.hpp"
#include "registry/demo.hpp"
#include "registry/registry.hpp"
#include "sim/canbms/battery_sim.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/candump_file.hpp"

namespace gxlink::registry {
namespace {
namespace cb = gxlink::canbms;

template <class T>
void opt(JsonLineWriter& w, std::string_view key, const std::optional<T>& v) {
  w.key(key);
  if (!v)
    w.null();
  else if constexpr (std::is_floating_point_v<T>)
    w.real(*v);
  else
    w.integer(*v);
}

void write_fields(JsonLineWriter& w, const cb::Message& msg) {
  w.begin_object();
  if (const auto* l = std::get_if<cb::Limits>(&msg)) {
    opt(w, "charge_voltage_v", std::optional<double>(l->charge_voltage_v));
    opt(w, "charge_current_a", std::optional<double>(l->charge_current_a));
    opt(w, "discharge_current_a", std::optional<double>(l->discharge_current_a));
    opt(w, "discharge_voltage_v", l->discharge_voltage_v);
  } else if (const auto* s = std::get_if<cb::Soc>(&msg)) {
    opt(w, "soc_pct", s->soc_pct);
    opt(w, "soh_pct", s->soh_pct);
    opt(w, "soc_hires_pct", s->soc_hires_pct);
  } else if (const auto* d = std::get_if<cb::DcStatus>(&msg)) {
    opt(w, "voltage_v", d->voltage_v);
    opt(w, "current_a", d->current_a);
    opt(w, "temperature_c", d->temperature_c);
  } else if (const auto* a = std::get_if<cb::Alarms>(&msg)) {
    for (const bool alarms : {true, false}) {
      w.key(alarms ? "alarms" : "warnings");
      w.begin_object();
      for (const auto& info : cb::kAlarms) {
        w.key(info.name);
        w.string(cb::to_string(alarms ? a->alarm(info) : a->warning(info)));
      }
      w.end_object();
    }
    w.key("system_status");
    w.integer(static_cast<std::int64_t>(a->pair(cb::kSystemStatusByte, cb::kSystemStatusShift)));
  } else if (const auto* t = std::get_if<cb::TextMessage>(&msg)) {
    w.key("text");
    w.string(t->text.view());
  } else if (const auto* b = std::get_if<cb::BatteryInfo>(&msg)) {
    opt(w, "model", b->model);
    opt(w, "firmware", b->firmware);
    opt(w, "online_capacity_ah", b->online_capacity_ah);
  } else if (const auto* fc = std::get_if<cb::ForceCharge>(&msg)) {
    w.key("force_charge");
    w.boolean(fc->requested);
  } else if (const auto* m = std::get_if<cb::Modules>(&msg)) {
    opt(w, "modules_ok", m->ok);
    opt(w, "modules_blocking_charge", m->blocking_charge);
    opt(w, "modules_blocking_discharge", m->blocking_discharge);
    opt(w, "modules_offline", m->offline);
  } else if (const auto* c = std::get_if<cb::CellExtremes>(&msg)) {
    opt(w, "min_cell_voltage_v", c->min_cell_voltage_v);
    opt(w, "max_cell_voltage_v", c->max_cell_voltage_v);
    opt(w, "min_cell_temperature_c", c->min_cell_temperature_c);
    opt(w, "max_cell_temperature_c", c->max_cell_temperature_c);
  } else if (const auto* e = std::get_if<cb::Energy>(&msg)) {
    opt(w, "charged_kwh", e->charged_kwh);
    opt(w, "discharged_kwh", e->discharged_kwh);
  } else if (const auto* ic = std::get_if<cb::InstalledCapacity>(&msg)) {
    opt(w, "installed_capacity_ah", ic->capacity_ah);
  } else if (const auto* id = std::get_if<cb::InverterId>(&msg)) {
    w.key("victron");
    w.boolean(id->victron);
  } else if (const auto* tol = std::get_if<cb::Tolerated>(&msg)) {
    w.key("raw");
    w.hex(tol->frame.payload());
  }
  w.end_object();
}

std::string hex_id(std::uint32_t id) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%03X", static_cast<unsigned>(id));
  return b;
}

DecodeStats decode_canbms(std::istream& in, std::ostream& out, std::ostream& err) {
  DecodeStats st;
  JsonBuffer json_line;  // one JSON line, reused
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
    json_line.clear();
    JsonLineWriter w(json_line);
    w.begin_object();
    if (l->timestamp) {
      w.key("t");
      w.real(*l->timestamp);
    }
    w.key("id");
    w.string(hex_id(l->frame.id));
    w.key("kind");
    w.string(info ? info->name : std::string_view("unknown"));
    w.key("len");
    w.integer(l->frame.len);
    w.key("fields");
    write_fields(w, *m);
    w.end_object();
    json_line += '\n';
    out.write(json_line.data(), static_cast<std::streamsize>(json_line.size()));
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
  const std::string policy = cfg["policy"].value_or(std::string("static"));
  auto cvl = cfg["charge_voltage"].value<double>();
  auto ccl = cfg["charge_current"].value<double>();
  auto dcl = cfg["discharge_current"].value<double>();
  if (!ccl || !dcl) throw std::invalid_argument("needs charge_current and discharge_current");
  if (*ccl < 0 || *ccl > 6553.5 || *dcl < 0 || *dcl > 6553.5)
    throw std::invalid_argument("charge_current and discharge_current must be in [0, 6553.5] A");
  if (!cvl)
    throw std::invalid_argument("needs charge_voltage, charge_current and discharge_current");
  if (*cvl <= 0 || *cvl > 1000)
    throw std::invalid_argument("charge_voltage must be in (0, 1000] V");
  std::shared_ptr<cb::LimitPolicy> limit_policy;
  if (policy == "controller") {
    auto cc = controller_config_for(cfg, *cvl, *ccl, *dcl);
    limit_policy = std::make_shared<drivers::canbms::ControllerLimitPolicy>(
        cc, cfg["battery_low_voltage"].value<double>());
  }
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
      ctx, transport::make_can_transport(ctx.io, *iface, bitrate), std::move(o),
      std::move(limit_policy));
}

// Every key make_gx and make_bms read.
KeySchema can_interface_key() {
  return {
      .name = "interface",
      .type = ValueType::kString,
      .description = "CAN transport: slcan:/dev/ttyACM0@500000, socketcan:can0, file:capture.log",
      .required = true,
      .check = check_can_spec(500000),
      .device = DeviceRole::kCanSpec};
}

KeySchema bitrate_key() {
  return {.name = "bitrate",
          .type = ValueType::kInteger,
          .description = "CAN bit rate when an slcan interface names none (default 500000)",
          .check = check_can_bitrate};
}

SectionSchema gx_schema() {
  return {
      .name = "canbms",
      .form = SectionForm::kEither,
      .description = "CAN-bus BMS, GX role: a managed battery's frames become a battery service",
      .keys = {
          can_interface_key(),
          bitrate_key(),
          {.name = "device_instance",
           .type = ValueType::kInteger,
           .description = "Venus device instance (512 is Venus' default for CAN batteries)",
           .min = 0,
           .max = 2147483647},
          {.name = "connection",
           .type = ValueType::kString,
           .description = "service-name suffix; default socketcan_<interface>"},
          {.name = "keepalive",
           .type = ValueType::kBool,
           .description = "send 0x305/0x307 every second (false: listen only)"},
      }};
}

SectionSchema bms_schema() {
  KeySchema seconds{.name = "", .type = ValueType::kFloat, .min = 0, .min_exclusive = true};
  auto secs = [&](const char* name, const char* description) {
    KeySchema k = seconds;
    k.name = name;
    k.description = description;
    return k;
  };
  return {
      .name = "canbms-bms",
      .form = SectionForm::kEither,
      .description = "CAN-bus BMS, BMS role: a battery service of the model spoken to an inverter",
      .keys = {
          can_interface_key(),
          bitrate_key(),
          {.name = "source",
           .type = ValueType::kString,
           .description = "the battery service to speak for, com.victronenergy.battery.<id>",
           .required = true,
           .check = check_not_empty},
          {.name = "policy",
           .type = ValueType::kString,
           .description = "static (the limits below, as configured) or controller (issue 16)",
           .choices = {"static", "controller"}},
          chemistry_key("policy = controller"),
          cells_key("policy = controller"),
          controller_table_key(),
          {.name = "charge_voltage",
           .type = ValueType::kFloat,
           .description = "CVL, V, from the battery maker's manual (never guessed); "
                          "policy = controller: its highest CVL",
           .required = true,
           .min = 0,
           .max = 1000,
           .min_exclusive = true},
          {.name = "charge_current",
           .type = ValueType::kFloat,
           .description = "CCL, A (policy = controller: the maximum it derates from)",
           .required = true,
           .min = 0,
           .max = 6553.5},
          {.name = "discharge_current",
           .type = ValueType::kFloat,
           .description = "DCL, A (policy = controller: the maximum it derates from)",
           .required = true,
           .min = 0,
           .max = 6553.5},
          {.name = "battery_low_voltage",
           .type = ValueType::kFloat,
           .description = "optional, V (not used by Victron)",
           .min = 0,
           .max = 1000},
          {.name = "manufacturer",
           .type = ValueType::kString,
           .description = "0x35E text; keep it neutral"},
          {.name = "name", .type = ValueType::kString, .description = "0x370/0x371 battery name"},
          {.name = "serial", .type = ValueType::kString, .description = "battery serial number"},
          secs("inverter_timeout_s", "0x305 absence tolerated this long before it is reported"),
          secs("source_timeout_s", "the source's values older than this count as lost"),
          {.name = "failsafe_s",
           .type = ValueType::kFloat,
           .description = "CCL = DCL = 0 is sent this long after the source is lost, then nothing",
           .min = 0},
      }};
}

void demo_canbms(DemoContext& demo) {
  // A managed battery on the demo's 500 k bus and a GX-role driver reading it, as on a real GX.
  struct Part {
    std::unique_ptr<transport::InProcessCanBus::Endpoint> endpoint;
    std::unique_ptr<sim::canbms::BatterySim> sim;
  };
  auto part = std::make_shared<Part>();
  part->endpoint = demo.can_bus(kDemoBmsBus).attach("canbms-battery-sim");
  // The demo bank's BMS allows 50 A of charge: less than its chargers can make together, so a
  // user sees DVCC share it out (issue 12 item 7).
  sim::canbms::BatterySimOptions bo;
  bo.max_charge_current_a = 50;
  part->sim = std::make_unique<sim::canbms::BatterySim>(*part->endpoint, bo);
  part->sim->attach_bank(demo.house_bank());  // the demo's shared 48 V bank
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
  r.drivers["canbms"] = {make_gx, gx_schema()};
  r.drivers["canbms-bms"] = {make_bms, bms_schema()};
  r.demos.emplace_back("canbms", demo_canbms);
}

}  // namespace gxlink::registry
