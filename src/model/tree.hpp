// SPDX-License-Identifier: MIT
#pragma once
/// A structured model value: null, bool, integer, double, string, list or dict, nested. Venus OS
/// publishes such values on com.victronenergy.system (`/AvailableBatteryMeasurements` is a dict,
/// D-Bus `a{sv}`; `/Batteries` a list of dicts, `av` of `a{sv}`; venus_os.md §5.2), and the flat
/// arrays of model::Value cannot carry them.
///
/// A Tree is immutable once built and shares its nodes (shared_ptr to const), so copying it into
/// the model, a change batch or a publisher costs a reference count. Every Tree is bounded
/// (kMaxDepth, kMaxNodes, kMaxStringBytes): make() refuses a bigger one, so a value from the bus
/// can never grow without bound (issue 11 item 7). Dict keys are unique and keep the order they
/// were given in (Python dicts, which Venus publishes, keep insertion order).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace gxlink::model {

struct TreeNode;
using TreeList = std::vector<TreeNode>;
using TreeDict = std::vector<std::pair<std::string, TreeNode>>;

/// One node. `std::monostate` is null (Python None, Venus' invalid inside a structure).
struct TreeNode {
  std::variant<std::monostate, bool, std::int64_t, double, std::string, TreeList, TreeDict> v;

  TreeNode() = default;
  TreeNode(std::nullptr_t) {}
  TreeNode(bool b) : v(b) {}
  TreeNode(int i) : v(std::int64_t{i}) {}
  TreeNode(std::int64_t i) : v(i) {}
  TreeNode(double d) : v(d) {}
  TreeNode(const char* s) : v(std::string(s)) {}
  TreeNode(std::string s) : v(std::move(s)) {}
  TreeNode(TreeList l) : v(std::move(l)) {}
  TreeNode(TreeDict d) : v(std::move(d)) {}

  bool is_null() const noexcept { return std::holds_alternative<std::monostate>(v); }
  const TreeList* list() const noexcept { return std::get_if<TreeList>(&v); }
  const TreeDict* dict() const noexcept { return std::get_if<TreeDict>(&v); }
  /// The member `key` of a dict, or nullptr (also when this is no dict).
  const TreeNode* find(std::string_view key) const noexcept;
};

/// Deep equality for change detection: 1 (int) and 1.0 (double) differ as on D-Bus, NaN equals
/// NaN (a value that stays NaN is no change), dict order counts.
bool same_node(const TreeNode& a, const TreeNode& b) noexcept;

class Tree {
 public:
  static constexpr std::size_t kMaxDepth = 8;            ///< containers nested in each other
  static constexpr std::size_t kMaxNodes = 4096;         ///< nodes, containers included
  static constexpr std::size_t kMaxStringBytes = 65536;  ///< bytes of all strings and keys

  /// An empty dict.
  Tree();
  /// `root` as a Tree, or Errc::kOutOfRange when it exceeds a bound, Errc::kBadFormat when a dict
  /// repeats a key.
  static Result<Tree> make(TreeNode root);

  const TreeNode& root() const noexcept { return *root_; }
  std::size_t nodes() const noexcept { return nodes_; }
  std::size_t string_bytes() const noexcept { return string_bytes_; }

  friend bool operator==(const Tree& a, const Tree& b) noexcept {
    return a.root_ == b.root_ || same_node(*a.root_, *b.root_);
  }

 private:
  std::shared_ptr<const TreeNode> root_;
  std::size_t nodes_ = 1;
  std::size_t string_bytes_ = 0;
};

/// A node as Python's str() shows it (`{'a': 1, 'b': [True, None], 'c': 1.0}`): Venus' velib
/// answers GetText of a path without a text callback with str(value), and systemcalc publishes
/// /AvailableBatteryMeasurements and /Batteries that way. Also the text for terminals and logs.
std::string tree_text(const TreeNode& n);

}  // namespace gxlink::model
