// SPDX-License-Identifier: MIT
#include "protocols/nmea2000/json.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "protocols/nmea2000/vreg.hpp"

namespace gxlink::nmea2000 {

namespace {

template <class Out>
void append_key(std::string_view k, bool& first, Out& out) {
  out.append(first ? "\"" : ",\"", first ? 1 : 2);
  first = false;
  out.append(k.data(), k.size());
  out.append("\":", 2);
}

template <class Out>
void append_value(const FieldValue& fv, Out& out) {
  switch (fv.field->type) {
    case FieldType::kLookup:
      if (!fv.text.empty())
        append_json_string(fv.text, out);
      else
        append_json_number(static_cast<double>(fv.raw), out);
      return;
    case FieldType::kStringFix:
    case FieldType::kStringLau:
    case FieldType::kStringLz: append_json_string(fv.text, out); return;
    case FieldType::kBitLookup: {
      // The names of the set bits, as canboatjs prints them; a bit without a name as its number.
      out += '[';
      bool first_bit = true;
      for (unsigned bit = 0; bit < fv.field->bits && bit < 64; ++bit) {
        if (!((fv.raw >> bit) & 1u)) continue;
        if (!first_bit) out += ',';
        first_bit = false;
        const std::string_view name = fv.field->lookup ? fv.field->lookup->find(bit) : "";
        if (name.empty())
          append_json_number(bit, out);
        else
          append_json_string(name, out);
      }
      out += ']';
      return;
    }
    case FieldType::kIsoName: {
      // All 64 bits exactly: a double would round the NAME.
      char text[24];
      const auto r = std::to_chars(text, text + sizeof text, fv.raw);
      out.append(text, static_cast<std::size_t>(r.ptr - text));
      return;
    }
    case FieldType::kDate: {
      // canboat prints dates as "YYYY.MM.DD" (days since 1970-01-01 on the wire).
      const std::chrono::year_month_day ymd{
          std::chrono::sys_days{std::chrono::days{static_cast<int>(fv.raw)}}};
      char text[16];
      std::snprintf(text, sizeof text, "%04d.%02u.%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
      append_json_string(text, out);
      return;
    }
    case FieldType::kBinary: {
      if (fv.field->bits <= 64) {  // read as a number (codec.cpp)
        append_json_number(static_cast<double>(fv.raw), out);
        return;
      }
      static constexpr char kHex[] = "0123456789abcdef";
      out += '"';
      for (std::size_t i = 0; i < fv.text.size(); ++i) {
        const auto b = static_cast<unsigned char>(fv.text[i]);
        if (i) out += ' ';
        out += kHex[b >> 4];
        out += kHex[b & 15];
      }
      out += '"';
      return;
    }
    default: append_json_number(fv.value, out);
  }
}

}  // namespace

template <class Out>
void append_fields_json(std::uint32_t pgn, ByteView payload, const Decoded& d, Out& out) {
  out += '{';
  bool first = true;
  if (pgn == kVregPgn && d.desc && d.desc->id == "victronVeCanRegister") {
    // Victron VREG: the register decides the value's type and unit (vreg.hpp).
    append_key("Manufacturer Code", first, out);
    out += "\"Victron Energy\"";
    append_key("Industry Code", first, out);
    out += "\"Marine Industry\"";
    auto v = decode_vreg(payload);
    if (v) {
      append_key("Register Id", first, out);
      append_json_number(v->id, out);
      if (const VregDesc* rd = find_vreg(v->id)) {
        append_key("Register", first, out);
        append_json_string(rd->name, out);
        if (auto x = vreg_value(*rd, v->value)) {
          append_key("Value", first, out);
          append_json_number(*x, out);
          if (!rd->unit.empty()) {
            append_key("Unit", first, out);
            append_json_string(rd->unit, out);
          }
        }
      } else if (!v->value.empty()) {
        // A register we have no description for: its value bytes as one little-endian number,
        // as canboat's 32-bit binary "Payload" prints them (all ones: not available, omitted).
        std::uint64_t raw = 0;
        const std::size_t n = std::min<std::size_t>(v->value.size(), 4);
        for (std::size_t i = 0; i < n; ++i) raw |= std::uint64_t{v->value[i]} << (8 * i);
        if (raw != (std::uint64_t{1} << (8 * n)) - 1) {
          append_key("Payload", first, out);
          append_json_number(static_cast<double>(raw), out);
        }
      }
    }
    out += '}';
    return;
  }
  std::uint16_t open_repeat = 0;
  bool first_in_set = true;
  bool list_open = false;
  for (const auto& fv : d.fields) {
    if (fv.repeat != open_repeat) {
      if (!list_open) {
        append_key("list", first, out);
        out += '[';
        list_open = true;
      } else {
        out += "},";
      }
      out += '{';
      first_in_set = true;
      open_repeat = fv.repeat;
    }
    if (!fv.valid()) continue;
    append_key(fv.field->name, fv.repeat ? first_in_set : first, out);
    append_value(fv, out);
  }
  if (list_open) out += "}]";
  if (pgn == 126208) {
    auto g = decode_group_function(payload);
    if (g && (!g->selection.empty() || !g->parameters.empty())) {
      append_key("list", first, out);
      out += '[';
      bool f1 = true;
      for (const auto* set : {&g->selection, &g->parameters}) {
        for (const auto& p : *set) {
          if (!f1) out += ',';
          f1 = false;
          out += "{\"Parameter\":";
          append_json_number(p.field_index, out);
          if (g->function != 3 || set == &g->selection) {
            out += ",\"Value\":";
            append_json_number(static_cast<double>(p.raw), out);
          }
          out += '}';
        }
      }
      out += ']';
    }
  }
  out += '}';
}

template void append_fields_json(std::uint32_t, ByteView, const Decoded&, std::string&);
template void append_fields_json(std::uint32_t, ByteView, const Decoded&, JsonBuffer&);

}  // namespace gxlink::nmea2000
