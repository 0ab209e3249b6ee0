// SPDX-License-Identifier: MIT
#include "drivers/nmea2000/nmea2000_command.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <ostream>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "drivers/nmea2000/nmea2000_driver.hpp"
#include "model/device_instances.hpp"
#include "model/model.hpp"
#include "protocols/nmea2000/codec.hpp"
#include "protocols/nmea2000/vreg.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/candump.hpp"

namespace gxlink::drivers::nmea2000 {
namespace n2k = gxlink::nmea2000;
using nlohmann::json;

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

/// Decimal or 0x-hex, within [0, max].
std::optional<std::uint64_t> parse_uint(const std::string& s, std::uint64_t max) {
  std::uint64_t v = 0;
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const char* b = s.data() + (hex ? 2 : 0);
  const char* e = s.data() + s.size();
  auto [p, ec] = std::from_chars(b, e, v, hex ? 16 : 10);
  if (s.empty() || ec != std::errc() || p != e || v > max) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::string hex16(unsigned v) {
  char t[8];
  std::snprintf(t, sizeof t, "0x%04X", v);
  return t;
}

int decimals_of(double scale) {
  return scale >= 1 ? 0 : static_cast<int>(std::lround(-std::log10(scale)));
}

std::string format_value(double v, const n2k::VregDesc& d) {
  char t[64];
  std::snprintf(t, sizeof t, "%.*f%s%.*s", decimals_of(d.scale), v, d.unit.empty() ? "" : " ",
                static_cast<int>(d.unit.size()), d.unit.data());
  return t;
}

std::size_t vreg_width(n2k::VregType t) {
  switch (t) {
    case n2k::VregType::kUn8: return 1;
    case n2k::VregType::kUn16:
    case n2k::VregType::kSn16: return 2;
    default: return 4;
  }
}

/// A bus that keeps what would be sent (--dry-run): nothing is opened.
class RecordingBus final : public transport::CanTransport {
 public:
  explicit RecordingBus(std::string name) : name_(std::move(name)) {}
  std::string_view interface_name() const override { return name_; }
  bool send(const CanFrame& f) override {
    frames.push_back(f);
    return true;
  }
  transport::CanBusState state() const override { return transport::CanBusState::kActive; }
  std::vector<CanFrame> frames;

 private:
  std::string name_;
};

/// A message from the bus, kept beyond the receiver's buffer.
struct Received {
  n2k::N2kId id;
  std::vector<std::uint8_t> payload;
};

/// The command's node: the NMEA 2000 driver (address claim, the command methods) on a live bus,
/// or on a RecordingBus for --dry-run with time driven by hand.
class Node {
 public:
  using BusFactory = std::function<std::unique_ptr<transport::CanTransport>(asio::io_context&)>;
  Node(const BusFactory& make_bus, std::uint8_t address, bool dry_run) : dry_run_(dry_run) {
    Options opts;
    opts.preferred_address = address;
    // Not the daemon's NAME: both may sit on the same bus.
    opts.unique_number = 0x0C11D;
    driver_ = std::make_unique<Nmea2000Driver>(ctx_, make_bus(io_), opts);
    driver_->set_message_observer([this](const n2k::Message& m, TimePoint) {
      inbox_.push_back({m.id, std::vector<std::uint8_t>(m.payload.begin(), m.payload.end())});
      if (inbox_.size() > 4096) inbox_.pop_front();  // bounded: a busy bus while we wait
    });
  }
  ~Node() { driver_->stop(); }  // closes the bus too (a --dry-run never opened it)

  Nmea2000Driver& driver() { return *driver_; }
  std::string_view interface_name() const { return bus().interface_name(); }
  const std::string& error() const { return error_; }

  /// Opens the bus and claims an address; false (with error()) when either fails in `seconds`.
  bool claim(double seconds) {
    if (dry_run_) {
      // Nobody contends on a recorded bus: the claim holds after the contention window.
      const TimePoint t0 = Clock::now();
      driver_->begin(t0);
      driver_->on_tick(t0 + n2k::kClaimContention + std::chrono::milliseconds(1));
      return true;
    }
    // The driver opens the bus and claims once it is active (again after a reopen); started_
    // says the bus did open.
    driver_->start();
    if (!wait(
            [&] {
              started_ = started_ || bus().state() == transport::CanBusState::kActive;
              return started_ && driver_->session().can_send();
            },
            seconds)) {
      if (error_.empty())
        error_ = !started_ ? "the bus did not open: " + bus().last_error()
                           : "could not claim an address";
      return false;
    }
    return true;
  }

  /// Runs the loop until `done(message)` accepts a message (true) or the time is up (false).
  bool wait_for(const std::function<bool(const Received&)>& done, double seconds) {
    bool hit = false;
    wait(
        [&] {
          while (!inbox_.empty() && !hit) {
            hit = done(inbox_.front());
            inbox_.pop_front();
          }
          return hit;
        },
        seconds);
    return hit;
  }

  /// Frames sent so far (--dry-run).
  std::vector<CanFrame> recorded() const {
    auto* r = dynamic_cast<const RecordingBus*>(driver_->transport());
    return r ? r->frames : std::vector<CanFrame>{};
  }

 private:
  /// The bus, owned by the driver (never null here: the factory always makes one).
  transport::CanTransport& bus() const { return *driver_->transport(); }
  bool wait(const std::function<bool()>& done, double seconds) {
    if (dry_run_) return done();
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
    while (!done()) {
      if (started_ && bus().state() == transport::CanBusState::kClosed) {
        error_ = "the bus closed: " + bus().last_error();
        return false;
      }
      if (Clock::now() >= deadline) return false;
      io_.restart();
      io_.run_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  asio::io_context io_;
  model::Model model_;
  model::DeviceInstances instances_;
  DriverContext ctx_{io_, model_, instances_};
  std::unique_ptr<Nmea2000Driver> driver_;
  std::deque<Received> inbox_;
  bool dry_run_;
  bool started_ = false;
  std::string error_;
};

/// The checked arguments.
struct Target {
  std::uint8_t dst = 0;
  std::uint8_t address = 0x80;
};

/// Output in one place: human lines or one JSON object at the end.
class Report {
 public:
  Report(const CommandOptions& o, std::ostream& out, std::ostream& err)
      : o_(o), out_(out), err_(err) {
    j_["command"] = o.action;
  }
  json& j() { return j_; }
  int fail(int code, const std::string& why) {
    j_["ok"] = false;
    j_["error"] = why;
    if (o_.json)
      out_ << j_.dump() << '\n';
    else
      err_ << "gxlink nmea2000 " << o_.action << ": " << why << '\n';
    return code;
  }
  int done(const std::string& line) {
    j_["ok"] = true;
    if (o_.json)
      out_ << j_.dump() << '\n';
    else
      out_ << line << '\n';
    return kOk;
  }
  int dry_run(const Node& node) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    json frames = json::array();
    for (const auto& f : node.recorded())
      frames.push_back(transport::format_candump_log(f, now, node.interface_name()));
    j_["dry_run"] = true;
    j_["frames"] = frames;
    j_["ok"] = true;
    if (o_.json) {
      out_ << j_.dump() << '\n';
    } else {
      out_ << "# dry run: frames that would be sent, nothing was sent\n";
      for (const auto& l : frames) out_ << l.get<std::string>() << '\n';
    }
    return kOk;
  }

 private:
  const CommandOptions& o_;
  std::ostream& out_;
  std::ostream& err_;
  json j_;
};

/// Waits for register `reg` from `dst`: its VREG value (true) or a VACK error (false, `why`).
struct VregAnswer {
  std::vector<std::uint8_t> value;
  std::optional<std::uint16_t> vack;
};
std::optional<VregAnswer> await_vreg(Node& node, std::uint8_t dst, std::uint16_t reg,
                                     double seconds, bool accept_ok_vack = false) {
  VregAnswer a;
  const bool got = node.wait_for(
      [&](const Received& m) {
        if (m.id.src != dst || m.id.pgn != n2k::kVregPgn) return false;
        auto v = n2k::decode_vreg(m.payload);
        if (!v) return false;
        if (v->id == n2k::kVregAck && v->value.size() >= 4 && load_le16(v->value, 0) == reg) {
          a.vack = load_le16(v->value, 2);
          return accept_ok_vack || n2k::vack_is_error(*a.vack);
        }
        if (v->id != reg || accept_ok_vack) return false;
        a.value.assign(v->value.begin(), v->value.end());
        return true;
      },
      seconds);
  if (!got) return std::nullopt;
  return a;
}

std::string vack_words(std::uint16_t code) {
  const auto t = n2k::vack_text(code);
  return "VACK " + hex16(code) + (t.empty() ? "" : " (" + std::string(t) + ")");
}

int vreg_get(const CommandOptions& o, Node& node, const Target& t, std::uint16_t reg, Report& r) {
  const n2k::VregDesc* d = n2k::find_vreg(reg);
  if (!node.driver().request_vreg(t.dst, reg)) return r.fail(kFailed, "could not send the VREQ");
  if (o.dry_run) return r.dry_run(node);
  auto a = await_vreg(node, t.dst, reg, o.timeout);
  if (!a)
    return r.fail(kFailed,
                  "no answer from " + std::to_string(t.dst) + " for register " + hex16(reg));
  if (a->vack) return r.fail(kFailed, "the device refused: " + vack_words(*a->vack));
  // The value's own bytes: a VREG frame is always 8 bytes, padded with 0xFF (nmea2000.md §4.1).
  const ByteView raw(a->value.data(),
                     d ? std::min(a->value.size(), vreg_width(d->type)) : a->value.size());
  r.j()["raw"] = to_hex(raw);
  std::string text = "0x?";
  if (d) {
    r.j()["name"] = d->name;
    r.j()["unit"] = d->unit;
    if (auto v = n2k::vreg_value(*d, raw)) {
      r.j()["value"] = *v;
      text = format_value(*v, *d);
    } else {
      r.j()["value"] = nullptr;
      text = "not available";
    }
  } else {
    // A register we have no type for: the bytes as they came, and as an unsigned number.
    std::uint64_t u = 0;
    for (std::size_t i = 0; i < raw.size() && i < 8; ++i) u |= std::uint64_t{raw[i]} << (8 * i);
    r.j()["value"] = u;
    text = std::to_string(u) + " (unknown register type)";
  }
  return r.done(hex16(reg) + (d ? " " + std::string(d->name) : "") + " at " +
                std::to_string(t.dst) + ": " + text + " [" + to_hex(raw) + "]");
}

int vreg_set(const CommandOptions& o, Node& node, const Target& t, std::uint16_t reg, double value,
             Report& r) {
  const n2k::VregDesc* d = n2k::find_vreg(reg);  // checked by the caller
  const auto frame = n2k::encode_vreg_value(*d, value);
  const std::size_t w = vreg_width(d->type);
  const ByteView wanted = frame->view().subspan(4, w);
  r.j()["name"] = d->name;
  r.j()["unit"] = d->unit;
  r.j()["requested"] = value;
  // Before: the current value, so the change can be shown and checked.
  if (!node.driver().request_vreg(t.dst, reg)) return r.fail(kFailed, "could not send the VREQ");
  std::optional<double> old_value;
  if (!o.dry_run) {
    auto a = await_vreg(node, t.dst, reg, o.timeout);
    if (!a)
      return r.fail(kFailed,
                    "no answer from " + std::to_string(t.dst) + " for register " + hex16(reg));
    if (a->vack) return r.fail(kFailed, "the device refused the read: " + vack_words(*a->vack));
    old_value = n2k::vreg_value(*d, ByteView(a->value.data(), a->value.size()));
    r.j()["old"] = old_value ? json(*old_value) : json(nullptr);
  }
  if (!node.driver().write_vreg(t.dst, reg, value))
    return r.fail(kFailed, "could not send the write");
  if (!o.dry_run) {
    // A device acknowledges a command with a VACK to the sender (nmea2000.md §4.1).
    auto ack = await_vreg(node, t.dst, reg, o.timeout, true);
    if (ack && ack->vack) {
      r.j()["vack"] = *ack->vack;
      if (n2k::vack_is_error(*ack->vack))
        return r.fail(kFailed, "the device refused the write: " + vack_words(*ack->vack));
    }
  }
  if (!node.driver().request_vreg(t.dst, reg))
    return r.fail(kFailed, "could not send the read-back VREQ");
  if (o.dry_run) return r.dry_run(node);
  auto back = await_vreg(node, t.dst, reg, o.timeout);
  if (!back) return r.fail(kFailed, "no read-back of " + hex16(reg) + " after the write");
  if (back->vack) return r.fail(kFailed, "the read-back was refused: " + vack_words(*back->vack));
  const ByteView got(back->value.data(), back->value.size());
  const auto new_value = n2k::vreg_value(*d, got);
  r.j()["new"] = new_value ? json(*new_value) : json(nullptr);
  r.j()["raw"] = to_hex(got.subspan(0, std::min(got.size(), w)));
  const bool same = got.size() >= w && std::equal(wanted.begin(), wanted.end(), got.begin());
  r.j()["confirmed"] = same;
  const std::string change = (old_value ? format_value(*old_value, *d) : "not available") + " → " +
                             (new_value ? format_value(*new_value, *d) : "not available");
  if (!same)
    return r.fail(kFailed, "read-back differs: " + hex16(reg) + " " + change + ", wanted " +
                               format_value(value, *d));
  return r.done(hex16(reg) + " " + std::string(d->name) + " at " + std::to_string(t.dst) + ": " +
                change + " (read back)");
}

int instance_set(const CommandOptions& o, Node& node, const Target& t, std::uint32_t pgn,
                 std::uint8_t field, std::uint8_t current, std::uint8_t next, Report& r) {
  const n2k::PgnDesc* desc = n2k::find_pgn(pgn);  // checked by the caller
  const std::string_view field_id = desc->fields[field - 1u].id;
  r.j()["field_name"] = desc->fields[field - 1u].name;
  r.j()["old"] = current;
  r.j()["new"] = next;
  if (!node.driver().set_data_instance(t.dst, pgn, field, current, next))
    return r.fail(kFailed, "could not send the 126208 Write Fields");
  if (o.dry_run) return r.dry_run(node);
  // The 126208 Acknowledge (nmea2000.md §2 nmeaAcknowledgeGroupFunction), or straight away the
  // PGN with the new instance from a device that does not acknowledge.
  n2k::Decoded decoded;
  auto carries_new = [&](const Received& m) {
    if (m.id.src != t.dst || m.id.pgn != pgn) return false;
    if (!n2k::decode(pgn, ByteView(m.payload.data(), m.payload.size()), decoded)) return false;
    auto raw = decoded.raw(field_id);
    return raw && *raw == next;
  };
  bool confirmed = false;
  std::optional<std::pair<unsigned, std::vector<std::uint64_t>>> ack;  // PGN error, parameters
  const bool answered = node.wait_for(
      [&](const Received& m) {
        if (carries_new(m)) return confirmed = true;
        if (m.id.src != t.dst || m.id.pgn != 126208) return false;
        auto g = n2k::decode_group_function(ByteView(m.payload.data(), m.payload.size()));
        if (!g || g->function != 2 || g->pgn != pgn) return false;
        std::vector<std::uint64_t> params;
        for (const auto& p : g->parameters) params.push_back(p.raw);
        ack.emplace(m.payload[4] & 0x0Fu, std::move(params));
        return true;
      },
      o.timeout);
  if (ack) {
    r.j()["pgn_error_code"] = ack->first;
    r.j()["parameter_codes"] = ack->second;
    bool refused = ack->first != 0;
    for (auto c : ack->second) refused = refused || c != 0;
    if (refused) {
      // PGN_ERROR_CODE and PARAMETER_FIELD names, nmea2000.md §2.
      static constexpr const char* kPgnErrors[] = {
          "acknowledge",   "PGN not supported", "PGN not available",          "access denied",
          "not supported", "tag not supported", "read or write not supported"};
      static constexpr const char* kParamErrors[] = {"acknowledge",
                                                     "invalid parameter field",
                                                     "temporary error",
                                                     "parameter out of range",
                                                     "access denied",
                                                     "not supported",
                                                     "read or write not supported"};
      std::string why = "the device refused: PGN error " + std::to_string(ack->first);
      if (ack->first < std::size(kPgnErrors))
        why += std::string(" (") + kPgnErrors[ack->first] + ")";
      for (auto c : ack->second) {
        why += ", parameter " + std::to_string(c);
        if (c < std::size(kParamErrors)) why += std::string(" (") + kParamErrors[c] + ")";
      }
      return r.fail(kFailed, why);
    }
  }
  if (!answered && !confirmed)
    return r.fail(kFailed, "no answer from " + std::to_string(t.dst) + " to the 126208 write");
  // Read-back: the device's next message of that PGN with the new instance (Victron devices
  // broadcast their data PGNs every 1.5 s, seed 000).
  if (!confirmed) confirmed = node.wait_for(carries_new, o.timeout);
  r.j()["acknowledged"] = ack.has_value();
  r.j()["confirmed"] = confirmed;
  const std::string what = "PGN " + std::to_string(pgn) + " field " + std::to_string(field) + " (" +
                           std::string(desc->fields[field - 1u].name) + ") at " +
                           std::to_string(t.dst) + ": " + std::to_string(current) + " → " +
                           std::to_string(next);
  if (!confirmed)
    return r.fail(kFailed, what + ", but no " + std::to_string(pgn) + " with " +
                               std::to_string(next) + " followed within the timeout");
  return r.done(what + (ack ? " (acknowledged" : " (") + ", confirmed by the next " +
                std::to_string(pgn) + ")");
}

}  // namespace

CLI::App* add_nmea2000_command(CLI::App& app, CommandOptions& o) {
  auto* top =
      app.add_subcommand("nmea2000", "Commands to a device on a live NMEA 2000 / VE.Can bus");
  top->require_subcommand(1);
  auto common = [&o](CLI::App* c, bool writes) {
    c->add_option("--interface", o.interface,
                  "CAN transport: slcan:/dev/ttyACM0@250000, socketcan:can0, can0");
    c->add_option("--bitrate", o.bitrate, "CAN bit rate when the spec names none")
        ->capture_default_str();
    c->add_option("--dst", o.dst, "the device's source address (0-253, decimal or 0x..)");
    c->add_option("--address", o.address, "our preferred source address")->capture_default_str();
    c->add_option("--timeout", o.timeout, "seconds to wait for each answer")->capture_default_str();
    c->add_flag("--json", o.json, "one JSON object on stdout");
    if (writes) c->add_flag("--dry-run", o.dry_run, "print the frames (candump -L), send nothing");
  };
  auto* vreg = top->add_subcommand("vreg", "Victron VE.Can registers (VREG, PGN 61184)");
  vreg->require_subcommand(1);
  auto* get = vreg->add_subcommand("get", "Read a register");
  common(get, true);
  get->add_option("--reg", o.reg, "register id, 0xNNNN");
  get->callback([&o] { o.action = "vreg get"; });
  auto* set = vreg->add_subcommand("set", "Write a register and read it back");
  common(set, true);
  set->add_option("--reg", o.reg, "register id, 0xNNNN");
  set->add_option("--value", o.value, "value in the register's unit (V, A, Ah, ...)");
  set->callback([&o] { o.action = "vreg set"; });
  auto* inst = top->add_subcommand("instance", "Data instances (126208 Write Fields)");
  inst->require_subcommand(1);
  auto* iset = inst->add_subcommand("set", "Change a data instance and confirm it");
  common(iset, true);
  iset->add_option("--pgn", o.pgn, "the PGN that carries the instance (127508, 127506, ...)");
  iset->add_option("--field", o.field, "1-based field index of the instance in that PGN");
  iset->add_option("--current", o.current, "the instance now");
  iset->add_option("--new", o.next, "the instance to set");
  iset->callback([&o] { o.action = "instance set"; });
  return top;
}

namespace {

/// The checked arguments of one command.
struct Arguments {
  Target t;
  std::uint16_t reg = 0;
  double value = 0;
  std::uint32_t pgn = 0;
  std::uint8_t field = 0, current = 0, next = 0;
};

/// Checks the arguments; an exit code (2) when they are wrong, reported through `r`.
std::optional<int> check_arguments(const CommandOptions& o, Report& r, Arguments& a) {
  auto usage = [&](const std::string& why) { return r.fail(kUsage, why); };
  if (o.action.empty()) return usage("vreg get|set or instance set");
  if (o.interface.empty()) return usage("--interface is required");
  const auto dst = parse_uint(o.dst, 253);
  if (!dst) return usage("--dst must be an address 0-253, got '" + o.dst + "'");
  const auto address = parse_uint(o.address, 253);
  if (!address) return usage("--address must be 0-253, got '" + o.address + "'");
  if (!(o.timeout > 0 && o.timeout <= 600)) return usage("--timeout must be in (0, 600] s");
  a.t = Target{static_cast<std::uint8_t>(*dst), static_cast<std::uint8_t>(*address)};
  r.j()["dst"] = a.t.dst;
  if (o.action == "vreg get" || o.action == "vreg set") {
    const auto rv = parse_uint(o.reg, 0xFFFF);
    if (!rv) return usage("--reg must be a register id 0x0000-0xFFFF, got '" + o.reg + "'");
    a.reg = static_cast<std::uint16_t>(*rv);
    r.j()["reg"] = hex16(a.reg);
  }
  if (o.action == "vreg set") {
    const auto value = parse_double(o.value);
    if (!value) return usage("--value must be a number, got '" + o.value + "'");
    a.value = *value;
    const n2k::VregDesc* d = n2k::find_vreg(a.reg);
    if (!d) return usage("register " + hex16(a.reg) + " has no known type; refusing to write it");
    if (a.reg == n2k::kVregRequest || a.reg == n2k::kVregAck)
      return usage("VREQ and VACK are not registers to write");
    if (auto f = n2k::encode_vreg_value(*d, a.value); !f)
      return usage("value " + o.value + " does not fit " + std::string(d->name) + ": " +
                   f.error().detail);
  }
  if (o.action == "instance set") {
    const auto pgn = parse_uint(o.pgn, 0x1FFFF);
    const auto field = parse_uint(o.field, 255);
    const auto current = parse_uint(o.current, 255);
    const auto next = parse_uint(o.next, 255);
    if (!pgn || !field || !current || !next)
      return usage("--pgn, --field, --current and --new must be numbers");
    const n2k::PgnDesc* desc = n2k::find_pgn(static_cast<std::uint32_t>(*pgn));
    if (!desc) return usage("PGN " + o.pgn + " is not in the PGN table");
    if (*field == 0 || *field > desc->fields.size())
      return usage("PGN " + o.pgn + " has fields 1-" + std::to_string(desc->fields.size()));
    a.pgn = static_cast<std::uint32_t>(*pgn);
    a.field = static_cast<std::uint8_t>(*field);
    a.current = static_cast<std::uint8_t>(*current);
    a.next = static_cast<std::uint8_t>(*next);
    // The same encoder the driver uses: a field it cannot write is a usage error here.
    std::array<std::uint8_t, 223> buf{};
    const n2k::FieldWrite sel[] = {{a.field, a.current}};
    const n2k::FieldWrite wr[] = {{a.field, a.next}};
    if (auto len = n2k::encode_write_fields(a.pgn, sel, wr, buf); !len)
      return usage("cannot write field " + o.field + " of PGN " + o.pgn + ": " +
                   len.error().detail);
    r.j()["pgn"] = a.pgn;
    r.j()["field"] = a.field;
  }
  return std::nullopt;
}

}  // namespace

int run_nmea2000_command(const CommandOptions& o, std::ostream& out, std::ostream& err) {
  Report r(o, out, err);
  Arguments a;
  if (auto rc = check_arguments(o, r, a)) return *rc;
  auto usage = [&](const std::string& why) { return r.fail(kUsage, why); };
  const Target& t = a.t;

  // The bus: built from the spec (which also checks it); --dry-run opens nothing.
  asio::io_context spec_io;
  std::unique_ptr<transport::CanTransport> bus;
  try {
    bus = transport::make_can_transport(spec_io, o.interface, o.bitrate);
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  if (o.interface.rfind("file:", 0) == 0 && !o.dry_run)
    return usage("file: is a recording and cannot send; use slcan: or socketcan:");
  std::string iface(bus->interface_name());
  r.j()["interface"] = iface;
  bus.reset();
  Node node(
      [&](asio::io_context& io) -> std::unique_ptr<transport::CanTransport> {
        if (o.dry_run) return std::make_unique<RecordingBus>(iface);
        return transport::make_can_transport(io, o.interface, o.bitrate);
      },
      t.address, o.dry_run);
  if (!node.claim(o.timeout)) return r.fail(kFailed, node.error());
  r.j()["address"] = node.driver().session().address();
  if (o.action == "vreg get") return vreg_get(o, node, t, a.reg, r);
  if (o.action == "vreg set") return vreg_set(o, node, t, a.reg, a.value, r);
  return instance_set(o, node, t, a.pgn, a.field, a.current, a.next, r);
}

}  // namespace gxlink::drivers::nmea2000
