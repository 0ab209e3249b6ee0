// SPDX-License-Identifier: MIT
// VE.Bus through an MK2/MK3: `decode mk2`, `snapshot mk2:FILE`, `[[vebus]]` drivers, the demo
// Multi.
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <ostream>
#include <vector>

#include <spdlog/spdlog.h>

#include "registry/demo.hpp"
#include "registry/registry.hpp"
#include "core/json_writer.hpp"
#include "core/line_reader.hpp"
#include "drivers/vebus/vebus_driver.hpp"
#include "drivers/vebus/vebus_mapping.hpp"
#include "protocols/vebus/codec.hpp"
#include "sim/vebus/pty_multi_sim.hpp"
#include "transport/serial_port.hpp"

namespace gxlink::registry {
namespace {

namespace vb = gxlink::vebus;

std::string hex2(unsigned v) {
  static const char* d = "0123456789abcdef";
  return {'0', 'x', d[(v >> 4) & 15], d[v & 15]};
}

/// One JSON object per frame. Values are raw except where the frame carries its own meaning; the
/// info frames also get `values` (and their `units`): what the driver derives from them, under
/// the Venus paths `snapshot mk2:` publishes.
void write_frame(JsonLineWriter& w, const vb::Mk2Frame& f, std::size_t offset,
                 drivers::vebus::PassiveDecoder& pd) {
  auto kv = [&w](std::string_view k) -> JsonLineWriter& {
    w.key(k);
    return w;
  };
  auto printable = [](unsigned c) {
    // A command letter ('V', 'F', 'X' ...); anything else is shown as hex, never as a raw byte.
    return c >= 0x20 && c < 0x7F ? std::string(1, static_cast<char>(c)) : hex2(c);
  };
  w.begin_object();
  kv("offset").integer(static_cast<std::int64_t>(offset));
  kv("type").string(hex2(f.type));
  if (f.is_mk2()) kv("command").string(printable(f.command()));
  kv("data").hex(f.data());
  if (f.has_leds) {
    kv("leds").begin_object();
    kv("on").integer(f.led_on);
    kv("blink").integer(f.led_blink);
    w.end_object();
  }
  auto r = vb::decode(f);
  if (!r) {
    kv("kind").string("error");
    kv("error").string(r.error().message());
    w.end_object();
    return;
  }
  std::string_view kind;
  int ac_phase = 0;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, vb::AddressReply>) {
          kv("kind").string(kind = "address");
          kv("address").integer(m.address);
        } else if constexpr (std::is_same_v<T, vb::VersionReply>) {
          kv("kind").string(kind = "version");
          kv("version").integer(m.version);
          kv("mode").integer(m.mode);
        } else if constexpr (std::is_same_v<T, vb::LedReply>) {
          kv("kind").string(kind = "led");
          kv("on").integer(m.on);
          kv("blink").integer(m.blink);
          kv("leds").begin_object();
          for (const auto& l : vb::kLeds)
            kv(l.path.substr(6)).integer(vb::led_value(m.on, m.blink, l.mask));
          w.end_object();
        } else if constexpr (std::is_same_v<T, vb::SwitchReply>) {
          kv("kind").string(kind = "switch");
        } else if constexpr (std::is_same_v<T, vb::LineStateReply>) {
          kv("kind").string(kind = "line_state");
          kv("state").integer(m.state);
        } else if constexpr (std::is_same_v<T, vb::DcInfoRaw>) {
          kv("kind").string(kind = "dc_info");
          kv("device_state").integer(m.device_state);
          kv("raw").begin_object();
          kv("ubat").integer(m.ubat);
          kv("inverter_current").integer(m.inverter_current);
          kv("charger_current").integer(m.charger_current);
          kv("inverter_period").integer(m.inverter_period);
          w.end_object();
        } else if constexpr (std::is_same_v<T, vb::AcInfoRaw>) {
          kv("kind").string(kind = "ac_info");
          ac_phase = m.phase.phase;
          kv("phase").integer(m.phase.phase);
          if (m.phase.phase_count) kv("phase_count").integer(m.phase.phase_count);
          kv("device_state").integer(m.device_state);
          kv("bf_factor").integer(m.bf_factor);
          kv("inverter_factor").integer(m.inverter_factor);
          kv("raw").begin_object();
          kv("mains_u").integer(m.mains_u);
          kv("mains_i").integer(m.mains_i);
          kv("inverter_u").integer(m.inverter_u);
          kv("inverter_i").integer(m.inverter_i);
          kv("mains_period").integer(m.mains_period);
          w.end_object();
        } else if constexpr (std::is_same_v<T, vb::ConfigInfo>) {
          kv("kind").string(kind = "config");
          kv("active_input").integer(m.active_input);
          kv("current_limit").real(m.actual_limit / 10.0);
          kv("current_limit_min").real(m.min_limit / 10.0);
          kv("current_limit_max").real(m.max_limit / 10.0);
          kv("switch").string(vb::to_string(m.switch_state()));
        } else if constexpr (std::is_same_v<T, vb::WinmonReply>) {
          kv("kind").string(kind = "winmon");
          kv("letter").string(printable(m.letter));
          kv("code").string(hex2(m.code));
        } else if constexpr (std::is_same_v<T, vb::ResetNotice>) {
          kv("kind").string(kind = "reset");
        } else {
          kv("kind").string(kind = m.type == 0xFF ? "request" : "other");
        }
      },
      *r);
  // What the driver derives from this frame, scaled with the typical RAM-var scales (tables.hpp)
  // and with units (issue 13: decode and snapshot must agree). `pd` carries state across frames as
  // the driver does: an AC frame's output frequency comes from the DC frame's inverter period.
  pd.apply(f);
  const auto& st = pd.state();
  struct Derived {
    std::string path;
    double value;
    const char* unit;
  };
  std::vector<Derived> derived;
  if (kind == "dc_info") {
    if (st.dc_voltage) derived.push_back({"/Dc/0/Voltage", *st.dc_voltage, "V"});
    if (st.dc_current) derived.push_back({"/Dc/0/Current", *st.dc_current, "A"});
    if (st.dc_voltage && st.dc_current)
      derived.push_back(
          {"/Dc/0/Power", static_cast<double>(std::lround(*st.dc_voltage * *st.dc_current)), "W"});
    if (st.inverter_frequency) {
      const int phases = std::max(1, st.phase_count);
      for (int p = 1; p <= std::min(phases, 3); ++p)
        derived.push_back({"/Ac/Out/L" + std::to_string(p) + "/F", *st.inverter_frequency, "Hz"});
    }
  } else if (kind == "ac_info" && ac_phase >= 1 && ac_phase <= 3 &&
             st.phases[static_cast<std::size_t>(ac_phase - 1)]) {
    const auto& v = *st.phases[static_cast<std::size_t>(ac_phase - 1)];
    const std::string in = "/Ac/ActiveIn/L" + std::to_string(ac_phase);
    const std::string out = "/Ac/Out/L" + std::to_string(ac_phase);
    derived.push_back({in + "/V", v.in_v, "V"});
    derived.push_back({in + "/I", v.in_i, "A"});
    derived.push_back({in + "/F", v.in_f, "Hz"});
    derived.push_back({out + "/V", v.out_v, "V"});
    derived.push_back({out + "/I", v.out_i, "A"});
    derived.push_back({out + "/F", v.out_f, "Hz"});
  }
  if (!derived.empty()) {
    kv("values").begin_object();
    for (const auto& d : derived) kv(d.path).real(d.value);
    w.end_object();
    kv("units").begin_object();
    for (const auto& d : derived) kv(d.path).string(d.unit);
    w.end_object();
  }
  w.end_object();
}

