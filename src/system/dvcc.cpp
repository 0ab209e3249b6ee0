// SPDX-License-Identifier: MIT
#include "system/dvcc.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "system/service_reads.hpp"
#include "system/settings.hpp"
#include "system/systemcalc.hpp"

namespace gxlink::system {
namespace {

using model::Service;
using model::Value;
using Opt = std::optional<double>;

constexpr double kPi = 3.141592653589793;

/// An optional number as a model value (invalid when absent).
Value opt_value(const Opt& v) {
  Value out;
  if (v) out = *v;
  return out;
}

double round1(double v) { return std::round(v * 10.0) / 10.0; }

/// Charge current a source measures now (positive = into the battery); 0 when unknown.
double measured_current(const Service* s) {
  if (auto i = num(s, "/Dc/0/Current")) return std::max(0.0, *i);
  auto p = num(s, "/Dc/0/Power"), v = num(s, "/Dc/0/Voltage");
  if (p && v && *v > 0) return std::max(0.0, *p / *v);
  return 0.0;
}

enum class Kind { kSolar, kInverterCharger, kOther };

/// One charger DVCC may drive (dvcc.py BaseCharger and subclasses).
struct Charger {
  const Service* s;
  Kind kind;
  double smoothed = 0;  ///< solar and inverter/chargers: low-passed; others: as measured
  double measured = 0;
  bool vecan = false;
  /// Venus' `controllable`, plus: the device really has /Link/ChargeCurrent (Venus writes only
  /// paths that exist, so a charger without it would be counted on yet never limited).
  bool controllable = false;
  Opt currentlimit;  ///< /Settings/ChargeCurrentLimit

