// SPDX-License-Identifier: MIT
// VE.Bus through an MK2/MK3: `decode mk2`, `snapshot mk2:FILE`, `[[vebus]]` drivers, the demo
// Multi.
#include <filesystem>
#include <iterator>
#include <ostream>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "app/demo.hpp"
#include "app/registry.hpp"
#include "drivers/vebus/vebus_driver.hpp"
#include "drivers/vebus/vebus_mapping.hpp"
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
json frame_json(const vb::Mk2Frame& f, std::size_t offset) {
  json j;
  j["offset"] = offset;
  j["type"] = hex2(f.type);
  if (f.is_mk2()) j["command"] = std::string(1, static_cast<char>(f.command()));
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
          j["letter"] = std::string(1, static_cast<char>(m.letter));
          j["code"] = hex2(m.code);
        } else if constexpr (std::is_same_v<T, vb::ResetNotice>) {
          j["kind"] = "reset";
        } else {
          j["kind"] = m.type == 0xFF ? "request" : "other";
        }
      },
      *r);
  // Scaled values with the typical scales, for the info frames.
  drivers::vebus::PassiveDecoder pd;
  pd.apply(f);
  const auto& st = pd.state();
  if (j["kind"] == "dc_info") {
    j["scaled_typical"] = {{"voltage", *st.dc_voltage}, {"current", *st.dc_current}};
  } else if (j["kind"] == "ac_info") {
    for (const auto& p : st.phases)
      if (p)
        j["scaled_typical"] = {{"in_v", p->in_v},
                               {"in_i", p->in_i},
                               {"in_f", p->in_f},
                               {"out_v", p->out_v},
                               {"out_i", p->out_i}};
  }
  return j;
}

template <class OnFrame>
DecodeStats run_framer(std::istream& in, std::ostream& err, const std::string& source,
                       OnFrame on_frame) {
  DecodeStats st;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const ByteView all = as_bytes(bytes);
  std::size_t pos = 0;
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
  while (pos < all.size()) {
    auto r = vb::take(all.subspan(pos));
    if (r.status == vb::TakeStatus::kNeedMore) break;
    if (r.status == vb::TakeStatus::kBad) {
      if (!bad_run) {
        bad_start = pos;
        first_error = r.error;
      }
      bad_run += r.consumed;
      pos += r.consumed;
      continue;
    }
    flush_bad();
    on_frame(r.frame, pos);
    ++st.messages;
    pos += r.consumed;
  }
  flush_bad();
  if (pos < all.size()) {
    err << source << ": " << all.size() - pos << " byte(s) of an incomplete frame at the end\n";
    ++st.errors;
  }
  return st;
}

DecodeStats decode_mk2(std::istream& in, std::ostream& out, std::ostream& err) {
  return run_framer(in, err, "mk2", [&out](const vb::Mk2Frame& f, std::size_t off) {
    out << frame_json(f, off).dump() << '\n';
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
  mapping.apply(pd.state(), true);
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
  r.drivers["vebus"] = make_vebus;
  r.demos.emplace_back("vebus", demo_vebus);
}

}  // namespace gxlink::app
