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
#include <nlohmann/json.hpp>

#include "app/demo.hpp"
#include "app/registry.hpp"
#include "core/line_reader.hpp"
#include "drivers/vebus/vebus_driver.hpp"
#include "drivers/vebus/vebus_mapping.hpp"
#include "model/model_json.hpp"
#include "protocols/vebus/codec.hpp"
#include "sim/vebus/pty_multi_sim.hpp"

namespace gxlink::app {
namespace {

namespace vb = gxlink::vebus;
using nlohmann::json;

std::string hex2(unsigned v) {
  static const char* d = "0123456789abcdef";
  return {'0', 'x', d[(v >> 4) & 15], d[v & 15]};
}

/// One JSON object per frame. Values are raw except where the frame carries its own meaning; the
/// info frames also get `scaled` values with the typical scales (tables.hpp), marked as such.
json frame_json(const vb::Mk2Frame& f, std::size_t offset, drivers::vebus::PassiveDecoder& pd) {
  json j;
  j["offset"] = offset;
  j["type"] = hex2(f.type);
  if (f.is_mk2()) {
    // The command is a letter ('V', 'F', 'X' ...); anything else is shown as hex, never as a raw
    // byte (0x86 in a JSON string is not UTF-8: issue 11).
    const auto c = f.command();
    j["command"] = c >= 0x20 && c < 0x7F ? std::string(1, static_cast<char>(c)) : hex2(c);
  }
  j["data"] = to_hex(f.data());
  if (f.has_leds) j["leds"] = {{"on", f.led_on}, {"blink", f.led_blink}};
  auto r = vb::decode(f);
  if (!r) {
    j["kind"] = "error";
    j["error"] = r.error().message();
    return j;
  }
  std::visit(
      [&j](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, vb::AddressReply>) {
          j["kind"] = "address";
          j["address"] = m.address;
        } else if constexpr (std::is_same_v<T, vb::VersionReply>) {
          j["kind"] = "version";
          j["version"] = m.version;
          j["mode"] = m.mode;
        } else if constexpr (std::is_same_v<T, vb::LedReply>) {
          j["kind"] = "led";
          j["on"] = m.on;
          j["blink"] = m.blink;
          for (const auto& l : vb::kLeds)
            j["leds"][std::string(l.path.substr(6))] = vb::led_value(m.on, m.blink, l.mask);
        } else if constexpr (std::is_same_v<T, vb::SwitchReply>) {
          j["kind"] = "switch";
        } else if constexpr (std::is_same_v<T, vb::LineStateReply>) {
          j["kind"] = "line_state";
          j["state"] = m.state;
        } else if constexpr (std::is_same_v<T, vb::DcInfoRaw>) {
          j["kind"] = "dc_info";
          j["device_state"] = m.device_state;
          j["raw"] = {{"ubat", m.ubat},
                      {"inverter_current", m.inverter_current},
                      {"charger_current", m.charger_current},
                      {"inverter_period", m.inverter_period}};
        } else if constexpr (std::is_same_v<T, vb::AcInfoRaw>) {
          j["kind"] = "ac_info";
          j["phase"] = m.phase.phase;
          if (m.phase.phase_count) j["phase_count"] = m.phase.phase_count;
          j["device_state"] = m.device_state;
          j["bf_factor"] = m.bf_factor;
          j["inverter_factor"] = m.inverter_factor;
          j["raw"] = {{"mains_u", m.mains_u},
                      {"mains_i", m.mains_i},
                      {"inverter_u", m.inverter_u},
                      {"inverter_i", m.inverter_i},
                      {"mains_period", m.mains_period}};
        } else if constexpr (std::is_same_v<T, vb::ConfigInfo>) {
          j["kind"] = "config";
          j["active_input"] = m.active_input;
          j["current_limit"] = m.actual_limit / 10.0;
          j["current_limit_min"] = m.min_limit / 10.0;
          j["current_limit_max"] = m.max_limit / 10.0;
          j["switch"] = std::string(vb::to_string(m.switch_state()));
        } else if constexpr (std::is_same_v<T, vb::WinmonReply>) {
          j["kind"] = "winmon";
          j["letter"] = m.letter >= 0x20 && m.letter < 0x7F
                            ? std::string(1, static_cast<char>(m.letter))
                            : hex2(m.letter);
          j["code"] = hex2(m.code);
        } else if constexpr (std::is_same_v<T, vb::ResetNotice>) {
          j["kind"] = "reset";
        } else {
          j["kind"] = m.type == 0xFF ? "request" : "other";
        }
      },
      *r);
  // What the driver derives from this frame, under the Venus paths `snapshot mk2:` publishes,
  // scaled with the typical RAM-var scales (tables.hpp) and with units (issue 13: decode and
  // snapshot must agree). `pd` carries state across frames as the driver does: an AC frame's
  // output frequency comes from the inverter period of the DC frame before it.
  pd.apply(f);
  const auto& st = pd.state();
  json values = json::object(), units = json::object();
  auto put = [&](const std::string& path, double v, const char* unit) {
    values[path] = v;
    units[path] = unit;
  };
  if (j["kind"] == "dc_info") {
    if (st.dc_voltage) put("/Dc/0/Voltage", *st.dc_voltage, "V");
    if (st.dc_current) put("/Dc/0/Current", *st.dc_current, "A");
    if (st.dc_voltage && st.dc_current)
      put("/Dc/0/Power", static_cast<double>(std::lround(*st.dc_voltage * *st.dc_current)), "W");
    if (st.inverter_frequency) {
      const int phases = std::max(1, st.phase_count);
      for (int p = 1; p <= std::min(phases, 3); ++p)
        put("/Ac/Out/L" + std::to_string(p) + "/F", *st.inverter_frequency, "Hz");
    }
  } else if (const auto* a = j["kind"] == "ac_info" ? &j["phase"] : nullptr;
             a && a->is_number_integer()) {
    const int phase = a->get<int>();
    if (phase >= 1 && phase <= 3 && st.phases[static_cast<std::size_t>(phase - 1)]) {
      const auto& v = *st.phases[static_cast<std::size_t>(phase - 1)];
      const std::string in = "/Ac/ActiveIn/L" + std::to_string(phase);
      const std::string out = "/Ac/Out/L" + std::to_string(phase);
      put(in + "/V", v.in_v, "V");
      put(in + "/I", v.in_i, "A");
      put(in + "/F", v.in_f, "Hz");
      put(out + "/V", v.out_v, "V");
      put(out + "/I", v.out_i, "A");
      put(out + "/F", v.out_f, "Hz");
    }
  }
  if (!values.empty()) {
    j["values"] = std::move(values);
    j["units"] = std::move(units);
  }
  return j;
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
  return run_framer(in, err, "mk2", [&out, &pd](const vb::Mk2Frame& f, std::size_t off) {
    out << model::dump_json(frame_json(f, off, pd)) << '\n';
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

std::unique_ptr<drivers::Driver> make_vebus(const toml::table& cfg, drivers::DriverContext& ctx) {
  drivers::vebus::VebusDriverOptions o;
  o.port = cfg["port"].value_or(std::string());
  if (o.port.empty()) throw std::runtime_error("[[vebus]] needs port = \"/dev/ttyUSB0\"");
  o.connection = cfg["connection"].value_or(std::string());
  o.baud = static_cast<unsigned>(cfg["baud"].value_or(2400));
  o.session.address = static_cast<std::uint8_t>(cfg["address"].value_or(0));
  return std::make_unique<drivers::vebus::VebusDriver>(ctx, o);
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
  // A stable name for the pty, as a udev rule would give the MK3.
  const auto link = demo.run_dir / "ttyMK3";
  std::error_code ec;
  std::filesystem::remove(link, ec);
  std::filesystem::create_symlink(sim->slave_path(), link, ec);
  drivers::vebus::VebusDriverOptions o;
  o.port = ec ? sim->slave_path() : link.string();
  o.connection = "ttyMK3";
  // The daemon starts every driver after the demo is built.
  demo.drivers.push_back(std::make_unique<drivers::vebus::VebusDriver>(demo.drivers_ctx, o));
  demo.simulators.push_back(sim);
}

}  // namespace

void register_vebus(Registry& r) {
  r.decoders["mk2"] = decode_mk2;
  r.snapshots["mk2"] = snapshot_mk2;
  r.drivers["vebus"] = {make_vebus, vebus_schema()};
  r.demos.emplace_back("vebus", demo_vebus);
}

}  // namespace gxlink::app
