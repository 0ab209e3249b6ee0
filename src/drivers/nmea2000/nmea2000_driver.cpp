// SPDX-License-Identifier: MIT
#include "drivers/nmea2000/nmea2000_driver.hpp"

#include <cmath>

#include <spdlog/spdlog.h>

#include "model/venus_formats.hpp"
#include "protocols/nmea2000/pgn_table.hpp"
#include "protocols/nmea2000/vreg.hpp"

namespace gxlink::drivers::nmea2000 {
namespace n2k = gxlink::nmea2000;
using model::Invalid;
using model::Value;

namespace {

constexpr std::uint8_t kFnAcInputMonitor = 154;  // Victron: "154 AC Input monitor" (seed 000)
constexpr std::uint8_t kFnInverter = 153;        // Victron: "153 Inverter"
constexpr std::uint8_t kFnCharger = 160;
constexpr std::uint8_t kFnBattery = 170;
constexpr std::uint8_t kDcBattery = 0;
constexpr std::uint8_t kDcSolar = 3;

/// N2K CHARGER_STATE → Venus /State (0 off, 2 fault, 3 bulk, 4 absorption, 5 float, 6 storage,
/// 7 equalize, 11 power supply).
Value venus_charge_state(std::uint64_t s) {
  switch (s) {
    case 0:
    case 8: return std::int64_t{0};
    case 1: return std::int64_t{3};
    case 2:
    case 3: return std::int64_t{4};
    case 4: return std::int64_t{7};
    case 5: return std::int64_t{5};
    case 6: return std::int64_t{6};
    case 7: return std::int64_t{11};
    case 9: return std::int64_t{2};
    default: return Invalid{};
  }
}

Value num(const std::optional<double>& v) { return v ? Value{*v} : Value{Invalid{}}; }
Value kelvin_to_c(const std::optional<double>& v) {
  return v ? Value{std::round((*v - 273.15) * 100) / 100} : Value{Invalid{}};
}

bool contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

/// The Venus service type a Victron model name implies (seed 000 product tables), empty if none.
std::string kind_from_model(const std::string& model) {
  if (contains(model, "MPPT") || contains(model, "Solar")) return "solarcharger";
  if (contains(model, "Skylla")) return "charger";
  if (contains(model, "Lynx") || contains(model, "BMV") || contains(model, "Shunt"))
    return "battery";
  return {};
}

// The full path set of each product kind, declared when its service is created so that the service
// is announced with every path it will ever publish (invalid until data; issue 13, conformance 1).
// Every path apply_decoded() writes must be in the table of its kind; driver_test checks that a
// long run adds none. Units, decimals and enum texts come from model/venus_formats (conformance 9).
using model::PathSpec;
constexpr PathSpec kIdentityPaths[] = {{"/Serial"}, {"/N2kDeviceInstance"}, {"/N2kUniqueNumber"}};
constexpr PathSpec kSolarChargerPaths[] = {
    {"/Pv/V"},
    {"/Pv/I"},
    {"/Yield/Power"},
    {"/Dc/0/Voltage"},
    {"/Dc/0/Current"},
    {"/Dc/0/Temperature"},
    {"/State"},
    {"/Mode"},
    {"/Yield/User"},
    {"/History/Daily/0/Yield"},
    // VREG 0xEDF0 BAT_MAX_CURRENT, asked for once the node is known (DVCC needs it, §5.4 step 7).
    {"/Settings/ChargeCurrentLimit"},
};
/// Seconds between requests for a solar charger's 0xEDF0 until it answers.
constexpr auto kLimitRequestInterval = std::chrono::seconds(5);
// Every battery kind: 127508 instance 0, 127506, and VREG 0xEEFF.
constexpr PathSpec kBatteryPaths[] = {
    {"/Dc/0/Voltage"}, {"/Dc/0/Current"}, {"/Dc/0/Temperature"}, {"/Soc"},
    {"/Soh"},          {"/TimeToGo"},     {"/Capacity"},         {"/ConsumedAmphours"},
};
constexpr PathSpec kBatteryPowerPaths[] = {{"/Dc/0/Power"}};
// BMV starter battery / Lynx Shunt voltage after the fuse (127508 instance 1, seed 000).
constexpr PathSpec kVictronMonitorPaths[] = {{"/Dc/1/Voltage"}};
// Lynx Ion: instances 1/2 are the lowest/highest cell, 10..25 the batteries of the pack.
constexpr PathSpec kLynxIonPaths[] = {{"/System/MinCellVoltage"}, {"/System/MaxCellVoltage"}};
constexpr int kLynxIonCells = 16;
constexpr PathSpec kCellVoltage[] = {{""}};
constexpr PathSpec kCellTemperature[] = {{""}};
// Skylla-i: up to three outputs (/Dc/0..2), AC input from 127503.
constexpr int kChargerOutputs = 3;
constexpr PathSpec kChargerOutputPaths[] = {{"/Voltage"}, {"/Current"}, {"/Temperature"}};
constexpr PathSpec kChargerPaths[] = {
    {"/NrOfOutputs"}, {"/State"}, {"/Mode"}, {"/Ac/In/L1/I"}, {"/Ac/In/L1/V"}};
// VE.Bus through the VE.Bus-to-VE.Can interface: the J1939-75 AC frames of up to three phases,
// input (function 154) and output (function 153).
constexpr PathSpec kVebusPhasePaths[] = {{"/V"}, {"/I"}, {"/F"}, {"/P"}, {"/S"}};
constexpr PathSpec kVebusPaths[] = {
    {"/Dc/0/Voltage"}, {"/Dc/0/Current"}, {"/Dc/0/Temperature"}, {"/Soc"}, {"/VebusChargeState"},
    {"/State"},        {"/Mode"},
};

// Sensors any maker's node may send, each its own Venus service beside the node's main one
// (issue 13 conformance 8; paths from seed 003 "Tank levels" and "com.victronenergy.temperature",
// and Venus' gps service): tank levels (127505), temperatures (130312, 130316, Maretron 130823)
// and GNSS position, course and speed (129025, 129026, 129029).
constexpr PathSpec kTankPaths[] = {
    {"/Level"}, {"/Remaining"}, {"/Capacity"}, {"/FluidType"}, {"/Status"}};
constexpr PathSpec kTemperaturePaths[] = {{"/Temperature"}, {"/TemperatureType"}};
constexpr PathSpec kGpsPaths[] = {
    {"/Fix"},   {"/NrOfSatellites"}, {"/Position/Latitude"}, {"/Position/Longitude"}, {"/Altitude"},
    {"/Speed"}, {"/Course"}};

/// N2K TEMPERATURE_SOURCE → Venus /TemperatureType (0 battery, 1 fridge, 2 generic, 3 room,
/// 4 outdoor, 5 water heater, 6 freezer; seed 003). Sources Venus has no type for are generic.
std::int64_t venus_temperature_type(std::uint64_t source) {
  switch (source) {
    case 1: return 4;   // Outside
    case 2:             // Inside
    case 4: return 3;   // Main cabin
    case 7: return 1;   // Refrigeration
    case 13: return 6;  // Freezer
    default: return 2;
  }
}

}  // namespace

struct Nmea2000Driver::Device {
  std::uint8_t src = 0;
  std::optional<n2k::IsoName> name;
  std::optional<n2k::ProductInfo> product;
  std::string type;  ///< Venus service type once known
  bool lynx_ion = false;
  bool victron = false;
  bool requested = false;
  bool saw_ac_input = false;
  std::optional<TimePoint> product_requested;
  std::optional<TimePoint> limit_requested;  ///< solar charger: last VREQ for 0xEDF0
  bool limit_known = false;
  /// Solar charger: the GX's /Link/ChargeCurrent, sent to it as addressed VREG 0x2015.
  std::unique_ptr<n2k::LinkBroadcaster> charge_link;
  std::map<std::uint8_t, std::uint8_t> dc_types;  ///< 127506 DC type per DC instance
  std::map<std::uint8_t, std::string> services;   ///< instance (0 for per-device) → service name
  /// Sensor services (tank, temperature, gps) by their connection suffix → service name.
  std::map<std::string, std::string> sensor_services;
  std::map<std::pair<std::uint32_t, std::uint8_t>, std::vector<std::uint8_t>>
      pending;  ///< before classification
  TimePoint last_seen{};
  bool connected = true;
};

Nmea2000Driver::Nmea2000Driver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> bus,
                               Options opts)
    : ctx_(ctx),
      bus_(std::move(bus)),
      opts_(std::move(opts)),
      iface_(bus_ ? std::string(bus_->interface_name()) : opts_.interface),
      session_([&] {
        n2k::SessionConfig c;
        c.name.unique_number = opts_.unique_number;
        c.name.manufacturer = n2k::kVictronManufacturer;
        c.name.function = 130;     // PC gateway
        c.name.device_class = 25;  // Internetwork device
        c.preferred_address = opts_.preferred_address;
        c.product.product_code = 0;
        c.product.model_id = "gxlink";
        c.product.software_version = GXLINK_VERSION;
        return c;
      }()) {}