/// Frames from raw MK2 bytes as they arrive, in bounded memory: the carry buffer holds at most one
/// incomplete frame (take() never asks for more than kMaxFrameSize) plus the chunk just read.
template <class OnFrame>
DecodeStats run_framer(std::istream& in, std::ostream& err, const std::string& source,
                       OnFrame on_frame) {
  DecodeStats st;
  std::vector<std::uint8_t> pending;  // unconsumed bytes; pending[0] is at stream offset `base`
  std::size_t base = 0;
  std::array<char, std::size_t{16} * 1024> chunk{};
  std::size_t bad_run = 0;
  std::size_t bad_start = 0;
  Errc first_error = Errc::kOk;
  auto flush_bad = [&]() {
    if (!bad_run) return;
    // One line per run of dropped bytes, not one per byte.
    err << source << ": dropped " << bad_run << " byte(s) at offset " << bad_start << " ("
        << make_error_code(first_error).message() << ")\n";
    ++st.errors;
    bad_run = 0;
  };
  auto drop = [&](std::size_t pos, std::size_t n, Errc why) {
    if (!bad_run) {
      bad_start = base + pos;
      first_error = why;
    }
    bad_run += n;
  };
  // Takes every complete frame from `pending`; at the end of the input a prefix that will never
  // complete is dropped one byte at a time, so a frame behind a false start is still found.
  auto drain = [&](bool at_end) {
    std::size_t pos = 0;
    while (pos < pending.size()) {
      auto r = vb::take(ByteView(pending).subspan(pos));
      if (r.status == vb::TakeStatus::kNeedMore) {
        if (!at_end) break;
        drop(pos, 1, Errc::kTruncated);
        ++pos;
        continue;
      }
      if (r.status == vb::TakeStatus::kBad) {
        drop(pos, r.consumed, r.error);
        pos += r.consumed;
        continue;
      }
      flush_bad();
      on_frame(r.frame, base + pos);
      ++st.messages;
      pos += r.consumed;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(pos));
    base += pos;
  };
  while (const std::size_t n = read_available(in, chunk.data(), chunk.size())) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(chunk.data());
    pending.insert(pending.end(), b, b + n);
    drain(false);
  }
  drain(true);
  flush_bad();
  return st;
}

