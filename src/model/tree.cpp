// SPDX-License-Identifier: MIT
#include "model/tree.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

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

namespace {

// Python's repr() of a float: the shortest digits that read back the same, fixed notation for
// exponents -4..15 (always with a fractional part, "65.0"), else "1e+16" style; inf, nan.
void python_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "nan";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-inf" : "inf";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // "-1.2345e+03"
  const auto e = sci.find('e');
  const int exp = std::stoi(sci.substr(e + 1));
  if (exp < -4 || exp >= 16) {
    out += sci;
    return;
  }
  std::string mant = sci.substr(0, e);
  const bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string fixed;
  if (exp >= 0) {
    const std::size_t int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      fixed = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      fixed = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  } else {
    fixed = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  }
  if (neg) out += '-';
  out += fixed;
}

// Python's repr() of a str: single quotes unless the text has ' and no ", backslash escapes for
// the quote, backslash and control characters; other characters as they are.
void python_string(std::string& out, std::string_view s) {
  const bool dq = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
  const char q = dq ? '"' : '\'';
  out += q;
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(q)) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += q;
}

void python_text(std::string& out, const TreeNode& n) {
  if (n.is_null()) {
    out += "None";
  } else if (auto* b = std::get_if<bool>(&n.v)) {
    out += *b ? "True" : "False";
  } else if (auto* i = std::get_if<std::int64_t>(&n.v)) {
    out += std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&n.v)) {
    python_float(out, *d);
  } else if (auto* s = std::get_if<std::string>(&n.v)) {
    python_string(out, *s);
  } else if (auto* l = n.list()) {
    out += '[';
    for (std::size_t k = 0; k < l->size(); ++k) {
      if (k) out += ", ";
      python_text(out, (*l)[k]);
    }
    out += ']';
  } else if (auto* m = n.dict()) {
    out += '{';
    for (std::size_t k = 0; k < m->size(); ++k) {
      if (k) out += ", ";
      python_string(out, (*m)[k].first);
      out += ": ";
      python_text(out, (*m)[k].second);
    }
    out += '}';
  }
}

}  // namespace

std::string tree_text(const TreeNode& n) {
  std::string out;
  python_text(out, n);
  return out;
}

}  // namespace gxlink::model
