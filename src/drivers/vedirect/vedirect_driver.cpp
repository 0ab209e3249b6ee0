// SPDX-License-Identifier: MIT
#include "drivers/vedirect/vedirect_driver.hpp"

#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_limit.hpp"
#include "core/text.hpp"
#include "model/venus_formats.hpp"
#include "transport/byte_transport.hpp"

namespace gxlink::drivers::vedirect {

using namespace gxlink::vedirect;

namespace {

constexpr Duration kTick = milliseconds(100);
constexpr Duration kLogInterval = seconds(10);

// HEX registers that fill paths TEXT does not carry (§2.3, seed 003 solarcharger section).
struct HexPoll {
  ProductClass cls;
  std::uint16_t reg;
  std::string_view path;
};
constexpr HexPoll kPolls[] = {
    {ProductClass::kSolarCharger, 0xEDF0, "/Settings/ChargeCurrentLimit"},
    {ProductClass::kSolarCharger, 0xEDDD, "/Yield/System"},
    {ProductClass::kSolarCharger, 0x0200, "/Mode"},
    {ProductClass::kSolarCharger, 0x010A, "/Serial"},
    {ProductClass::kBatteryMonitor, 0x010A, "/Serial"},
    {ProductClass::kCharger, 0x010A, "/Serial"},
    {ProductClass::kInverter, 0x010A, "/Serial"},
    {ProductClass::kDcDc, 0x010A, "/Serial"},
};

std::string_view poll_path(ProductClass c, std::uint16_t reg) {
  for (auto& p : kPolls)
    if (p.cls == c && p.reg == reg) return p.path;
  return {};
}

// The GX → charger link of a solar charger (seed 003 "External control") and the network register
// each path reaches (nmea2000.md §4.2, vedirect_vebus.md §2.3). /Link/BatteryCurrent has no
// register in the reference (0x201C is the *extra* battery current, another quantity): it is
// accepted and shown, so that a GX's write does not fail, but not sent.
struct LinkPath {
  std::string_view path;
  std::uint16_t reg;  ///< 0 = not sent to the device
};
constexpr LinkPath kLinkPaths[] = {
    {"/Link/NetworkMode", 0x200E},      {"/Link/ChargeVoltage", 0x2001},
    {"/Link/ChargeCurrent", 0x2015},    {"/Link/VoltageSense", 0x2002},
    {"/Link/TemperatureSense", 0x2003}, {"/Link/BatteryCurrent", 0},
};
constexpr std::uint16_t kRegNetworkMode = 0x200E;
constexpr std::uint16_t kRegVoltageSense = 0x2002;
constexpr std::uint16_t kRegTemperatureSense = 0x2003;
/// seed 003: 0x1 external control, 0x4 external voltage/current control, 0x8 controlled by a BMS.
constexpr std::int64_t kNetworkModeBits = 0x1 | 0x4 | 0x8;

const LinkPath* find_link(std::string_view path) {
  for (auto& l : kLinkPaths)
    if (l.path == path) return &l;
  return nullptr;
}

/// The bank's nominal voltage from a measured battery voltage (the classes of the VE.Bus safety
/// rules, protocols/vebus/safety.cpp): 12, 24 or 48 V; 0 when it fits none.
int nominal_voltage(double v) {
  if (v >= 9.0 && v <= 17.0) return 12;
  if (v >= 18.0 && v <= 34.0) return 24;
  if (v >= 36.0 && v <= 68.0) return 48;
  return 0;
}

// A DVCC charge voltage per 12 V of nominal voltage (DESIGN.md safety rules: writes are checked
// against the bank). Wide enough for every BMS CVL in the quirks table (a Pylontech 15-cell CV
// goes down to 47 V = 11.75 V per 12 V) and for lead-acid absorption; a 60 V request on a 24 V
// bank or 30 V on a 48 V bank is refused.
constexpr double kLinkVoltageMin = 11.0;
constexpr double kLinkVoltageMax = 15.0;

// Units, decimals and enum texts come from the Venus path-format table, which Service::add
// applies (issue 13, conformance 9). The protocol's own unit is kept only for paths that table
// does not list, and the off-reason bits keep their VE.Direct text (a bit list, not an enum).
model::ItemMeta meta_for(const FieldDesc& d, std::string_view type, std::string_view path) {
  model::ItemMeta m;
  if (!model::find_path_format(type, path)) {
    m.unit = std::string(d.unit);
    m.decimals = d.decimals;
  }
  if (d.label == "OR") {
    m.text = [](const model::Value& v) -> std::string {
      auto i = model::as_int(v);
      if (!i) return "---";
      auto t = off_reason_text(static_cast<std::uint32_t>(*i));
      return t.empty() ? fmt::format("0x{:X}", *i) : t;
    };
  }
  return m;
}

// Plausibility limits: a checksum-valid block can still carry a value no device can produce.
bool plausible(std::string_view label, double v) {
  if (label == "SOC") return v >= 0 && v <= 100;
  if (label == "V" || label == "V2" || label == "V3" || label == "VS" || label == "VM")
    return v > -100 && v < 100;
  if (label == "VPV") return v >= -1 && v < 1000;
  return true;
}

}  // namespace

std::string sanitize_connection(std::string_view name) {
  auto slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty()) out = "vedirect";
  return out;
}

