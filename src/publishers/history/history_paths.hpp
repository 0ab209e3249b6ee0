// SPDX-License-Identifier: MIT
#pragma once
/// Which model paths the history keeps (issue 15 item 4: "by default the main ones of each service
/// and the system"), as a table of patterns, and the matcher the recorder uses. A pattern is
/// `<service type>:<path>`, e.g. `battery:/Dc/0/Voltage`; `*` in either part matches any run of
/// characters except '/' (`*:/Dc/0/Voltage`, `vebus:/Ac/Out/L*/P`). The type is the third part of
/// the Venus service name (`com.victronenergy.<type>.<connection>`).

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gxlink::publishers::history {

struct PathRule {
  std::string service_type;  ///< "battery", "*"
  std::string path;          ///< "/Dc/0/Voltage", "/Ac/Out/L*/P"
  /// A change smaller than this (in the path's unit) from the last stored value is not stored.
  double deadband = 0;
};

/// The built-in list (history_paths.cpp), shown as a table in config/gxlink.example.toml.
std::span<const PathRule> default_path_rules();

/// `type:path` → a rule (deadband 0); nullopt when it is not of that form (no ':' or no leading
/// '/').
std::optional<PathRule> parse_path_rule(std::string_view text);

/// `*` matches any run of characters other than '/'; everything else matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

/// "com.victronenergy.battery.ttyUSB0" → "battery"; "" for a name of another form.
std::string_view service_type_of(std::string_view service);

/// The first rule that matches, or nullptr.
const PathRule* match_rule(std::span<const PathRule> rules, std::string_view service,
                           std::string_view path);

}  // namespace gxlink::publishers::history