Nmea2000Driver::~Nmea2000Driver() {
  // stop() only cancels a timer and clears a callback; nothing in it is expected to throw.
  try {
    stop();
  } catch (...) {
  }
}

void Nmea2000Driver::start() {
  if (started_) return;
  started_ = true;
  if (bus_) {
    bus_->set_receiver([this](const CanFrame& f, TimePoint) { on_frame(f, Clock::now()); });
    // Open the bus before the address claim, so that the claim goes out on it.
    bus_->start();
  }
  begin(Clock::now());
  timer_ = std::make_unique<asio::steady_timer>(ctx_.io);
  schedule();
}

void Nmea2000Driver::begin(TimePoint now) {
  now_ = now;
  publish_link_service();
  claim_if_bus_came_up(now);
}

void Nmea2000Driver::claim_if_bus_came_up(TimePoint now) {
  // The claim must be on the wire: a SocketCAN or slcan bus may open after start() (and reopen
  // after an unplug), and frames sent while it is closed are dropped. So the session starts when
  // the bus is first active, and claims again each time the bus comes back, as a node does at
  // power-up (ISO 11783-5 §4.4.2: address claim at initialisation).
  if (!bus_ || !opts_.active) return;
  const bool active = bus_->state() == transport::CanBusState::kActive;
  const bool came_up = active && !bus_was_active_;
  bus_was_active_ = active;
  if (!came_up) return;
  std::vector<CanFrame> out;
  session_.start(now, out);
  announced_ = false;  // learn the network again once the claim holds
  send(out);
}

void Nmea2000Driver::stop() {
  if (!started_) return;
  started_ = false;
  if (timer_) timer_->cancel();
  if (bus_) {
    bus_->stop();
    bus_->set_receiver({});
  }
}

void Nmea2000Driver::schedule() {
  if (!timer_) return;
  timer_->expires_after(std::chrono::milliseconds(100));
  timer_->async_wait([this](const std::error_code& ec) {
    if (ec || !started_) return;
    on_tick(Clock::now());
    schedule();
  });
}

Health Nmea2000Driver::health() const {
  if (bus_ && bus_->state() == transport::CanBusState::kClosed && !bus_->last_error().empty())
    return Health::failed(bus_->last_error());
  if (bus_ && bus_->state() == transport::CanBusState::kBusOff) return Health::failed("bus off");
  if (opts_.active && bus_ && session_.state() == n2k::ClaimState::kCannotClaim)
    return Health::warning("could not claim an address");
  return Health::ok();
}

