// SPDX-License-Identifier: MIT
#include "protocols/canbms/tables.hpp"

namespace gxlink::canbms {

const MessageInfo* find_message(std::uint32_t id) noexcept {
  // 26 entries: a linear scan is as fast as anything cleverer and keeps the table the only truth.
  for (const auto& m : kMessages)
    if (m.id == id) return &m;
  return nullptr;
}

}  // namespace gxlink::canbms
