// SPDX-License-Identifier: MIT
// gxlink: the command line. The contracts (decode, snapshot, run) are in DESIGN.md.
#include <fstream>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "app/cli_input.hpp"
#include "app/daemon.hpp"
#include "app/doctor_command.hpp"
#include "app/export_command.hpp"
#include "app/sim_command.hpp"
#include "app/system_replay.hpp"
#include "model/model_json.hpp"
#include "publishers/modbus/map_text.hpp"
#include "registry/registry.hpp"
#include "transport/can_transport_spec.hpp"
#include "transport/candump.hpp"

namespace gxlink::app {
namespace {

std::string names_of(const auto& map) {
  std::string s;
  for (auto& [k, v] : map) s += (s.empty() ? "" : ", ") + k;
  return s;
}

int cmd_decode(const std::string& protocol, const std::string& file) {
  const auto& reg = registry::all();
  auto it = reg.decoders.find(protocol);
  if (it == reg.decoders.end()) {
    std::cerr << "gxlink decode: unknown protocol '" << protocol
              << "' (known: " << names_of(reg.decoders) << ")\n";
    return 2;
  }
  std::ios::sync_with_stdio(false);
  // Output is flushed whenever the input has to be waited for: live on a pipe, in big blocks on
  // a file.
  auto input = CliInput::open(file, &std::cout);
  if (!input) {
    std::cerr << "gxlink decode: " << input.error().detail << '\n';
    return 2;
  }
  auto st = it->second((*input)->stream(), std::cout, std::cerr);
  std::cout.flush();
  std::cerr << "decode " << protocol << ": " << st.messages << " messages, " << st.errors
            << " errors\n";
  if (!(*input)->read_error().empty()) {
    std::cerr << "gxlink decode: reading " << file << " failed: " << (*input)->read_error() << '\n';
    return 2;
  }
  return 0;  // problems in the data are counted, never fatal (DESIGN.md)
}

int cmd_snapshot(const std::vector<std::string>& sources) {
  const auto& reg = registry::all();
  asio::io_context io;
  model::Model m;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, m, instances};
  std::size_t errors = 0;
  for (const auto& src : sources) {
    auto colon = src.find(':');
    const std::string kind = colon == std::string::npos ? std::string() : src.substr(0, colon);
    auto it = reg.snapshots.find(kind);
    if (it == reg.snapshots.end()) {
      std::cerr << "gxlink snapshot: '" << src << "' is not <kind>:FILE with kind one of "
                << names_of(reg.snapshots) << '\n';
      return 2;
    }
    const std::string file = src.substr(colon + 1);
    auto input = CliInput::open(file, nullptr);
    if (!input) {
      std::cerr << "gxlink snapshot: " << input.error().detail << '\n';
      return 2;
    }
    auto st = it->second((*input)->stream(), file, ctx, std::cerr);
    if (!(*input)->read_error().empty()) {
      std::cerr << "gxlink snapshot: reading " << file << " failed: " << (*input)->read_error()
                << '\n';
      return 2;
    }
    errors += st.errors;
    m.flush();
  }
  io.run();  // let drivers finish anything they posted
  m.flush();
  std::cout << model::dump_json(model::to_json(m), 2) << '\n';
  if (errors) std::cerr << "snapshot: " << errors << " problems reported\n";
  return 0;
}

// `gxlink candump <transport>`: live frames in the candump -L format, one per line.
int cmd_candump(const std::string& spec, unsigned bitrate, double duration, std::size_t count) {
  asio::io_context io;
  std::unique_ptr<transport::CanTransport> bus;
  try {
    bus = transport::make_can_transport(io, spec, bitrate);
  } catch (const std::exception& e) {
    std::cerr << "gxlink candump: " << e.what() << '\n';
    return 2;
  }
  int rc = 0;
  std::size_t seen = 0;
  const std::string iface(bus->interface_name());
  bus->set_receiver([&](const CanFrame& f, TimePoint) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::cout << transport::format_candump_log(f, now, iface) << '\n';
    if (count && ++seen >= count) io.stop();
  });
  bool started = false;
  bus->set_state_handler([&](transport::CanBusState s) {
    if (s != transport::CanBusState::kClosed || !started) return;
    // A closed bus ends the command: the end of a file, or a device/socket that failed.
    if (!bus->last_error().empty()) {
      std::cerr << "gxlink candump: " << bus->last_error() << '\n';
      rc = 1;
    }
    io.stop();
  });
  started = true;
  bus->start();
  if (rc != 0) return rc;  // failed at once (no AF_CAN, no such file): already reported
  asio::steady_timer stop_timer(io);
  if (duration > 0) {
    stop_timer.expires_after(
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(duration)));
    stop_timer.async_wait([&](const asio::error_code& ec) {
      if (!ec) io.stop();
    });
  }
  io.run();
  std::cout.flush();
  bus->stop();
  return rc;
}

}  // namespace
}  // namespace gxlink::app