void Nmea2000Driver::send(std::vector<CanFrame>& frames) {
  if (bus_)
    for (const auto& f : frames) bus_->send(f);
  frames.clear();
}

void Nmea2000Driver::send_message(std::uint32_t pgn, std::uint8_t prio, std::uint8_t dst,
                                  ByteView payload) {
  auto frames = session_.frames_for(pgn, prio, dst, payload);
  send(frames);
}

void Nmea2000Driver::on_frame(const CanFrame& f, TimePoint now) {
  if (const n2k::Message* m = rx_.on_frame(f, now)) on_message(*m, now);
}

void Nmea2000Driver::on_tick(TimePoint now) {
  if (now > now_) now_ = now;
  rx_.on_tick(now);
  claim_if_bus_came_up(now);
  std::vector<CanFrame> out;
  if (bus_ && opts_.active) session_.on_tick(now, out);
  if (session_.can_send() && bus_ && opts_.active && !announced_) {
    // Learn the network: everyone answers a broadcast request for their claim and product info.
    announced_ = true;
    for (std::uint32_t pgn : {60928u, 126996u}) {
      std::array<std::uint8_t, 3> req{};
      store_le24(req, 0, pgn);
      auto f = session_.frames_for(59904, 6, n2k::kBroadcast, req);
      out.insert(out.end(), f.begin(), f.end());
    }
  }
  for (auto& [src, d] : devices_) {
    // Ask each named node for its product information (126996) until it answers.
    if (session_.can_send() && bus_ && opts_.active && d->name && !d->product &&
        (!d->product_requested || now - *d->product_requested > std::chrono::seconds(1))) {
      d->product_requested = now;
      std::array<std::uint8_t, 3> req{};
      store_le24(req, 0, 126996);
      auto f = session_.frames_for(59904, 6, src, req);
      out.insert(out.end(), f.begin(), f.end());
    }
    // A Victron solar charger's maximum charge current (VREG 0xEDF0), until it answers.
    if (session_.can_send() && bus_ && opts_.active && d->type == "solarcharger" && d->victron &&
        !d->limit_known &&
        (!d->limit_requested || now - *d->limit_requested >= kLimitRequestInterval)) {
      d->limit_requested = now;
      const auto f = n2k::encode_vreg_request(0xEDF0);
      auto frames = session_.frames_for(n2k::kVregPgn, n2k::kVregPriority, src, f.view());
      out.insert(out.end(), frames.begin(), frames.end());
    }
  }
  send(out);
  send_link(now);
  send_charger_links(now);
  for (auto& [src, d] : devices_) {
    if (d->connected && d->last_seen != TimePoint{} && now - d->last_seen > opts_.device_timeout) {
      d->connected = false;
      auto lost = [this](const std::string& name) {
        if (auto* s = ctx_.model.find(name)) {
          s->invalidate_all();
          s->set("/Connected", std::int64_t{0});
        }
      };
      for (auto& [inst, name] : d->services) lost(name);
      for (auto& [key, name] : d->sensor_services) lost(name);
    }
  }
}

Nmea2000Driver::Device& Nmea2000Driver::device(std::uint8_t src) {
  auto& p = devices_[src];
  if (!p) {
    p = std::make_unique<Device>();
    p->src = src;
  }
  return *p;
}

void Nmea2000Driver::classify(Device& d) {
  if (!d.type.empty() || !d.name) return;
  const auto& nm = *d.name;
  d.victron = nm.manufacturer == n2k::kVictronManufacturer;
  const std::string model = d.product ? d.product->model_id : std::string{};
  if (d.victron && (nm.function == kFnInverter || nm.function == kFnAcInputMonitor) &&
      nm.device_class == 35) {
    d.type = "vebus";
  } else if (auto k = kind_from_model(model); !k.empty()) {
    d.type = k;
    d.lynx_ion = contains(model, "Lynx Ion");
  } else {
    bool solar = false, battery = false;
    for (auto& [inst, t] : d.dc_types) {
      solar = solar || t == kDcSolar;
      battery = battery || t == kDcBattery;
    }
    if (solar)
      d.type = "solarcharger";
    else if (nm.function == kFnCharger && d.victron && d.saw_ac_input)
      d.type = "charger";  // a Skylla-i sends 127503; an MPPT (same function) does not
    else if (nm.function == kFnBattery || battery)
      d.type = "battery";
  }
  if (d.type.empty()) return;
  // Replay what arrived before we knew what the device is.
  auto pending = std::move(d.pending);
  d.pending.clear();
  for (auto& [key, payload] : pending) apply(d, key.first, payload);
}

model::ServiceSpec Nmea2000Driver::spec_for(const Device& d, std::string_view type,
                                            const std::string& suffix, int device_instance) const {
  // Named after the node's NAME (venus_os.md §1.1): a changed device instance is a new service.
  const auto& nm = *d.name;
  model::ServiceSpec spec;
  spec.type = std::string(type);
  spec.connection = "socketcan_" + iface_ + "_di" + std::to_string(nm.device_instance()) + "_uc" +
                    std::to_string(nm.unique_number) + suffix;
  spec.device_instance = device_instance;
  spec.mgmt_connection = "VE.Can";
  if (d.product) {
    spec.product_id = std::int64_t{d.product->product_code};
    spec.product_name = d.product->model_id;
    spec.firmware_version = model::firmware_version_from_text(d.product->software_version);
  } else {
    const auto maker = n2k::kManufacturerLookup.find(nm.manufacturer);
    spec.product_name =
        std::string(maker.empty() ? "NMEA 2000 device" : maker) + " " + std::string(type);
  }
  return spec;
}

