// SPDX-License-Identifier: MIT
#pragma once
/// One D-Bus path of a service: its value and what Venus tools need to show or write it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "model/value.hpp"

namespace gxlink::model {

/// Outcome of a write, mapped by each publisher to its own codes (D-Bus SetValue returns 0 for
/// success and non-zero otherwise, as velib's VeDbusItemExport does).
enum class WriteResult {
  kOk = 0,
  kNotWritable,  ///< read-only path, or writes are disabled for this publisher
  kOutOfRange,   ///< outside min/max or refused by a safety rule
  kBadType,      ///< the value's type does not fit the path
  kUnknownPath,  ///< no such service or path
  kFailed,       ///< the device refused or did not answer
};

const char* to_string(WriteResult r) noexcept;

/// Describes how a path is shown and written. Filled by drivers from their protocol tables.
struct ItemMeta {
  std::string unit;   ///< "V", "A", "W", "%", "°C", "kWh" ... appended to the text form
  int decimals = -1;  ///< digits after the point in the text form; -1 = as the number prints
  bool writable = false;
  std::optional<double> min;
  std::optional<double> max;
  Value default_value;
  /// Optional text for enums and flags ("Bulk", "Float"); otherwise the number with its unit.
  std::function<std::string(const Value&)> text;
};

/// Called by the model for a write from a publisher; the owning driver validates and acts.
using WriteHandler = std::function<WriteResult(const Value&)>;

struct Item {
  Value value;
  ItemMeta meta;
  WriteHandler on_write;  ///< empty for read-only paths
  bool pending = false;   ///< already queued in the model's change batch

  /// The text Venus' GetText would give: "12.35V", "Bulk", "---" for invalid.
  std::string text() const;
};

}  // namespace gxlink::model