int main(int argc, char** argv) {
  using namespace gxlink::app;
  // Logs go to stderr: stdout carries the JSON of decode/snapshot and the terminal view of run.
  spdlog::set_default_logger(spdlog::stderr_color_mt("gxlink"));
  spdlog::set_pattern("%H:%M:%S.%e %^%l%$ %v");

  CLI::App app{"gxlink: an open gateway for Victron-style energy systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(GXLINK_VERSION));
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();

  auto* decode =
      app.add_subcommand("decode", "Decode a capture; one JSON object per message on stdout");
  std::string protocol, file = "-";
  decode->add_option("protocol", protocol, names_of(gxlink::registry::all().decoders))->required();
  decode->add_option("file", file, "capture file, or - for stdin")->capture_default_str();

  auto* snapshot =
      app.add_subcommand("snapshot", "Feed captures through the drivers; print the model as JSON");
  std::vector<std::string> sources;
  snapshot
      ->add_option("sources", sources,
                   "kind:FILE (" + names_of(gxlink::registry::all().snapshots) + ")")
      ->required();
  bool snapshot_system = false;
  SystemReplayOptions replay;
  snapshot->add_flag("--system", snapshot_system,
                     "replay dbus-recording:FILEs on one timeline with the system layer");
  snapshot->add_option("--settings", replay.setup, "venus-docker setup file (with --system)");
  snapshot->add_option("--every", replay.every, "print JSON Lines every S seconds (with --system)");

  auto* candump = app.add_subcommand("candump", "Print live CAN frames in candump -L format");
  std::string can_spec;
  unsigned can_bitrate = 500000;
  double can_duration = 0;
  std::size_t can_count = 0;
  candump
      ->add_option("transport", can_spec,
                   "slcan:/dev/ttyACM0@500000, socketcan:can0 or file:capture.log")
      ->required();
  candump->add_option("--bitrate", can_bitrate, "CAN bit rate when the spec names none")
      ->capture_default_str();
  candump->add_option("--duration", can_duration, "stop after this many seconds");
  candump->add_option("--count", can_count, "stop after this many frames");

  auto* modbus_map = app.add_subcommand("modbus-map", "Print the Modbus-TCP register map");
  std::string map_format = "csv";
  modbus_map->add_option("--format", map_format, "csv (attributes.csv columns) or md")
      ->check(CLI::IsMember({"csv", "md"}))
      ->capture_default_str();

  auto* run = app.add_subcommand("run", "Run the daemon");
  RunOptions ro;
  std::string config;
  std::string mqtt, portal, http, dbus, modbus;
  double duration = 0;
  run->add_option("--config", config, "TOML config file");
  run->add_flag("--demo", ro.demo, "simulated devices over real wire protocols");
  run->add_option("--mqtt", mqtt, "publish to this broker (HOST:PORT) in the Venus format");
  run->add_option("--portal-id", portal, "MQTT portal id");
  run->add_option("--http", http, "dashboard and /api/model on HOST:PORT (default 127.0.0.1:8088)");
  run->add_option("--dbus", dbus, "system, session, none, or a bus address");
  run->add_option("--modbus", modbus, "serve Modbus-TCP on HOST:PORT (GX register map)");
  std::string data_dir;
  run->add_option("--data-dir", data_dir, "state and history directory ([general] data_dir)");
  run->add_flag("--no-tui", ro.no_tui, "no refreshing terminal view");
  run->add_option("--duration", duration, "stop after this many seconds");
  bool check_only = false;
  run->add_flag("--check-config", check_only,
                "validate the config and the options above, start nothing; exit 0 if OK, 2 if not");

  ExportOptions export_opts;
  auto* export_cmd = add_export_command(app, export_opts);

  // Subcommands that protocols bring (`gxlink vebus`), in registration order.
  std::vector<gxlink::registry::Command> protocol_commands;
  for (const auto& [name, add] : gxlink::registry::all().commands)
    protocol_commands.push_back(add(app));

  DoctorOptions doctor_opts;
  auto* doctor = add_doctor_command(app, doctor_opts);
  SimCommandOptions sim_opts;
  auto* sim = add_sim_command(app, sim_opts);

  // Usage errors exit 2 for every subcommand (CLI11's own codes are 100+ and differ per error
  // kind); 0 and 1 stay free for verdicts (`sim ess`: pass/fail, `doctor`, `run --check-config`).
  // --help and --version still exit 0.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (*decode) return cmd_decode(protocol, file);
  if (*snapshot && (snapshot_system || replay.setup || replay.every)) {
    if (!snapshot_system) {
      std::cerr << "gxlink snapshot: --settings and --every need --system\n";
      return 2;
    }
    replay.sources = sources;
    return run_system_replay(replay, std::cout, std::cerr);
  }
  if (*snapshot) return cmd_snapshot(sources);
  for (const auto& c : protocol_commands)
    if (*c.subcommand) return c.run();
  if (*doctor) return run_doctor(doctor_opts, std::cout, std::cerr);
  if (*export_cmd) return run_export_command(export_opts);
  if (*sim) return run_sim_command(sim_opts);
  if (*candump) return cmd_candump(can_spec, can_bitrate, can_duration, can_count);
  if (*modbus_map)
    return gxlink::publishers::modbus::print_register_map(std::cout, map_format) ? 0 : 2;
  if (!config.empty()) ro.config_file = config;
  if (!mqtt.empty()) ro.mqtt = mqtt;
  if (!portal.empty()) ro.portal_id = portal;
  if (!http.empty()) ro.http = http;
  if (!dbus.empty()) ro.dbus = dbus;
  if (!modbus.empty()) ro.modbus = modbus;
  if (!data_dir.empty()) ro.data_dir = data_dir;
  if (duration > 0) ro.duration = duration;
  if (check_only) return check_config(ro, std::cout, std::cerr);
  try {  // nothing may end the daemon as a terminate (issue 11 item 4)
    return run_daemon(ro);
  } catch (const std::exception& e) {
    spdlog::critical("gxlink run: {}", e.what());
  } catch (...) {
    spdlog::critical("gxlink run: unknown error");
  }
  return 1;
}
