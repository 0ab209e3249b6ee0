// SPDX-License-Identifier: MIT
#pragma once
/// The daemon's configuration: a TOML file (see config/gxlink.example.toml) plus command-line
/// overrides. Errors here are start-up errors: reported clearly, and the daemon does not start.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "registry/config_schema.hpp"

namespace gxlink::app {

struct RunOptions {
  std::optional<std::filesystem::path> config_file;
  bool demo = false;
  std::optional<std::string> mqtt;       ///< HOST:PORT → [mqtt] host/port
  std::optional<std::string> portal_id;  ///< → [mqtt] portal_id
  std::optional<std::string> http;       ///< HOST:PORT → [http] listen
  std::optional<std::string> modbus;     ///< HOST:PORT → [modbus] listen (and enabled)
  std::optional<std::string> data_dir;   ///< → [general] data_dir
  std::optional<std::string> dbus;  ///< "system", "session", "none" or an address → [dbus] bus
  bool no_tui = false;              ///< no refreshing terminal view even on a tty
  std::optional<double> duration;   ///< stop after this many seconds (tests, measurements)
};

/// Where `gxlink run` looks for a config when none is given.
std::filesystem::path default_config_path();

/// Reads and parses a config file; throws std::runtime_error with file, line and reason.
toml::table load_config(const std::filesystem::path& file);

/// Applies the command-line overrides onto the table.
void apply_overrides(toml::table& cfg, const RunOptions& opts);

/// Every section the daemon reads: `[general]` and `[http]` (daemon.cpp), then each driver and
/// publisher in the registry with the schema its entry carries.
std::vector<registry::SectionSchema> config_schema();

/// The config `gxlink run` would use, loaded, overridden and validated.
struct RunConfig {
  toml::table table;
  bool demo = false;
  std::filesystem::path file;
  bool from_file = false;           ///< false: no config file, the built-in demo
  std::vector<std::string> errors;  ///< each "FILE:LINE:COL: message"; empty when usable
};

/// Loads the config file (or none: the demo), applies the overrides and validates everything
/// against config_schema(). Never throws for a bad config: the problems are in `errors`.
RunConfig load_run_config(const RunOptions& opts);

/// `gxlink run --check-config`: prints "config OK" or the errors; returns 0 or 2.
int check_config(const RunOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace gxlink::app