void Nmea2000Driver::identify(model::Service& s, const Device& d) {
  s.set("/Connected", std::int64_t{1});
  if (d.product && !d.product->serial.empty()) s.set("/Serial", d.product->serial);
  s.set("/N2kDeviceInstance", std::int64_t{d.name->device_instance()});
  s.set("/N2kUniqueNumber", std::int64_t{d.name->unique_number});
}

model::Service* Nmea2000Driver::service_for(Device& d, std::uint8_t instance) {
  // Victron devices are one service each; other makers' battery monitors one per data instance.
  const bool per_instance = !d.victron && d.type == "battery";
  const std::uint8_t key = per_instance ? instance : 0;
  auto it = d.services.find(key);
  if (it != d.services.end()) {
    if (auto* s = ctx_.model.find(it->second)) return s;
    d.services.erase(it);  // removed behind our back: create it again
  }
  // The instance is a byte from the bus: without a bound one node could make 256 services.
  if (d.services.size() >= kMaxServicesPerDevice) return refuse_service(d, "battery instances");
  auto& s = ctx_.model.add_service(
      spec_for(d, d.type, per_instance ? "_i" + std::to_string(instance) : std::string(),
               per_instance ? instance : d.name->device_instance()));
  declare_paths(s, d);
  if (d.type == "solarcharger" && d.victron) add_charge_current_link(s, d);
  identify(s, d);
  d.services[key] = s.name();
  return &s;
}

void Nmea2000Driver::declare_paths(model::Service& s, const Device& d) {
  s.declare(kIdentityPaths);
  const std::string& t = d.type;
  if (t == "solarcharger") {
    s.declare(kSolarChargerPaths);
  } else if (t == "battery") {
    s.declare(kBatteryPaths);
    if (d.lynx_ion) {
      s.declare(kLynxIonPaths);
      s.declare_indexed("/Voltages/Cell", 1, kLynxIonCells, kCellVoltage);
      s.declare_indexed("/Temperatures/Cell", 1, kLynxIonCells, kCellTemperature);
    } else {
      s.declare(kBatteryPowerPaths);
      if (d.victron) s.declare(kVictronMonitorPaths);
    }
  } else if (t == "charger") {
    s.declare(kChargerPaths);
    s.declare_indexed("/Dc/", 0, kChargerOutputs - 1, kChargerOutputPaths);
  } else if (t == "vebus") {
    s.declare(kVebusPaths);
    s.declare_indexed("/Ac/ActiveIn/L", 1, 3, kVebusPhasePaths);
    s.declare_indexed("/Ac/Out/L", 1, 3, kVebusPhasePaths);
  }
}

void Nmea2000Driver::on_message(const n2k::Message& m, TimePoint now) {
  ++stats_.messages;
  if (observer_) observer_(m, now);
  std::vector<CanFrame> out;
  if (bus_ && opts_.active) session_.on_message(m, now, out);
  send(out);
  Device& d = device(m.id.src);
  d.last_seen = now;
  if (!d.connected) {
    d.connected = true;
    for (auto& [inst, name] : d.services)
      if (auto* s = ctx_.model.find(name)) s->set("/Connected", std::int64_t{1});
    for (auto& [key, name] : d.sensor_services)
      if (auto* s = ctx_.model.find(name)) s->set("/Connected", std::int64_t{1});
  }
  if (m.id.pgn == 60928 && m.payload.size() >= 8) {
    const auto nm = n2k::IsoName::from_u64(load_le64(m.payload));
    if (d.name && !(*d.name == nm)) {
      // Another NAME on this address, or a changed device instance: a new identity. Its sensor
      // services are named after the old NAME too, so they go with it.
      for (auto& [inst, name] : d.services) ctx_.model.remove_service(name);
      d.services.clear();
      for (auto& [key, name] : d.sensor_services) ctx_.model.remove_service(name);
      d.sensor_services.clear();
      d.type.clear();
      d.product.reset();
    }
    d.name = nm;
    classify(d);
    return;
  }
  if (m.id.pgn == 126996) {
    d.product = n2k::decode_product_info(m.payload);
    if (d.product && !d.type.empty() && d.type != "vebus") {
      // The product name is the stronger hint: re-classify when it disagrees with the guess.
      const std::string k = kind_from_model(d.product->model_id);
      if (!k.empty() && (k != d.type || contains(d.product->model_id, "Lynx Ion") != d.lynx_ion)) {
        for (auto& [inst, name] : d.services) ctx_.model.remove_service(name);
        d.services.clear();
        d.type.clear();
      }
    }
    if (d.product) {
      for (auto& [inst, name] : d.services) {
        if (auto* s = ctx_.model.find(name)) {
          s->set("/ProductName", d.product->model_id);
          s->set("/ProductId", std::int64_t{d.product->product_code});
          s->set("/FirmwareVersion",
                 model::firmware_version_from_text(d.product->software_version));
          if (!d.product->serial.empty()) s->set("/Serial", d.product->serial);
        }
      }
    }
    classify(d);
    return;
  }
  if (!d.name && !d.requested && bus_ && opts_.active && session_.can_send()) {
    // Unknown sender: ask it for its claim (addressed request).
    d.requested = true;
    std::array<std::uint8_t, 3> req{0x00, 0xEE, 0x00};
    send_message(59904, 6, m.id.src, req);
  }
  apply(d, m.id.pgn, m.payload);
}

