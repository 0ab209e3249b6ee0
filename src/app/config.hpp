// SPDX-License-Identifier: MIT
#pragma once
/// The daemon's configuration: a TOML file (see config/gxlink.example.toml) plus command-line
/// overrides. Errors here are start-up errors: reported clearly, and the daemon does not start.

#include <filesystem>
#include <optional>
#include <string>

#include <toml++/toml.h>

namespace gxlink::app {

struct RunOptions {
  std::optional<std::filesystem::path> config_file;
  bool demo = false;
  std::optional<std::string> mqtt;       ///< HOST:PORT → [mqtt] host/port
  std::optional<std::string> portal_id;  ///< → [mqtt] portal_id
  std::optional<std::string> http;       ///< HOST:PORT → [http] listen
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

/// "host:port" → (host, port); throws std::runtime_error on a bad port.
std::pair<std::string, int> split_host_port(const std::string& s, int default_port);

}  // namespace gxlink::app
