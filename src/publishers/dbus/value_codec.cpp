// SPDX-License-Identifier: MIT
#include "publishers/dbus/value_codec.hpp"

#include "publishers/dbus/wire.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>
#include <type_traits>
#include <vector>

namespace gxlink::publishers::dbus {
namespace {

bool fits_int32(std::int64_t i) {
  return i >= std::numeric_limits<std::int32_t>::min() &&
         i <= std::numeric_limits<std::int32_t>::max();
}

// A valid empty list: `au`, never `ai` (velib wrap_dbus_value; dbus-flashmq
// VALID_EMPTY_ARRAY_VALUE_TYPE).
void append_valid_empty(sdbus::Message& msg) {
  msg.openVariant("au");
  msg.openContainer("u");
  msg.closeContainer();
  msg.closeVariant();
}

// A Tree node as one variant, as velib's wrap_dbus_value wraps Python values: None is the invalid
// empty `ai`, a bool `b`, a dict `a{sv}`, a non-empty list `av` and an empty one `au`
// (venus_os.md §1.2).
void append_node(sdbus::Message& m, const model::TreeNode& n);

template <class T>
model::Value int_array(const sdbus::Variant& v) {
  model::IntArray out;
  for (auto x : v.get<std::vector<T>>()) out.push_back(static_cast<std::int64_t>(x));
  return out;
}

}  // namespace

bool is_object_path(std::string_view p) noexcept {
  if (p == "/") return true;
  if (p.size() < 2 || p.front() != '/' || p.back() == '/') return false;
  char prev = 0;
  for (char c : p) {
    const bool ok = c == '/' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                    (c >= 'A' && c <= 'Z');
    if (!ok || (c == '/' && prev == '/')) return false;
    prev = c;
  }
  return true;
}

std::string dbus_safe(const std::string& s) { return is_dbus_string(s) ? s : repair_utf8(s); }

void append_variant(sdbus::Message& msg, const model::Value& v) {
  struct Visitor {
    sdbus::Message& m;
    void operator()(model::Invalid) const {
      m.openVariant("ai");
      m.openContainer("i");
      m.closeContainer();
      m.closeVariant();
    }
    void operator()(std::int64_t i) const {
      if (fits_int32(i)) {
        m.openVariant("i");
        m << static_cast<std::int32_t>(i);
      } else {
        m.openVariant("x");
        m << i;
      }
      m.closeVariant();
    }
    void operator()(double d) const {
      m.openVariant("d");
      m << d;
      m.closeVariant();
    }
    void operator()(const std::string& s) const {
      m.openVariant("s");
      m << dbus_safe(s);
      m.closeVariant();
    }
    void operator()(const model::IntArray& a) const {
      if (a.empty()) return append_valid_empty(m);
      bool narrow = true;
      for (auto x : a) narrow = narrow && fits_int32(x);
      m.openVariant(narrow ? "ai" : "ax");
      m.openContainer(narrow ? "i" : "x");
      for (auto x : a) {
        if (narrow)
          m << static_cast<std::int32_t>(x);
        else
          m << x;
      }
      m.closeContainer();
      m.closeVariant();
    }
    void operator()(const model::DoubleArray& a) const {
      if (a.empty()) return append_valid_empty(m);
      m.openVariant("ad");
      m.openContainer("d");
      for (auto x : a) m << x;
      m.closeContainer();
      m.closeVariant();
    }
    void operator()(const model::StringArray& a) const {
      if (a.empty()) return append_valid_empty(m);
      m.openVariant("as");
      m.openContainer("s");
      for (auto& x : a) m << dbus_safe(x);
      m.closeContainer();
      m.closeVariant();
    }
    void operator()(const model::Tree& t) const { append_node(m, t.root()); }
  };
  std::visit(Visitor{msg}, v);
}

namespace {
void append_node(sdbus::Message& m, const model::TreeNode& n) {
  struct Visitor {
    sdbus::Message& m;
    void operator()(std::monostate) const { append_variant(m, model::Invalid{}); }
    void operator()(bool b) const {
      m.openVariant("b");
      m << b;
      m.closeVariant();
    }
    void operator()(std::int64_t i) const { append_variant(m, model::Value{i}); }
    void operator()(double d) const { append_variant(m, model::Value{d}); }
    void operator()(const std::string& s) const {
      m.openVariant("s");
      m << dbus_safe(s);
      m.closeVariant();
    }
    void operator()(const model::TreeList& l) const {
      if (l.empty()) return append_valid_empty(m);
      m.openVariant("av");
      m.openContainer("v");
      for (auto& e : l) append_node(m, e);
      m.closeContainer();
      m.closeVariant();
    }
    void operator()(const model::TreeDict& d) const {
      m.openVariant("a{sv}");
      m.openContainer("{sv}");
      for (auto& [k, e] : d) {
        m.openDictEntry("sv");
        m << dbus_safe(k);
        append_node(m, e);
        m.closeDictEntry();
      }
      m.closeContainer();
      m.closeVariant();
    }
  };
  std::visit(Visitor{m}, n.v);
}

// A flat model value as a Tree node: inside a structure, arrays are lists and invalid is null.
model::TreeNode node_of(const model::Value& v) {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  model::TreeList l;
  if (auto* a = std::get_if<model::IntArray>(&v)) l.assign(a->begin(), a->end());
  if (auto* a = std::get_if<model::DoubleArray>(&v)) l.assign(a->begin(), a->end());
  if (auto* a = std::get_if<model::StringArray>(&v)) l.assign(a->begin(), a->end());
  if (auto* t = std::get_if<model::Tree>(&v)) return t->root();
  if (!model::is_valid(v)) return {};
  return l;
}

// One variant as a Tree node, `depth` containers down, spending one of `budget` nodes per node so
// that a deep or wide structure is refused as soon as it passes Tree's bounds.
Result<model::TreeNode> node_from_variant(const sdbus::Variant& v, std::size_t depth,
                                          std::size_t& budget) {
  if (budget == 0) return fail(Errc::kOutOfRange, "structured value has too many elements");
  --budget;
  const std::string sig = v.peekValueType();
  const bool container = sig == "av" || sig == "a{sv}" || sig == "aa{sv}";
  if (container && depth >= model::Tree::kMaxDepth)
    return fail(Errc::kOutOfRange, "structured value nested too deep");
  if (sig == "b") return model::TreeNode{v.get<bool>()};
  if (sig == "av") {
    auto items = v.get<std::vector<sdbus::Variant>>();
    model::TreeList l;
    l.reserve(std::min(items.size(), budget));
    for (auto& e : items) {
      auto n = node_from_variant(e, depth + 1, budget);
      if (!n) return n;
      l.push_back(std::move(*n));
    }
    return model::TreeNode{std::move(l)};
  }
  if (sig == "a{sv}") {
    model::TreeDict d;
    for (auto& [k, e] : v.get<std::map<std::string, sdbus::Variant>>()) {
      auto n = node_from_variant(e, depth + 1, budget);
      if (!n) return n;
      d.emplace_back(k, std::move(*n));
    }
    return model::TreeNode{std::move(d)};
  }
  if (sig == "aa{sv}") {
    model::TreeList l;
    for (auto& m : v.get<std::vector<std::map<std::string, sdbus::Variant>>>()) {
      if (budget == 0) return fail(Errc::kOutOfRange, "structured value has too many elements");
      --budget;
      model::TreeDict d;
      for (auto& [k, e] : m) {
        auto n = node_from_variant(e, depth + 2, budget);
        if (!n) return n;
        d.emplace_back(k, std::move(*n));
      }
      l.push_back(model::TreeNode{std::move(d)});
    }
    return model::TreeNode{std::move(l)};
  }
  auto flat = value_from_variant(v);
  if (!flat) return tl::unexpected(flat.error());
  if (auto* l = std::get_if<model::IntArray>(&*flat); l && l->size() > budget)
    return fail(Errc::kOutOfRange, "structured value has too many elements");
  return node_of(*flat);
}
}  // namespace

std::string item_text(std::string_view path, const model::Item& item) {
  // velib VeDbusItemExport.GetText: "/ProductId defaults to 0x%X" when no text callback is set.
  if (path == "/ProductId" && !item.meta.text) {
    if (auto i = model::as_int(item.value)) {
      char buf[24];
      std::snprintf(buf, sizeof buf, "0x%llX", static_cast<unsigned long long>(*i));
      return buf;
    }
  }
  char buf[64];
  if (auto fast = fast_item_text(item, buf); !fast.empty()) return std::string(fast);
  return item.text();
}

std::string_view fast_item_text(const model::Item& item, char (&buf)[64]) noexcept {
  // The hot case of every signal: a number with a unit. std::to_chars gives the same digits as
  // Item::text()'s "%.*f" / "%.6g" (both are specified as printf's) at a fraction of the cost.
  if (item.meta.text || item.meta.unit.size() >= 16) return {};
  char* const end = buf + sizeof buf - 16;
  std::to_chars_result r{};
  if (auto* d = std::get_if<double>(&item.value)) {
    r = item.meta.decimals >= 0
            ? std::to_chars(buf, end, *d, std::chars_format::fixed, item.meta.decimals)
            : std::to_chars(buf, end, *d, std::chars_format::general, 6);
  } else if (auto* i = std::get_if<std::int64_t>(&item.value); i && item.meta.decimals < 0) {
    r = std::to_chars(buf, end, *i);
  } else {
    return {};
  }
  if (r.ec != std::errc{}) return {};
  for (char c : item.meta.unit) *r.ptr++ = c;
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

Result<model::Value> value_from_variant(const sdbus::Variant& v) {
  if (v.isEmpty()) return fail(Errc::kBadFormat, "empty variant");
  const std::string sig = v.peekValueType();
  if (sig == "b") return model::Value{std::int64_t{v.get<bool>() ? 1 : 0}};
  if (sig == "y") return model::Value{std::int64_t{v.get<std::uint8_t>()}};
  if (sig == "n") return model::Value{std::int64_t{v.get<std::int16_t>()}};
  if (sig == "q") return model::Value{std::int64_t{v.get<std::uint16_t>()}};
  if (sig == "i") return model::Value{std::int64_t{v.get<std::int32_t>()}};
  if (sig == "u") return model::Value{std::int64_t{v.get<std::uint32_t>()}};
  if (sig == "x") return model::Value{v.get<std::int64_t>()};
  if (sig == "t") {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return fail(Errc::kOutOfRange, "uint64 value does not fit int64");
    return model::Value{static_cast<std::int64_t>(u)};
  }
  if (sig == "d") return model::Value{v.get<double>()};
  if (sig == "s") return model::Value{v.get<std::string>()};
  if (sig == "ai") {
    auto a = v.get<std::vector<std::int32_t>>();
    if (a.empty()) return model::Value{model::Invalid{}};  // Venus' invalid (venus_os.md §1.2)
    model::IntArray out(a.begin(), a.end());
    return model::Value{std::move(out)};
  }
  if (sig == "ay") return int_array<std::uint8_t>(v);
  if (sig == "an") return int_array<std::int16_t>(v);
  if (sig == "aq") return int_array<std::uint16_t>(v);
  if (sig == "au") return int_array<std::uint32_t>(v);
  if (sig == "ax") return int_array<std::int64_t>(v);
  if (sig == "ab") {
    model::IntArray out;
    for (bool b : v.get<std::vector<bool>>()) out.push_back(b ? 1 : 0);
    return model::Value{std::move(out)};
  }
  if (sig == "ad") return model::Value{v.get<std::vector<double>>()};
  if (sig == "as") return model::Value{v.get<std::vector<std::string>>()};
  if (sig == "av") {
    // Some services send invalid as an empty array of another type; dbus-flashmq treats every
    // empty array as null for that reason (venus_os.md §1.2). A non-empty `av` is not a BusItem
    // value.
    if (v.get<std::vector<sdbus::Variant>>().empty()) return model::Value{model::Invalid{}};
  }
  if (sig == "av" || sig == "a{sv}" || sig == "aa{sv}") {
    // A structured value (velib wraps a Python list as `av` and a dict as `a{sv}`; Venus' system
    // service publishes both, venus_os.md §5.2), bounded as it is read.
    std::size_t budget = model::Tree::kMaxNodes;
    auto root = node_from_variant(v, 0, budget);
    if (!root) return tl::unexpected(root.error());
    auto tree = model::Tree::make(std::move(*root));
    if (!tree) return tl::unexpected(tree.error());
    return model::Value{std::move(*tree)};
  }
  return fail(Errc::kUnsupported, "variant of type '" + sig + "'");
}

}  // namespace gxlink::publishers::dbus