void Nmea2000Driver::apply(Device& d, std::uint32_t pgn, ByteView payload) {
  if (pgn == 127506 && payload.size() >= 3 && payload[2] != 0xFF) {
    const bool changed = d.dc_types[payload[1]] != payload[2] || d.dc_types.size() == 0;
    d.dc_types[payload[1]] = payload[2];
    if (changed && d.type.empty()) classify(d);
  }
  if (pgn == 127503 && !d.saw_ac_input) {
    d.saw_ac_input = true;
    if (d.type.empty()) classify(d);
  }
  auto r = n2k::decode(pgn, payload, decoded_);
  if (!r) {
    if (r.error().code == Errc::kUnknownId)
      ++stats_.unknown_pgns;
    else
      ++stats_.decode_errors;
    return;
  }
  if (apply_sensor(d, decoded_, pgn)) return;
  if (d.type.empty()) {
    // Keep the latest message per (PGN, first byte) until the device is known.
    if (d.pending.size() < 64) {
      const std::uint8_t key =
          payload.empty() ? 0
                          : (pgn == 127506 ? (payload.size() > 1 ? payload[1] : 0) : payload[0]);
      d.pending[{pgn, key}] = std::vector<std::uint8_t>(payload.begin(), payload.end());
    }
    return;
  }
  apply_decoded(d, decoded_, pgn, payload);
}

void Nmea2000Driver::apply_decoded(Device& d, const n2k::Decoded& m, std::uint32_t pgn,
                                   ByteView payload) {
  const std::string& t = d.type;
  if (pgn == n2k::kVregPgn) {
    auto v = n2k::decode_vreg(payload);
    if (!v) return;
    model::Service* s = service_for(d, 0);
    if (!s) return;
    if (v->id == n2k::kVregConsumedAh && t == "battery") {
      s->set("/ConsumedAmphours", num(n2k::vreg_value(*n2k::find_vreg(v->id), v->value)));
    } else if (t == "solarcharger" && (v->id == 0xEDD3 || v->id == 0xEDDC)) {
      s->set(v->id == 0xEDD3 ? "/History/Daily/0/Yield" : "/Yield/User",
             num(n2k::vreg_value(*n2k::find_vreg(v->id), v->value)));
    } else if (t == "solarcharger" && v->id == 0xEDF0) {
      const auto limit = n2k::vreg_value(*n2k::find_vreg(v->id), v->value);
      d.limit_known = limit.has_value();
      s->set("/Settings/ChargeCurrentLimit", num(limit));
    }
    return;
  }
  const auto inst_opt = m.raw("instance");
  const std::uint8_t inst = inst_opt ? static_cast<std::uint8_t>(*inst_opt) : 0;
  if (t == "battery")
    apply_battery(d, m, pgn, inst);
  else if (t == "solarcharger")
    apply_solarcharger(d, m, pgn, inst);
  else if (t == "charger")
    apply_charger(d, m, pgn, inst);
  else if (t == "vebus")
    apply_vebus(d, m, pgn);
}

void Nmea2000Driver::apply_battery(Device& d, const n2k::Decoded& m, std::uint32_t pgn,
                                   std::uint8_t inst) {
  if (pgn == 127508) {
    if (d.lynx_ion) {
      model::Service* s = service_for(d, 0);
      if (!s) return;
      if (inst == 0) {
        s->set("/Dc/0/Voltage", num(m.number("voltage")));
        s->set("/Dc/0/Current", num(m.number("current")));
        s->set("/Dc/0/Temperature", kelvin_to_c(m.number("temperature")));
      } else if (inst == 1) {
        s->set("/System/MinCellVoltage", num(m.number("voltage")));
      } else if (inst == 2) {
        s->set("/System/MaxCellVoltage", num(m.number("voltage")));
      } else if (inst >= 10 && inst <= 25) {
        const std::string n = std::to_string(inst - 9);
        s->set("/Voltages/Cell" + n, num(m.number("voltage")));
        s->set("/Temperatures/Cell" + n, kelvin_to_c(m.number("temperature")));
      }
      return;
    }
    if (!d.victron) {
      auto it = d.dc_types.find(inst);
      if (it == d.dc_types.end() || it->second != kDcBattery) return;  // not a battery bank
    }
    model::Service* s = service_for(d, inst);
    if (!s) return;
    if (d.victron && inst == 1) {
      // BMV: starter battery; Lynx Shunt: voltage after the main fuse (seed 000).
      s->set("/Dc/1/Voltage", num(m.number("voltage")));
      return;
    }
    if (d.victron && inst != 0) return;
    const auto v = m.number("voltage");
    const auto i = m.number("current");
    s->set("/Dc/0/Voltage", num(v));
    s->set("/Dc/0/Current", num(i));
    s->set("/Dc/0/Temperature", kelvin_to_c(m.number("temperature")));
    s->set("/Dc/0/Power", v && i ? Value{std::round(*v * *i * 100) / 100} : Value{Invalid{}});
  } else if (pgn == 127506) {
    if (d.victron && inst != 0) return;
    auto dct = m.raw("dcType");
    if (!d.victron && dct && *dct != kDcBattery) return;
    model::Service* s = service_for(d, inst);
    if (!s) return;
    s->set("/Soc", num(m.number("stateOfCharge")));
    s->set("/Soh", num(m.number("stateOfHealth")));
    s->set("/TimeToGo", num(m.number("timeRemaining")));
    if (auto c = m.number("remainingCapacity")) s->set("/Capacity", *c);
  }
}

