// SPDX-License-Identifier: MIT
#include "model/tree.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "model/model_json.hpp"

namespace gxlink::model {
namespace {

struct Count {
  std::size_t nodes = 0;
  std::size_t bytes = 0;
  std::size_t depth = 0;
  bool duplicate_key = false;
};

// Walks a node before it is accepted; stops descending as soon as a bound is passed, so the walk
// costs no more than the bounds themselves.
bool count(const TreeNode& n, std::size_t depth, Count& c) {
  if (++c.nodes > Tree::kMaxNodes) return false;
  if (depth > c.depth) c.depth = depth;
  if (auto* s = std::get_if<std::string>(&n.v)) c.bytes += s->size();
  if (auto* l = n.list()) {
    if (depth + 1 > Tree::kMaxDepth) return false;
    for (auto& e : *l)
      if (!count(e, depth + 1, c)) return false;
  } else if (auto* d = n.dict()) {
    if (depth + 1 > Tree::kMaxDepth) return false;
    for (std::size_t i = 0; i < d->size(); ++i) {
      const std::string& key = (*d)[i].first;
      c.bytes += key.size();
      // Dicts are small (tens of keys); a quadratic check keeps the node a plain vector.
      for (std::size_t j = 0; j < i && !c.duplicate_key; ++j)
        c.duplicate_key = (*d)[j].first == key;
      if (!count((*d)[i].second, depth + 1, c)) return false;
    }
  }
  return c.bytes <= Tree::kMaxStringBytes;
}

}  // namespace

const TreeNode* TreeNode::find(std::string_view key) const noexcept {
  if (auto* d = dict())
    for (auto& [k, n] : *d)
      if (k == key) return &n;
  return nullptr;
}

bool same_node(const TreeNode& a, const TreeNode& b) noexcept {
  if (a.v.index() != b.v.index()) return false;
  if (auto* da = std::get_if<double>(&a.v)) {
    const double db = std::get<double>(b.v);
    return *da == db || (std::isnan(*da) && std::isnan(db));
  }
  if (auto* la = a.list()) {
    auto* lb = b.list();
    if (la->size() != lb->size()) return false;
    for (std::size_t i = 0; i < la->size(); ++i)
      if (!same_node((*la)[i], (*lb)[i])) return false;
    return true;
  }
  if (auto* da = a.dict()) {
    auto* db = b.dict();
    if (da->size() != db->size()) return false;
    for (std::size_t i = 0; i < da->size(); ++i)
      if ((*da)[i].first != (*db)[i].first || !same_node((*da)[i].second, (*db)[i].second))
        return false;
    return true;
  }
  if (auto* sa = std::get_if<std::string>(&a.v)) return *sa == std::get<std::string>(b.v);
  if (auto* ia = std::get_if<std::int64_t>(&a.v)) return *ia == std::get<std::int64_t>(b.v);
  if (auto* ba = std::get_if<bool>(&a.v)) return *ba == std::get<bool>(b.v);
  return true;  // both null
}

Tree::Tree() : root_(std::make_shared<const TreeNode>(TreeDict{})) {}

Result<Tree> Tree::make(TreeNode root) {
  Count c;
  if (!count(root, 0, c))
    return fail(Errc::kOutOfRange, "structured value beyond " + std::to_string(kMaxNodes) +
                                       " nodes, depth " + std::to_string(kMaxDepth) + " or " +
                                       std::to_string(kMaxStringBytes) + " bytes of text");
  if (c.duplicate_key) return fail(Errc::kBadFormat, "dict with a repeated key");
  Tree t;
  t.root_ = std::make_shared<const TreeNode>(std::move(root));
  t.nodes_ = c.nodes;
  t.string_bytes_ = c.bytes;
  return t;
}

std::string tree_text(const TreeNode& n) { return dump_json(tree_to_json(n)); }

}  // namespace gxlink::model