int default_device_instance(std::string_view c) {
  auto num = [&](std::string_view prefix) -> std::optional<int> {
    if (c.substr(0, prefix.size()) != prefix || c.size() == prefix.size()) return std::nullopt;
    auto v = parse_decimal(c.substr(prefix.size()));
    if (!v || *v < 0 || *v > 200) return std::nullopt;
    return static_cast<int>(*v);
  };
  if (auto n = num("ttyUSB")) return 288 + *n;
  if (auto n = num("ttyS")) return 272 + *n;
  if (auto n = num("ttyO")) return 256 + *n;
  return 288;
}

VeDirectDriver::VeDirectDriver(DriverContext& ctx,
                               std::unique_ptr<transport::ByteTransport> transport,
                               VeDirectOptions options)
    : ctx_(ctx), opt_(std::move(options)), transport_(std::move(transport)) {
  std::string_view name = opt_.connection;
  if (name.empty() && transport_) name = transport_->name();
  connection_ = sanitize_connection(name);
  if (transport_) {
    transport_->set_data_handler([this](ByteView b, TimePoint t) { on_bytes(b, t); });
    transport_->set_state_handler([this](bool open, const std::string& reason) {
      on_port_state(open, reason, Clock::now());
    });
  }
}

VeDirectDriver::~VeDirectDriver() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw; nothing useful to do here
  }
}

std::string VeDirectDriver::describe() const {
  return transport_ ? std::string(transport_->name()) : connection_;
}

void VeDirectDriver::start() {
  if (running_) return;
  running_ = true;
  if (transport_) transport_->start();
  timer_ = std::make_unique<asio::steady_timer>(ctx_.io);
  schedule_tick();
}

void VeDirectDriver::stop() {
  if (!running_) return;
  running_ = false;
  if (timer_) timer_->cancel();
  if (transport_) transport_->stop();
}

void VeDirectDriver::schedule_tick() {
  if (!running_ || !timer_) return;
  timer_->expires_after(kTick);
  timer_->async_wait([this](const asio::error_code& ec) {
    if (ec || !running_) return;
    on_tick(Clock::now());
    schedule_tick();
  });
}

Health VeDirectDriver::health() const {
  if (transport_ && !port_open_)
    return Health::failed(port_problem_.empty() ? "port not open" : port_problem_);
  if (connected_) return Health::ok();
  if (service_) return Health::warning("no valid VE.Direct data");
  return Health::warning("waiting for a VE.Direct device");
}

std::string VeDirectDriver::text_value(std::string_view raw) {
  bool repaired = false;
  std::string s = device_text(raw, &repaired);
  if (repaired) ++stats_.repaired_strings;
  return s;
}

void VeDirectDriver::log_problem(const std::string& what, TimePoint now) {
  if (!logged_once_ || now - last_log_ >= kLogInterval) {
    if (suppressed_ > 0)
      spdlog::warn("vedirect[{}]: {} ({} similar problems suppressed)", connection_, what,
                   suppressed_);
    else
      spdlog::warn("vedirect[{}]: {}", connection_, what);
    logged_once_ = true;
    last_log_ = now;
    suppressed_ = 0;
  } else {
    ++suppressed_;
  }
}