void Nmea2000Driver::apply_solarcharger(Device& d, const n2k::Decoded& m, std::uint32_t pgn,
                                        std::uint8_t inst) {
  model::Service* s = service_for(d, 0);
  if (!s) return;
  if (pgn == 127508) {
    // Default roles per seed 000: instance 0 battery, 1 PV; 127506's DC type overrides.
    auto it = d.dc_types.find(inst);
    const bool pv = it != d.dc_types.end() ? it->second == kDcSolar : inst == 1;
    const auto v = m.number("voltage");
    const auto i = m.number("current");
    if (pv) {
      s->set("/Pv/V", num(v));
      s->set("/Pv/I", num(i));
      s->set("/Yield/Power", v && i ? Value{std::round(*v * *i * 100) / 100} : Value{Invalid{}});
    } else {
      s->set("/Dc/0/Voltage", num(v));
      s->set("/Dc/0/Current", num(i));
      s->set("/Dc/0/Temperature", kelvin_to_c(m.number("temperature")));
    }
  } else if (pgn == 127507) {
    auto st = m.raw("operatingState");
    s->set("/State", st ? venus_charge_state(*st) : Value{Invalid{}});
    auto en = m.raw("enabled");
    s->set("/Mode", en ? Value{std::int64_t{*en == 1 ? 1 : 4}} : Value{Invalid{}});
  }
}

void Nmea2000Driver::apply_charger(Device& d, const n2k::Decoded& m, std::uint32_t pgn,
                                   std::uint8_t inst) {
  model::Service* s = service_for(d, 0);
  if (!s) return;
  if (pgn == 127508) {
    if (inst >= kChargerOutputs) return;  // only the declared outputs (a Skylla-i has 1 or 3)
    const std::string p = "/Dc/" + std::to_string(inst);
    s->set(p + "/Voltage", num(m.number("voltage")));
    s->set(p + "/Current", num(m.number("current")));
    s->set(p + "/Temperature", kelvin_to_c(m.number("temperature")));
    if (inst == 0) s->set("/NrOfOutputs", std::int64_t{1});
  } else if (pgn == 127507) {
    auto st = m.raw("operatingState");
    s->set("/State", st ? venus_charge_state(*st) : Value{Invalid{}});
    auto en = m.raw("enabled");
    s->set("/Mode", en ? Value{std::int64_t{*en == 1 ? 1 : 4}} : Value{Invalid{}});
  } else if (pgn == 127503) {
    s->set("/Ac/In/L1/I", num(m.number("current", 1)));
    if (auto v = m.number("voltage", 1)) s->set("/Ac/In/L1/V", *v);
  }
}

void Nmea2000Driver::apply_vebus(Device& d, const n2k::Decoded& m, std::uint32_t pgn) {
  const bool ac_input_source = d.name && d.name->function == kFnAcInputMonitor;
  model::Service* s = service_for(d, 0);
  if (!s) return;
  // J1939-75 utility phases: A = 65013/65014, B = 65010/65011, C = 65007/65008.
  auto phase_of = [](std::uint32_t p) -> int {
    switch (p) {
      case 65013:
      case 65014: return 1;
      case 65010:
      case 65011: return 2;
      case 65007:
      case 65008: return 3;
      default: return 0;
    }
  };
  if (int ph = phase_of(pgn)) {
    const std::string base =
        std::string(ac_input_source ? "/Ac/ActiveIn/L" : "/Ac/Out/L") + std::to_string(ph);
    if (pgn == 65014 || pgn == 65011 || pgn == 65008) {
      s->set(base + "/V", num(m.number("lineNeutralAcRmsVoltage")));
      s->set(base + "/I", num(m.number("acRmsCurrent")));
      s->set(base + "/F", num(m.number("acFrequency")));
    } else {
      s->set(base + "/P", num(m.number("realPower")));
      s->set(base + "/S", num(m.number("apparentPower")));
    }
    return;
  }
  if (ac_input_source) return;
  if (pgn == 127508) {
    s->set("/Dc/0/Voltage", num(m.number("voltage")));
    s->set("/Dc/0/Current", num(m.number("current")));
    s->set("/Dc/0/Temperature", kelvin_to_c(m.number("temperature")));
  } else if (pgn == 127506) {
    s->set("/Soc", num(m.number("stateOfCharge")));
  } else if (pgn == 127507) {
    auto st = m.raw("operatingState");
    s->set("/VebusChargeState", st ? Value{static_cast<std::int64_t>(*st)} : Value{Invalid{}});
    if (st && *st != 0 && *st != 8) s->set("/State", venus_charge_state(*st));
  } else if (pgn == 127509) {
    auto st = m.raw("operatingState");
    if (st && *st == 0) s->set("/State", std::int64_t{9});  // inverting
    if (st && *st == 3) s->set("/State", std::int64_t{2});  // fault
    if (st && *st == 4) s->set("/State", std::int64_t{0});  // off
    auto en = m.raw("inverterEnable");
    if (en) s->set("/Mode", std::int64_t{*en == 1 ? 3 : 4});
  }
}

model::Service* Nmea2000Driver::refuse_service(const Device& d, std::string_view what) {
  ++stats_.services_refused;
  if (auto n = bound_log_.check(what, started_ ? Clock::now() : now_))
    spdlog::warn(
        "nmea2000 {}: node {} wants more {} than gxlink keeps; its data for them is "
        "dropped{}",
        iface_, d.src, what, suppressed_note(n));
  return nullptr;
}

model::Service* Nmea2000Driver::sensor_service(Device& d, std::string_view type,
                                               const std::string& suffix, int device_instance) {
  const std::string key = std::string(type) + "/" + suffix;
  if (auto it = d.sensor_services.find(key); it != d.sensor_services.end()) {
    if (auto* s = ctx_.model.find(it->second)) return s;
    d.sensor_services.erase(it);  // removed behind our back: create it again
  }
  // Instance and source are bytes from the bus: without a bound one node could make 65 536
  // temperature services (each its own D-Bus connection, until descriptors run out).
  if (d.sensor_services.size() >= kMaxSensorServicesPerDevice)
    return refuse_service(d, "sensor services on one node");
  std::size_t total = 0;
  for (const auto& [src, other] : devices_) total += other ? other->sensor_services.size() : 0;
  if (total >= kMaxSensorServices) return refuse_service(d, "sensor services on the bus");
  auto& s = ctx_.model.add_service(spec_for(d, type, "_" + suffix, device_instance));
  s.declare(kIdentityPaths);
  if (type == "tank")
    s.declare(kTankPaths);
  else if (type == "temperature")
    s.declare(kTemperaturePaths);
  else if (type == "gps")
    s.declare(kGpsPaths);
  identify(s, d);
  d.sensor_services[key] = s.name();
  return &s;
}

