// SPDX-License-Identifier: MIT
// gxlink: the command line. The contracts (decode, snapshot, run) are in DESIGN.md.
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/daemon.hpp"
#include "app/registry.hpp"
#include "app/vebus_command.hpp"
#include "model/model_json.hpp"

namespace gxlink::app {
namespace {

std::string names_of(const auto& map) {
  std::string s;
  for (auto& [k, v] : map) s += (s.empty() ? "" : ", ") + k;
  return s;
}

int cmd_decode(const std::string& protocol, const std::string& file) {
  const auto& reg = registry();
  auto it = reg.decoders.find(protocol);
  if (it == reg.decoders.end()) {
    std::cerr << "gxlink decode: unknown protocol '" << protocol << "' (known: " << names_of(reg.decoders) << ")\n";
    return 2;
  }
  std::ifstream f;
  if (file != "-") {
    f.open(file, std::ios::binary);
    if (!f) {
      std::cerr << "gxlink decode: cannot open " << file << '\n';
      return 2;
    }
  }
  std::istream& in = file == "-" ? std::cin : f;
  std::ios::sync_with_stdio(false);
  auto st = it->second(in, std::cout, std::cerr);
  std::cout.flush();
  std::cerr << "decode " << protocol << ": " << st.messages << " messages, " << st.errors << " errors\n";
  return 0;  // problems are counted, never fatal (DESIGN.md)
}

int cmd_snapshot(const std::vector<std::string>& sources) {
  const auto& reg = registry();
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
      std::cerr << "gxlink snapshot: '" << src << "' is not <kind>:FILE with kind one of " << names_of(reg.snapshots)
                << '\n';
      return 2;
    }
    const std::string file = src.substr(colon + 1);
    std::ifstream f(file, std::ios::binary);
    if (!f) {
      std::cerr << "gxlink snapshot: cannot open " << file << '\n';
      return 2;
    }
    auto st = it->second(f, file, ctx, std::cerr);
    errors += st.errors;
    m.flush();
  }
  io.run();  // let drivers finish anything they posted
  m.flush();
  std::cout << model::to_json(m).dump(2) << '\n';
  if (errors) std::cerr << "snapshot: " << errors << " problems reported\n";
  return 0;
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
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();

  auto* decode = app.add_subcommand("decode", "Decode a capture; one JSON object per message on stdout");
  std::string protocol, file = "-";
  decode->add_option("protocol", protocol, "vedirect, canbms, nmea2000, canopen, mk2")->required();
  decode->add_option("file", file, "capture file, or - for stdin")->capture_default_str();

  auto* snapshot = app.add_subcommand("snapshot", "Feed captures through the drivers; print the model as JSON");
  std::vector<std::string> sources;
  snapshot->add_option("sources", sources, "kind:FILE (vedirect, canbms, nmea2000, mk2, canopen, dbus-recording)")
      ->required();

  auto* run = app.add_subcommand("run", "Run the daemon");
  RunOptions ro;
  std::string config;
  std::string mqtt, portal, http, dbus;
  double duration = 0;
  run->add_option("--config", config, "TOML config file");
  run->add_flag("--demo", ro.demo, "simulated devices over real wire protocols");
  run->add_option("--mqtt", mqtt, "publish to this broker (HOST:PORT) in the Venus format");
  run->add_option("--portal-id", portal, "MQTT portal id");
  run->add_option("--http", http, "dashboard and /api/model on HOST:PORT (default 127.0.0.1:8088)");
  run->add_option("--dbus", dbus, "system, session, none, or a bus address");
  run->add_flag("--no-tui", ro.no_tui, "no refreshing terminal view");
  run->add_option("--duration", duration, "stop after this many seconds");

  VebusCommandOptions vebus_opts;
  auto* vebus = add_vebus_command(app, vebus_opts);

  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (*decode) return cmd_decode(protocol, file);
  if (*snapshot) return cmd_snapshot(sources);
  if (*vebus) return run_vebus_command(vebus_opts);
  if (!config.empty()) ro.config_file = config;
  if (!mqtt.empty()) ro.mqtt = mqtt;
  if (!portal.empty()) ro.portal_id = portal;
  if (!http.empty()) ro.http = http;
  if (!dbus.empty()) ro.dbus = dbus;
  if (duration > 0) ro.duration = duration;
  return run_daemon(ro);
}