  /// /Link/ChargeCurrent, or the limit when the link has no value yet.
  double maxchargecurrent() const {
    return num(s, "/Link/ChargeCurrent").value_or(currentlimit.value_or(0));
  }
};

/// Firmware below which a charger cannot be controlled (dvcc.py *_FIRMWARE_REQUIRED).
constexpr std::int64_t kVebusFirmwareRequired = 0x422;
constexpr std::int64_t kVedirectFirmwareRequired = 0x129;
constexpr std::int64_t kVecanFirmwareRequired = 0x10200;

bool has_externalcontrol_support(const Service* s) {
  const std::int64_t pid = integer(s, "/ProductId").value_or(0);
  if (pid >= 0xA102 && pid <= 0xA10E) return true;  // known to support it (venus#655)
  auto v = integer(s, "/FirmwareVersion");
  if (!v) return true;  // unknown: raise no false warning
  return (*v & 0xFF0000) ? *v >= kVecanFirmwareRequired : *v >= kVedirectFirmwareRequired;
}

}  // namespace

QuirkResult apply_quirks(const BmsReading& bms, double& pylontech_cv) {
  QuirkResult r{bms.cvl, bms.ccl, false, false};
  const Opt cvl = bms.cvl, ccl = bms.ccl;
  switch (bms.product_id) {
    case 0xB004:  // LG: make room for a potential 0.4 V of over-voltage feed-in below 58 V
      if (cvl) r.cv = std::min(*cvl, 57.3);
      break;
    case 0xB009: {  // Pylontech (venus#536)
      if (bms.charge_voltage_control || !cvl) break;
      const double cv = *cvl;
      if (cv > 20 && cv <= 54) {
        if (cv < 30) {  // 24 V
          r.cv = std::min(cv, ccl.value_or(0) < 0.1 ? 27.6 : 27.8);
        } else if (bms.max_cell && bms.min_cell && bms.voltage) {  // 48 V, 15 cells
          const double spread = std::max(0.0, *bms.max_cell - *bms.min_cell);
          const double dd = *bms.voltage / 15 - spread / 2;
          const double skew = spread > 0 ? std::clamp(dd / spread, -0.5, 0.5) : 0.0;
          const double target =
              std::clamp(*bms.voltage + 16 * (3.52 - *bms.max_cell) - skew * spread, 47.0, 52.8);
          pylontech_cv = 0.95 * pylontech_cv + 0.05 * target;
          r.cv = std::round(pylontech_cv * 100.0) / 100.0;
        } else {
          r.cv = std::min(cv, 52.4);
        }
      }
      // Halve the CCL rather than stop when CCL = 0 is sent: at least C/4.
      if (ccl && cv > 20 && cv <= 55) {
        const double capacity = bms.capacity.value_or(cv < 30 ? 55.0 : 25.0);
        r.ccl = std::max(*ccl, std::round(capacity / 4.0));
      }
      break;
    }
    case 0xB00A:
    case 0xB015:
    case 0xB019:  // BYD: float at 55 V with 40 A when the battery sends CCL = 0
      if (ccl && *ccl == 0) {
        if (cvl) r.cv = std::min(55.0, *cvl);
        r.ccl = 40.0;
      }
      break;
    case 0xB029:  // Pylontech Pelio-L (16 cells)
      if (cvl) r.cv = std::min(*cvl, ccl.value_or(0) < 0.1 ? 55.2 : 56.0);
      if (ccl) r.ccl = std::max(*ccl, std::round(bms.capacity.value_or(100.0) / 5.0));
      break;
    case 0xA3E3:  // Lynx parallel BMS
    case 0xA3E4:
    case 0xA3E5:
    case 0xA3E6:
    case 0xA3E7:  // Lynx Smart BMS: CCL = 0 stops every charger, and CVL changes act at once
      r.stop_on_mcc0 = true;
      r.quick_adjust = true;
      break;
    default: break;
  }
  return r;
}

void distribute_current(std::vector<ShareCharger>& chargers, double mcc) {
  double capacity = 0, limit = 0, actual = 0;
  for (auto& c : chargers) {
    capacity += c.currentlimit;
    limit += c.maxchargecurrent;
    actual += c.smoothed;
  }
  actual = std::min(actual, limit);
  if (!(capacity - actual > 0)) return;  // at capacity already: leave them alone this cycle
  const double p = (mcc - actual) / (capacity - actual);
  double spill = 0;
  for (auto& c : chargers) {
    const double l = std::max(c.smoothed + p * (c.currentlimit - c.smoothed) + spill, 0.0);
    const double r = round1(l);  // the chargers take 0.1 A steps; carry the rest to the next
    spill = l - r;
    c.maxchargecurrent = r;
  }
}

namespace {
// Status paths on com.victronenergy.system (dvcc.py and batterysense.py set_sources).
constexpr std::array<std::pair<const char*, std::int64_t>, 9> kStatus = {{
    {"/Control/Dvcc", 0},
    {"/Control/SolarChargeVoltage", 0},
    {"/Control/SolarChargeCurrent", 0},
    {"/Control/BmsParameters", 0},
    {"/Control/MaxChargeCurrent", 0},
    {"/Control/SolarChargerVoltageSense", 0},
    {"/Control/SolarChargerTemperatureSense", 0},
    {"/Dvcc/Alarms/FirmwareInsufficient", 0},
    {"/Control/BatteryCurrentSense", 0},
}};
constexpr std::array<const char*, 2> kStatusNone = {"/Control/EffectiveChargeVoltage",
                                                    "/Dc/Battery/ChargeVoltage"};
// gxlink's own (issue 16), only with [system.charge_control]: /Active 1 says the limits DVCC
// distributes come from gxlink's charge controller, not from a BMS; the rest is what it runs on
// (the battery service), its phase and its limits.
constexpr const char* kControlActive = "/Dvcc/ChargeControl/Active";
constexpr std::array<const char*, 5> kControlNone = {
    "/Dvcc/ChargeControl/Service", "/Dvcc/ChargeControl/Phase",
    "/Dvcc/ChargeControl/MaxChargeVoltage", "/Dvcc/ChargeControl/MaxChargeCurrent",
    "/Dvcc/ChargeControl/MaxDischargeCurrent"};
}  // namespace

void Dvcc::start() {
  // The status goes on systemcalc's com.victronenergy.system (one service, as on a GX); DVCC adds
  // its own paths there before the service is first announced.
  system_ = ctx_.model.find(kSystemService);
  if (!system_) throw std::runtime_error("dvcc needs systemcalc's com.victronenergy.system");
  for (auto& [p, v] : kStatus) system_->add(p, {}, Value{v});
  for (const char* p : kStatusNone) system_->add(p, {});
  if (options_.charge_control) {
    system_->add(kControlActive, {}, Value{std::int64_t{0}});
    for (const char* p : kControlNone) system_->add(p, {});
  }
}

void Dvcc::stop() {
  // The service itself is systemcalc's (removed by its stop, which runs after ours).
  system_ = nullptr;
  multi_unlimited_ = false;
  last_cycle_.reset();
  controller_.reset();
  controller_out_.reset();
}

void Dvcc::set_status(std::string_view path, const Value& v) {
  if (system_ && ctx_.model.find(kSystemService) == system_) system_->set(path, v);
}

void Dvcc::write(std::string_view service, std::string_view path, const Value& v) {
  // Only paths the device has (Venus' `seen`): a device that cannot take a value is not sent it.
  // The owning driver validates the write; a refusal is the device's answer, not ours to retry.
  const Service* s = ctx_.model.find(service);
  if (!has(s, path)) return;
  if (auto d = model::as_double(v); d && !std::isfinite(*d)) return;  // never a NaN limit
  (void)ctx_.model.write(service, path, v);
}

void Dvcc::publish_off() {
  multi_unlimited_ = false;
  for (auto& [p, v] : kStatus) set_status(p, Value{v});
  for (const char* p : kStatusNone) set_status(p, Value{});
  publish_controller();
}

void Dvcc::publish_controller() {
  if (!options_.charge_control) return;
  set_status(kControlActive, Value{std::int64_t{controller_out_ ? 1 : 0}});
  if (!controller_out_) {
    for (const char* p : kControlNone) set_status(p, Value{});
    return;
  }
  const control::ControlOutput& out = *controller_out_;
  set_status("/Dvcc/ChargeControl/Service", Value{controller_battery_});
  set_status("/Dvcc/ChargeControl/Phase", Value{std::string(control::to_string(out.phase))});
  set_status("/Dvcc/ChargeControl/MaxChargeVoltage", Value{out.cvl_v});
  set_status("/Dvcc/ChargeControl/MaxChargeCurrent", Value{out.ccl_a});
  set_status("/Dvcc/ChargeControl/MaxDischargeCurrent", Value{out.dcl_a});
}

void Dvcc::update_controller(TimePoint now) {
  controller_out_.reset();
  if (!options_.charge_control) return;
  // A clock that went backwards (a new replay) starts the controller afresh.
  if (controller_t_ && now < *controller_t_) controller_.reset();
  controller_t_ = now;
  auto* calc = dynamic_cast<SystemCalc*>(ctx_.find ? ctx_.find("systemcalc") : nullptr);
  const Service* battery =
      calc && !calc->battery_service().empty() ? ctx_.model.find(calc->battery_service()) : nullptr;
  // Only for a battery service (not a Multi's SOC) that gives no limits of its own, and only
  // while no BMS is selected: a BMS's limits always win, as they do in Venus (venus_os.md §5.2).
  const bool eligible = battery && service_type(battery->name()) == "battery" &&
                        calc->bms_service().empty() && !num(battery, "/Info/MaxChargeVoltage");
  if (!eligible || battery->name() != controller_battery_) {
    controller_.reset();
    controller_cells_seen_ = false;
    controller_battery_ = eligible ? battery->name() : std::string();
  }
  if (!eligible) return;
  const Opt v = num(battery, "/Dc/0/Voltage"), i = num(battery, "/Dc/0/Current");
  const Opt cell_min = num(battery, "/System/MinCellVoltage");
  const Opt cell_max = num(battery, "/System/MaxCellVoltage");
  const bool cells = cell_min && cell_max;
  // Loss of data: a driver that loses its device says /Connected 0 and invalidates its values
  // within the protocol's timeout (DESIGN.md "Safety rules"). Cell extremes, once published, are
  // needed from then on: without them the controller would fall back to the average cell and miss
  // a high one. The controller stops; cycle() then stops writing, as for a lost BMS.
  if (!connected(battery) || !v || *v <= 0 || !i || (controller_cells_seen_ && !cells)) {
    controller_.reset();
    return;
  }
  controller_cells_seen_ = controller_cells_seen_ || cells;
  control::Measurement in;
  in.pack_v = *v;
  in.current_a = *i;  // battery services: positive = charging, as the controller counts it
  in.soc_pct = num(battery, "/Soc");
  in.cell_min_v = cell_min;
  in.cell_max_v = cell_max;
  const Opt t = num(battery, "/Dc/0/Temperature");
  const Opt t_min = num(battery, "/System/MinCellTemperature");
  const Opt t_max = num(battery, "/System/MaxCellTemperature");
  in.temp_min_c = t_min ? t_min : t;
  in.temp_max_c = t_max ? t_max : t;
  if (!controller_) controller_.emplace(*options_.charge_control);
  controller_out_ = controller_->update(in, now);
}

void Dvcc::on_tick(TimePoint now) {
  if (!system_ || ctx_.model.find(kSystemService) != system_) return;
  const bool on = (ctx_.settings.get_int("/Settings/Services/Bol").value_or(0) & 1) != 0;
  if (!on) {
    // DVCC off: nothing is written into any device (gxlink has no pre-DVCC "legacy" mode).
    controller_.reset();
    controller_out_.reset();
    publish_off();
    last_cycle_.reset();
    return;
  }
  update_filters();
  // The controller runs every second (its own update period keeps the CVL to one change per
  // 20 s); what it says at each ADJUST cycle is sent.
  update_controller(now);
  publish_controller();
  if (!due(last_cycle_, now, kAdjustSeconds)) return;  // every ADJUST seconds
  cycle();
}

void Dvcc::update_filters() {
  // Solar chargers and inverter/chargers track a smoothed current every second (dvcc.py
  // SolarCharger.update_values); a filter starts at the first value it sees.
  std::map<std::string, LowPass, std::less<>> next;
  auto track = [&](const Service* s) {
    auto it = smoothed_.find(s->name());
    LowPass f = it != smoothed_.end() ? it->second : LowPass{2 * kPi / 20, 0.0};
    if (auto i = num(s, "/Dc/0/Current")) {
      if (it == smoothed_.end()) f.value = *i;
      f.update(*i);
    }
    next.emplace(s->name(), f);
  };
  for (auto* s : of(ctx_.model, "solarcharger")) track(s);
  for (const char* t : {"inverter", "multi"})
    for (auto* s : of(ctx_.model, t))
      if (integer(s, "/IsInverterCharger") == 1) track(s);
  smoothed_ = std::move(next);

  // The Multi's DC current, capped at the chargers' total capacity so that a large discharge does
  // not wind the filter up (dvcc.py Multi.update_values).
  const Service* multi = nullptr;
  if (auto* vs = std::get_if<std::string>(&system_->get("/VebusService")))
    multi = ctx_.model.find(*vs);
  if (auto c = num(multi, "/Dc/0/Current")) {
    Opt capacity;
    for (auto* s : of(ctx_.model, "solarcharger"))
      if (auto l = num(s, "/Settings/ChargeCurrentLimit")) capacity = capacity.value_or(0) + *l;
    vebus_dc_.update(capacity ? std::max(*c, -*capacity) : *c);
  }
}

void Dvcc::cycle() {
  model::Model& m = ctx_.model;
  const Settings& settings = ctx_.settings;
  auto* calc = dynamic_cast<SystemCalc*>(ctx_.find ? ctx_.find("systemcalc") : nullptr);
  set_status("/Control/Dvcc", std::int64_t{1});

  // ---- the devices ----
  const Service* multi = nullptr;
  if (auto* vs = std::get_if<std::string>(&system_->get("/VebusService"))) multi = m.find(*vs);
  if (multi && !connected(multi)) multi = nullptr;

  std::vector<Charger> chargers;  // solar chargers and inverter/chargers
  std::vector<Charger> others;    // alternators, DC gensets and AC chargers DVCC can set
  double uncontrolled = 0;        // measured current of every source DVCC cannot set
  bool firmware_ok = true;
  bool charger_wants_bms = false;
  auto make = [&](const Service* s, Kind k) {
    Charger c{s, k, 0, 0, false, false, std::nullopt};
    c.measured = measured_current(s);
    auto it = smoothed_.find(s->name());
    c.smoothed = k != Kind::kOther && it != smoothed_.end() ? it->second.value : c.measured;
    c.vecan = model::to_plain_text(s->get("/Mgmt/Connection")) == "VE.Can";
    c.currentlimit = num(s, "/Settings/ChargeCurrentLimit");
    const auto n2k = integer(s, "/N2kDeviceInstance");
    c.controllable =
        has(s, "/Link/ChargeCurrent") && c.currentlimit &&
        (k == Kind::kOther || (integer(s, "/State").value_or(-1) != 0 && (!n2k || *n2k == 0)));
    if (integer(s, "/Settings/BmsPresent") == 1) charger_wants_bms = true;
    return c;
  };
  for (auto* s : of(m, "solarcharger")) {
    chargers.push_back(make(s, Kind::kSolar));
    firmware_ok = firmware_ok && has_externalcontrol_support(s);
  }
  for (const char* t : {"inverter", "multi"})
    for (auto* s : of(m, t))
      if (integer(s, "/IsInverterCharger") == 1) {
        chargers.push_back(make(s, Kind::kInverterCharger));
        firmware_ok = firmware_ok && has_externalcontrol_support(s);
      }
  for (const char* t : {"alternator", "dcgenset", "charger"})
    for (auto* s : of(m, t)) others.push_back(make(s, Kind::kOther));
  for (auto& c : chargers)
    if (!c.controllable) uncontrolled += c.measured;
  for (auto& c : others)
    if (!c.controllable) uncontrolled += c.measured;
  for (const char* t : {"dcdc", "fuelcell"})
    for (auto* s : of(m, t)) uncontrolled += measured_current(s);

  if (multi) {
    auto fw = integer(multi, "/FirmwareVersion");
    if (fw && *fw < kVebusFirmwareRequired) firmware_ok = false;
  }
  set_status("/Dvcc/Alarms/FirmwareInsufficient", std::int64_t{firmware_ok ? 0 : 1});

  // ---- the BMS ----
  const Service* bms = calc && !calc->bms_service().empty() ? m.find(calc->bms_service()) : nullptr;
  if (bms && !connected(bms)) bms = nullptr;
  // Without a BMS, gxlink's charge controller may stand in for one (issue 16; only when
  // configured): its limits are then distributed exactly as a BMS's, its loss stops the writes
  // as a lost BMS does. `limits` is where the limits come from.
  const bool from_controller = !bms && controller_out_.has_value();
  const Service* limits = bms;
  if (from_controller) limits = m.find(controller_battery_);
  if (limits || charger_wants_bms) bms_seen_ = true;
  const bool vebus_bms = multi && integer(multi, "/Bms/BmsType") == 2;
  if (bms_seen_ && !limits && !vebus_bms) {
    // BMS lost (dvcc.py): stop writing, so every charger in BMS mode times out on its own
    // (error #67) instead of charging on limits nobody vouches for any more.
    set_status("/Control/SolarChargeVoltage", std::int64_t{0});
    set_status("/Control/SolarChargeCurrent", std::int64_t{0});
    set_status("/Control/BmsParameters", std::int64_t{0});
    set_status("/Control/EffectiveChargeVoltage", Value{});
    set_status("/Dc/Battery/ChargeVoltage", Value{});
    return;
  }

  Opt cv, mcc, dcl;
  bool stop_on_mcc0 = false;
  const bool has_bms = limits != nullptr;
  if (limits) {
    BmsReading r;
    // The quirks correct what a particular BMS's firmware sends; the controller's limits are
    // gxlink's own, so none of them applies (product 0).
    r.product_id = from_controller ? 0 : integer(limits, "/ProductId").value_or(0);
    r.cvl = from_controller ? Opt(controller_out_->cvl_v) : num(limits, "/Info/MaxChargeVoltage");
    r.ccl = from_controller ? Opt(controller_out_->ccl_a) : num(limits, "/Info/MaxChargeCurrent");
    dcl = from_controller ? Opt(controller_out_->dcl_a) : num(limits, "/Info/MaxDischargeCurrent");
    r.voltage = num(limits, "/Dc/0/Voltage");
    r.capacity = num(limits, "/InstalledCapacity");
    r.max_cell = num(limits, "/System/MaxCellVoltage");
    r.min_cell = num(limits, "/System/MinCellVoltage");
    r.charge_voltage_control = integer(limits, "/Capabilities/ChargeVoltageControl") == 1;
    const QuirkResult q = apply_quirks(r, pylontech_cv_);
    cv = q.cv;
    mcc = q.ccl;
    stop_on_mcc0 = q.stop_on_mcc0;
    // The user's voltage limit applies only to a voltage the battery gives (a Multi sent a
    // voltage without a managed battery goes into passthru).
    const double user_cv =
        settings.get_double("/Settings/SystemSetup/MaxChargeVoltage").value_or(0);
    if (cv && user_cv > 0) cv = std::min(*cv, user_cv);
  }
  set_status("/Dc/Battery/ChargeVoltage", opt_value(cv));

  // The voltage for the solar chargers: an ESS Multi's hub voltage, at most 0.4 V above the CVL
  // (dvcc.py _get_chargevoltage; the feed-in offsets of charge states 3-5 are not modelled).
  Opt effective = cv;
  if (auto hub = num(multi, "/Hub/ChargeVoltage")) {
    double ovoffset = 0;
    if (auto bol = num(multi, "/BatteryOperationalLimits/MaxChargeVoltage"))
      ovoffset = std::clamp(*hub - *bol, 0.0, 0.4);
    effective = cv ? std::min(*cv + ovoffset, *hub) : *hub;
  }
  const Opt vecan_voltage = effective;

  // A VE.Bus BMS stops charging through /Bms/AllowToCharge.
  if (vebus_bms) {
    stop_on_mcc0 = true;
    mcc = integer(multi, "/Bms/AllowToCharge").value_or(1) != 0 ? 10000.0 : 0.0;
  }
  // The lower of the user's and the BMS's current limits.
  const auto user_mcc = settings.get_int("/Settings/SystemSetup/MaxChargeCurrent").value_or(-1);
  if (user_mcc >= 0) {
    const auto user = static_cast<double>(user_mcc);
    mcc = mcc ? std::min(*mcc, user) : user;
  }

  set_status("/Control/MaxChargeCurrent",
             std::int64_t{!multi || integer(multi, "/FirmwareFeatures/BolFrame") == 1});

  // A measured DC system draws its share before the battery does.
  if (integer(system_, "/Dc/System/MeasurementType") == 1) {
    auto p = num(system_, "/Dc/System/Power"), v = num(system_, "/Dc/Battery/Voltage");
    if (p && v && *v != 0) dcsys_.update(*p / *v);
  }
  if (mcc && *mcc > 0 && !stop_on_mcc0) {
    const double dcsys = integer(system_, "/Dc/System/MeasurementType") == 1 ? dcsys_.value : 0;
    mcc = round1(*mcc + dcsys);
  }

  // SAFETY RULE (issue 12): what DVCC cannot set comes off first.
  Opt budget;
  if (mcc) budget = std::max(0.0, *mcc - uncontrolled);
  // A discharging Multi takes current from the battery, so the chargers may make that much more.
  if (budget && vebus_dc_.value < 0 && (!stop_on_mcc0 || *budget > 0))
    budget = std::ceil(*budget - vebus_dc_.value);

  std::int64_t voltage_written = 0, current_written = 0;
  if (effective || budget) {
    // NetworkMode: bit 0 networked, bit 2 external voltage/current control, bit 3 BMS mode.
    const std::int64_t mode = 1 | 4 | (has_bms || vebus_bms ? 8 : 0);
    const bool mode_written = !chargers.empty() || !others.empty();
    for (auto& c : chargers) write(c.s->name(), "/Link/NetworkMode", Value{mode});
    for (auto& c : others) write(c.s->name(), "/Link/NetworkMode", Value{mode});
    // Voltage: solar chargers and inverter/chargers the effective voltage (VE.Can ones get it
    // through the VE.Can interface), other chargers the BMS's own.
    if (effective) {
      voltage_written = chargers.empty() ? 0 : 1;
      for (auto& c : chargers)
        if (!c.vecan) write(c.s->name(), "/Link/ChargeVoltage", Value{*effective});
    }
    if (cv && !others.empty()) {
      voltage_written = 1;
      for (auto& c : others) write(c.s->name(), "/Link/ChargeVoltage", Value{*cv});
    }
    if (vecan_voltage)
      for (auto* s : of(m, "vecan")) {
        write(s->name(), "/Link/ChargeVoltage", Value{*vecan_voltage});
        voltage_written = 1;
      }
    for (auto* s : of(m, "vecan"))
      write(s->name(), "/Link/NetworkMode",
            Value{std::int64_t{vecan_voltage ? mode : (1 | (budget ? 4 : 0))}});

    // ---- current sharing (dvcc.py ChargerSubsystem.set_maxchargecurrent) ----
    std::vector<Charger*> ctl;
    for (auto& c : chargers)
      if (c.controllable) ctl.push_back(&c);
    auto set_current = [&](const Charger& c, double v) {
      v = std::max(0.0, std::min(v, c.currentlimit.value_or(0)));
      write(c.s->name(), "/Link/ChargeCurrent", Value{v});
      return v;
    };
    auto maximise = [&](const Charger& c) { return set_current(c, *c.currentlimit); };
    if (stop_on_mcc0 && budget && *budget == 0) {
      for (auto* c : ctl) set_current(*c, 0);
    } else if (!budget) {
      for (auto* c : ctl) maximise(*c);
    } else if (ctl.size() == 1) {
      set_current(*ctl[0], std::ceil(*budget));
    } else if (!ctl.empty()) {
      double capacity = 0;
      for (auto* c : ctl) capacity += *c->currentlimit;
      if (*budget > capacity * 0.95) {
        for (auto* c : ctl) maximise(*c);
      } else {
        std::vector<ShareCharger> share;
        for (auto* c : ctl) share.push_back({*c->currentlimit, c->maxchargecurrent(), c->smoothed});
        distribute_current(share, *budget);
        for (std::size_t i = 0; i < ctl.size(); ++i)
          set_current(*ctl[i], share[i].maxchargecurrent);
      }
    }
    // Other controllable chargers share what the solar chargers leave, by their limits.
    if (budget) {
      double solar = 0;
      for (auto& c : chargers)
        if (c.controllable) solar += std::max(c.smoothed, c.measured);
      const double remainder = std::max(0.0, *budget - solar);
      double capacity = 0;
      for (auto& c : others)
        if (c.controllable) capacity += *c.currentlimit;
      if (capacity > 0)
        for (auto& c : others)
          if (c.controllable) set_current(c, remainder * *c.currentlimit / capacity);
    }
    current_written = mode_written && budget ? 1 : 0;
  }
  set_status("/Control/SolarChargeVoltage", Value{voltage_written});
  set_status("/Control/SolarChargeCurrent", Value{current_written});
  set_status("/Control/EffectiveChargeVoltage", opt_value(effective));

  // ---- the Multi gets what every other source leaves ----
  Opt multi_mcc;
  if (mcc) {
    // Every controlled charger counts with the larger of its smoothed and its present current:
    // a filter lags a rising current, and the CCL bounds the total (issue 12 safety rule).
    double others_current = uncontrolled;
    for (auto& c : chargers)
      if (c.controllable) others_current += std::max(c.smoothed, c.measured);
    for (auto& c : others)
      if (c.controllable) others_current += std::max(c.smoothed, c.measured);
    multi_mcc = std::max(0.0, std::round(*mcc - others_current));
  }
  std::int64_t bms_parameters = 0;
  if (multi) {
    const std::string name = multi->name();
    if (has_bms) {
      if (cv) write(name, "/BatteryOperationalLimits/MaxChargeVoltage", Value{std::max(0.0, *cv)});
      if (multi_mcc) {
        write(name, "/BatteryOperationalLimits/MaxChargeCurrent", Value{*multi_mcc});
        // Keep the Multi's own limit from holding the charge current below the BMS's wish.
        if (auto own = num(multi, "/Dc/0/MaxChargeCurrent"))
          write(name, "/Dc/0/MaxChargeCurrent", Value{std::max(*own, *multi_mcc)});
      }
      if (dcl)
        write(name, "/BatteryOperationalLimits/MaxDischargeCurrent", Value{std::max(0.0, *dcl)});
      if (auto low = num(limits, "/Info/BatteryLowVoltage"))
        write(name, "/BatteryOperationalLimits/BatteryLowVoltage", Value{std::max(0.0, *low)});
      bms_parameters = 1;
    } else if (multi_mcc) {
      // No BMS: the Multi's RAM charge-current setting; at 1 A or less, 0.
      write(name, "/Dc/0/MaxChargeCurrent", Value{*multi_mcc > 1 ? *multi_mcc : 0.0});
      multi_unlimited_ = false;
    } else if (!multi_unlimited_) {
      // No limit (any more): "max out" once, 10000 A, so that a limit written before (or by a
      // previous GX) does not stay in the Multi's RAM (multi.py set_maxchargecurrent).
      write(name, "/Dc/0/MaxChargeCurrent", Value{10000.0});
      multi_unlimited_ = true;
    }
  }
  // Inverters only care about DCL = 0 ("stop discharging").
  if (dcl)
    for (auto& c : chargers)
      if (c.kind == Kind::kInverterCharger) {
        write(c.s->name(), "/Link/DischargeCurrent", Value{std::max(0.0, *dcl)});
        bms_parameters = 1;
      }
  set_status("/Control/BmsParameters",
             std::int64_t{bms_parameters || (has_bms && voltage_written) ? 1 : 0});

  // ---- sensing (batterysense.py): the active battery's voltage and temperature ----
  std::int64_t vsense = 0, tsense = 0;
  const Service* battery =
      calc && !calc->battery_service().empty() ? m.find(calc->battery_service()) : nullptr;
  if (battery && connected(battery) && service_type(battery->name()) == "battery") {
    const bool share_v =
        settings.get_int("/Settings/SystemSetup/SharedVoltageSense").value_or(1) != 0;
    const bool share_t =
        settings.get_int("/Settings/SystemSetup/SharedTemperatureSense").value_or(1) != 0;
    const Opt v = num(battery, "/Dc/0/Voltage"), t = num(battery, "/Dc/0/Temperature");
    // In an ESS system the Multi is the chargers' voltage reference, whatever the setting says
    // (batterysense.py: "switch to using the multi as a voltage reference"; ESS assistant id 5).
    const bool ess = multi && integer(multi, "/Hub4/AssistantId") == 5;
    const Opt charger_v = ess ? num(multi, "/Dc/0/Voltage") : share_v ? v : std::nullopt;
    const Service* charger_v_source = ess ? multi : battery;
    auto sense = [&](const Service* s) {
      if (charger_v && s != charger_v_source && has(s, "/Link/VoltageSense")) {
        write(s->name(), "/Link/VoltageSense", Value{*charger_v});
        vsense = 1;
      }
      if (share_t && t && has(s, "/Link/TemperatureSense")) {
        write(s->name(), "/Link/TemperatureSense", Value{*t});
        tsense = 1;
      }
    };
    for (auto& c : chargers) sense(c.s);
    for (auto& c : others) sense(c.s);
    // VE.Can chargers get the sense values as broadcasts through the vecan service (seed 003
    // "vecan-xxx": /Link/VoltageSense and /Link/TemperatureSense are written by systemcalc).
    for (auto* s : of(m, "vecan")) sense(s);
    if (multi) {
      // Only a Multi that says it takes the battery's voltage (batterysense.py).
      if (share_v && v && integer(multi, "/FirmwareFeatures/BolUBatAndTBatSense") == 1)
        write(multi->name(), "/BatterySense/Voltage", Value{*v});
      if (share_t && t) write(multi->name(), "/BatterySense/Temperature", Value{*t});
    }
  }
  set_status("/Control/SolarChargerVoltageSense", Value{vsense});
  set_status("/Control/SolarChargerTemperatureSense", Value{tsense});

  // ---- shared current sense (seed 003 solarcharger /Link/BatteryCurrent: "When SCS is enabled
  // on the GX device, the battery current is written here to improve tail-current detection").
  // The reasons of /Control/BatteryCurrentSense are seed 003's; they are tried in the order of
  // Venus' batterysense.py (v2.256, MIT: facts only): external control, then the monitor, then
  // the chargers. Written each cycle, with the other link values.
  std::int64_t isense = 0;  // 0: disabled by the setting
  if (settings.get_int("/Settings/SystemSetup/BatteryCurrentSense").value_or(1) != 0) {
    const bool monitor =
        battery && connected(battery) && service_type(battery->name()) == "battery";
    const Opt current = monitor ? num(battery, "/Dc/0/Current") : std::nullopt;
    std::vector<const Service*> targets;  // every charger that takes it
    for (auto& c : chargers)
      if (has(c.s, "/Link/BatteryCurrent")) targets.push_back(c.s);
    for (auto& c : others)
      if (has(c.s, "/Link/BatteryCurrent")) targets.push_back(c.s);
    if (voltage_written || num(multi, "/Hub/ChargeVoltage")) {
      isense = 1;  // external control (an intelligent battery or ESS) sets the charge itself
    } else if (!current) {
      isense = 3;  // no battery monitor measures it
    } else if (targets.empty()) {
      isense = 2;  // no charger takes it
    } else {
      for (auto* s : targets) write(s->name(), "/Link/BatteryCurrent", Value{*current});
      isense = 4;
    }
  }
  set_status("/Control/BatteryCurrentSense", Value{isense});
}

}  // namespace gxlink::system