void VeDirectDriver::on_port_state(bool open, const std::string& reason, TimePoint now) {
  port_open_ = open;
  if (open) {
    port_problem_.clear();
    framer_.reset();  // a new byte stream: never join it to a half block from before
    session_.clear();
    spdlog::info("vedirect[{}]: {} open", connection_, describe());
    return;
  }
  port_problem_ = reason;
  spdlog::warn("vedirect[{}]: port closed: {}", connection_, reason);
  session_.clear();
  if (connected_) link_lost("port closed", now);
}

void VeDirectDriver::on_bytes(ByteView bytes, TimePoint now) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const auto r = framer_.take(bytes.subspan(off));
    off += r.consumed;
    if (r.status == TakeStatus::kFrame) {
      if (r.kind == FrameKind::kText)
        on_block(*r.text, now);
      else
        on_hex(*r.hex, now);
    } else if (r.status == TakeStatus::kBad) {
      if (r.hex_error)
        ++stats_.bad_hex;
      else
        ++stats_.bad_blocks;
      log_problem(fmt::format("{} rejected: {}", r.hex_error ? "HEX frame" : "TEXT block",
                              r.error.message()),
                  now);
    }
    if (r.status == TakeStatus::kNeedMore) break;
  }
  pump_tx(now);
}

void VeDirectDriver::on_block(const TextBlock& block, TimePoint now) {
  ++stats_.blocks;
  dataset_.merge(block);
  // A different device on the same port (PID changed): drop the old service, start afresh.
  if (service_ && pid_ && dataset_.pid() && *dataset_.pid() != *pid_) {
    spdlog::info("vedirect[{}]: product changed to 0x{:04X}", connection_, *dataset_.pid());
    ctx_.model.remove_service(service_->name());
    service_ = nullptr;
    connected_ = false;
    dataset_.clear();
    dataset_.merge(block);
  }
  if (!service_) {
    if (!dataset_.has_identity()) return;  // e.g. a history block before the first PID block
    create_service(now);
    if (!service_) return;
  }
  if (!connected_) mark_connected(now);
  last_valid_ = now;
  apply_dataset();
}

void VeDirectDriver::create_service(TimePoint now) {
  class_ = dataset_.product_class();
  pid_ = dataset_.pid();
  const auto type = service_type(class_);
  if (type.empty()) {
    if (!warned_labels_.count("#product")) {
      warned_labels_["#product"] = true;
      spdlog::warn("vedirect[{}]: unknown product {}; not published", connection_,
                   pid_ ? fmt::format("0x{:04X}", *pid_) : std::string("(no PID)"));
    }
    return;
  }
  const std::string* ser = dataset_.get("SER#");
  const std::string unique =
      "vedirect_" + (ser && !ser->empty() ? sanitize_connection(*ser) : connection_);
  const int instance = ctx_.instances.allocate(unique, type, default_device_instance(connection_));

  model::ServiceSpec spec;
  spec.type = std::string(type);
  spec.connection = connection_;
  spec.device_instance = instance;
  spec.mgmt_connection = "VE.Direct";
  if (pid_) {
    spec.product_id = std::int64_t{*pid_};
    auto name = product_name(*pid_);
    spec.product_name =
        name.empty() ? fmt::format("VE.Direct product 0x{:04X}", *pid_) : std::string(name);
  } else if (const std::string* bmv = dataset_.get("BMV")) {
    spec.product_name =
        "BMV-" + text_value(*bmv);  // §1.7: BMV-60xS has no PID; the model is in "BMV"
  }
  if (const std::string* fw = dataset_.get("FWE")) {
    if (auto v = parse_firmware(*fw, true)) spec.firmware_version = *v;
  } else if (const std::string* fw2 = dataset_.get("FW")) {
    if (auto v = parse_firmware(*fw2, false)) spec.firmware_version = *v;
  }
  service_ = &ctx_.model.add_service(spec);
  connected_ = true;
  last_valid_ = now;
  if (ser) service_->set("/Serial", text_value(*ser));
  if (class_ == ProductClass::kSolarCharger) {
    service_->set("/NrOfTrackers", std::int64_t{1});
    model::ItemMeta mode;
    mode.writable = true;
    mode.min = 1;
    mode.max = 4;
    service_->add("/Mode", std::move(mode), model::Invalid{},
                  [this](const model::Value& v) { return write_mode(v); });
    declare_link_paths();
  }
  declare_paths();
  update_link_status();
  spdlog::info("vedirect[{}]: {} ({}) as {} instance {}", connection_,
               truncate_for_log(model::to_plain_text(spec.product_name)), unique, service_->name(),
               instance);
  queue_polls(now);
}