DecodeStats decode_mk2(std::istream& in, std::ostream& out, std::ostream& err) {
  drivers::vebus::PassiveDecoder pd;
  JsonBuffer line;  // one JSON line, reused
  JsonLineWriter w(line);
  return run_framer(in, err, "mk2", [&](const vb::Mk2Frame& f, std::size_t off) {
    line.clear();
    w.reset();
    write_frame(w, f, off, pd);
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  });
}

DecodeStats snapshot_mk2(std::istream& in, const std::string& source, drivers::DriverContext& ctx,
                         std::ostream& err) {
  drivers::vebus::PassiveDecoder pd;
  std::size_t undecodable = 0;
  auto st = run_framer(in, err, source, [&](const vb::Mk2Frame& f, std::size_t) {
    if (!pd.apply(f)) ++undecodable;
  });
  st.errors += undecodable;
  const auto stem = std::filesystem::path(source).stem().string();
  drivers::vebus::VebusMapping mapping(ctx.model, ctx.instances,
                                       drivers::vebus::connection_from_port(stem));
  // Connected only when the capture held frames from the unit: an empty or unreadable capture is
  // a unit that never answered, not one whose values are all unknown (issue 11).
  mapping.apply(pd.state(), st.messages > undecodable);
  return st;
}

/// The MK2/MK3's port: 8N1 at `baud` (2400 for both, seed 002), reopened when it comes back.
std::unique_ptr<transport::ByteTransport> mk2_port(asio::io_context& io, std::string path,
                                                   unsigned baud = 2400) {
  return std::make_unique<transport::SerialPort>(io,
                                                 transport::SerialOptions{std::move(path), baud});
}

std::unique_ptr<drivers::Driver> make_vebus(const toml::table& cfg, drivers::DriverContext& ctx) {
  drivers::vebus::VebusDriverOptions o;
  auto port = cfg["port"].value_or(std::string());
  if (port.empty()) throw std::runtime_error("[[vebus]] needs port = \"/dev/ttyUSB0\"");
  o.connection = cfg["connection"].value_or(std::string());
  const auto baud = static_cast<unsigned>(cfg["baud"].value_or(2400));
  o.session.address = static_cast<std::uint8_t>(cfg["address"].value_or(0));
  return std::make_unique<drivers::vebus::VebusDriver>(ctx, mk2_port(ctx.io, port, baud), o);
}

// Every key make_vebus reads.
SectionSchema vebus_schema() {
  return {.name = "vebus",
          .form = SectionForm::kEither,
          .description = "one table per MK2/MK3 interface (2400 8N1; one per VE.Bus system)",
          .keys = {
              {.name = "port",
               .type = ValueType::kString,
               .description = "the MK2/MK3's serial port (a /dev/serial/by-id link is stable)",
               .required = true,
               .check = check_not_empty,
               .device = DeviceRole::kSerialPort},
              {.name = "connection",
               .type = ValueType::kString,
               .description = "service-name suffix; default: the port's file name"},
              {.name = "baud",
               .type = ValueType::kInteger,
               .description = "serial bit rate (MK2/MK3: 2400)",
               .min = 1200,
               .max = 115200},
              {.name = "address",
               .type = ValueType::kInteger,
               .description = "VE.Bus address to select (seed 002: 04 FF 41 01 00 BB)",
               .min = 0,
               .max = 255},
          }};
}

void demo_vebus(DemoContext& demo) {
  auto sim = std::make_shared<sim::vebus::PtyMultiSim>(demo.drivers_ctx.io);
  sim->sim().attach_bank(demo.house_bank(), "multi");  // the demo's shared 48 V bank
  // A stable name for the pty, as a udev rule would give the MK3.
  const auto link = demo.run_dir / "ttyMK3";
  std::error_code ec;
  std::filesystem::remove(link, ec);
  std::filesystem::create_symlink(sim->slave_path(), link, ec);
  drivers::vebus::VebusDriverOptions o;
  o.connection = "ttyMK3";
  // The daemon starts every driver after the demo is built.
  demo.drivers.push_back(std::make_unique<drivers::vebus::VebusDriver>(
      demo.drivers_ctx, mk2_port(demo.drivers_ctx.io, ec ? sim->slave_path() : link.string()), o));
  demo.simulators.push_back(sim);
}

}  // namespace

void register_vebus(Registry& r) {
  r.decoders["mk2"] = decode_mk2;
  r.snapshots["mk2"] = snapshot_mk2;
  r.drivers["vebus"] = {make_vebus, vebus_schema()};
  r.demos.emplace_back("vebus", demo_vebus);
}

}  // namespace gxlink::registry
