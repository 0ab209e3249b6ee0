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
/// `ARRAY<TAB>[]` is Venus' invalid value; arrays are JSON.

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/model.hpp"

namespace gxlink::drivers {

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

}  // namespace gxlink::drivers