void VeDirectDriver::declare_paths() {
  // The product class's full path set, from the protocol tables (TEXT fields, AR/WARN alarms) and
  // the HEX polls, before the service is first announced: a later block (the MPPT's history
  // block, a BMV's second block) or a HEX answer must not add paths that clients which scan a
  // service once would miss (issue 13, conformance 1).
  for (const FieldDesc& f : field_table()) {
    const auto path = f.path_for(class_);
    if (!path.empty() && !service_->find(path))
      service_->add(path, meta_for(f, service_->type(), path));
  }
  const bool battery = class_ == ProductClass::kBatteryMonitor;
  const bool inverter = class_ == ProductClass::kInverter;
  if (battery || inverter) {
    for (const AlarmBit& a : alarm_bits()) {
      const auto path = battery ? a.battery_path : a.inverter_path;
      if (!path.empty()) service_->declare({model::PathSpec{path}});
    }
  }
  if (battery)
    service_->declare({{"/Settings/HasStarterVoltage"},
                       {"/Settings/HasMidVoltage"},
                       {"/Settings/HasTemperature"}});
  for (const HexPoll& p : kPolls)
    if (p.cls == class_) service_->declare({model::PathSpec{p.path}});
  service_->declare({model::PathSpec{"/Serial"}});
}

void VeDirectDriver::mark_connected(TimePoint now) {
  connected_ = true;
  service_->set("/Connected", std::int64_t{1});
  if (const std::string* ser = dataset_.get("SER#")) service_->set("/Serial", text_value(*ser));
  if (class_ == ProductClass::kSolarCharger) service_->set("/NrOfTrackers", std::int64_t{1});
  update_link_status();
  spdlog::info("vedirect[{}]: data again, /Connected = 1", connection_);
  queue_polls(now);
}

void VeDirectDriver::link_lost(const std::string& why, TimePoint /*now*/) {
  connected_ = false;
  ++stats_.disconnects;
  dataset_.clear();  // stale fields must not come back as fresh after a reconnect
  session_.clear();
  link_.clear();
  if (service_) service_->invalidate_all();
  spdlog::warn("vedirect[{}]: {}: values invalid, /Connected = 0", connection_, why);
}

void VeDirectDriver::apply_dataset() {
  for (const auto& [label, value] : dataset_.fields()) {
    const FieldDesc* d = find_field(label);
    if (!d) {
      // Once per label, and at most 64 labels remembered: a noisy line cannot grow the set or
      // the log without bound (issue 11 item 8).
      if (!warned_labels_.count(label) && warned_labels_.size() < 64) {
        warned_labels_[label] = true;
        ++stats_.unknown_labels;
        spdlog::info("vedirect[{}]: unknown TEXT label '{}' ignored", connection_,
                     truncate_for_log(label, 64));
      }
      continue;
    }
    apply_field(*d, value);
  }
  apply_alarms();
  const bool battery = class_ == ProductClass::kBatteryMonitor;
  if (battery) {
    service_->set("/Settings/HasStarterVoltage", std::int64_t{dataset_.get("VS") ? 1 : 0});
    service_->set("/Settings/HasMidVoltage", std::int64_t{dataset_.get("VM") ? 1 : 0});
    service_->set("/Settings/HasTemperature", std::int64_t{dataset_.get("T") ? 1 : 0});
  }
}

