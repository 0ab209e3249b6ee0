// SPDX-License-Identifier: MIT
#pragma once
/// Model values ↔ D-Bus variants, as Venus carries them (venus_os.md §1.2):
/// - invalid is an empty array of int32 (`ai`) inside the variant (velib VEDBUS_INVALID);
/// - integers go as int32 when they fit, else int64 (velib wrap_dbus_value);
/// - a valid empty list goes as `au`, so that it cannot be mistaken for invalid;
/// - on the way in, booleans, bytes and every integer width become int64; an empty `ai` is invalid;
/// - a structured value (model::Tree) goes as velib wraps Python values: dict `a{sv}`, list `av`
///   (empty: `au`), bool `b`, None as the invalid empty `ai`.

#include <string>
#include <string_view>

#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include "core/result.hpp"
#include "model/item.hpp"
#include "model/value.hpp"

namespace gxlink::publishers::dbus {

inline constexpr const char* kBusItem = "com.victronenergy.BusItem";

/// `s` as D-Bus accepts it: valid UTF-8 without NUL (invalid bytes become U+FFFD; sd-bus would
/// refuse the whole message, and dbus-daemon drops a client that sends one).
std::string dbus_safe(const std::string& s);

/// Appends `v` as one variant (`v`) to a message being built.
void append_variant(sdbus::Message& msg, const model::Value& v);

/// The text GetText gives for a path: the item's own text ("12.35V", "---" for invalid), and
/// `/ProductId` in hex as velib shows it ("0xA060").
std::string item_text(std::string_view path, const model::Item& item);
/// The common case of item_text() (a number with a unit) written into `buf` without allocating;
/// empty when item_text() must be used.
std::string_view fast_item_text(const model::Item& item, char (&buf)[64]) noexcept;

/// D-Bus object path syntax: "/" or "/a/b" with elements of [A-Za-z0-9_], no empty element.
bool is_object_path(std::string_view p) noexcept;

/// A variant received from the bus as a model value. `av`, `a{sv}` and `aa{sv}` become a Tree
/// (velib's lists and dicts; bounded by Tree's limits, Errc::kOutOfRange beyond them); other
/// containers (structs, other dicts, a variant in a variant) are refused (Errc::kUnsupported).
Result<model::Value> value_from_variant(const sdbus::Variant& v);

}  // namespace gxlink::publishers::dbus
