// SPDX-License-Identifier: MIT
#include "model/item.hpp"

#include <cstdio>

namespace gxlink::model {

const char* to_string(WriteResult r) noexcept {
  switch (r) {
    case WriteResult::kOk: return "ok";
    case WriteResult::kNotWritable: return "not writable";
    case WriteResult::kOutOfRange: return "out of range";
    case WriteResult::kBadType: return "bad type";
    case WriteResult::kUnknownPath: return "unknown path";
    case WriteResult::kFailed: return "failed";
  }
  return "?";
}

std::string Item::text() const {
  if (!is_valid(value)) return "---";
  if (meta.text) return meta.text(value);
  if (meta.decimals >= 0) {
    if (auto d = as_double(value)) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "%.*f", meta.decimals, *d);
      return buf + meta.unit;
    }
  }
  return to_plain_text(value) + meta.unit;
}

}  // namespace gxlink::model