void VeDirectDriver::apply_field(const FieldDesc& d, std::string_view value) {
  const auto path = d.path_for(class_);
  if (path.empty()) return;
  if (!service_->find(path)) service_->add(path, meta_for(d, service_->type(), path));
  auto parsed = parse_field(d, value);
  if (!parsed) {
    ++stats_.bad_values;
    log_problem(fmt::format("field {}='{}': {}", d.label, truncate_for_log(value, 64),
                            parsed.error().message()),
                last_valid_);
    service_->set(path, model::Invalid{});
    return;
  }
  if (parsed->kind != ValueKind::kNumber) {
    service_->set(path, parsed->kind == ValueKind::kText ? model::Value(text_value(parsed->text))
                                                         : model::Value(model::Invalid{}));
    return;
  }
  if (!plausible(d.label, parsed->value)) {
    ++stats_.bad_values;
    log_problem(fmt::format("field {}='{}' is not plausible", d.label, truncate_for_log(value, 64)),
                last_valid_);
    service_->set(path, model::Invalid{});
    return;
  }
  // Integral scales keep integers (states, counts, W, s); fractional scales give doubles.
  if (d.scale == std::floor(d.scale))
    service_->set(path,
                  static_cast<std::int64_t>(parsed->raw * static_cast<std::int64_t>(d.scale)));
  else
    service_->set(path, parsed->value);
}

void VeDirectDriver::apply_alarms() {
  const bool battery = class_ == ProductClass::kBatteryMonitor;
  const bool inverter = class_ == ProductClass::kInverter;
  if (!battery && !inverter) return;
  auto bits_of = [&](std::string_view label) -> std::optional<std::int64_t> {
    const std::string* v = dataset_.get(label);
    if (!v) return std::nullopt;
    return parse_decimal(*v);
  };
  const auto ar = bits_of("AR");
  const auto warn = bits_of("WARN");
  if (!ar && !warn) return;
  for (const auto& a : alarm_bits()) {
    const auto path = battery ? a.battery_path : a.inverter_path;
    if (path.empty()) continue;
    // Starter, mid-point and temperature alarms exist only when the monitor measures that input
    // (seed 003: "BMV-702 configured to read starter battery voltage only", …).
    if (battery && (a.bit == 8 || a.bit == 16) && !dataset_.get("VS")) continue;
    if (battery && a.bit == 128 && !dataset_.get("VM")) continue;
    if (battery && (a.bit == 32 || a.bit == 64) && !dataset_.get("T")) continue;
    // seed 003: 0 = OK, 1 = warning, 2 = alarm.
    std::int64_t level = 0;
    if (warn && (*warn & a.bit)) level = 1;
    if (ar && (*ar & a.bit)) level = 2;
    service_->set(path, level);
  }
}

void VeDirectDriver::on_hex(const HexMessage& msg, TimePoint now) {
  ++stats_.hex_frames;
  if (auto out = session_.on_message(msg, now)) {
    if (out->kind == HexOutcomeKind::kReply &&
        (out->reply.command == 0x7 || out->reply.command == 0x8)) {
      auto reg = parse_register(out->reply);
      if (reg && out->reply.command == 0x8 && link_.holds(reg->id))
        on_link_reply(reg->id, reg->flags == 0);
      else if (reg && reg->flags == 0)
        apply_register(reg->id, reg->value.view());
    }
    return;
  }
  // Async notifications (§1.2) update the registers we map; others are only counted.
  if (msg.command == static_cast<std::uint8_t>(HexResponse::kAsync)) {
    if (auto reg = parse_register(msg); reg && reg->flags == 0)
      apply_register(reg->id, reg->value.view());
  }
}

void VeDirectDriver::apply_register(std::uint16_t id, ByteView value) {
  if (!service_ || !connected_) return;
  const auto path = poll_path(class_, id);
  const RegisterDesc* d = find_register(id);
  if (path.empty() || !d) return;
  auto v = decode_register_value(*d, value);
  if (!v) return;
  if (!v->available) {
    service_->set(path, model::Invalid{});
  } else if (d->type == RegType::kString) {
    service_->set(path, text_value(v->text));
  } else if (d->scale == 1 && d->offset == 0) {
    service_->set(path, v->raw);
  } else {
    service_->set(path, v->value);
  }
}

bool VeDirectDriver::hex_allowed() const {
  if (!opt_.hex || !can_send() || !connected_) return false;
  // §2.4: MPPT firmware ≤ 1.52 stops TEXT while it sees HEX; only newer firmware gets queries.
  if (dataset_.get("FWE")) return true;
  if (const std::string* fw = dataset_.get("FW")) {
    auto v = parse_firmware(*fw, false);
    return v && *v >= 0x153;
  }
  return false;
}

