// SPDX-License-Identifier: MIT
#include "model/value.hpp"

#include <cmath>
#include <cstdio>

namespace gxlink::model {

std::optional<double> as_double(const Value& v) noexcept {
  if (auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

std::optional<std::int64_t> as_int(const Value& v) noexcept {
  if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d) && std::trunc(*d) == *d && std::fabs(*d) < 9.0e18)
      return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

bool same_value(const Value& a, const Value& b) noexcept {
  if (a.index() != b.index()) return false;
  if (auto* da = std::get_if<double>(&a)) {
    const double db = std::get<double>(b);
    return *da == db || (std::isnan(*da) && std::isnan(db));
  }
  if (auto* ta = std::get_if<Tree>(&a)) return *ta == std::get<Tree>(b);
  return a == b;
}

namespace {
std::string number_text(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return buf;
}

template <class A, class F>
std::string join(const A& a, F f) {
  std::string s = "[";
  for (std::size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + f(a[i]);
  return s + "]";
}

}  // namespace

std::string to_plain_text(const Value& v) {
  struct Visitor {
    std::string operator()(Invalid) const { return "---"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return number_text(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const IntArray& a) const {
      return join(a, [](auto x) { return std::to_string(x); });
    }
    std::string operator()(const DoubleArray& a) const { return join(a, number_text); }
    std::string operator()(const StringArray& a) const {
      return join(a, [](const std::string& x) { return x; });
    }
    std::string operator()(const Tree& t) const { return tree_text(t.root()); }
  };
  return std::visit(Visitor{}, v);
}

}  // namespace gxlink::model
