// SPDX-License-Identifier: MIT
#include "publishers/dbus/value_codec.hpp"

#include "publishers/dbus/wire.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
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
  };
  std::visit(Visitor{msg}, v);
}

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
  return fail(Errc::kUnsupported, "variant of type '" + sig + "'");
}

}  // namespace gxlink::publishers::dbus