void VeDirectDriver::queue_polls(TimePoint now) {
  polls_due_ = true;
  next_poll_ = now;
}

bool VeDirectDriver::can_send() const { return transport_ && transport_->is_open(); }

void VeDirectDriver::send_bytes(ByteView b) {
  if (transport_) transport_->write(b);
}

TimePoint VeDirectDriver::send_time() const { return running_ && transport_ ? Clock::now() : now_; }

void VeDirectDriver::pump_tx(TimePoint now) {
  if (now > now_) now_ = now;
  if (!transport_) return;
  // The GX's link values first (they have a deadline at the device), one SET at a time and only
  // on an idle link, so a poll reply is never mistaken for a SET reply.
  if (!session_.busy() && session_.queued() == 0 && hex_allowed())
    if (auto set = link_.next_set(now)) session_.enqueue(*set);
  if (polls_due_ && now >= next_poll_ && hex_allowed()) {
    polls_due_ = false;
    for (auto& p : kPolls) {
      if (p.cls != class_) continue;
      if (p.reg == 0x010A && dataset_.get("SER#")) continue;  // TEXT already has it
      session_.enqueue(make_get(p.reg));
    }
    next_poll_ = now + opt_.hex_poll;
    polls_due_ = true;
  }
  while (auto tx = session_.poll_tx(now)) send_bytes(tx->view());
}

void VeDirectDriver::on_tick(TimePoint now) {
  if (service_ && connected_ && now - last_valid_ > opt_.timeout)
    link_lost(fmt::format("no valid data for {:.1f} s", to_seconds(now - last_valid_)), now);
  if (now > now_) now_ = now;
  if (auto out = session_.on_tick(now); out && out->kind == HexOutcomeKind::kTimeout)
    spdlog::debug("vedirect[{}]: HEX request timed out", connection_);
  if (service_) {
    // A GX value not written again within 60 s is dropped (seed 003): the charger then times out
    // to stand-alone by itself, as it would behind a GX that stopped.
    const auto gone = link_.expire(now);
    for (auto reg : gone)
      for (auto& l : kLinkPaths)
        if (l.reg == reg) {
          service_->set(l.path, model::Invalid{});
          spdlog::info("vedirect[{}]: {} not written for {:.0f} s; no longer sent", connection_,
                       l.path, to_seconds(opt_.link.hold));
        }
    if (!gone.empty()) update_link_status();
  }
  pump_tx(now);
}

model::WriteResult VeDirectDriver::write_mode(const model::Value& v) {
  auto m = model::as_int(v);
  if (!m || (*m != 1 && *m != 4)) return model::WriteResult::kOutOfRange;
  if (!can_send() || !connected_) return model::WriteResult::kFailed;
  // Device mode 0x0200 (§2.3) is a RAM setting; written only on this explicit request.
  const std::uint8_t b = static_cast<std::uint8_t>(*m);
  spdlog::info("vedirect[{}]: writing device mode {}", connection_, *m);
  if (!session_.enqueue(make_set(0x0200, ByteView(&b, 1)))) return model::WriteResult::kFailed;
  pump_tx(send_time());
  return model::WriteResult::kOk;
}

void VeDirectDriver::declare_link_paths() {
  for (const LinkPath& l : kLinkPaths) {
    model::ItemMeta m;  // units and decimals from the Venus path-format table
    m.writable = true;
    const std::string path(l.path);
    service_->add(l.path, std::move(m), model::Invalid{},
                  [this, path](const model::Value& v) { return write_link(path, v); });
  }
  // What the charger does with them (seed 003): read-only status, set from the device's answers.
  service_->declare(
      {{"/Link/VoltageSenseActive"}, {"/Link/TemperatureSenseActive"}, {"/Settings/BmsPresent"}});
}

