// SPDX-License-Identifier: MIT
#include "publishers/dbus/wire.hpp"

#include <bit>
#include <limits>

#include "core/bytes.hpp"
#include "core/text.hpp"

namespace gxlink::publishers::dbus {
namespace {

// D-Bus specification, "Message Format": header field codes and the signal type.
constexpr std::uint8_t kFieldPath = 1;
constexpr std::uint8_t kFieldInterface = 2;
constexpr std::uint8_t kFieldMember = 3;
constexpr std::uint8_t kFieldSignature = 8;
constexpr std::uint8_t kTypeSignal = 4;
constexpr std::uint8_t kFlagNoReplyExpected = 0x01;
constexpr std::size_t kBodyLengthOffset = 4;

// Length of the UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong, surrogate,
// beyond U+10FFFF, truncated) or a NUL.
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == 0) return 0;
  if (c < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

bool is_dbus_string(std::string_view s) noexcept {
  // The hot check of every string sent: core's RFC 3629 validator, plus D-Bus' ban on NUL.
  return s.find('\0') == std::string_view::npos && is_valid_utf8(s);
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void WireWriter::str(std::string_view s) {
  if (!is_dbus_string(s)) {
    const std::string fixed = repair_utf8(s);
    return str(fixed);
  }
  u32(static_cast<std::uint32_t>(s.size()));
  buf_.append(s);
  buf_.push_back('\0');
}

void WireWriter::sig(std::string_view s) {
  u8(static_cast<std::uint8_t>(s.size()));
  buf_.append(s);
  buf_.push_back('\0');
}

WireWriter::ArrayMark WireWriter::begin_array(std::size_t elem_align) {
  u32(0);
  ArrayMark m{buf_.size() - 4, 0};
  align(elem_align);  // the padding before the first element is not part of the length
  m.first = buf_.size();
  return m;
}

void WireWriter::end_array(ArrayMark m) {
  store_le32(MutableByteView(reinterpret_cast<std::uint8_t*>(buf_.data()), buf_.size()),
             m.length_at, static_cast<std::uint32_t>(buf_.size() - m.first));
}

void WireWriter::begin_signal(std::string_view path, std::string_view interface,
                              std::string_view member, std::string_view signature,
                              std::uint32_t serial) {
  base_ = buf_.size();
  u8('l');  // little endian
  u8(kTypeSignal);
  u8(kFlagNoReplyExpected);
  u8(1);   // protocol version
  u32(0);  // body length, filled by end_message
  u32(serial);
  auto fields = begin_array(8);
  auto field = [&](std::uint8_t code, const char* type, std::string_view v) {
    align(8);
    u8(code);
    sig(type);
    if (type[0] == 'g')
      sig(v);
    else
      str(v);
  };
  field(kFieldPath, "o", path);
  field(kFieldInterface, "s", interface);
  field(kFieldMember, "s", member);
  field(kFieldSignature, "g", signature);
  end_array(fields);
  align(8);  // the body starts on an 8-byte boundary
  body_start_ = buf_.size();
}

void WireWriter::end_message() {
  store_le32(MutableByteView(reinterpret_cast<std::uint8_t*>(buf_.data()), buf_.size()),
             base_ + kBodyLengthOffset, static_cast<std::uint32_t>(buf_.size() - body_start_));
}

namespace {
bool fits_int32(std::int64_t i) {
  return i >= std::numeric_limits<std::int32_t>::min() &&
         i <= std::numeric_limits<std::int32_t>::max();
}
}  // namespace

void WireWriter::variant_string(std::string_view s) {
  sig("s");
  str(s);
}

// Same choices as append_variant() in value_codec.cpp (venus_os.md §1.2).
void WireWriter::variant(const model::Value& v) {
  struct Visitor {
    WireWriter& w;
    void empty(const char* type) const {
      w.sig(type);
      w.end_array(w.begin_array(4));
    }
    void operator()(model::Invalid) const { empty("ai"); }
    void operator()(std::int64_t i) const {
      if (fits_int32(i)) {
        w.sig("i");
        w.u32(static_cast<std::uint32_t>(static_cast<std::int32_t>(i)));
      } else {
        w.sig("x");
        w.u64(static_cast<std::uint64_t>(i));
      }
    }
    void operator()(double d) const {
      w.sig("d");
      w.u64(std::bit_cast<std::uint64_t>(d));
    }
    void operator()(const std::string& s) const {
      w.sig("s");
      w.str(s);
    }
    void operator()(const model::IntArray& a) const {
      if (a.empty()) return empty("au");
      bool narrow = true;
      for (auto x : a) narrow = narrow && fits_int32(x);
      w.sig(narrow ? "ai" : "ax");
      auto m = w.begin_array(narrow ? 4 : 8);
      for (auto x : a) {
        if (narrow)
          w.u32(static_cast<std::uint32_t>(static_cast<std::int32_t>(x)));
        else
          w.u64(static_cast<std::uint64_t>(x));
      }
      w.end_array(m);
    }
    void operator()(const model::DoubleArray& a) const {
      if (a.empty()) return empty("au");
      w.sig("ad");
      auto m = w.begin_array(8);
      for (auto x : a) w.u64(std::bit_cast<std::uint64_t>(x));
      w.end_array(m);
    }
    void operator()(const model::StringArray& a) const {
      if (a.empty()) return empty("au");
      w.sig("as");
      auto m = w.begin_array(4);
      for (auto& x : a) w.str(x);
      w.end_array(m);
    }
    void operator()(const model::Tree& t) const { w.node(t.root()); }
  };
  std::visit(Visitor{*this}, v);
}

// A Tree node, as value_codec.cpp's append_node() writes it through sd-bus.
void WireWriter::node(const model::TreeNode& n) {
  if (auto* b = std::get_if<bool>(&n.v)) {
    sig("b");
    u32(*b ? 1 : 0);
  } else if (auto* l = n.list()) {
    if (l->empty()) return variant(model::IntArray{});  // valid empty: `au`
    sig("av");
    auto m = begin_array(1);  // a variant aligns to 1 (its signature)
    for (auto& e : *l) node(e);
    end_array(m);
  } else if (auto* d = n.dict()) {
    sig("a{sv}");
    auto m = begin_array(8);  // dict entries align to 8
    for (auto& [k, e] : *d) {
      align(8);
      str(k);
      node(e);
    }
    end_array(m);
  } else if (auto* i = std::get_if<std::int64_t>(&n.v)) {
    variant(model::Value{*i});
  } else if (auto* x = std::get_if<double>(&n.v)) {
    variant(model::Value{*x});
  } else if (auto* s = std::get_if<std::string>(&n.v)) {
    sig("s");
    str(*s);
  } else {
    variant(model::Invalid{});
  }
}

void WireWriter::value_text(const model::Value& v, std::string_view text) {
  auto m = begin_array(8);  // a{sv}: dict entries align to 8
  align(8);
  str("Value");
  variant(v);
  align(8);
  str("Text");
  variant_string(text);
  end_array(m);
}

}  // namespace gxlink::publishers::dbus
