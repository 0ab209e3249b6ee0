// SPDX-License-Identifier: MIT
#include "app/demo.hpp"

#include <spdlog/spdlog.h>
#include <asio/post.hpp>

#include "app/registry.hpp"

namespace gxlink::app {

transport::InProcessCanBus& DemoContext::can_bus(const std::string& name) {
  for (auto& b : buses)
    if (b->name() == name) return *b;
  auto& bus = *buses.emplace_back(std::make_unique<transport::InProcessCanBus>(name));
  auto& io = drivers_ctx.io;
  bus.set_scheduler([&io, &bus] { asio::post(io, [&bus] { bus.pump(); }); });
  return bus;
}

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