bool Nmea2000Driver::apply_sensor(Device& d, const n2k::Decoded& m, std::uint32_t pgn) {
  const bool maretron_temperature =
      pgn == 130823 && m.desc && m.desc->id == "maretronProprietaryTemperatureHighRange";
  const bool temperature = pgn == 130312 || pgn == 130316 || maretron_temperature;
  const bool gps = pgn == 129025 || pgn == 129026 || pgn == 129029;
  if (pgn != 127505 && !temperature && !gps) return false;
  // A sensor's service is named after its node's NAME; until the claim arrives (we asked for it
  // on the node's first message) its periodic data is dropped, not guessed at.
  if (!d.name) return true;
  const std::uint8_t inst = static_cast<std::uint8_t>(m.raw("instance").value_or(0));

  if (pgn == 127505) {
    // Fluid Level: instance and fluid type share the first byte; level in %, capacity in litres.
    // Venus' /FluidType "is kept in sync with NMEA2000 definitions" (seed 003), so the number
    // carries over; /Capacity and /Remaining are in m3.
    model::Service* s = sensor_service(d, "tank", "t" + std::to_string(inst), inst);
    if (!s) return true;  // refused and counted
    const auto level = m.number("level");
    const auto litres = m.number("capacity");
    // Litres on the wire come in steps of 0.1 L: keep m3 to that resolution.
    auto m3 = [](double l) { return Value{std::round(l * 10) / 10000.0}; };
    s->set("/Level", num(level));
    s->set("/Capacity", litres ? m3(*litres) : Value{Invalid{}});
    s->set("/Remaining", level && litres ? m3(*litres * *level / 100.0) : Value{Invalid{}});
    const auto fluid = m.raw("type");
    s->set("/FluidType",
           fluid && *fluid < 14 ? Value{static_cast<std::int64_t>(*fluid)} : Value{Invalid{}});
    s->set("/Status", std::int64_t{level ? 0 : 3});  // 0 Ok, 3 Unknown
    return true;
  }

  if (temperature) {
    // Several sources may share one instance (sea and outside air on one sensor): one service
    // per (instance, source).
    const auto source = m.raw("source");
    const std::string suffix =
        "i" + std::to_string(inst) + "_s" + std::to_string(source.value_or(0xFF));
    model::Service* s = sensor_service(d, "temperature", suffix, inst);
    if (!s) return true;  // refused and counted
    s->set("/Temperature",
           kelvin_to_c(m.number(pgn == 130316 ? "temperature" : "actualTemperature")));
    s->set("/TemperatureType", source ? Value{venus_temperature_type(*source)} : Value{Invalid{}});
    return true;
  }

  // GNSS: one gps service per node. 129025 (rapid position) and 129029 (full fix) both carry the
  // position; only 129029 says whether there is a fix and how many satellites are used.
  model::Service* s = sensor_service(d, "gps", "gps", 0);
  if (!s) return true;  // refused and counted
  if (pgn == 129025 || pgn == 129029) {
    s->set("/Position/Latitude", num(m.number("latitude")));
    s->set("/Position/Longitude", num(m.number("longitude")));
  }
  if (pgn == 129029) {
    s->set("/Altitude", num(m.number("altitude")));
    const auto svs = m.raw("numberOfSvs");
    s->set("/NrOfSatellites", svs ? Value{static_cast<std::int64_t>(*svs)} : Value{Invalid{}});
    const auto method = m.raw("method");  // GNS_METHOD: 1..5 are fixes, 0 none, 6.. estimated
    s->set("/Fix",
           method ? Value{std::int64_t{*method >= 1 && *method <= 5 ? 1 : 0}} : Value{Invalid{}});
  } else if (pgn == 129026) {
    const auto cog = m.number("cog");  // radians on the wire; Venus shows degrees
    s->set("/Course", cog ? Value{std::round(*cog * 180.0 / M_PI * 100) / 100} : Value{Invalid{}});
    s->set("/Speed", num(m.number("sog")));
  }
  return true;
}

bool Nmea2000Driver::set_data_instance(std::uint8_t dst, std::uint32_t pgn,
                                       std::uint8_t field_index, std::uint8_t current,
                                       std::uint8_t new_instance) {
  std::array<std::uint8_t, 223> buf{};
  const n2k::FieldWrite sel[] = {{field_index, current}};
  const n2k::FieldWrite wr[] = {{field_index, new_instance}};
  auto len = n2k::encode_write_fields(pgn, sel, wr, buf);
  if (!len || !session_.can_send()) return false;
  spdlog::info("nmea2000: set data instance of PGN {} at {} from {} to {}", pgn, dst, current,
               new_instance);
  send_message(126208, 3, dst, ByteView(buf.data(), *len));
  return true;
}

bool Nmea2000Driver::request_vreg(std::uint8_t dst, std::uint16_t reg) {
  if (!session_.can_send()) return false;
  const auto f = n2k::encode_vreg_request(reg);
  send_message(n2k::kVregPgn, n2k::kVregPriority, dst, f.view());
  return true;
}

bool Nmea2000Driver::write_vreg(std::uint8_t dst, std::uint16_t reg, double value) {
  const n2k::VregDesc* d = n2k::find_vreg(reg);
  if (!d || !session_.can_send()) return false;
  auto f = n2k::encode_vreg_value(*d, value);
  if (!f) return false;
  spdlog::info("nmea2000: write VREG 0x{:04X} = {} to {}", reg, value, dst);
  send_message(n2k::kVregPgn, n2k::kVregPriority, dst, f->view());
  return true;
}

