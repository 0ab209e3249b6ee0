// SPDX-License-Identifier: MIT
#pragma once
/// How system components read a device's service: every value may be missing, of another type,
/// or not a finite number (device bytes are untrusted). Shared by DVCC and the Multi's SOC writer.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"

namespace gxlink::system {

/// A number a device published; NaN and infinities count as absent (a NaN would slip through
/// every min/max comparison into a limit).
inline std::optional<double> num(const model::Service* s, std::string_view path) {
  if (!s) return std::nullopt;
  auto v = model::as_double(s->get(path));
  if (v && !std::isfinite(*v)) return std::nullopt;
  return v;
}
inline std::optional<std::int64_t> integer(const model::Service* s, std::string_view path) {
  if (!s) return std::nullopt;
  return model::as_int(s->get(path));
}
/// The string at `path`, or nullptr when it is absent or not a string.
inline const std::string* text(const model::Service* s, std::string_view path) {
  return s ? std::get_if<std::string>(&s->get(path)) : nullptr;
}
inline bool has(const model::Service* s, std::string_view path) {
  return s && s->find(path) != nullptr;
}
/// A service that says it is not connected is stale; a missing /Connected is not held against it.
inline bool connected(const model::Service* s) {
  return s && integer(s, "/Connected").value_or(1) != 0;
}
/// "com.victronenergy.vebus.ttyO1" → "vebus"; empty for a name outside Venus' prefix.
inline std::string service_type(std::string_view name) {
  if (!name.starts_with(model::kServicePrefix)) return {};
  std::string_view rest = name.substr(model::kServicePrefix.size());
  return std::string(rest.substr(0, rest.find('.')));
}
/// The connected services of one type ("solarcharger"), in name order.
inline std::vector<const model::Service*> of(const model::Model& m, std::string_view type) {
  std::vector<const model::Service*> out;
  std::string prefix = std::string(model::kServicePrefix) + std::string(type) + ".";
  for (auto it = m.services().lower_bound(prefix); it != m.services().end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    if (connected(it->second.get())) out.push_back(it->second.get());
  }
  return out;
}

}  // namespace gxlink::system
