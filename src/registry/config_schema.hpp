// SPDX-License-Identifier: MIT
#pragma once
/// Declarative schemas for the config file's sections (issue 11 item 6): every key a section's
/// factory reads, with its type, range and a one-line description. The daemon validates the whole
/// file against them before it starts anything, so a config the user wrote is honoured or refused,
/// never half-applied. Each registry entry carries its section's schema (registry.hpp).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace gxlink::registry {

enum class ValueType {
  kString,
  kInteger,
  kFloat,  ///< an integer is accepted too (`charge_current = 80`)
  kBool,
  kArray,          ///< element checks go in KeySchema::check
  kTable,          ///< keys in KeySchema::fields
  kArrayOfTables,  ///< `[[section.key]]`; keys of each table in KeySchema::fields
};

/// What a key's value names on the host, for the one-section-per-serial-port rule.
enum class DeviceRole {
  kNone,
  kSerialPort,  ///< a tty path (`port = "/dev/ttyUSB0"`)
  kCanSpec,     ///< a CAN transport spec; its slcan tty counts, a SocketCAN interface is shared
};

struct SectionSchema;

struct KeySchema {
  std::string name{};
  ValueType type = ValueType::kString;
  std::string description{};  ///< one line, for humans (and the example config)
  bool required = false;
  std::optional<double> min{};  ///< integers and floats
  std::optional<double> max{};
  bool min_exclusive = false;          ///< the value must be > min rather than >= min
  std::vector<std::string> choices{};  ///< strings: the only values allowed
  /// Further checks on a value of the right type: "" if it is good, else what is wrong with it.
  std::function<std::string(const toml::node&)> check{};
  std::shared_ptr<const SectionSchema> fields{};  ///< kTable / kArrayOfTables: their keys
  DeviceRole device = DeviceRole::kNone;
};

/// The common key shapes, so that every section's schema reads the same way.
inline KeySchema string_key(std::string name, std::string description) {
  return KeySchema{
      .name = std::move(name), .type = ValueType::kString, .description = std::move(description)};
}
inline KeySchema bool_key(std::string name, std::string description) {
  return KeySchema{
      .name = std::move(name), .type = ValueType::kBool, .description = std::move(description)};
}
/// A number > 0 (durations, sizes).
inline KeySchema positive_key(std::string name, std::string description) {
  return KeySchema{.name = std::move(name),
                   .type = ValueType::kFloat,
                   .description = std::move(description),
                   .min = 0,
                   .min_exclusive = true};
}
/// An integer in [min, max] (ports, counts, protocol intervals).
inline KeySchema integer_key(std::string name, std::string description, double min, double max) {
  return KeySchema{.name = std::move(name),
                   .type = ValueType::kInteger,
                   .description = std::move(description),
                   .min = min,
                   .max = max};
}

enum class SectionForm {
  kTable,          ///< `[mqtt]`
  kArrayOfTables,  ///< `[[vedirect]]`
  kEither,         ///< drivers: several `[[vedirect]]` ports, or one `[vedirect]` table
};

struct SectionSchema {
  std::string name{};
  SectionForm form = SectionForm::kEither;
  std::string description{};
  std::vector<KeySchema> keys{};

  const KeySchema* find(std::string_view key) const;
};

struct ValidateOptions {
  std::string file;  ///< the name errors start with
  /// Where values that have no place in the file came from, by "section.key": the command-line
  /// overrides (e.g. "http.listen" → "--http 127.0.0.1:99999").
  std::map<std::string, std::string> origins;
};

/// Checks `cfg` against `sections`: unknown sections and keys, types, ranges, choices, required
/// keys, nested tables, and serial ports used by more than one section. Returns every problem, each
/// as "FILE:LINE:COL: message" (or "ORIGIN: message" for a command-line value); empty if the config
/// is good.
std::vector<std::string> validate_config(const toml::table& cfg,
                                         const std::vector<SectionSchema>& sections,
                                         const ValidateOptions& opts);

/// A TCP port: 1 to 5 digits, 0..65535 (no sign, no spaces).
std::optional<int> parse_port(std::string_view s);
/// "host:port" → (host, port); throws std::runtime_error on a bad port.
std::pair<std::string, int> split_host_port(const std::string& s, int default_port);

/// Checks for KeySchema::check, shared by several sections.
/// A listen address "HOST:PORT" (port 0..65535; 0 picks a free port).
std::string check_listen_address(const toml::node& n);
/// A string that is not empty.
std::string check_not_empty(const toml::node& n);
/// A string with none of `chars` (MQTT topic levels: no '/', '+' or '#'); `non_empty` also
/// refuses "".
std::function<std::string(const toml::node&)> check_excludes(std::string chars,
                                                             bool non_empty = false);
/// A CAN bit rate an slcan adapter can be set to (10k … 1M).
std::string check_can_bitrate(const toml::node& n);
/// A CAN transport spec (slcan:/dev/ttyACM0@500000, socketcan:can0, can0, file:capture.log),
/// parsed as the driver will parse it. `default_bitrate` is the driver's.
std::function<std::string(const toml::node&)> check_can_spec(unsigned default_bitrate);

/// The tty an slcan spec opens ("slcan:/dev/ttyACM0@500000" → "/dev/ttyACM0"); empty for the
/// other transports.
std::string slcan_device(std::string_view spec);

}  // namespace gxlink::registry
