// SPDX-License-Identifier: MIT
#include "drivers/vebus/vebus_mapping.hpp"

#include <array>
#include <cmath>
#include <string>

namespace gxlink::drivers::vebus {

namespace vb = gxlink::vebus;
using model::Invalid;
using model::ItemMeta;
using model::Value;

namespace {

constexpr std::array<const char*, 3> kPhase = {"L1", "L2", "L3"};

Value num(std::optional<double> v) { return v ? Value(*v) : Value(Invalid{}); }
Value integer(std::optional<std::int64_t> v) { return v ? Value(*v) : Value(Invalid{}); }

std::int64_t led_alarm(const std::optional<vb::LedReply>& l, std::uint8_t mask) {
  // An LED on is an alarm (2), a blinking one a warning (1), as the Multi's panel shows them.
  if (!l) return 0;
  if (l->on & mask) return 2;
  if (l->blink & mask) return 1;
  return 0;
}

}  // namespace

VebusMapping::VebusMapping(model::Model& m, model::DeviceInstances& instances,
                           const std::string& connection, VebusWriteHooks hooks)
    : model_(m), hooks_(std::move(hooks)) {
  model::ServiceSpec spec;
  spec.type = "vebus";
  spec.connection = connection;
  // Venus gives the VE.Bus system instance 257 on a GX (vebus.csv: /DeviceInstance 257).
  spec.device_instance = instances.allocate("vebus_" + connection, "vebus", 257);
  spec.mgmt_connection = "VE.Bus";
  spec.product_name = std::string("VE.Bus inverter/charger");
  svc_ = &model_.add_service(spec);
  declare();
}

// The whole path set of a VE.Bus system, declared at creation, before the first announcement (issue
// 13, conformance 1). Venus' mk2 driver adds phases as it learns the phase count; we declare L1..L3
// (the most a VE.Bus system has) because the count comes only with the first AC frame, after the
// service exists, and a path that appears later is missed by clients that scan once. Phases a
// unit does not have stay invalid, as /Ac/NumberOfPhases tells.
constexpr model::PathSpec kPhasePaths[] = {{"/V"}, {"/I"}, {"/F"}, {"/P"}};
constexpr model::PathSpec kPaths[] = {
    {"/Ac/ActiveIn/P"},
    {"/Ac/Out/P"},
    {"/Ac/NumberOfPhases"},
    {"/Ac/NumberOfAcInputs"},
    {"/Ac/PowerMeasurementType"},
    {"/Ac/ActiveIn/ActiveInput"},
    {"/Ac/ActiveIn/Connected"},
    {"/Ac/ActiveIn/CurrentLimit"},
    {"/Ac/In/1/CurrentLimitIsAdjustable"},
    {"/Dc/0/Voltage"},
    {"/Dc/0/Current"},
    {"/Dc/0/Power"},
    {"/Soc"},
    {"/ModeIsAdjustable"},
    {"/State"},
    {"/VebusChargeState"},
    {"/VebusMainState"},
    {"/VebusError"},
    {"/Alarms/HighTemperature"},
    {"/Alarms/LowBattery"},
    {"/Alarms/Overload"},
    {"/Interfaces/Mk2/Version"},
    {"/Interfaces/Mk2/ProductName"},
};
constexpr model::PathSpec kPhaseAlarmPaths[] = {
    {"/HighTemperature"}, {"/LowBattery"}, {"/Overload"}};

void VebusMapping::declare() {
  auto& s = *svc_;
  // Paths with a write handler first; declare() keeps what exists. Units, decimals and enum texts
  // (/Mode, /State, /VebusChargeState, /Leds/*, /Alarms/*) come from model/venus_formats.
  {
    ItemMeta m;  // unit and decimals from the Venus path-format table
    m.writable = true;
    auto hook = hooks_.set_current_limit;
    s.add("/Ac/In/1/CurrentLimit", m, Invalid{}, [hook](const Value& v) -> model::WriteResult {
      auto d = model::as_double(v);
      if (!d) return model::WriteResult::kBadType;
      if (!hook) return model::WriteResult::kNotWritable;
      return hook(*d);
    });
  }
  {
    ItemMeta m;
    m.writable = true;
    m.min = 1;
    m.max = 4;
    auto hook = hooks_.set_mode;
    s.add("/Mode", m, Invalid{}, [hook](const Value& v) -> model::WriteResult {
      auto i = model::as_int(v);
      if (!i) return model::WriteResult::kBadType;
      if (*i < 1 || *i > 4) return model::WriteResult::kOutOfRange;
      if (!hook) return model::WriteResult::kNotWritable;
      return hook(static_cast<int>(*i));
    });
  }
  for (std::string_view path : kDvccPaths) {
    ItemMeta m;  // units from the Venus path-format table
    m.writable = true;
    auto hook = hooks_.dvcc;
    model::Service* svc = svc_;
    const std::string p(path);
    s.add(path, m, Invalid{}, [hook, svc, p](const Value& v) -> model::WriteResult {
      auto d = model::as_double(v);
      if (!d) return model::WriteResult::kBadType;
      if (!hook) return model::WriteResult::kNotWritable;
      const auto r = hook(p, *d);
      if (r == model::WriteResult::kOk) svc->set(p, *d);
      return r;
    });
  }
  // The BOL frame ('F' 9, §4.3) is not described in the reference, so gxlink does not send it:
  // the BMS's limits reach the unit through its charge current (IBatBulk) only.
  s.declare({model::PathSpec{"/FirmwareFeatures/BolFrame"}});
  s.declare_indexed("/Ac/ActiveIn/L", 1, 3, kPhasePaths);
  s.declare_indexed("/Ac/Out/L", 1, 3, kPhasePaths);
  s.declare(kPaths);
  for (const auto& l : vb::kLeds) s.declare({model::PathSpec{l.path}});
  s.declare_indexed("/Alarms/L", 1, 3, kPhaseAlarmPaths);
}

namespace {

// apply()'s parts, in the order apply() sets them.

/// The number of phases the unit reports (at least 1, as before the first AC frame).
int phase_count(const vb::UnitState& st) { return std::max(1, st.phase_count); }

/// /Ac/ActiveIn and /Ac/Out per phase and in total, and how the power was measured.
void set_ac(model::Service& s, const vb::UnitState& st) {
  const int phases = phase_count(st);
  const bool single = phases == 1;
  double in_total = 0, out_total = 0;
  bool in_any = false, out_any = false;
  for (int p = 0; p < 3; ++p) {
    const std::string in = std::string("/Ac/ActiveIn/") + kPhase[p];
    const std::string out = std::string("/Ac/Out/") + kPhase[p];
    const auto& v = st.phases[static_cast<std::size_t>(p)];
    if (!v || p >= phases) {
      for (auto q : {"/V", "/I", "/F", "/P"}) {
        s.set(in + q, Invalid{});
        s.set(out + q, Invalid{});
      }
      continue;
    }
    s.set(in + "/V", v->in_v);
    s.set(in + "/I", v->in_i);
    s.set(in + "/F", v->in_f);
    s.set(out + "/V", v->out_v);
    s.set(out + "/I", v->out_i);
    s.set(out + "/F", v->out_f);
    // Real power from RAM vars 15/16 on a single-phase system; V × I otherwise (see
    // /Ac/PowerMeasurementType below).
    std::optional<double> pin, pout;
    if (single && st.input_power)
      pin = *st.input_power;
    else
      pin = v->in_v * v->in_i;
    if (single && st.output_power)
      pout = *st.output_power;
    else
      pout = v->out_v * v->out_i;
    s.set(in + "/P", std::int64_t{std::lround(*pin)});
    s.set(out + "/P", std::int64_t{std::lround(*pout)});
    in_total += *pin;
    out_total += *pout;
    in_any = out_any = true;
  }
  s.set("/Ac/ActiveIn/P", in_any ? Value(std::int64_t{std::lround(in_total)}) : Value(Invalid{}));
  s.set("/Ac/Out/P", out_any ? Value(std::int64_t{std::lround(out_total)}) : Value(Invalid{}));
  s.set("/Ac/NumberOfPhases", st.phase_count ? Value(std::int64_t{phases}) : Value(Invalid{}));
  // 0 = apparent power only; 1 = real power measured by the phase master (venus_os / seeds/003).
  s.set("/Ac/PowerMeasurementType",
        st.phase_count ? Value(std::int64_t{single && st.input_power ? 1 : 0}) : Value(Invalid{}));
}

void set_dc(model::Service& s, const vb::UnitState& st) {
  s.set("/Dc/0/Voltage", num(st.dc_voltage));
  s.set("/Dc/0/Current", num(st.dc_current));
  if (st.dc_voltage && st.dc_current)
    s.set("/Dc/0/Power", std::int64_t{std::lround(*st.dc_voltage * *st.dc_current)});
  else
    s.set("/Dc/0/Power", Invalid{});
  s.set("/Soc", num(st.soc));
}

/// From the config frame: the switch (/Mode), the input current limit and its range.
void set_config(model::Service& s, const vb::UnitState& st) {
  if (st.config) {
    const auto& c = *st.config;
    s.set("/Mode", std::int64_t{static_cast<std::int64_t>(c.switch_state())});
    s.set("/ModeIsAdjustable", std::int64_t{1});
    s.set("/Ac/In/1/CurrentLimit", c.actual_limit / 10.0);
    s.set("/Ac/ActiveIn/CurrentLimit", c.actual_limit / 10.0);
    s.set("/Ac/In/1/CurrentLimitIsAdjustable", std::int64_t{1});
    if (auto* item = s.find("/Ac/In/1/CurrentLimit")) {
      item->meta.min = c.min_limit / 10.0;
      item->meta.max = c.max_limit / 10.0;
    }
    s.set("/Ac/NumberOfAcInputs", std::int64_t{c.number_of_inputs ? c.number_of_inputs : 1});
  } else {
    for (auto p :
         {"/Mode", "/ModeIsAdjustable", "/Ac/In/1/CurrentLimit", "/Ac/ActiveIn/CurrentLimit",
          "/Ac/In/1/CurrentLimitIsAdjustable", "/Ac/NumberOfAcInputs"})
      s.set(p, Invalid{});
  }
}

void set_active_input(model::Service& s, const vb::UnitState& st) {
  // Active input: 240 = none (inverting), else the config frame's last active input (seeds/003).
  const bool mains_led = st.leds && ((st.leds->on | st.leds->blink) & 0x01) != 0;
  const bool on_mains =
      st.device_state && (*st.device_state == 7 || *st.device_state == 8 || *st.device_state == 9);
  if (st.config && (st.leds || st.device_state)) {
    const bool connected_in = on_mains || (mains_led && st.leds && (st.leds->on & 0x01));
    s.set("/Ac/ActiveIn/ActiveInput", std::int64_t{connected_in ? st.config->active_input : 240});
    s.set("/Ac/ActiveIn/Connected", std::int64_t{connected_in ? 1 : 0});
  } else {
    s.set("/Ac/ActiveIn/ActiveInput", Invalid{});
    s.set("/Ac/ActiveIn/Connected", Invalid{});
  }
}

void set_state(model::Service& s, const vb::UnitState& st) {
  if (st.device_state) {
    const bool charging = *st.device_state == static_cast<std::uint8_t>(vb::DeviceState::kCharge);
    s.set("/State",
          vb::venus_state(*st.device_state, charging ? st.charge_substate : std::nullopt));
    s.set("/VebusMainState", std::int64_t{*st.device_state});
    s.set("/VebusChargeState", charging && st.charge_substate
                                   ? Value(std::int64_t{*st.charge_substate})
                                   : Value(std::int64_t{0}));
  } else {
    s.set("/State", Invalid{});
    s.set("/VebusMainState", Invalid{});
    s.set("/VebusChargeState", Invalid{});
  }
}

/// The front panel's LEDs, the VE.Bus error, and the alarms the LEDs show (system and per phase).
void set_leds_and_alarms(model::Service& s, const vb::UnitState& st) {
  const int phases = phase_count(st);
  for (const auto& l : vb::kLeds)
    s.set(l.path,
          st.leds ? Value(vb::led_value(st.leds->on, st.leds->blink, l.mask)) : Value(Invalid{}));
  if (st.leds)
    s.set("/VebusError", std::int64_t{st.leds->vebus_error.value_or(0)});
  else
    s.set("/VebusError", Invalid{});
  struct AlarmLed {
    const char* name;
    std::uint8_t mask;
  };
  for (auto a : {AlarmLed{"HighTemperature", 0x80}, AlarmLed{"LowBattery", 0x40},
                 AlarmLed{"Overload", 0x20}}) {
    Value v;
    if (st.leds) v = led_alarm(st.leds, a.mask);
    s.set(std::string("/Alarms/") + a.name, v);
    // The LED frame is the system's; each present phase shows it.
    for (int p = 0; p < 3; ++p) {
      const std::string path = std::string("/Alarms/") + kPhase[p] + "/" + a.name;
      if (p < phases)
        s.set(path, v);
      else
        s.set(path, Invalid{});
    }
  }
}

/// The unit's product and firmware, and the interface (MK2/MK3) it is reached through.
void set_identity(model::Service& s, const vb::UnitState& st) {
  // Venus' integers (vebus.csv: /ProductId 9760 = 0x2620, /FirmwareVersion 1058 = 0x422).
  if (auto id = st.firmware_number ? vb::vebus_identity(*st.firmware_number) : std::nullopt) {
    s.set("/ProductId", id->product_id);
    s.set("/FirmwareVersion", id->firmware_version);
  }
  s.set("/Interfaces/Mk2/Version",
        integer(st.interface_version ? std::optional<std::int64_t>(*st.interface_version)
                                     : std::nullopt));
  s.set("/Interfaces/Mk2/ProductName", st.interface_kind == vb::InterfaceKind::kUnknown
                                           ? Value(Invalid{})
                                           : Value(std::string(vb::to_string(st.interface_kind))));
}

}  // namespace

void VebusMapping::apply(const vb::UnitState& st, bool connected) {
  auto& s = *svc_;
  if (!connected) {
    if (connected_) s.invalidate_all();
    connected_ = false;
    return;
  }
  connected_ = true;
  s.set("/Connected", std::int64_t{1});
  s.set("/FirmwareFeatures/BolFrame", std::int64_t{0});
  set_ac(s, st);
  set_dc(s, st);
  set_config(s, st);
  set_active_input(s, st);
  set_state(s, st);
  set_leds_and_alarms(s, st);
  set_identity(s, st);
}

PassiveDecoder::PassiveDecoder() {
  for (const auto& d : vb::kRamVars) state_.ram_info[d.id] = d.typical;
}

bool PassiveDecoder::apply(const vb::Mk2Frame& f) {
  auto r = vb::decode(f);
  if (!r) return false;
  auto& st = state_;
  if (f.has_leds) st.leds = vb::LedReply{f.led_on, f.led_blink, {}, {}};
  auto scaled = [&st](std::uint8_t var, std::uint16_t raw) {
    return st.ram_info[var].to_value(raw);
  };
  if (auto* d = std::get_if<vb::DcInfoRaw>(&*r)) {
    st.device_state = d->device_state;
    st.dc_voltage = scaled(vb::ram::kUBat, d->ubat);
    const auto& i = st.ram_info[vb::ram::kIBat];
    st.dc_current = i.to_value_wide(d->charger_current) - i.to_value_wide(d->inverter_current);
    st.inverter_frequency =
        vb::period_to_hz(st.ram_info[vb::ram::kInverterPeriod], d->inverter_period);
  } else if (auto* a = std::get_if<vb::AcInfoRaw>(&*r)) {
    if (a->phase.phase_count) st.phase_count = a->phase.phase_count;
    if (!st.phase_count) st.phase_count = 1;
    st.device_state = a->device_state;
    vb::PhaseValues v;
    v.in_v = scaled(vb::ram::kUMainsRms, a->mains_u);
    v.in_i = scaled(vb::ram::kIMainsRms, a->mains_i) * a->bf_factor;
    v.out_v = scaled(vb::ram::kUInverterRms, a->inverter_u);
    v.out_i = scaled(vb::ram::kIInverterRms, a->inverter_i) * a->inverter_factor;
    v.in_f = vb::period_to_hz(st.ram_info[vb::ram::kMainsPeriod], a->mains_period);
    v.out_f = st.inverter_frequency.value_or(v.in_f);
    if (a->phase.phase >= 1 && a->phase.phase <= 4)
      st.phases[static_cast<std::size_t>(a->phase.phase - 1)] = v;
  } else if (auto* c = std::get_if<vb::ConfigInfo>(&*r)) {
    st.config = *c;
  } else if (auto* l = std::get_if<vb::LedReply>(&*r)) {
    st.leds = *l;
  } else if (auto* v = std::get_if<vb::VersionReply>(&*r)) {
    st.interface_version = v->version;
  } else if (auto* w = std::get_if<vb::WinmonReply>(&*r)) {
    if (auto ds = vb::device_state(*w)) {
      st.device_state = ds->state;
      st.charge_substate = ds->substate;
    }
  }
  return true;
}

}  // namespace gxlink::drivers::vebus
