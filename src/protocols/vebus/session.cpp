// SPDX-License-Identifier: MIT
#include "protocols/vebus/session.hpp"

#include <cstdio>

#include <algorithm>
#include <cmath>

namespace gxlink::vebus {
namespace {

// RAM vars whose scale/offset the session fetches: the info-frame words (0-5, 7, 8) and the
// polled vars (SOC, powers).
constexpr std::array<std::uint8_t, 12> kInfoVars = {
    ram::kUMainsRms,   ram::kIMainsRms,      ram::kUInverterRms,   ram::kIInverterRms,
    ram::kUBat,        ram::kIBat,           ram::kInverterPeriod, ram::kMainsPeriod,
    ram::kChargeState, ram::kInverterPower1, ram::kInverterPower2, ram::kOutputPower};
constexpr std::array<std::uint8_t, 3> kPolledVars = {ram::kChargeState, ram::kInverterPower2,
                                                     ram::kOutputPower};
// IBatBulk (the charge current) is read too: DVCC lowers it (write_charge_current).
constexpr std::array<std::uint16_t, 4> kKnownSettings = {
    setting::kUBatAbsorption, setting::kUBatFloat, setting::kIMainsLimit, setting::kIBatBulk};

}  // namespace

const char* to_string(LinkState s) noexcept {
  switch (s) {
    case LinkState::kStopped: return "stopped";
    case LinkState::kInit: return "init";
    case LinkState::kReady: return "ready";
    case LinkState::kWaitRestart: return "waiting to restart";
  }
  return "?";
}

const char* to_string(InterfaceKind k) noexcept {
  switch (k) {
    case InterfaceKind::kUnknown: return "unknown";
    case InterfaceKind::kMk2: return "MK2";
    case InterfaceKind::kMk3: return "MK3";
  }
  return "?";
}

std::optional<double> UnitState::setting_value(std::uint16_t id) const {
  auto i = setting_info.find(id);
  auto r = setting_raw.find(id);
  if (i == setting_info.end() || r == setting_raw.end()) return std::nullopt;
  return i->second.to_value(r->second);
}

Session::Session(SessionOptions options) : opt_(options) {
  if (opt_.pacing < milliseconds(100)) opt_.pacing = milliseconds(100);  // seed 002 minimum
}

void Session::start(TimePoint now) { begin_init(now); }

void Session::stop() {
  abort_writes("session stopped");
  queue_.clear();
  inflight_.reset();
  link_ = LinkState::kStopped;
}

void Session::begin_init(TimePoint now) {
  queue_.clear();
  inflight_.reset();
  framer_.reset();
  in_sync_ = true;
  consecutive_failures_ = 0;
  link_ = LinkState::kInit;
  // Forget what we knew: after a reset the unit may be another one (or reconfigured).
  const auto iface = unit_.interface_kind;
  unit_ = UnitState{};
  unit_.interface_kind = iface;
  changed_ = true;

  Request a = req(Op::kSetAddress);
  a.frame = encode_set_address(opt_.address);
  queue_.push_back(a);
  Request v = req(Op::kVersion);
  v.frame = encode_version();
  queue_.push_back(v);
  if (opt_.probe_mk3) {
    Request h = req(Op::kProbe);
    h.frame = encode_line_state_query();
    queue_.push_back(h);
  }
  for (auto var : kInfoVars) queue_.push_back(winmon(Op::kRamInfo, var));
  for (auto s : kKnownSettings) {
    queue_.push_back(winmon(Op::kSettingInfo, s));
    queue_.push_back(winmon(Op::kReadSetting, s));
  }
  // The unit's firmware version (Venus' /ProductId and /FirmwareVersion of a vebus service).
  queue_.push_back(winmon(Op::kSoftwareVersion, 0));
  queue_.push_back(winmon(Op::kSoftwareVersion, 1));
  queue_.back().last_init = true;
  next_send_ = std::max(next_send_, now);
  next_cycle_ = now;
  last_frame_ = now;
  next_settings_ = now + opt_.settings_interval;
}

Session::Request Session::winmon(Op op, std::uint16_t id) {
  Request r = req(op);
  r.id = id;
  return r;  // frame and letter are filled when sent (letters rotate at send time)
}

std::uint8_t Session::next_letter() noexcept {
  static constexpr std::uint8_t kLetters[3] = {'X', 'Y', 'Z'};
  const std::uint8_t l = kLetters[letter_index_];
  letter_index_ = (letter_index_ + 1) % 3;
  return l;
}

void Session::send(Request r, TimePoint now) {
  // Winmon frames get a fresh letter at every (re)send.
  switch (r.op) {
    case Op::kRamInfo:
      r.letter = next_letter();
      r.frame = encode_get_ram_var_info(r.letter, r.id);
      break;
    case Op::kSettingInfo:
      r.letter = next_letter();
      r.frame = encode_get_setting_info(r.letter, r.id);
      break;
    case Op::kReadSetting:
    case Op::kReadBackSetting:
      r.letter = next_letter();
      r.frame = encode_read_setting(r.letter, r.id);
      break;
    case Op::kReadRam:
      r.letter = next_letter();
      r.frame = encode_read_ram_vars(r.letter, r.ids);
      break;
    case Op::kSoftwareVersion:
      r.letter = next_letter();
      r.frame = encode_software_version(r.letter, r.id);
      break;
    case Op::kDeviceState:
      r.letter = next_letter();
      r.frame = encode_device_state(r.letter, 0);
      break;
    case Op::kWriteSetting: {
      r.letter = next_letter();
      const auto raw = static_cast<std::uint16_t>(std::lround(r.target));
      r.frame =
          encode_write_via_id(r.letter, true, !r.persist, static_cast<std::uint8_t>(r.id), raw);
      break;
    }
    default: break;
  }
  ++r.tries;
  Duration timeout = opt_.reply_timeout;
  if (r.op == Op::kConfig || r.op == Op::kReadBackConfig) timeout = opt_.config_timeout;
  if (r.op == Op::kWriteSetting || r.op == Op::kSwitch) {
    timeout = opt_.write_reply_timeout;
    ++stats_.writes_sent;
  }
  // In flight before the bytes leave: a transport that answers synchronously must find it.
  inflight_ = std::move(r);
  inflight_deadline_ = now + timeout;
  next_send_ = now + opt_.pacing;
  if (tx_) tx_(inflight_->frame.view());
}

void Session::on_bytes(ByteView bytes, TimePoint now) {
  if (link_ == LinkState::kStopped) return;
  if (framer_.buffered() > 0 && now - last_rx_ > opt_.partial_frame_timeout) flush_stale(now);
  last_rx_ = now;
  framer_.push(
      bytes, [&](const Mk2Frame& f) { on_frame(f, now); }, [&](Errc e) { on_bad(e); });
}

void Session::on_bad(Errc e) {
  ++stats_.bytes_dropped;
  if (e == Errc::kBadChecksum) ++stats_.bad_checksum;
  if (in_sync_) event(EventKind::kGarbageStart, "dropping bytes that are not valid MK2 frames");
  in_sync_ = false;
}

void Session::flush_stale(TimePoint now) {
  framer_.flush([&](const Mk2Frame& f) { on_frame(f, now); }, [&](Errc e) { on_bad(e); });
}

void Session::on_frame(const Mk2Frame& f, TimePoint now) {
  ++stats_.frames;
  last_rx_ = now;
  last_frame_ = now;
  if (!in_sync_) {
    in_sync_ = true;
    event(EventKind::kGarbageEnd, "back in sync");
  }
  if (f.has_leds) {
    LedReply l{f.led_on, f.led_blink, {}, {}};
    if (!unit_.leds || unit_.leds->on != l.on || unit_.leds->blink != l.blink) {
      unit_.leds = l;
      changed_ = true;
    }
  }
  auto reply = decode(f);
  if (!reply) {
    ++stats_.decode_errors;
    return;
  }
  if (std::holds_alternative<ResetNotice>(*reply)) {
    ++stats_.resets;
    event(EventKind::kResetNotice, "interface reset: selecting the address again");
    abort_writes("interface reset");
    begin_init(now);
    return;
  }
  if (auto* v = std::get_if<VersionReply>(&*reply); v && link_ == LinkState::kReady &&
                                                    v->mode != 'B' && v->mode != 'W' &&
                                                    v->mode != opt_.address) {
    // The mode byte carries the selected address; another one means our selection was lost
    // (it does not survive a power cycle, §4.3): select it again before trusting anything.
    ++stats_.wrong_device;
    event(EventKind::kResetNotice, "interface reports address " + std::to_string(v->mode) +
                                       ": selecting address " + std::to_string(opt_.address) +
                                       " again");
    abort_writes("interface lost its address selection");
    begin_init(now);
    return;
  }
  if (inflight_ && matches(*inflight_, *reply)) {
    complete(*reply, now);
    return;
  }
  apply_unsolicited(*reply);
}

bool Session::matches(const Request& r, const Reply& reply) const {
  switch (r.op) {
    case Op::kSetAddress: {
      // An 'A' naming another address is not our confirmation (venus#758: replies from the wrong
      // Multi); the request times out and is re-sent.
      auto* a = std::get_if<AddressReply>(&reply);
      return a && a->address == opt_.address;
    }
    case Op::kVersion: return std::holds_alternative<VersionReply>(reply);
    case Op::kProbe: return std::holds_alternative<LineStateReply>(reply);
    case Op::kInfoDc: return std::holds_alternative<DcInfoRaw>(reply);
    case Op::kInfoAc: {
      auto* a = std::get_if<AcInfoRaw>(&reply);
      return a && a->phase.phase == r.id;
    }
    case Op::kConfig:
    case Op::kReadBackConfig: return std::holds_alternative<ConfigInfo>(reply);
    case Op::kLed: return std::holds_alternative<LedReply>(reply);
    case Op::kSwitch: return std::holds_alternative<SwitchReply>(reply);
    default: {
      auto* w = std::get_if<WinmonReply>(&reply);
      return w && w->letter == r.letter;
    }
  }
}

std::optional<double> Session::ram_scaled(std::uint8_t var, std::uint16_t raw) const {
  auto it = unit_.ram_info.find(var);
  if (it == unit_.ram_info.end() || !it->second.supported()) return std::nullopt;
  return it->second.to_value(raw);
}

void Session::apply_info(const DcInfoRaw& d) {
  unit_.device_state = d.device_state;
  auto u = unit_.ram_info.find(ram::kUBat);
  auto i = unit_.ram_info.find(ram::kIBat);
  auto p = unit_.ram_info.find(ram::kInverterPeriod);
  if (u != unit_.ram_info.end() && u->second.supported())
    unit_.dc_voltage = u->second.to_value(d.ubat);
  if (i != unit_.ram_info.end() && i->second.supported())
    unit_.dc_current =
        i->second.to_value_wide(d.charger_current) - i->second.to_value_wide(d.inverter_current);
  if (p != unit_.ram_info.end())
    unit_.inverter_frequency = period_to_hz(p->second, d.inverter_period);
  update_nominal();
  changed_ = true;
}

void Session::apply_info(const AcInfoRaw& a) {
  const int ph = a.phase.phase;
  if (ph < 1 || ph > 4) return;
  if (a.phase.phase_count > 0) unit_.phase_count = a.phase.phase_count;
  unit_.device_state = a.device_state;
  PhaseValues v;
  v.bf_factor = a.bf_factor;
  v.inverter_factor = a.inverter_factor;
  auto mu = ram_scaled(ram::kUMainsRms, a.mains_u);
  auto mi = ram_scaled(ram::kIMainsRms, a.mains_i);
  auto iu = ram_scaled(ram::kUInverterRms, a.inverter_u);
  auto ii = ram_scaled(ram::kIInverterRms, a.inverter_i);
  auto mp = unit_.ram_info.find(ram::kMainsPeriod);
  if (!mu || !mi || !iu || !ii || mp == unit_.ram_info.end()) return;  // scales not known yet
  v.in_v = *mu;
  v.in_i = *mi * a.bf_factor;
  v.out_v = *iu;
  v.out_i = *ii * a.inverter_factor;
  v.in_f = period_to_hz(mp->second, a.mains_period);
  v.out_f = unit_.inverter_frequency.value_or(v.in_f);
  unit_.phases[static_cast<std::size_t>(ph - 1)] = v;
  changed_ = true;
}

void Session::update_nominal() {
  std::optional<int> n;
  if (auto i = unit_.setting_info.find(setting::kUBatAbsorption); i != unit_.setting_info.end())
    n = nominal_voltage_from_absorption_default(i->second.default_value());
  if (!n && unit_.dc_voltage) n = nominal_voltage_from_battery(*unit_.dc_voltage);
  if (n != unit_.nominal_voltage) {
    unit_.nominal_voltage = n;
    changed_ = true;
  }
}

void Session::apply_unsolicited(const Reply& reply) {
  // Frames nobody asked for: the idle 'V' heartbeat, LED frames from auto-send, late replies.
  if (auto* v = std::get_if<VersionReply>(&reply)) {
    unit_.interface_version = v->version;
    return;
  }
  if (auto* a = std::get_if<AddressReply>(&reply)) {
    if (a->address != opt_.address) ++stats_.wrong_device;
    ++stats_.stale_replies;
    return;
  }
  if (auto* l = std::get_if<LedReply>(&reply)) {
    unit_.leds = *l;
    changed_ = true;
    return;
  }
  // Info frames carry their phase and scale with the unit's own info, so they are safe to use
  // even when they arrive late; winmon replies without their request are not (whose value is it?).
  if (link_ == LinkState::kReady) {
    if (auto* d = std::get_if<DcInfoRaw>(&reply)) return apply_info(*d);
    if (auto* a = std::get_if<AcInfoRaw>(&reply)) return apply_info(*a);
  }
  if (std::holds_alternative<OtherFrame>(reply)) return;
  ++stats_.stale_replies;
}

void Session::complete(const Reply& reply, TimePoint now) {
  Request& r = *inflight_;
  consecutive_failures_ = 0;
  switch (r.op) {
    case Op::kSetAddress: break;
    case Op::kVersion: unit_.interface_version = std::get<VersionReply>(reply).version; break;
    case Op::kProbe: unit_.interface_kind = InterfaceKind::kMk3; break;
    case Op::kInfoDc: apply_info(std::get<DcInfoRaw>(reply)); break;
    case Op::kInfoAc: apply_info(std::get<AcInfoRaw>(reply)); break;
    case Op::kConfig:
    case Op::kReadBackConfig: on_config(r, std::get<ConfigInfo>(reply)); break;
    case Op::kLed:
      unit_.leds = std::get<LedReply>(reply);
      changed_ = true;
      break;
    case Op::kSwitch: write_acknowledged_[r.write_id] = true; break;
    case Op::kSoftwareVersion: on_software_version(std::get<WinmonReply>(reply)); break;
    case Op::kDeviceState: {
      if (auto s = device_state(std::get<WinmonReply>(reply))) {
        unit_.device_state = s->state;
        unit_.charge_substate = s->substate;
        changed_ = true;
      } else {
        ++stats_.decode_errors;
      }
      break;
    }
    case Op::kReadRam: on_ram_values(r, std::get<WinmonReply>(reply)); break;
    case Op::kRamInfo: {
      auto info = ram_var_info(std::get<WinmonReply>(reply));
      if (info) {
        unit_.ram_info[static_cast<std::uint8_t>(r.id)] = *info;
      } else {
        ++stats_.decode_errors;
      }
      break;
    }
    case Op::kSettingInfo: {
      auto info = setting_info(std::get<WinmonReply>(reply));
      if (info) {
        unit_.setting_info[r.id] = *info;
        update_nominal();
      } else if (info.error().code != Errc::kUnsupported) {
        ++stats_.decode_errors;
      }
      changed_ = true;
      break;
    }
    case Op::kReadSetting:
    case Op::kReadBackSetting: on_setting_value(r, std::get<WinmonReply>(reply)); break;
    case Op::kWriteSetting: on_write_setting_reply(r, std::get<WinmonReply>(reply)); break;
  }
  finish_inflight(now);
}

// A config frame: the switch and the current limit; after a switch write, its read-back.
void Session::on_config(const Request& r, const ConfigInfo& c) {
  unit_.config = c;
  changed_ = true;
  if (r.op == Op::kReadBackConfig) {
    bool ok = true;
    std::string why;
    if (r.mode && c.switch_state() != *r.mode) {
      ok = false;
      why = std::string("switch reads back as ") + std::string(to_string(c.switch_state()));
    }
    if (r.limit && std::lround(*r.limit * 10) != c.actual_limit) {
      ok = false;
      why += (why.empty() ? "" : "; ") + std::string("current limit reads back as ") +
             std::to_string(c.actual_limit / 10.0);
    }
    done_write(r.write_id, ok, ok ? Error{} : Error{Errc::kRefused, why}, c.actual_limit / 10.0);
  }
}

// The firmware number comes whole, or as a low word (0x82) and then a high word (0x83).
void Session::on_software_version(const WinmonReply& w) {
  if (auto low = software_version_low(w)) {
    if (w.data.size >= 4) {
      unit_.firmware_number = *low;  // combined: nothing more to wait for
      version_low_.reset();
      changed_ = true;
    } else {
      version_low_ = *low;
    }
  } else if (auto high = software_version_high(w); high && version_low_) {
    unit_.firmware_number = *version_low_ | (static_cast<std::uint32_t>(*high) << 16);
    version_low_.reset();
    changed_ = true;
  }
}

// The RAM vars of one read, in the order they were asked for.
void Session::on_ram_values(const Request& r, const WinmonReply& w) {
  auto vals = ram_values(w);
  if (!vals) {
    ++stats_.decode_errors;
    return;
  }
  for (std::size_t k = 0; k < r.ids.size(); ++k) {
    if (2 * k + 1 >= vals->size) break;
    const auto raw = ram_value(*vals, k);
    auto v = ram_scaled(r.ids[k], raw);
    if (!v) continue;
    switch (r.ids[k]) {
      // ChargeState scale 1/200 gives a fraction (raw 200 = 1.0 = 100 %).
      case ram::kChargeState: unit_.soc = *v * 100.0; break;
      // j9brown: the AC-input power var is negative while taking power from AC in.
      case ram::kInverterPower2: unit_.input_power = -*v; break;
      case ram::kOutputPower: unit_.output_power = *v; break;
      default: break;
    }
  }
  changed_ = true;
}

// A setting's value; after a setting write (or a fresh read), its read-back.
void Session::on_setting_value(const Request& r, const WinmonReply& w) {
  auto v = setting_value(w);
  if (v) {
    unit_.setting_raw[r.id] = *v;
    changed_ = true;
  } else {
    ++stats_.decode_errors;
  }
  if (r.op == Op::kReadBackSetting) {
    if (!v) {
      done_write(r.write_id, false, v.error(), std::nullopt);
    } else {
      const auto back = unit_.setting_value(r.id);
      const bool ok = !r.verify || *v == static_cast<std::uint16_t>(std::lround(r.target));
      done_write(r.write_id, ok,
                 ok ? Error{} : Error{Errc::kRefused, "value read back differs from the write"},
                 back);
    }
  }
}

// The unit's answer to WriteViaID: accepted (the read-back follows) or refused (reported now).
void Session::on_write_setting_reply(const Request& r, const WinmonReply& w) {
  if (w.code == wm::kWriteSettingOk || w.code == wm::kWriteRamOk) {
    write_acknowledged_[r.write_id] = true;
  } else if (w.code == wm::kAccessLevelRequired || w.code == wm::kUnknownCommand) {
    // The unit refused: drop the read-back and report.
    const auto id = r.write_id;
    std::erase_if(writes_, [id](const Request& q) { return q.write_id == id; });
    done_write(id, false,
               Error{Errc::kRefused, w.code == wm::kAccessLevelRequired
                                         ? "unit requires a higher access level"
                                         : "unit does not know WriteViaID"},
               std::nullopt);
  }
}

void Session::finish_inflight(TimePoint now) {
  const bool last_init = inflight_ && inflight_->last_init;
  inflight_.reset();
  if (last_init && link_ == LinkState::kInit) {
    if (unit_.interface_kind == InterfaceKind::kUnknown) unit_.interface_kind = InterfaceKind::kMk2;
    link_ = LinkState::kReady;
    changed_ = true;
    event(EventKind::kLinkUp,
          std::string("VE.Bus unit ready via ") + to_string(unit_.interface_kind));
    next_cycle_ = now;
  }
}

void Session::on_timeout(TimePoint now) {
  Request r = std::move(*inflight_);
  inflight_.reset();
  // Writes: no reply is normal (seed 002); the read-back that follows decides.
  if (r.op == Op::kWriteSetting || r.op == Op::kSwitch) {
    ++stats_.writes_unacknowledged;
    if (r.last_init) finish_inflight(now);
    return;
  }
  // An MK2 does not know 'H': silence means MK2.
  if (r.op == Op::kProbe) {
    unit_.interface_kind = InterfaceKind::kMk2;
    return;
  }
  ++stats_.timeouts;
  if (r.tries <= opt_.retries) {
    // Resend at the front, so order is kept.
    (r.write_id ? writes_ : queue_).push_front(std::move(r));
    return;
  }
  // Init: a unit that ignores the info request for one var or setting simply lacks it (its
  // values stay invalid); only a unit that answers nothing at all fails the init.
  const bool optional_info = r.op == Op::kRamInfo || r.op == Op::kSettingInfo ||
                             r.op == Op::kReadSetting || r.op == Op::kSoftwareVersion;
  if (link_ == LinkState::kInit && optional_info && r.write_id == 0 && unit_.interface_version) {
    if (r.last_init) finish_inflight(now);
    return;
  }
  ++consecutive_failures_;
  if (r.write_id) {
    const auto id = r.write_id;
    std::erase_if(writes_, [id](const Request& q) { return q.write_id == id; });
    done_write(id, false, Error{Errc::kTimeout, "no answer from the unit"}, std::nullopt);
  }
  if (link_ == LinkState::kInit) {
    event(EventKind::kInitFailed, "no answer during init; retrying");
    link_lost("no answer during init", now);
    return;
  }
  if (consecutive_failures_ >= opt_.silent_after) {
    link_lost("unit silent", now);
    return;
  }
  // A poll that never answers (e.g. 'F' 3 on a single-phase unit) is skipped this cycle.
  if (r.last_init) finish_inflight(now);
}

void Session::link_lost(const std::string& why, TimePoint now) {
  const bool was_ready = link_ == LinkState::kReady;
  abort_writes(why);
  queue_.clear();
  inflight_.reset();
  framer_.reset();
  link_ = LinkState::kWaitRestart;
  restart_at_ = now + opt_.restart_delay;
  const auto iface = unit_.interface_kind;
  unit_ = UnitState{};
  unit_.interface_kind = iface;
  changed_ = true;
  if (was_ready) event(EventKind::kLinkLost, why);
}

void Session::abort_writes(const std::string& why) {
  std::vector<std::uint32_t> ids;
  for (auto& q : writes_)
    if (std::find(ids.begin(), ids.end(), q.write_id) == ids.end()) ids.push_back(q.write_id);
  if (inflight_ && inflight_->write_id &&
      std::find(ids.begin(), ids.end(), inflight_->write_id) == ids.end())
    ids.push_back(inflight_->write_id);
  writes_.clear();
  for (auto id : ids) {
    ++stats_.writes_aborted;
    done_write(id, false, Error{Errc::kAborted, why}, std::nullopt);
  }
}

void Session::done_write(std::uint32_t id, bool ok, Error e, std::optional<double> read_back) {
  if (id == 0) return;
  WriteCompletion c;
  c.id = id;
  c.ok = ok;
  c.error = std::move(e);
  c.read_back = read_back;
  c.acknowledged = write_acknowledged_.count(id) != 0;
  write_acknowledged_.erase(id);
  completions_.push_back(std::move(c));
}

void Session::plan_cycle(TimePoint now) {
  Request dc = req(Op::kInfoDc);
  dc.frame = encode_info_request(0);
  queue_.push_back(dc);
  const int phases = std::clamp(unit_.phase_count, 1, 4);
  for (int p = 1; p <= phases; ++p) {
    Request ac = req(Op::kInfoAc);
    ac.id = static_cast<std::uint16_t>(p);
    ac.frame = encode_info_request(static_cast<std::uint8_t>(p));
    queue_.push_back(ac);
  }
  Request led = req(Op::kLed);
  led.frame = encode_led();
  queue_.push_back(led);
  Request cfg = req(Op::kConfig);
  cfg.frame = encode_info_request(5);
  queue_.push_back(cfg);
  queue_.push_back(winmon(Op::kDeviceState, 0));
  Request rr = winmon(Op::kReadRam, 0);
  for (auto v : kPolledVars) {
    auto it = unit_.ram_info.find(v);
    if (it != unit_.ram_info.end() && it->second.supported()) rr.ids.push_back(v);
  }
  if (!rr.ids.empty()) queue_.push_back(rr);
  if (now >= next_settings_) {
    for (auto s : kKnownSettings)
      if (unit_.setting_info.count(s)) queue_.push_back(winmon(Op::kReadSetting, s));
    next_settings_ = now + opt_.settings_interval;
  }
  next_cycle_ = now + opt_.poll_interval;
}

void Session::on_tick(TimePoint now) {
  if (link_ == LinkState::kStopped) return;
  if (link_ == LinkState::kWaitRestart) {
    if (now >= restart_at_)
      begin_init(now);
    else
      return;
  }
  if (framer_.buffered() > 0 && now - last_rx_ > opt_.partial_frame_timeout) flush_stale(now);
  if (inflight_ && now >= inflight_deadline_) on_timeout(now);
  // j9brown treats 5 s without traffic as "asleep or unplugged"; the polls keep a live unit busy.
  if (link_ == LinkState::kReady && now - last_frame_ > opt_.silence_timeout) {
    link_lost(
        "no valid frame from the unit for " +
            std::to_string(std::chrono::duration_cast<milliseconds>(opt_.silence_timeout).count()) +
            " ms",
        now);
    return;
  }
  if (link_ != LinkState::kInit && link_ != LinkState::kReady) return;
  if (inflight_ || now < next_send_) return;
  // Writes first, but only from a fully understood state (see the header).
  if (!writes_.empty() && link_ == LinkState::kReady && in_sync()) {
    Request w = std::move(writes_.front());
    writes_.pop_front();
    send(std::move(w), now);
    return;
  }
  if (queue_.empty() && link_ == LinkState::kReady && now >= next_cycle_) plan_cycle(now);
  if (!queue_.empty()) {
    Request r = std::move(queue_.front());
    queue_.pop_front();
    send(std::move(r), now);
  }
}

std::optional<TimePoint> Session::next_deadline() const {
  switch (link_) {
    case LinkState::kStopped: return std::nullopt;
    case LinkState::kWaitRestart: return restart_at_;
    default: break;
  }
  std::optional<TimePoint> t;
  auto earliest = [&t](TimePoint x) {
    if (!t || x < *t) t = x;
  };
  if (inflight_) {
    earliest(inflight_deadline_);
  } else if (!writes_.empty() || !queue_.empty()) {
    earliest(next_send_);
  } else if (link_ == LinkState::kReady) {
    earliest(std::max(next_cycle_, next_send_));
  }
  if (framer_.buffered() > 0) earliest(last_rx_ + opt_.partial_frame_timeout);
  if (link_ == LinkState::kReady) earliest(last_frame_ + opt_.silence_timeout + milliseconds(1));
  return t;
}

Result<std::uint16_t> Session::check_setting_write(std::uint16_t id, double value) const {
  if (link_ != LinkState::kReady) return fail(Errc::kRefused, "the VE.Bus session is not ready");
  const SettingDescriptor* d = find_setting(id);
  if (!d || !d->cli_writable) return fail(Errc::kRefused, "this setting may not be written");
  auto info = unit_.setting_info.find(id);
  if (info == unit_.setting_info.end())
    return fail(Errc::kRefused, "the unit's scale for this setting is not known");
  if (d->kind == SettingKind::kChargeVoltage || d->kind == SettingKind::kFloatVoltage) {
    const auto other = unit_.setting_value(
        d->kind == SettingKind::kChargeVoltage ? setting::kUBatFloat : setting::kUBatAbsorption);
    auto ok = check_voltage_setting(d->kind, value, unit_.nominal_voltage, other);
    if (!ok) return tl::unexpected(ok.error());
  }
  if (id > 0xFF) return fail(Errc::kUnsupported, "WriteViaID takes one-byte ids");
  return info->second.to_raw(value);
}

Result<std::uint32_t> Session::write_setting(std::uint16_t id, double value, bool persist) {
  auto raw = check_setting_write(id, value);
  if (!raw) return tl::unexpected(raw.error());
  if (writes_.size() + 2 > kMaxQueuedWriteOps)
    return fail(Errc::kBusy, "too many writes queued for the VE.Bus unit");
  const std::uint32_t wid = next_write_id_++;
  Request w = req(Op::kWriteSetting);
  w.id = id;
  w.write_id = wid;
  w.target = *raw;
  w.persist = persist;
  writes_.push_back(w);
  Request rb = winmon(Op::kReadBackSetting, id);
  rb.write_id = wid;
  rb.target = *raw;
  writes_.push_back(rb);
  return wid;
}

Result<std::uint32_t> Session::write_charge_current(double amps, double ceiling) {
  if (link_ != LinkState::kReady) return fail(Errc::kRefused, "the VE.Bus session is not ready");
  if (!std::isfinite(amps) || !std::isfinite(ceiling)) return fail(Errc::kRefused, "not a number");
  if (amps < 0 || amps > ceiling + 1e-9) {
    char b[128];
    std::snprintf(b, sizeof b, "charge current %.1f A is outside 0 .. %.1f A", amps, ceiling);
    return fail(Errc::kRefused, b);
  }
  auto info = unit_.setting_info.find(setting::kIBatBulk);
  if (info == unit_.setting_info.end())
    return fail(Errc::kRefused, "the unit's scale for the charge current is not known");
  auto raw = info->second.to_raw(amps);
  if (!raw) return tl::unexpected(raw.error());
  if (writes_.size() + 2 > kMaxQueuedWriteOps)
    return fail(Errc::kBusy, "too many writes queued for the VE.Bus unit");
  const std::uint32_t wid = next_write_id_++;
  Request w = req(Op::kWriteSetting);
  w.id = setting::kIBatBulk;
  w.write_id = wid;
  w.target = *raw;
  w.persist = false;  // RAM only: never the unit's EEPROM from a control loop
  writes_.push_back(w);
  Request rb = winmon(Op::kReadBackSetting, setting::kIBatBulk);
  rb.write_id = wid;
  rb.target = *raw;
  writes_.push_back(rb);
  return wid;
}

Result<SwitchState> Session::check_switch_write(std::optional<SwitchState> mode,
                                                std::optional<double> limit) const {
  if (link_ != LinkState::kReady) return fail(Errc::kRefused, "the VE.Bus session is not ready");
  if (!mode && !limit) return fail(Errc::kRefused, "nothing to write");
  if (!unit_.config)
    return fail(Errc::kRefused, "the unit's switch and current limit range are not known yet");
  if (limit) {
    auto ok =
        check_current_limit(*limit, unit_.config->min_limit / 10.0, unit_.config->max_limit / 10.0);
    if (!ok) return tl::unexpected(ok.error());
  }
  return mode ? *mode : unit_.config->switch_state();
}

Result<std::uint32_t> Session::write_switch(std::optional<SwitchState> mode,
                                            std::optional<double> limit) {
  // One 'S' frame carries both the switch and the limit. What this write leaves out comes from the
  // latest switch write still on its way (its read-back is pending), not from the last config
  // read: a /Mode write followed at once by a limit write must not put the old mode back.
  const Request* pending = nullptr;
  if (inflight_ && inflight_->op == Op::kReadBackConfig && inflight_->write_id)
    pending = &*inflight_;
  for (const auto& q : writes_)
    if (q.op == Op::kReadBackConfig && q.write_id) pending = &q;
  if (pending) {
    if (!mode) mode = pending->mode;
    if (!limit) limit = pending->limit;
  }
  auto state = check_switch_write(mode, limit);
  if (!state) return tl::unexpected(state.error());
  // A switch write that has not gone out yet is replaced by this one (which includes it), not
  // queued behind: a client writing faster than the MK2 round trip would otherwise grow the queue
  // without bound and have the unit follow minutes late.
  for (const auto& q : writes_) {
    if (q.op != Op::kSwitch) continue;
    const auto old = q.write_id;
    std::erase_if(writes_, [old](const Request& r) { return r.write_id == old; });
    ++stats_.writes_superseded;
    done_write(old, false, Error{Errc::kAborted, "superseded by a newer write"}, std::nullopt);
    completions_.back().superseded = true;
    break;  // there is at most one: every switch write replaces the one before
  }
  if (writes_.size() + 2 > kMaxQueuedWriteOps)
    return fail(Errc::kBusy, "too many writes queued for the VE.Bus unit");
  const std::uint32_t wid = next_write_id_++;
  Request s = req(Op::kSwitch);
  s.write_id = wid;
  s.frame = encode_switch(*state, limit);
  writes_.push_back(s);
  Request rb = req(Op::kReadBackConfig);
  rb.write_id = wid;
  rb.frame = encode_info_request(5);
  rb.mode = mode;
  rb.limit = limit;
  writes_.push_back(rb);
  return wid;
}

Result<std::uint32_t> Session::read_setting(std::uint16_t id) {
  if (link_ != LinkState::kReady) return fail(Errc::kRefused, "the VE.Bus session is not ready");
  if (writes_.size() + 2 > kMaxQueuedWriteOps)
    return fail(Errc::kBusy, "too many writes queued for the VE.Bus unit");
  const std::uint32_t wid = next_write_id_++;
  Request i = winmon(Op::kSettingInfo, id);
  i.write_id = wid;
  writes_.push_back(i);
  Request rb = winmon(Op::kReadBackSetting, id);
  rb.write_id = wid;
  rb.verify = false;
  writes_.push_back(rb);
  return wid;
}

std::vector<WriteCompletion> Session::take_completions() { return std::exchange(completions_, {}); }
std::vector<Event> Session::take_events() { return std::exchange(events_, {}); }
bool Session::take_changed() { return std::exchange(changed_, false); }

}  // namespace gxlink::vebus
