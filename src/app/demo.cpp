// SPDX-License-Identifier: MIT
#include "app/demo.hpp"

#include <spdlog/spdlog.h>

#include "app/registry.hpp"

namespace gxlink::app {

void build_demo(DemoContext& demo) {
  for (auto& [name, fn] : registry().demos) {
    // One part that cannot start (no pty, say) must not take the others down.
    try {
      fn(demo);
      spdlog::info("demo: {} started", name);
    } catch (const std::exception& e) {
      spdlog::error("demo: {} could not start: {}", name, e.what());
    }
  }
}

}  // namespace gxlink::app
