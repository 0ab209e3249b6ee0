// SPDX-License-Identifier: MIT
#pragma once
/// Replays the tab-separated D-Bus recordings of Victron's dbus-recorder / venus-docker
/// (tools/dump.py format) into the model, as if the recorded service were on the bus:
///
///   com.victronenergy.battery.ttyO0              <- line 1: the service name
///   /Dc/0/Voltage<TAB>DOUBLE<TAB>12.5<TAB>12.50V  <- initial state
///   (blank line)
///   3<TAB>/Dc/0/Voltage<TAB>DOUBLE<TAB>12.6<TAB>12.60V  <- changes, t = whole seconds from start
///
/// TYPE is INT32, INT16, UINT32, UINT16, BYTE, DOUBLE, STRING, BOOLEAN, ARRAY or ARRAY[subtype];
/// `ARRAY<TAB>[]` is Venus' invalid value; arrays are JSON (a list of dicts or mixed values is a
/// model::Tree), and DICT (JSON object) is a structured value too.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/model.hpp"

namespace gxlink::drivers::dbus_recording {

struct RecordedValue {
  double t = 0;  ///< seconds from the start; 0 for the initial state
  std::string path;
  model::Value value;
  std::string text;
};

struct DbusRecording {
  std::string service;  ///< full service name
  std::vector<RecordedValue> initial;
  std::vector<RecordedValue> changes;
};

/// Parses one value column by its TYPE column.
Result<model::Value> parse_recorded_value(std::string_view type, std::string_view text);

/// Parses a whole recording; malformed lines are reported through `warnings` and skipped.
Result<DbusRecording> parse_dbus_recording(std::istream& in, std::vector<std::string>& warnings);

/// Creates (or updates) the recorded service in the model and applies the initial state and then
/// every change up to `until_seconds` (all of them by default). Returns the values applied.
std::size_t apply_dbus_recording(const DbusRecording& rec, model::Model& m,
                                 double until_seconds = 1e300);

/// Paths a GX writes into devices (DVCC, battery sense, the Multi's charge current; venus_os.md
/// §5.4): in a system replay their recorded changes are not replayed, so that the system layer's
/// own values take their place (DESIGN.md, `snapshot --system`).
bool is_gx_written_path(std::string_view service, std::string_view path);
/// Paths a replayed device accepts writes on: the GX-written ones, and those a GX writes while the
/// device keeps changing them itself (a vebus' `/Soc`: the battery monitor's SOC every 10 s,
/// vebussocwriter), whose recorded changes are still replayed.
bool takes_gx_writes(std::string_view service, std::string_view path);

/// One line of a venus-docker `setup` file: `service path value`, the value typed as Python's
/// int(), else float(), else the text (as venus_oracle.py reads it).
struct SetupLine {
  std::string service;
  std::string path;
  model::Value value;
};
/// Blank lines, `#` comments and lines with fewer than three fields are skipped.
std::vector<SetupLine> parse_setup(std::istream& in);

/// Several recordings of one system replayed on one timeline, in recording seconds: the initial
/// states first, then the changes of every file merged by time (at equal times in the order the
/// files were added, then in file order).
class RecordingTimeline {
 public:
  /// `skip_gx_written`: recorded changes of is_gx_written_path() paths are dropped.
  explicit RecordingTimeline(bool skip_gx_written) : skip_gx_written_(skip_gx_written) {}

  void add(DbusRecording rec);
  const std::vector<DbusRecording>& recordings() const noexcept { return recs_; }

  /// Creates every service with its initial state; `overrides` (setup lines for a recorded
  /// service) replace initial values.
  void start(model::Model& m, const std::vector<SetupLine>& overrides = {});
  /// Applies every change with t <= `until`; returns how many.
  std::size_t advance(model::Model& m, double until);
  /// The time of the last change (0 when there is none).
  double end_time() const noexcept { return end_; }

 private:
  struct Event {
    double t;
    std::size_t rec;
    std::size_t index;
  };
  bool skip_gx_written_;
  std::vector<DbusRecording> recs_;
  std::vector<Event> events_;
  std::size_t next_ = 0;
  double end_ = 0;
};

}  // namespace gxlink::drivers::dbus_recording
