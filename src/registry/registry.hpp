// SPDX-License-Identifier: MIT
#pragma once
/// The one place that lists what gxlink can do: decoders for `gxlink decode`, snapshot sources for
/// `gxlink snapshot`, driver and publisher factories for config sections, system components, the
/// parts of the demo and protocol subcommands. Each area adds its entries in the
/// `registration.cpp` beside its code (src/drivers/<x>/, src/publishers/<x>/, src/system/),
/// declared in its CMakeLists with gxlink_registration(); the build generates the function that
/// calls them all (cmake/GxlinkHelpers.cmake), so src/app names no protocol. Drivers are picked at
/// run time from the config (STYLE.md rule 24: no compile-time feature macros).

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "drivers/driver.hpp"
#include "publishers/publisher.hpp"
#include "registry/config_schema.hpp"
#include "system/component.hpp"

namespace CLI {
class App;
}

namespace gxlink::registry {

struct DecodeStats {
  std::size_t messages = 0;  ///< lines printed (decode) or messages applied (snapshot)
  std::size_t errors = 0;    ///< problems reported on stderr
};

/// Counts and reports the lines a text decoder skipped for being too long (bounded memory).
template <class Lines>
void report_too_long(const Lines& lines, std::ostream& err, DecodeStats& st) {
  if (!lines.too_long()) return;
  err << lines.too_long() << " line(s) longer than any capture line skipped\n";
  st.errors += lines.too_long();
}

/// `gxlink decode <protocol>`: input bytes or text in, JSON Lines out, problems to `err`.
using DecodeFn = std::function<DecodeStats(std::istream& in, std::ostream& out, std::ostream& err)>;

/// `gxlink snapshot <prefix>:FILE`: feeds a capture through the real driver code into `model`.
/// `source` is the file name (drivers may use its stem as the connection name).
using SnapshotFn = std::function<DecodeStats(std::istream& in, const std::string& source,
                                             drivers::DriverContext& ctx, std::ostream& err)>;

/// A `[[<kind>]]` config table → a driver.
using DriverFactory = std::function<std::unique_ptr<drivers::Driver>(const toml::table& cfg,
                                                                     drivers::DriverContext& ctx)>;

/// A `[[<kind>]]` section: its factory and the keys that factory reads. The daemon validates every
/// section against its schema before it builds anything (issue 11 item 6).
struct DriverEntry {
  DriverFactory make;
  SectionSchema schema;
  /// Builds the driver from a table already validated against `schema`.
  std::unique_ptr<drivers::Driver> operator()(const toml::table& cfg,
                                              drivers::DriverContext& ctx) const {
    return make(cfg, ctx);
  }
};

/// A `[<kind>]` config table → a publisher. It runs when its table exists (or it is on by default)
/// and the table does not say `enabled = false`.
using PublisherFactory = std::function<std::unique_ptr<publishers::Publisher>(
    const toml::table& cfg, publishers::PublisherContext& ctx)>;
struct PublisherEntry {
  PublisherFactory make;
  bool on_by_default = false;
  SectionSchema schema;  ///< includes `enabled`, which the daemon reads (daemon.cpp)
};

/// A system component (issue 12: systemcalc; DVCC and notifications beside it). All of them run
/// unless `[system] enabled = false`, in `order` (low first), started between drivers and
/// publishers; `cfg` is the `[system]` table.
using SystemFactory = std::function<std::unique_ptr<system::SystemComponent>(
    const toml::table& cfg, system::SystemContext& ctx)>;
struct SystemEntry {
  SystemFactory make;
  int order = 0;
  /// The `[system]` keys this component reads (`enabled` is the layer's); see system_schema().
  std::vector<KeySchema> keys{};
};

struct DemoContext;
/// Adds simulated devices (and the drivers that read them) to the demo.
using DemoFn = std::function<void(DemoContext& demo)>;

/// A `gxlink <name>` subcommand a protocol brings (`gxlink vebus get|set`): declared on the command
/// line by CommandFn, run by `run` when the user gave it.
struct Command {
  CLI::App* subcommand = nullptr;
  std::function<int()> run;  ///< the process's exit code
};
using CommandFn = std::function<Command(CLI::App& app)>;

struct Registry {
  std::map<std::string, DecodeFn> decoders;
  std::map<std::string, SnapshotFn> snapshots;
  std::map<std::string, DriverEntry> drivers;
  std::map<std::string, PublisherEntry> publishers;
  std::map<std::string, SystemEntry> systems;
  std::vector<std::pair<std::string, DemoFn>> demos;
  std::vector<std::pair<std::string, CommandFn>> commands;
};

/// Every area's entries, built once on first use by the generated registrations.cpp (the
/// gxlink::registrations library).
const Registry& all();

}  // namespace gxlink::registry
