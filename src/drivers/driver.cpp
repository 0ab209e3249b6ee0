// SPDX-License-Identifier: MIT
#include "drivers/driver.hpp"

namespace gxlink::drivers {

const char* to_string(HealthState s) noexcept {
  switch (s) {
    case HealthState::kOk: return "ok";
    case HealthState::kWarning: return "warning";
    case HealthState::kFailed: return "failed";
  }
  return "?";
}

}  // namespace gxlink::drivers
