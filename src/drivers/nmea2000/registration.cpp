// SPDX-License-Identifier: MIT
// NMEA 2000 / VE.Can: `gxlink decode nmea2000`, `gxlink snapshot nmea2000:FILE`, the `[[nmea2000]]`
// driver and the demo's simulated VE.Can devices (issue 4).
#include <fstream>
#include <iostream>
#include <memory>
#include <istream>
#include <ostream>
#include <stdexcept>

#include <asio/steady_timer.hpp>

#include "registry/demo.hpp"
#include "registry/registry.hpp"
#include "core/line_reader.hpp"
#include "drivers/nmea2000/capture.hpp"
#include "drivers/nmea2000/nmea2000_command.hpp"
#include "drivers/nmea2000/nmea2000_driver.hpp"
#include "protocols/nmea2000/json.hpp"
#include "protocols/nmea2000/pgn_table.hpp"
#include "sim/nmea2000/vecan_sim.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/candump.hpp"

namespace gxlink::registry {
namespace {

namespace n2k = gxlink::nmea2000;
namespace dn = gxlink::drivers::nmea2000;

void report_link(const n2k::LinkStats& s, std::ostream& err, DecodeStats& st) {
  const std::uint64_t problems =
      s.fp_incomplete + s.fp_timeouts + s.fp_bad_length + s.fp_overflow + s.tp_errors;
  if (problems) {
    err << "nmea2000: fast-packet incomplete " << s.fp_incomplete << ", timeouts " << s.fp_timeouts
        << ", bad length " << s.fp_bad_length << ", overflow " << s.fp_overflow
        << ", transport errors " << s.tp_errors << '\n';
    st.errors += problems;
  }
}

DecodeStats decode_nmea2000(std::istream& in, std::ostream& out, std::ostream& err) {
  DecodeStats st;
  dn::CaptureReader reader;
  n2k::Decoded d;
  JsonBuffer buf;  // one JSON line, reused: no allocation once grown
  std::size_t line_no = 0;
  std::size_t unknown = 0, bad_length = 0;
  LineReader lines(in);
  while (auto line = lines.next()) {
    line_no = lines.line_number();
    auto r = reader.feed_line(*line);
    if (!r) {
      err << "line " << line_no << ": " << r.error().message() << '\n';
      ++st.errors;
      continue;
    }
    const n2k::Message* m = *r;
    if (!m) continue;
    auto dr = n2k::decode(m->id.pgn, m->payload, d);
    if (!dr && dr.error().code == Errc::kBadLength) {
      ++bad_length;
      err << "line " << line_no << ": PGN " << m->id.pgn << ": " << dr.error().message() << '\n';
      ++st.errors;
      continue;
    }
    buf += "{\"timestamp\":";
    n2k::append_json_string(reader.timestamp(), buf);
    buf += ",\"prio\":";
    n2k::append_json_number(m->id.prio, buf);
    buf += ",\"src\":";
    n2k::append_json_number(m->id.src, buf);
    buf += ",\"dst\":";
    n2k::append_json_number(m->id.dst, buf);
    buf += ",\"pgn\":";
    n2k::append_json_number(m->id.pgn, buf);
    if (dr) {
      buf += ",\"description\":";
      n2k::append_json_string(d.desc->description, buf);
      buf += ",\"fields\":";
      n2k::append_fields_json(m->id.pgn, m->payload, d, buf);
    } else {
      // Unknown PGN: printed with its bytes so that nothing on the bus goes unseen.
      ++unknown;
      buf += ",\"description\":\"Unknown PGN\",\"fields\":{\"Data\":";
      append_json_hex('\0', m->payload, buf);
      buf += '}';
    }
    buf += ",\"line\":";
    n2k::append_json_number(static_cast<double>(line_no), buf);
    buf += "}\n";
    ++st.messages;
    // Each line goes out whole as soon as it is complete: the stream's own buffer batches the
    // writes, and the input flushes it whenever it has to wait (live `candump | gxlink decode`).
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    buf.clear();
  }
  report_too_long(lines, err, st);
  report_link(reader.stats(), err, st);
  if (unknown)
    err << "nmea2000: " << unknown << " messages of PGNs not in the table (printed raw)\n";
  (void)bad_length;
  return st;
}

DecodeStats snapshot_nmea2000(std::istream& in, const std::string& source,
                              drivers::DriverContext& ctx, std::ostream& err) {
  DecodeStats st;
  dn::Options opts;
  opts.active = false;
  opts.interface = "can0";
  dn::Nmea2000Driver driver(ctx, nullptr, opts);  // offline replay: no bus
  dn::CaptureReader reader;
  LineReader lines(in);
  while (auto line = lines.next()) {
    const std::size_t line_no = lines.line_number();
    auto r = reader.feed_line(*line);
    if (!r) {
      err << source << ":" << line_no << ": " << r.error().message() << '\n';
      ++st.errors;
      continue;
    }
    if (const n2k::Message* m = *r) {
      driver.on_message(*m, m->time);
      ++st.messages;
    }
  }
  report_too_long(lines, err, st);
  report_link(reader.stats(), err, st);
  st.errors += driver.stats().decode_errors;
  return st;
}

/// `[[nmea2000]]`: the driver on a CAN transport it owns. `interface` is a transport spec
/// (`socketcan:can0`, `slcan:/dev/ttyACM0@250000`, `file:capture.log`); `replay = "FILE"` is kept
/// as a shorthand for `file:FILE`. NMEA 2000 runs at 250 kbit/s.
std::unique_ptr<drivers::Driver> make_driver(const toml::table& cfg, drivers::DriverContext& ctx) {
  std::string spec = cfg["interface"].value_or(std::string("socketcan:can0"));
  const bool replay = cfg["replay"].is_string();
  if (replay) spec = "file:" + *cfg["replay"].value<std::string>();
  auto t = transport::make_can_transport(ctx.io, spec, 250000);  // throws with the reason
  dn::Options opts;
  opts.interface = std::string(t->interface_name());
  opts.active = !replay && cfg["active"].value_or(true);  // a recording cannot answer requests
  return std::make_unique<dn::Nmea2000Driver>(ctx, std::move(t), opts);
}

// Every key make_driver reads.
SectionSchema nmea2000_schema() {
  return {.name = "nmea2000",
          .form = SectionForm::kEither,
          .description = "one table per VE.Can / NMEA 2000 bus (250 kbit/s)",
          .keys = {
              {.name = "interface",
               .type = ValueType::kString,
               .description = "CAN transport spec; default socketcan:can0",
               .check = check_can_spec(250000),
               .device = DeviceRole::kCanSpec},
              {.name = "replay",
               .type = ValueType::kString,
               .description = "replay this candump -L capture instead (shorthand for file:FILE)",
               .check = check_not_empty},
              {.name = "active",
               .type = ValueType::kBool,
               .description = "claim an address and answer requests (false: listen only)"},
          }};
}

struct DemoParts {
  std::vector<std::unique_ptr<transport::InProcessCanBus::Endpoint>> sim_eps;
  std::vector<std::unique_ptr<sim::nmea2000::VeCanDevice>> devices;
  std::unique_ptr<asio::steady_timer> timer;
  void tick() {
    for (auto& d : devices) d->tick(Clock::now());
    timer->expires_after(std::chrono::milliseconds(100));
    timer->async_wait([this](const std::error_code& ec) {
      if (!ec) tick();
    });
  }
};

void demo_nmea2000(DemoContext& demo) {
  auto parts = std::make_shared<DemoParts>();
  using sim::nmea2000::VeCanProduct;
  // One 48 V house bank (issue 12 item 7): a VE.Can MPPT charges it beside the VE.Direct one. A
  // Skylla-i (24 V only) or a second monitor on the bank would not fit that system, so the demo
  // has neither; the simulators for them stay for tests.
  const std::pair<VeCanProduct, std::uint32_t> devs[] = {{VeCanProduct::kMppt150_70, 0x12345}};
  std::uint8_t addr = 0x20;
  for (auto& [p, unique] : devs) {
    parts->sim_eps.push_back(
        demo.can_bus(kDemoVeCanBus).attach("vecan-sim-" + std::to_string(unique)));
    parts->devices.push_back(std::make_unique<sim::nmea2000::VeCanDevice>(
        *parts->sim_eps.back(), p, unique, addr, 48));
    parts->devices.back()->attach_bank(demo.house_bank(), "vecan-mppt");  // the shared bank
    addr = static_cast<std::uint8_t>(addr + 0x10);
  }
  // VE.Can is its own 250 kbit/s bus, apart from the 500 kbit/s CAN-bus BMS (issue 13).
  dn::Options opts;
  auto driver = std::make_unique<dn::Nmea2000Driver>(
      demo.drivers_ctx, demo.can_bus(kDemoVeCanBus).attach("nmea2000-driver"), opts);
  driver->start();
  demo.drivers.push_back(std::move(driver));
  parts->timer = std::make_unique<asio::steady_timer>(demo.drivers_ctx.io);
  parts->tick();
  demo.simulators.push_back(parts);
}

}  // namespace

void register_nmea2000(Registry& r) {
  r.decoders["nmea2000"] = decode_nmea2000;
  r.snapshots["nmea2000"] = snapshot_nmea2000;
  r.drivers["nmea2000"] = {make_driver, nmea2000_schema()};
  r.demos.emplace_back("nmea2000", demo_nmea2000);
}

}  // namespace gxlink::registry

namespace gxlink::registry {

// `gxlink nmea2000 vreg|instance ...` as a registered subcommand, so that the command line names
// no protocol.
void register_nmea2000_command(Registry& r) {
  r.commands.emplace_back("nmea2000", [](CLI::App& app) {
    auto opts = std::make_shared<drivers::nmea2000::CommandOptions>();
    auto* sub = drivers::nmea2000::add_nmea2000_command(app, *opts);
    return Command{sub, [opts] {
                     return drivers::nmea2000::run_nmea2000_command(*opts, std::cout, std::cerr);
                   }};
  });
}

}  // namespace gxlink::registry
