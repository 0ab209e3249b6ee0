// SPDX-License-Identifier: MIT
#include "registry/demo.hpp"

#include <cmath>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

namespace gxlink::registry {

transport::InProcessCanBus& DemoContext::can_bus(const std::string& name) {
  for (auto& b : buses)
    if (b->name() == name) return *b;
  auto& bus = *buses.emplace_back(std::make_unique<transport::InProcessCanBus>(name));
  auto& io = drivers_ctx.io;
  bus.set_scheduler([&io, &bus] { asio::post(io, [&bus] { bus.pump(); }); });
  return bus;
}

double demo_dc_loads(double t) {
  const double fridge = std::sin(2 * 3.141592653589793 * t / 45.0) > 0.3 ? 3.0 : 0.0;
  return 5.0 + fridge + 0.4 * std::sin(2 * 3.141592653589793 * t / 7.0);
}

sim::DcBus& DemoContext::house_bank() {
  if (bank) return *bank;
  // The bank and its one-second step live as long as the simulators do.
  struct Stepper {
    std::shared_ptr<sim::DcBus> bank;
    asio::steady_timer timer;
    double t = 0;
    explicit Stepper(asio::io_context& io) : timer(io) {}
    void tick() {
      bank->set_current("dc-loads", -demo_dc_loads(t));
      bank->step(1.0);
      t += 1.0;
      timer.expires_after(std::chrono::seconds(1));
      timer.async_wait([this](const std::error_code& ec) {
        if (!ec) tick();
      });
    }
  };
  bank = std::make_shared<sim::DcBus>();
  bank->nominal_voltage = 48;
  bank->capacity_ah = 280;  // the BMS's pack (sim/canbms BatterySimOptions)
  bank->soc = 0.65;
  auto stepper = std::make_shared<Stepper>(drivers_ctx.io);
  stepper->bank = bank;
  stepper->tick();
  simulators.push_back(stepper);
  return *bank;
}

}  // namespace gxlink::registry