void Nmea2000Driver::publish_link_service() {
  // Only a node that can send serves the link: a listen-only driver or a replay would take the
  // GX's writes and never pass them on, and DVCC would count the chargers as controlled.
  if (!bus_ || !opts_.active || !link_service_.empty()) return;
  model::ServiceSpec spec;
  spec.type = "vecan";
  spec.connection = iface_;
  spec.mgmt_connection = "VE.Can";
  spec.product_name = std::string("VE.Can link ") + iface_;
  auto& s = ctx_.model.add_service(std::move(spec));
  // Every path before the first announcement (the model announces at its next flush).
  for (const auto& d : n2k::vecan_link_paths()) {
    model::ItemMeta m;  // units and decimals from the Venus path-format table
    m.writable = true;
    const n2k::LinkPathDesc* desc = &d;
    s.add(d.path, std::move(m), model::Invalid{},
          [this, desc](const Value& v) { return write_link(*desc, v); });
  }
  link_service_ = s.name();
}

model::WriteResult Nmea2000Driver::write_link(const n2k::LinkPathDesc& d, const Value& v) {
  auto x = model::as_double(v);
  if (!x) return model::WriteResult::kBadType;
  const TimePoint now = started_ ? Clock::now() : now_;
  if (auto r = link_.write(d, *x, now); !r) {
    ++stats_.link_refused;
    // Any bus client may repeat a refused write: one line per path and reason per minute.
    if (auto n = bound_log_.check(std::string(d.path) + r.error().message(), now))
      spdlog::warn("nmea2000[{}]: {} = {} refused: {}{}", iface_, d.path, *x,
                   truncate_for_log(r.error().message()), suppressed_note(n));
    return model::WriteResult::kOutOfRange;
  }
  if (auto* s = ctx_.model.find(link_service_)) {
    const bool integer = d.reg == 0x200E;
    s->set(d.path, integer ? Value{static_cast<std::int64_t>(*x)} : Value{*x});
  }
  send_link(now);  // a new value reaches the chargers now, not at the next tick
  return model::WriteResult::kOk;
}

void Nmea2000Driver::send_link(TimePoint now) {
  if (link_service_.empty() || !session_.can_send()) return;
  for (const auto& payload : link_.due(now))
    send_message(n2k::kVregPgn, n2k::kVregPriority, n2k::kBroadcast, payload.view());
  if (link_.expired().empty()) return;
  auto* s = ctx_.model.find(link_service_);
  for (const auto* d : link_.expired()) {
    // The GX stopped writing: the chargers time out on their own (seed 003, error #67).
    spdlog::info("nmea2000[{}]: {} not written for 60 s; no longer broadcast", iface_, d->path);
    if (s) s->set(d->path, model::Invalid{});
  }
}

void Nmea2000Driver::add_charge_current_link(model::Service& s, const Device& d) {
  // Only a node that can send takes the GX's current limit (else DVCC would count on it).
  if (!bus_ || !opts_.active) return;
  model::ItemMeta m;
  m.writable = true;
  const std::uint8_t src = d.src;
  s.add(n2k::kChargerCurrentLink.path, std::move(m), model::Invalid{},
        [this, src](const Value& v) { return write_charge_current(src, v); });
}

model::WriteResult Nmea2000Driver::write_charge_current(std::uint8_t src, const Value& v) {
  auto x = model::as_double(v);
  if (!x) return model::WriteResult::kBadType;
  auto it = devices_.find(src);
  if (it == devices_.end() || it->second->services.empty()) return model::WriteResult::kFailed;
  Device& d = *it->second;
  model::Service* s = ctx_.model.find(d.services.begin()->second);
  if (!s) return model::WriteResult::kFailed;
  // Never above what the charger says it can do (DESIGN.md: writes are checked).
  const auto limit = model::as_double(s->get("/Settings/ChargeCurrentLimit"));
  const TimePoint now = started_ ? Clock::now() : now_;
  auto refuse = [&](const char* why) {
    ++stats_.link_refused;
    if (auto n = bound_log_.check(std::string("/Link/ChargeCurrent ") + why, now))
      spdlog::warn("nmea2000[{}]: /Link/ChargeCurrent = {} for {} refused: {}{}", iface_, *x, src,
                   why, suppressed_note(n));
    return model::WriteResult::kOutOfRange;
  };
  if (!limit) return refuse("the charger's limit is not known");
  if (!std::isfinite(*x) || *x < 0 || *x > *limit) return refuse("outside 0 .. its limit");
  if (!d.charge_link)
    d.charge_link = std::make_unique<n2k::LinkBroadcaster>(n2k::kChargerLinkOptions);
  if (auto r = d.charge_link->write(n2k::kChargerCurrentLink, *x, now); !r)
    return refuse("not a value of the register");
  s->set(n2k::kChargerCurrentLink.path, *x);
  send_charger_links(now);
  return model::WriteResult::kOk;
}

void Nmea2000Driver::send_charger_links(TimePoint now) {
  if (!session_.can_send()) return;
  for (auto& [src, d] : devices_) {
    if (!d->charge_link) continue;
    // A command to that charger: addressed (nmea2000.md §4.1).
    for (const auto& payload : d->charge_link->due(now))
      send_message(n2k::kVregPgn, n2k::kVregPriority, src, payload.view());
    if (!d->charge_link->expired().empty() && !d->services.empty())
      if (auto* s = ctx_.model.find(d->services.begin()->second))
        s->set(n2k::kChargerCurrentLink.path, model::Invalid{});  // the GX stopped: it times out
  }
}

}  // namespace gxlink::drivers::nmea2000
