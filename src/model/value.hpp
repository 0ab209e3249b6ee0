// SPDX-License-Identifier: MIT
#pragma once
/// A model value, as Venus OS carries it on D-Bus: invalid (Venus' empty array), an integer, a
/// double, a string, a flat array, or a structured value (Tree: lists and dicts, tree.hpp).
/// Invalid is `std::monostate` (STYLE.md rule 13).

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/tree.hpp"

namespace gxlink::model {

using Invalid = std::monostate;
using IntArray = std::vector<std::int64_t>;
using DoubleArray = std::vector<double>;
using StringArray = std::vector<std::string>;

using Value = std::variant<Invalid, std::int64_t, double, std::string, IntArray, DoubleArray,
                           StringArray, Tree>;

inline bool is_valid(const Value& v) noexcept { return !std::holds_alternative<Invalid>(v); }

/// The value as a number: integers and doubles convert; everything else is nullopt.
std::optional<double> as_double(const Value& v) noexcept;
/// The value as an integer: integers, and doubles that are whole; everything else is nullopt.
std::optional<std::int64_t> as_int(const Value& v) noexcept;

/// Equality for change detection: 1 (int) and 1.0 (double) differ, as they do on D-Bus.
bool same_value(const Value& a, const Value& b) noexcept;

/// Plain text for terminals and logs: invalid is "---" as Venus shows it.
std::string to_plain_text(const Value& v);

}  // namespace gxlink::model
