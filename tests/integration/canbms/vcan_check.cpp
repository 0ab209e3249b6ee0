// SPDX-License-Identifier: MIT
// Runs inside a QEMU guest with a real kernel CAN stack (can, can-raw, vcan): the SocketCAN
// transport carries a simulated battery to the GX-role driver over vcan0, the driver's 0x305 reach
// the battery, and a kernel receive filter passes only what it asks for. Prints one line per check
// and "VCAN_CHECK PASS"/"FAIL"; exit status 0 only when every check passed.
#include <cstdio>
#include <map>
#include <string>

#include "drivers/canbms/gx_driver.hpp"
#include "sim/canbms/battery_sim.hpp"
#include "transport/socketcan_transport.hpp"

int main(int argc, char** argv) {
  using namespace gxlink;
  const std::string iface = argc > 1 ? argv[1] : "vcan0";
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  drivers::DriverContext ctx{io, model, instances};

  transport::SocketCanOptions go;
  go.interface = iface;
  drivers::canbms::GxDriver gx(ctx, std::make_unique<transport::SocketCanTransport>(io, go));

  transport::SocketCanOptions bo;
  bo.interface = iface;
  transport::SocketCanTransport battery_bus(io, bo);
  sim::canbms::BatterySim battery(battery_bus);

  transport::SocketCanOptions fo;
  fo.interface = iface;
  fo.filters = {{0x351, 0x7FF, false}};
  transport::SocketCanTransport filtered(io, fo);
  std::map<std::uint32_t, int> filtered_ids;
  filtered.set_receiver([&](const CanFrame& f, TimePoint) { ++filtered_ids[f.id]; });

  battery_bus.start();
  filtered.start();
  gx.start();
  battery.start(io);
  io.run_for(std::chrono::milliseconds(3500));

  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    failures += !ok;
  };
  check(battery_bus.state() == transport::CanBusState::kActive,
        "battery socket open on " + iface + " (" + battery_bus.last_error() + ")");
  const model::Service* s = gx.service();
  check(s != nullptr, "GX-role service created");
  if (s) {
    check(s->name() == "com.victronenergy.battery.socketcan_" + iface, "service name " + s->name());
    check(s->get("/Connected") == model::Value{std::int64_t{1}}, "/Connected = 1");
    check(s->get("/Info/MaxChargeVoltage") == model::Value{55.2}, "/Info/MaxChargeVoltage = 55.2");
    check(model::is_valid(s->get("/Soc")), "/Soc valid");
    check(s->get("/Serial") == model::Value{std::string("SIM0000000000001")},
          "/Serial from 0x380/0x381");
  }
  check(battery.keepalives_seen() >= 2,
        "battery received " + std::to_string(battery.keepalives_seen()) + " 0x305");
  check(filtered_ids.size() == 1 && filtered_ids.count(0x351) && filtered_ids[0x351] >= 2,
        "kernel filter passed only 0x351 (" + std::to_string(filtered_ids.size()) + " ids)");
  check(gx.session().stats().bad_frames == 0, "no bad frames");
  std::printf("VCAN_CHECK %s\n", failures ? "FAIL" : "PASS");
  return failures ? 1 : 0;
}
