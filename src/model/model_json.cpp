// SPDX-License-Identifier: MIT
#include "model/model_json.hpp"

#include <cmath>

namespace gxlink::model {

nlohmann::json to_json(const Value& v) {
  struct Visitor {
    nlohmann::json operator()(Invalid) const { return nullptr; }
    nlohmann::json operator()(std::int64_t i) const { return i; }
    nlohmann::json operator()(double d) const {
      if (!std::isfinite(d)) return nullptr;  // JSON has no NaN/Inf
      return d;
    }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const IntArray& a) const { return a; }
    nlohmann::json operator()(const DoubleArray& a) const { return a; }
    nlohmann::json operator()(const StringArray& a) const { return a; }
  };
  return std::visit(Visitor{}, v);
}

Value from_json(const nlohmann::json& j) {
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) return j.get<double>();
  if (j.is_boolean()) return std::int64_t{j.get<bool>() ? 1 : 0};
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    if (j.empty()) return Invalid{};  // Venus' invalid is an empty array
    bool all_int = true, all_num = true, all_str = true;
    for (auto& e : j) {
      all_int = all_int && e.is_number_integer();
      all_num = all_num && e.is_number();
      all_str = all_str && e.is_string();
    }
    if (all_int) return j.get<IntArray>();
    if (all_num) return j.get<DoubleArray>();
    if (all_str) return j.get<StringArray>();
  }
  return Invalid{};
}

nlohmann::json to_json(const Service& s) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [path, item] : s.items()) out[path] = to_json(item.value);
  return out;
}

nlohmann::json to_json(const Model& m) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [name, s] : m.services()) out[name] = to_json(*s);
  return out;
}

nlohmann::json to_text_json(const Model& m) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [name, s] : m.services()) {
    nlohmann::json& paths = out[name] = nlohmann::json::object();
    for (auto& [path, item] : s->items()) paths[path] = item.text();
  }
  return out;
}

}  // namespace gxlink::model
