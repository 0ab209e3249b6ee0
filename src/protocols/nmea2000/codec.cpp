// SPDX-License-Identifier: MIT
#include "protocols/nmea2000/codec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gxlink::nmea2000 {
namespace {

constexpr std::uint64_t all_ones(unsigned bits) noexcept {
  return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

/// Byte-aligned fields (almost all of them) take the fast path; the rest use the generic
/// extractor. The caller has checked that the field lies inside the payload.
inline std::uint64_t get_bits(ByteView p, std::size_t off, unsigned bits) noexcept {
  if ((off & 7) == 0 && (bits & 7) == 0 && bits <= 64) {
    std::uint64_t v = 0;
    const std::size_t b = off / 8;
    for (unsigned i = 0; i < bits / 8; ++i) v |= static_cast<std::uint64_t>(p[b + i]) << (8 * i);
    return v;
  }
  return extract_bits_le(p, off, bits);
}

inline void put_bits(MutableByteView p, std::size_t off, unsigned bits, std::uint64_t v) noexcept {
  for (unsigned i = 0; i < bits; ++i) {
    const std::size_t bit = off + i;
    const auto mask = static_cast<std::uint8_t>(1u << (bit % 8));
    if ((v >> i) & 1u)
      p[bit / 8] = static_cast<std::uint8_t>(p[bit / 8] | mask);
    else
      p[bit / 8] = static_cast<std::uint8_t>(p[bit / 8] & ~mask);
  }
}

/// raw × resolution + offset. Resolutions below 1 are divided out (raw / 100 rather than
/// raw × 0.01) so that 1288 prints as 12.88, not 12.880000000000001.
inline double scale(const Field& f, std::int64_t raw) noexcept {
  const double x = static_cast<double>(raw);
  const double v = f.resolution < 1 ? x / std::round(1.0 / f.resolution) : x * f.resolution;
  return v + f.offset;
}

std::string_view trim_string(ByteView bytes) noexcept {
  std::size_t n = 0;
  while (n < bytes.size() && bytes[n] != 0xFF && bytes[n] != 0x00 && bytes[n] != '@') ++n;
  while (n > 0 && bytes[n - 1] == ' ') --n;
  return {reinterpret_cast<const char*>(bytes.data()), n};
}

// Spare bits are printed (as canboatjs does); reserved bits never are.
bool is_printed(FieldType t) noexcept { return t != FieldType::kReserved; }

bool is_proprietary(std::uint32_t pgn) noexcept {
  return pgn == 61184 || (pgn >= 65280 && pgn <= 65535) || pgn == 126720 ||
         (pgn >= 130816 && pgn <= 131071);
}

}  // namespace

ValueState classify_raw(const Field& f, std::uint64_t raw) noexcept {
  if (f.bits < 2 || f.plain) return ValueState::kValue;
  switch (f.type) {
    case FieldType::kLookup:
      if (raw == all_ones(f.bits) && (!f.lookup || f.lookup->find(raw).empty()))
        return ValueState::kUnknown;
      return ValueState::kValue;
    case FieldType::kPgn:
      return raw == all_ones(f.bits) ? ValueState::kUnknown : ValueState::kValue;
    case FieldType::kNumber:
    case FieldType::kDuration:
    case FieldType::kDate: {
      const std::uint64_t max = f.is_signed ? all_ones(f.bits - 1u) : all_ones(f.bits);
      const std::uint64_t v = raw & all_ones(f.bits);
      if (v == max) return ValueState::kUnknown;
      if (max >= 7 && v == max - 1) return ValueState::kOutOfRange;
      return ValueState::kValue;
    }
    default: return ValueState::kValue;
  }
}

const FieldValue* Decoded::find(std::string_view id, std::uint16_t repeat) const noexcept {
  for (const auto& fv : fields)
    if (fv.repeat == repeat && fv.field->id == id) return &fv;
  return nullptr;
}

std::optional<double> Decoded::number(std::string_view id, std::uint16_t repeat) const noexcept {
  const FieldValue* fv = find(id, repeat);
  if (!fv || !fv->valid()) return std::nullopt;
  return fv->value;
}

std::optional<std::uint64_t> Decoded::raw(std::string_view id,
                                          std::uint16_t repeat) const noexcept {
  const FieldValue* fv = find(id, repeat);
  if (!fv || !fv->valid()) return std::nullopt;
  return fv->raw;
}

namespace {

bool is_variable(const Field& f) noexcept {
  return f.type == FieldType::kStringLau || f.type == FieldType::kStringLz;
}

/// The field's width in bits in this payload at `off`: the table's width, or for a
/// variable-length string what its length byte says (clamped to the payload).
std::size_t field_width(const Field& f, ByteView p, std::size_t off) noexcept {
  if (!is_variable(f)) return f.bits;
  const std::size_t left = off < p.size() * 8 ? p.size() * 8 - off : 0;
  if (off % 8 != 0 || left < 8) return left;
  const std::size_t b = off / 8;
  std::size_t bytes = 0;
  if (f.type == FieldType::kStringLau) {
    // The count includes the length and control bytes (an empty string has count 2).
    bytes = std::max<std::size_t>(p[b], 2);
  } else {
    // Length byte, text, then a terminating zero that the count leaves out.
    bytes = std::size_t{1} + p[b];
    if (b + bytes < p.size() && p[b + bytes] == 0) ++bytes;
  }
  return std::min(bytes * 8, left);
}

bool is_space(std::uint8_t c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

/// Trailing NULs, 0xFF padding and blanks off both ends (canboatjs trims its strings).
ByteView trim_text(ByteView t) noexcept {
  while (!t.empty() && (t.back() == 0 || t.back() == 0xFF || is_space(t.back())))
    t = t.first(t.size() - 1);
  while (!t.empty() && is_space(t.front())) t = t.subspan(1);
  return t;
}

/// UTF-16LE → UTF-8 into `out`'s conversion buffer (unpaired surrogates become U+FFFD).
std::string_view utf16_to_utf8(ByteView in, Decoded& out) noexcept {
  char* const start = out.converted.data() + out.converted_used;
  char* w = start;
  char* const end = out.converted.data() + out.converted.size();
  auto put = [&](std::uint32_t cp) {
    char b[4];
    std::size_t n = 0;
    if (cp < 0x80) {
      b[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      b[n++] = static_cast<char>(0xC0 | (cp >> 6));
      b[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      b[n++] = static_cast<char>(0xE0 | (cp >> 12));
      b[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      b[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      b[n++] = static_cast<char>(0xF0 | (cp >> 18));
      b[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      b[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      b[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    if (static_cast<std::size_t>(end - w) < n) return false;
    for (std::size_t i = 0; i < n; ++i) *w++ = b[i];
    return true;
  };
  for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
    std::uint32_t u = load_le16(in, i);
    if (u == 0) break;  // a C-string end
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < in.size()) {
      const std::uint32_t lo = load_le16(in, i + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        i += 2;
      } else {
        u = 0xFFFD;
      }
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      u = 0xFFFD;
    }
    if (!put(u)) break;
  }
  out.converted_used += static_cast<std::size_t>(w - start);
  return {start, static_cast<std::size_t>(w - start)};
}

/// The text of a variable-length string field of `width` bits at byte `b` (its length byte).
/// The bytes are device text: the JSON writer and the drivers make them valid UTF-8
/// (core/text.hpp), UTF-16 is converted here.
std::string_view string_text(const Field& f, ByteView p, std::size_t b, std::size_t width,
                             Decoded& out) noexcept {
  ByteView all = p.subspan(b, width / 8);
  if (f.type == FieldType::kStringLau) {
    if (all.size() < 2) return {};
    const std::uint8_t control = all[1];
    ByteView text = all.subspan(2);
    if (control == 0) {  // UNICODE: UTF-16LE (canboat fieldtypes STRING_LAU)
      const std::string_view u = utf16_to_utf8(text, out);
      const ByteView t = trim_text(as_bytes(u));
      return {reinterpret_cast<const char*>(t.data()), t.size()};
    }
    const ByteView t = trim_text(text);
    return {reinterpret_cast<const char*>(t.data()), t.size()};
  }
  // STRING_LZ: up to the count, ending early at a NUL.
  ByteView text = all.subspan(1, std::min<std::size_t>(all.size() - 1, p[b]));
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == 0) {
      text = text.first(i);
      break;
    }
  const ByteView t = trim_text(text);
  return {reinterpret_cast<const char*>(t.data()), t.size()};
}

void decode_field(const Field& f, ByteView payload, std::size_t off, std::size_t width,
                  std::uint16_t repeat, Decoded& out) noexcept {
  if (!is_printed(f.type)) return;
  FieldValue fv;
  fv.field = &f;
  fv.repeat = repeat;
  if (is_variable(f)) {
    if (off % 8 != 0 || width < 8) {
      fv.state = ValueState::kMissing;
    } else {
      fv.text = string_text(f, payload, off / 8, width, out);
      if (fv.text.empty()) fv.state = ValueState::kUnknown;  // an empty string: nothing to print
    }
    out.fields.push_back(fv);
    return;
  }
  const std::size_t end_bit = off + f.bits;
  if (end_bit > payload.size() * 8) {
    if (f.type == FieldType::kStringFix && off / 8 < payload.size()) {
      fv.text = trim_string(payload.subspan(off / 8));
      out.fields.push_back(fv);
      return;
    }
    fv.state = ValueState::kMissing;
    out.fields.push_back(fv);
    return;
  }
  switch (f.type) {
    case FieldType::kStringFix: fv.text = trim_string(payload.subspan(off / 8, f.bits / 8u)); break;
    case FieldType::kBinary:
      if (f.bits <= 64) {
        // Up to 64 bits a binary field is read as one unsigned number, all ones meaning "not
        // available", as canboatjs does; a view of whole bytes would cut fields such as 129038's
        // 19-bit Communication State.
        fv.raw = get_bits(payload, off, f.bits);
        fv.value = static_cast<double>(fv.raw);
        if (f.bits >= 2 && fv.raw == all_ones(f.bits)) fv.state = ValueState::kUnknown;
        break;
      }
      fv.text =
          std::string_view(reinterpret_cast<const char*>(payload.data() + off / 8), f.bits / 8u);
      break;
    case FieldType::kBitLookup:
    case FieldType::kIsoName:
      // Every bit pattern is a value: a set of flags, an identifier (printed from `raw`).
      fv.raw = get_bits(payload, off, f.bits);
      fv.value = static_cast<double>(fv.raw);
      break;
    case FieldType::kFloat: {
      fv.raw = get_bits(payload, off, f.bits);
      const float x = std::bit_cast<float>(static_cast<std::uint32_t>(fv.raw));
      fv.value = static_cast<double>(x);
      if (f.bits != 32 || !std::isfinite(x)) fv.state = ValueState::kUnknown;  // all ones: NaN
      break;
    }
    case FieldType::kDecimal: {
      // Two BCD digits a byte, the first byte the most significant ("1234" = 12 34).
      double v = 0;
      for (std::size_t i = 0; i < f.bits / 8u; ++i) {
        const std::uint8_t b = payload[off / 8 + i];
        if ((b >> 4) > 9 || (b & 15) > 9) {
          fv.state = ValueState::kUnknown;  // 0xFF padding: not available
          break;
        }
        v = v * 100 + (b >> 4) * 10 + (b & 15);
      }
      fv.value = v;
      fv.raw = static_cast<std::uint64_t>(v);
      break;
    }
    default: {
      const std::uint64_t raw = get_bits(payload, off, f.bits);
      fv.raw = raw;
      fv.state = classify_raw(f, raw);
      if (f.type == FieldType::kLookup) {
        fv.text = f.lookup ? f.lookup->find(raw) : std::string_view{};
        fv.value = static_cast<double>(raw);
      } else if (f.type == FieldType::kPgn) {
        fv.value = static_cast<double>(raw);
      } else {
        const std::int64_t s =
            f.is_signed ? sign_extend(raw, f.bits) : static_cast<std::int64_t>(raw);
        fv.value = scale(f, s);
      }
    }
  }
  (void)width;
  out.fields.push_back(fv);
}

/// Where a field starts: its table offset, or right after the previous field.
std::size_t field_start(const Field& f, std::size_t cursor) noexcept {
  return f.bit_offset == kAfterPrevious ? cursor : f.bit_offset;
}

}  // namespace

Result<void> decode(std::uint32_t pgn, ByteView payload, Decoded& out) noexcept {
  out.desc = nullptr;
  out.fields.clear();
  out.converted_used = 0;
  const PgnDesc* d = find_pgn(pgn, payload);
  if (!d) return tl::unexpected(Error{Errc::kUnknownId, "PGN not in the table"});
  out.desc = d;
  if (payload.size() < d->min_length)
    return tl::unexpected(Error{Errc::kBadLength, "payload too short"});
  const std::size_t n_fixed = d->fields.size() - d->repeat_size;
  std::size_t cursor = 0;  // the end of the previous field, for fields after a variable one
  for (std::size_t i = 0; i < n_fixed; ++i) {
    const Field& f = d->fields[i];
    const std::size_t off = field_start(f, cursor);
    const std::size_t width = field_width(f, payload, off);
    decode_field(f, payload, off, width, 0, out);
    cursor = off + width;
  }
  if (d->repeat_size == 0) return {};
  // Repeating set: canboat lays each repetition right after the previous one.
  // Without a count field the set repeats until the payload ends (canboat), but not into the
  // 0xFF padding of a single frame.
  const auto* count_fv =
      d->repeat_count_field ? out.find(d->fields[d->repeat_count_field - 1u].id) : nullptr;
  const bool to_the_end = d->repeat_count_field == 0;
  const std::uint64_t count = to_the_end                      ? payload.size() * 8
                              : count_fv && count_fv->valid() ? count_fv->raw
                                                              : 0;
  auto only_padding_from = [&](std::size_t bit) {
    for (std::size_t b = (bit + 7) / 8; b < payload.size(); ++b)
      if (payload[b] != 0xFF) return false;
    return true;
  };
  const Field& first = d->fields[n_fixed];
  bool fixed_set = true;
  std::size_t set_bits = 0;
  for (std::size_t i = n_fixed; i < d->fields.size(); ++i) {
    set_bits += d->fields[i].bits;
    fixed_set =
        fixed_set && !is_variable(d->fields[i]) && d->fields[i].bit_offset != kAfterPrevious;
  }
  const std::size_t payload_bits = payload.size() * 8;
  std::size_t base = field_start(first, cursor);
  for (std::uint64_t r = 0; r < count; ++r) {
    const auto rep = static_cast<std::uint16_t>(r + 1);
    if (fixed_set) {
      base = first.bit_offset + r * set_bits;
      if (base + set_bits > payload_bits || set_bits == 0) break;
      if (to_the_end && only_padding_from(base)) break;
      for (std::size_t i = n_fixed; i < d->fields.size(); ++i) {
        const Field& f = d->fields[i];
        decode_field(f, payload, base + (f.bit_offset - first.bit_offset), f.bits, rep, out);
      }
      continue;
    }
    // A set with a variable-length string: each field right after the previous one.
    if (base >= payload_bits || (to_the_end && only_padding_from(base))) break;
    for (std::size_t i = n_fixed; i < d->fields.size(); ++i) {
      const Field& f = d->fields[i];
      const std::size_t width = field_width(f, payload, base);
      decode_field(f, payload, base, width, rep, out);
      base += width;
    }
  }
  return {};
}

Result<std::size_t> encode(const PgnDesc& d, std::span<const FieldInput> values,
                           MutableByteView out, std::uint16_t repeats) noexcept {
  for (const auto& f : d.fields)
    if (is_variable(f) || f.bit_offset == kAfterPrevious)
      return tl::unexpected(Error{Errc::kUnsupported, "variable-length layout"});
  const std::size_t n_fixed = d.fields.size() - d.repeat_size;
  std::size_t set_bits = 0;
  for (std::size_t i = n_fixed; i < d.fields.size(); ++i) set_bits += d.fields[i].bits;
  std::size_t end_bits = 0;
  for (std::size_t i = 0; i < n_fixed; ++i)
    end_bits = std::max<std::size_t>(end_bits, d.fields[i].bit_offset + d.fields[i].bits);
  if (d.repeat_size) end_bits = d.fields[n_fixed].bit_offset + repeats * set_bits;
  std::size_t len = d.length ? d.length : (end_bits + 7) / 8;
  if (len > out.size()) return tl::unexpected(Error{Errc::kBadLength, "output buffer too small"});
  for (const auto& v : values) {
    bool known = false;
    for (const auto& f : d.fields) known = known || f.id == v.id;
    if (!known) return tl::unexpected(Error{Errc::kUnknownId, "no such field"});
  }
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(len), std::uint8_t{0xFF});
  const std::uint16_t n_sets = d.repeat_size ? repeats : 0;
  for (std::uint16_t r = 0; r <= n_sets; ++r) {
    const std::size_t begin = r == 0 ? 0 : n_fixed;
    const std::size_t end = r == 0 ? n_fixed : d.fields.size();
    for (std::size_t i = begin; i < end; ++i) {
      const Field& f = d.fields[i];
      const std::size_t off = r == 0 ? f.bit_offset
                                     : d.fields[n_fixed].bit_offset + (r - 1u) * set_bits +
                                           (f.bit_offset - d.fields[n_fixed].bit_offset);
      if (off + f.bits > len * 8) continue;
      const FieldInput* in = nullptr;
      for (const auto& v : values)
        if (v.id == f.id && v.repeat == r) in = &v;
      if (f.match >= 0 && !in) {
        put_bits(out, off, f.bits, static_cast<std::uint64_t>(f.match));
        continue;
      }
      switch (f.type) {
        case FieldType::kSpare: put_bits(out, off, f.bits, 0); continue;
        case FieldType::kReserved:
        case FieldType::kStringFix:
        case FieldType::kBinary:
        case FieldType::kBitLookup:
        case FieldType::kIsoName:
        case FieldType::kFloat:
        case FieldType::kDecimal:
          continue;  // stays 0xFF (strings are written by callers that need them)
        default: break;
      }
      if (!in) {
        // Not given: "unknown", i.e. all ones (signed: highest positive value).
        put_bits(out, off, f.bits, f.is_signed ? all_ones(f.bits - 1u) : all_ones(f.bits));
        continue;
      }
      if (!std::isfinite(in->value))
        return tl::unexpected(Error{Errc::kOutOfRange, "not a finite value"});
      std::int64_t raw = 0;
      if (f.type == FieldType::kLookup || f.type == FieldType::kPgn) {
        raw = std::llround(in->value);
      } else {
        const double x = (in->value - f.offset) / f.resolution;
        if (std::fabs(x) > 9.2e18)
          return tl::unexpected(Error{Errc::kOutOfRange, "value too large"});
        raw = std::llround(x);
      }
      // The top codes are sentinels and not valid values (classify_raw).
      std::int64_t lo = 0;
      std::int64_t hi = static_cast<std::int64_t>(all_ones(f.bits));
      if (f.is_signed) {
        hi = static_cast<std::int64_t>(all_ones(f.bits - 1u));
        lo = -hi - 1;
      }
      if (f.type == FieldType::kNumber || f.type == FieldType::kDuration)
        hi -= (hi >= 7 ? 2 : (f.bits >= 2 ? 1 : 0));
      if (raw < lo || raw > hi)
        return tl::unexpected(Error{Errc::kOutOfRange, "value does not fit the field"});
      put_bits(out, off, f.bits, static_cast<std::uint64_t>(raw) & all_ones(f.bits));
    }
  }
  return len;
}

Result<std::size_t> encode_write_fields(std::uint32_t target_pgn,
                                        std::span<const FieldWrite> selection,
                                        std::span<const FieldWrite> writes,
                                        MutableByteView out) noexcept {
  const PgnDesc* target = find_pgn(target_pgn);
  if (!target) return tl::unexpected(Error{Errc::kUnknownId, "target PGN not in the table"});
  if (is_proprietary(target_pgn))
    return tl::unexpected(Error{Errc::kUnsupported, "proprietary target PGN"});
  if (out.size() < 223) return tl::unexpected(Error{Errc::kBadLength, "output buffer too small"});
  std::fill(out.begin(), out.end(), std::uint8_t{0xFF});
  out[0] = 5;  // Write Fields
  store_le24(out, 1, target_pgn);
  out[4] = 0x01;  // unique id of this transaction
  out[5] = static_cast<std::uint8_t>(selection.size());
  out[6] = static_cast<std::uint8_t>(writes.size());
  std::size_t bit = std::size_t{7} * 8;
  auto put_pair = [&](const FieldWrite& w) -> bool {
    if (w.field_index == 0 || w.field_index > target->fields.size()) return false;
    const Field& f = target->fields[w.field_index - 1u];
    if (f.bits == 0 || f.bits > 64 || bit + 8 + f.bits > std::size_t{223} * 8) return false;
    if (f.bits < 64 && w.raw > all_ones(f.bits)) return false;
    put_bits(out, bit, 8, w.field_index);
    bit += 8;
    put_bits(out, bit, f.bits, w.raw);
    bit += f.bits;
    return true;
  };
  for (const auto& s : selection)
    if (!put_pair(s)) return tl::unexpected(Error{Errc::kOutOfRange, "bad selection pair"});
  for (const auto& w : writes)
    if (!put_pair(w)) return tl::unexpected(Error{Errc::kOutOfRange, "bad write pair"});
  return (bit + 7) / 8;
}

Result<std::size_t> encode_acknowledge(std::uint32_t target_pgn, std::uint8_t pgn_error,
                                       std::uint8_t interval_error,
                                       std::span<const std::uint8_t> parameter_errors,
                                       MutableByteView out) noexcept {
  if (pgn_error > 15 || interval_error > 15 || parameter_errors.size() > 32)
    return tl::unexpected(Error{Errc::kOutOfRange, "acknowledge code out of range"});
  const std::size_t len = 6 + (parameter_errors.size() + 1) / 2;
  if (out.size() < len) return tl::unexpected(Error{Errc::kBadLength, "output buffer too small"});
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(len), std::uint8_t{0xFF});
  out[0] = 2;  // Acknowledge
  store_le24(out, 1, target_pgn);
  out[4] = static_cast<std::uint8_t>(pgn_error | (interval_error << 4));
  out[5] = static_cast<std::uint8_t>(parameter_errors.size());
  std::size_t bit = 48;
  for (std::uint8_t code : parameter_errors) {
    if (code > 15) return tl::unexpected(Error{Errc::kOutOfRange, "parameter code out of range"});
    put_bits(out, bit, 4, code);
    bit += 4;
  }
  return len;
}

Result<GroupFunction> decode_group_function(ByteView p) noexcept {
  if (p.size() < 4) return tl::unexpected(Error{Errc::kBadLength, "126208 shorter than 4 bytes"});
  GroupFunction g;
  g.function = p[0];
  g.pgn = load_le24(p, 1);
  const PgnDesc* target = find_pgn(g.pgn);
  std::size_t bit = 0;
  std::size_t n_sel = 0;
  std::size_t n_par = 0;
  bool values = true;
  switch (g.function) {
    case 0:
      if (p.size() < 11) return tl::unexpected(Error{Errc::kBadLength, "request too short"});
      n_par = p[10];
      bit = std::size_t{11} * 8;
      break;
    case 1:
      if (p.size() < 6) return tl::unexpected(Error{Errc::kBadLength, "command too short"});
      n_par = p[5];
      bit = std::size_t{6} * 8;
      break;
    case 2: {
      if (p.size() < 6) return tl::unexpected(Error{Errc::kBadLength, "acknowledge too short"});
      n_par = p[5];
      for (std::size_t i = 0; i < n_par; ++i) {
        const std::size_t b = 48 + 4 * i;
        if (b + 4 > p.size() * 8) break;
        g.parameters.push_back({static_cast<std::uint8_t>(i + 1), extract_bits_le(p, b, 4)});
      }
      return g;
    }
    case 3:
    case 4:
    case 5:
    case 6: {
      std::size_t at = 4;
      if (is_proprietary(g.pgn)) at += 2;
      if (p.size() < at + 3)
        return tl::unexpected(Error{Errc::kBadLength, "read/write fields too short"});
      n_sel = p[at + 1];
      n_par = p[at + 2];
      bit = (at + 3) * 8;
      values = g.function != 3;
      break;
    }
    default: return tl::unexpected(Error{Errc::kUnknownId, "unknown group function code"});
  }
  if (!target) return tl::unexpected(Error{Errc::kUnknownId, "commanded PGN not in the table"});
  auto read_pair = [&](bool with_value, std::vector<GroupFunctionPair>& into) -> bool {
    if (bit + 8 > p.size() * 8) return false;
    const auto idx = static_cast<std::uint8_t>(extract_bits_le(p, bit, 8));
    bit += 8;
    if (!with_value) {
      into.push_back({idx, 0});
      return true;
    }
    if (idx == 0 || idx > target->fields.size()) return false;
    const Field& f = target->fields[idx - 1u];
    const unsigned w = f.bits;
    // A variable-length string parameter has no width in the table; not parsed here.
    if (w == 0 || w > 64 || bit + w > p.size() * 8) return false;
    into.push_back({idx, extract_bits_le(p, bit, w)});
    bit += w;
    return true;
  };
  for (std::size_t i = 0; i < n_sel; ++i)
    if (!read_pair(true, g.selection))
      return tl::unexpected(Error{Errc::kBadLength, "selection pair cut short"});
  for (std::size_t i = 0; i < n_par; ++i)
    if (!read_pair(values, g.parameters))
      return tl::unexpected(Error{Errc::kBadLength, "parameter pair cut short"});
  return g;
}

}  // namespace gxlink::nmea2000
