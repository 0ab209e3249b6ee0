// SPDX-License-Identifier: MIT
#include "model/model_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

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
    nlohmann::json operator()(const Tree& t) const { return tree_to_json(t.root()); }
  };
  return std::visit(Visitor{}, v);
}

nlohmann::json tree_to_json(const TreeNode& n) {
  struct Visitor {
    nlohmann::json operator()(std::monostate) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(std::int64_t i) const { return i; }
    nlohmann::json operator()(double d) const {
      if (!std::isfinite(d)) return nullptr;
      return d;
    }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const TreeList& l) const {
      nlohmann::json out = nlohmann::json::array();
      for (auto& e : l) out.push_back(tree_to_json(e));
      return out;
    }
    nlohmann::json operator()(const TreeDict& d) const {
      nlohmann::json out = nlohmann::json::object();
      for (auto& [k, e] : d) out[k] = tree_to_json(e);
      return out;
    }
  };
  return std::visit(Visitor{}, n.v);
}

namespace {
// Builds the node, giving up once the JSON is deeper or larger than any Tree may be, so that a
// huge document costs no more than the bound before Tree::make() refuses it.
bool node_from_json(const nlohmann::json& j, std::size_t depth, std::size_t& budget,
                    TreeNode& out) {
  if (budget == 0) return false;
  --budget;
  if (j.is_null()) {
    out = TreeNode{};
  } else if (j.is_boolean()) {
    out = TreeNode{j.get<bool>()};
  } else if (j.is_number_integer()) {
    // An unsigned beyond int64 keeps its magnitude as a double rather than wrapping.
    if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
      out = TreeNode{j.get<double>()};
    else
      out = TreeNode{j.get<std::int64_t>()};
  } else if (j.is_number()) {
    out = TreeNode{j.get<double>()};
  } else if (j.is_string()) {
    out = TreeNode{j.get<std::string>()};
  } else if (j.is_array()) {
    if (depth >= Tree::kMaxDepth) return false;
    TreeList l;
    l.reserve(std::min(j.size(), budget));
    for (auto& e : j) {
      if (!node_from_json(e, depth + 1, budget, l.emplace_back())) return false;
    }
    out = TreeNode{std::move(l)};
  } else if (j.is_object()) {
    if (depth >= Tree::kMaxDepth) return false;
    TreeDict d;
    for (auto& [k, e] : j.items()) {
      d.emplace_back(k, TreeNode{});
      if (!node_from_json(e, depth + 1, budget, d.back().second)) return false;
    }
    out = TreeNode{std::move(d)};
  } else {
    return false;  // binary
  }
  return true;
}
}  // namespace

Result<Tree> tree_from_json(const nlohmann::json& j) {
  TreeNode root;
  std::size_t budget = Tree::kMaxNodes;
  if (!node_from_json(j, 0, budget, root))
    return fail(Errc::kOutOfRange, "structured value too deep or too large");
  return Tree::make(std::move(root));
}

Result<Value> from_json_structured(const nlohmann::json& j) {
  if (j.is_object() || (j.is_array() && !j.empty())) {
    Value flat = from_json(j);
    if (is_valid(flat)) return flat;
    auto t = tree_from_json(j);
    if (!t) return tl::unexpected(t.error());
    return Value{std::move(*t)};
  }
  return from_json(j);
}

namespace {
/// An integer that fits int64. JSON's unsigned numbers above INT64_MAX are not: read as int64 they
/// wrapped (18446744073709551615 became -1 and passed a "-1 .. 10000" range check).
bool fits_int64(const nlohmann::json& j) {
  return j.is_number_integer() && (!j.is_number_unsigned() ||
                                   j.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX));
}
}  // namespace

Value from_json(const nlohmann::json& j) {
  if (fits_int64(j)) return j.get<std::int64_t>();
  if (j.is_number_unsigned()) return static_cast<double>(j.get<std::uint64_t>());  // too big
  if (j.is_number_float()) return j.get<double>();
  if (j.is_boolean()) return std::int64_t{j.get<bool>() ? 1 : 0};
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    if (j.empty()) return Invalid{};  // Venus' invalid is an empty array
    bool all_int = true, all_num = true, all_str = true;
    for (auto& e : j) {
      all_int = all_int && fits_int64(e);
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