model::WriteResult VeDirectDriver::write_link(std::string_view path, const model::Value& v) {
  const LinkPath* l = find_link(path);
  if (!l) return model::WriteResult::kUnknownPath;
  auto d = model::as_double(v);
  if (!d) return model::WriteResult::kBadType;
  auto refuse = [&](model::WriteResult r, const std::string& why) {
    ++stats_.link_refused;
    log_problem(fmt::format("{} = {} refused: {}", path, *d, why), now_);
    return r;
  };
  if (!std::isfinite(*d)) return refuse(model::WriteResult::kOutOfRange, "not a number");
  const auto battery_v = model::as_double(service_->get("/Dc/0/Voltage"));
  const int bank = battery_v ? nominal_voltage(*battery_v) : 0;
  model::Value stored = *d;
  if (path == "/Link/NetworkMode") {
    if (*d != std::floor(*d) || *d < 0 || (static_cast<std::int64_t>(*d) & ~kNetworkModeBits))
      return refuse(model::WriteResult::kOutOfRange, "only bits 0x1, 0x4 and 0x8 (seed 003)");
    stored = static_cast<std::int64_t>(*d);
  } else if (path == "/Link/ChargeVoltage") {
    if (bank == 0)
      return refuse(model::WriteResult::kOutOfRange, "the bank's nominal voltage is not known");
    const double k = bank / 12.0;
    if (*d < kLinkVoltageMin * k || *d > kLinkVoltageMax * k)
      return refuse(model::WriteResult::kOutOfRange,
                    fmt::format("outside {:.1f} .. {:.1f} V for a {} V bank", kLinkVoltageMin * k,
                                kLinkVoltageMax * k, bank));
  } else if (path == "/Link/ChargeCurrent") {
    const auto limit = model::as_double(service_->get("/Settings/ChargeCurrentLimit"));
    if (!limit) return refuse(model::WriteResult::kOutOfRange, "the charger's limit is not known");
    if (*d < 0 || *d > *limit)
      return refuse(model::WriteResult::kOutOfRange,
                    fmt::format("outside 0 .. {:.1f} A (the charger's limit)", *limit));
  } else if (path == "/Link/VoltageSense") {
    if (bank == 0 || nominal_voltage(*d) != bank)
      return refuse(model::WriteResult::kOutOfRange, "not a voltage of this charger's bank");
  } else if (path == "/Link/TemperatureSense") {
    if (*d < -40 || *d > 85) return refuse(model::WriteResult::kOutOfRange, "outside -40 .. 85 °C");
  } else if (std::fabs(*d) > 10000) {  // /Link/BatteryCurrent
    return refuse(model::WriteResult::kOutOfRange, "outside ±10000 A");
  }
  if (l->reg != 0) {
    if (!hex_allowed()) return refuse(model::WriteResult::kFailed, "no HEX link to the device");
    const RegisterDesc* r = find_register(l->reg);
    if (!r) return refuse(model::WriteResult::kFailed, "no register table entry");
    auto payload = encode_register_value(*r, *d);
    if (!payload) return refuse(model::WriteResult::kOutOfRange, payload.error().message());
    link_.write(l->reg, *payload, now_);
  }
  service_->set(path, stored);
  if (l->reg == kRegNetworkMode && (std::get<std::int64_t>(stored) & 0x8)) bms_present_ = true;
  update_link_status();
  pump_tx(send_time());
  return model::WriteResult::kOk;
}

void VeDirectDriver::on_link_reply(std::uint16_t reg, bool accepted) {
  link_.on_reply(reg, accepted);
  if (!accepted) log_problem(fmt::format("the device refused link register 0x{:04X}", reg), now_);
  update_link_status();
}

void VeDirectDriver::update_link_status() {
  if (!service_ || class_ != ProductClass::kSolarCharger) return;
  // seed 003: *SenseActive says a sense value is in use; BmsPresent "happens automatically if
  // NetworkMode is set to expect a BMS" (kept until restart, as the charger keeps it).
  service_->set("/Link/VoltageSenseActive", std::int64_t{link_.accepted(kRegVoltageSense)});
  service_->set("/Link/TemperatureSenseActive", std::int64_t{link_.accepted(kRegTemperatureSense)});
  // The device's own setting is not read (no register in the reference): unknown until we set it.
  service_->set("/Settings/BmsPresent",
                bms_present_ ? model::Value(std::int64_t{1}) : model::Value(model::Invalid{}));
}

}  // namespace gxlink::drivers::vedirect
