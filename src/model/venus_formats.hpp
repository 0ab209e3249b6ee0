// SPDX-License-Identifier: MIT
#pragma once
/// How Venus shows each D-Bus path: its unit, decimals and enum texts, per service type. One table
/// for every driver, so that D-Bus GetText, the terminal view, the dashboard and MQTT agree
/// (issue 13, conformance 9). Facts from seed 003 (the venus wiki `dbus` page: paths, units and
/// enum values per service type) and venus_os.md §4.3 (dbus_modbustcp attributes.csv units).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/item.hpp"

namespace gxlink::model {

/// One enum value and the text Venus shows for it.
struct EnumText {
  std::int64_t value;
  std::string_view text;
};

enum class TextKind : std::uint8_t {
  kNumber,    ///< the number with `decimals` digits and the unit: "26.82V"
  kEnum,      ///< the enum text; unknown values as the plain number
  kDuration,  ///< seconds shown as h:mm, as the GUI shows TimeToGo: 286980 → "79:43"
};

/// The format of the paths that match `path` in services of `type`.
/// `type` is a Venus service type ("solarcharger") or "*" for every type. In `path`, "#" stands
/// for one or more digits ("/Ac/Out/L#/V", "/Dc/#/Voltage", "/Voltages/Cell#") and a trailing
/// "*" for any rest ("/Alarms/*").
struct PathFormat {
  std::string_view type;
  std::string_view path;
  std::string_view unit;
  int decimals = -1;
  TextKind kind = TextKind::kNumber;
  std::span<const EnumText> enums = {};
};

/// Whether `path` matches the pattern (see PathFormat).
bool path_matches(std::string_view pattern, std::string_view path) noexcept;

/// The format of `path` in a service of `type`: the type's own entry first, then the "*" one;
/// nullptr when Venus gives the path no unit or text.
const PathFormat* find_path_format(std::string_view type, std::string_view path) noexcept;

/// Every entry, for tests and tools.
std::span<const PathFormat> path_formats() noexcept;

/// The text of `value` in this format ("Bulk", "79:43", "26.82V"); "---" for invalid.
std::string format_text(const PathFormat& f, const Value& value);

/// ItemMeta fields from the table: unit, decimals and text function of `path` in `type`.
/// Empty ItemMeta when the table has no entry.
ItemMeta venus_format(std::string_view type, std::string_view path);

/// Fills what `meta` leaves open (empty unit, decimals -1, no text) from the table; what the
/// driver set explicitly stays. Service::add and Service::set apply it to every path.
void apply_venus_format(std::string_view type, std::string_view path, ItemMeta& meta);

/// Venus' /FirmwareVersion is an integer whose hex digits read as the version (venus_os.md §5.4:
/// VE.Direct v1.29 = 0x129, VE.Can 1.02 = 0x10200). A dotted text "major.minor[.patch]" (one or
/// two digits each) becomes major << 16 | minor << 8 | patch, as on VE.Can: "1.6.0" → 0x10600.
/// Devices append build notes: a suffix after a space, '-', '(' or '+' is ignored ("1.02 (build
/// 5)"). Anything else is invalid.
Value firmware_version_from_text(std::string_view text);

}  // namespace gxlink::model
