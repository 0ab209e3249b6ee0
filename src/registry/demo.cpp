// SPDX-License-Identifier: MIT
#include "registry/demo.hpp"

#include <asio/post.hpp>

namespace gxlink::registry {

transport::InProcessCanBus& DemoContext::can_bus(const std::string& name) {
  for (auto& b : buses)
    if (b->name() == name) return *b;
  auto& bus = *buses.emplace_back(std::make_unique<transport::InProcessCanBus>(name));
  auto& io = drivers_ctx.io;
  bus.set_scheduler([&io, &bus] { asio::post(io, [&bus] { bus.pump(); }); });
  return bus;
}

}  // namespace gxlink::registry
