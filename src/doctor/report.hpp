// SPDX-License-Identifier: MIT
#pragma once
/// What `gxlink doctor` found, as data, and the three ways it is shown: a table for people, JSON
/// for machines, and a gxlink config (TOML) that runs what was found. Pure: no I/O, no clock, so
/// the same report always gives the same text (tests compare them).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "doctor/recognizers.hpp"

namespace gxlink::doctor {

/// One serial port and what answered on it.
struct PortReport {
  std::string path;    ///< as probed: a /dev/serial/by-id link when there is one
  std::string device;  ///< the kernel's name for it ("ttyUSB0"): service-name suffix in the config
  std::string error;   ///< why it could not be opened (empty when it was)
  VeDirectFinding vedirect;
  Mk2Finding mk2;
  std::optional<SlcanFinding> slcan;  ///< set only when the slcan query was sent (--allow-writes)
  bool slcan_needs_writes = false;  ///< nothing listened for answered; slcan not asked (no writes)
};

/// One CAN source (SocketCAN interface, slcan adapter at one bit rate, or a candump file).
struct CanReport {
  std::string spec;         ///< as given or discovered: "socketcan:can0", "slcan:/dev/ttyACM0"
  std::string config_spec;  ///< the interface for the config: "slcan:/dev/ttyACM0@500000"
  std::optional<unsigned> bitrate;  ///< probed bit rate (slcan); SocketCAN's is set by the system
  bool slcan = false;               ///< an slcan tty: only one config section may use it
  bool file = false;                ///< a candump capture (config_spec is "file:PATH")
  std::string device;         ///< slcan: the tty's kernel name ("ttyACM0"), for the service name
  std::string error;          ///< could not open
  bool needs_writes = false;  ///< an slcan source that was not opened (no --allow-writes)
  CanFinding finding;
};

struct Report {
  double seconds = 0;
  bool allow_writes = false;
  std::vector<PortReport> ports;
  std::vector<CanReport> buses;

  /// True when at least one device was recognised (the config runs something).
  bool found_any() const noexcept;
};

/// A human table: one line per port and per CAN source, then the notes.
std::string format_table(const Report& r);

/// The config (TOML) that runs what was found: one [[vedirect]], [[vebus]], [[canbms]],
/// [[nmea2000]] or [[canopen]] section per finding, with comments saying what each is. An slcan tty
/// takes one section only (the daemon refuses two on one port); the others are left as comments.
std::string make_config(const Report& r);

/// The whole report as JSON, with the config text under "config".
nlohmann::json to_json(const Report& r);

/// A TOML basic string ("..." with escapes). Strings that are not valid UTF-8 become nullopt: TOML
/// cannot hold them.
std::optional<std::string> toml_string(std::string_view s);

}  // namespace gxlink::doctor
