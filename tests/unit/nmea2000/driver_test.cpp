// SPDX-License-Identifier: MIT
// End to end on the in-process bus with fake time: simulated MPPT, Lynx Shunt and Skylla-i claim
// addresses and broadcast; the driver claims its own address, learns the nodes and maps them to
// Venus services; commands go out as the right frames.
#include "drivers/nmea2000/nmea2000_driver.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <set>

#include "protocols/nmea2000/can_id.hpp"
#include "protocols/nmea2000/codec.hpp"
#include "sim/nmea2000/vecan_sim.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::drivers::nmea2000 {
namespace {

namespace n2k = gxlink::nmea2000;
using sim::nmea2000::VeCanDevice;
using sim::nmea2000::VeCanProduct;

class VeCanSystem : public ::testing::Test {
 protected:
  VeCanSystem() {
    sim_eps.push_back(bus.attach("mppt"));
    sim_eps.push_back(bus.attach("shunt"));
    sim_eps.push_back(bus.attach("skylla"));
    sims.push_back(std::make_unique<VeCanDevice>(*sim_eps[0], VeCanProduct::kMppt150_70, 0x12345, 0x20));
    sims.push_back(std::make_unique<VeCanDevice>(*sim_eps[1], VeCanProduct::kLynxShunt, 0x23456, 0x20));
    sims.push_back(std::make_unique<VeCanDevice>(*sim_eps[2], VeCanProduct::kSkyllaI, 0x34567, 0x20));
    driver_ep = bus.attach("driver");
    driver = std::make_unique<Nmea2000Driver>(ctx, driver_ep.get(), Options{});
    driver_ep->set_receiver([this](const CanFrame& f, TimePoint) { driver->on_frame(f, now); });
    bus.record(true);
  }
  void run_for(Duration d) {
    const TimePoint end = now + d;
    while (now < end) {
      now += std::chrono::milliseconds(50);
      for (auto& s : sims) s->tick(now);
      driver->on_tick(now);
      bus.pump(now);
    }
  }
  const model::Service* find(std::string_view type) {
    for (auto& [name, s] : model.services())
      if (s->type() == type) return s.get();
    return nullptr;
  }

  TimePoint now{};
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  transport::InProcessCanBus bus{"can0"};
  std::vector<std::unique_ptr<transport::InProcessCanBus::Endpoint>> sim_eps;
  std::vector<std::unique_ptr<VeCanDevice>> sims;
  std::unique_ptr<transport::InProcessCanBus::Endpoint> driver_ep;
  std::unique_ptr<Nmea2000Driver> driver;
};

TEST_F(VeCanSystem, DevicesClaimDistinctAddressesAndBecomeVenusServices) {
  driver->begin(now);
  run_for(std::chrono::seconds(5));
  std::set<std::uint8_t> addresses{driver->session().address()};
  for (auto& s : sims) {
    EXPECT_EQ(s->session().state(), n2k::ClaimState::kClaimed);
    addresses.insert(s->session().address());
  }
  EXPECT_EQ(addresses.size(), 4u);
  EXPECT_EQ(driver->session().state(), n2k::ClaimState::kClaimed);
  EXPECT_EQ(driver->session().nodes().size(), 3u);

  const auto* mppt = find("solarcharger");
  ASSERT_NE(mppt, nullptr);
  EXPECT_EQ(mppt->name(), "com.victronenergy.solarcharger.socketcan_can0_di0_uc74565");
  EXPECT_EQ(model::as_int(mppt->get("/DeviceInstance")), 0);
  EXPECT_EQ(std::get<std::string>(mppt->get("/Mgmt/Connection")), "VE.Can");
  EXPECT_EQ(std::get<std::string>(mppt->get("/ProductName")), "BlueSolar MPPT 150/70");
  EXPECT_GT(*model::as_double(mppt->get("/Pv/V")), 80.0);      // instance 1 = PV
  EXPECT_LT(*model::as_double(mppt->get("/Dc/0/Voltage")), 30.0);  // instance 0 = battery
  EXPECT_EQ(model::as_int(mppt->get("/State")), 3);              // bulk

  const auto* shunt = find("battery");
  ASSERT_NE(shunt, nullptr);
  EXPECT_TRUE(model::is_valid(shunt->get("/Soc")));
  EXPECT_EQ(model::as_double(shunt->get("/TimeToGo")), 6 * 3600.0);
  EXPECT_LT(*model::as_double(shunt->get("/ConsumedAmphours")), 0.0);  // VREG 0xEEFF
  EXPECT_TRUE(model::is_valid(shunt->get("/Dc/1/Voltage")));          // fused voltage

  const auto* skylla = find("charger");
  ASSERT_NE(skylla, nullptr);
  EXPECT_TRUE(model::is_valid(skylla->get("/Ac/In/L1/I")));
  EXPECT_EQ(model::as_int(skylla->get("/State")), 4);  // absorption
}

TEST_F(VeCanSystem, LostDeviceGoesDisconnected) {
  driver->begin(now);
  run_for(std::chrono::seconds(4));
  sims.pop_back();  // the Skylla-i goes quiet (it does when mains disappears, seed 000)
  sim_eps.pop_back();
  run_for(std::chrono::seconds(12));
  const auto* skylla = find("charger");
  ASSERT_NE(skylla, nullptr);
  EXPECT_EQ(model::as_int(skylla->get("/Connected")), 0);
  EXPECT_FALSE(model::is_valid(skylla->get("/Dc/0/Voltage")));
}

TEST_F(VeCanSystem, CommandsSendDataInstanceWriteAndVregFrames) {
  EXPECT_FALSE(driver->request_vreg(0x20, 0xEEFF));  // not claimed yet: nothing may be sent
  driver->begin(now);
  run_for(std::chrono::seconds(2));
  const std::uint8_t shunt = sims[1]->session().address();
  const std::size_t before = bus.recorded().size();
  ASSERT_TRUE(driver->set_data_instance(shunt, 127508, 1, 0, 3));
  ASSERT_TRUE(driver->request_vreg(shunt, 0xEEFF));
  ASSERT_TRUE(driver->write_vreg(shunt, 0x0200, 4));
  EXPECT_FALSE(driver->write_vreg(shunt, 0x0200, 1000));  // out of the register's range
  bus.pump(now);
  n2k::Receiver rx;
  std::vector<std::pair<n2k::N2kId, std::vector<std::uint8_t>>> sent;
  for (std::size_t i = before; i < bus.recorded().size(); ++i) {
    const auto& f = bus.recorded()[i];
    if (n2k::decode_can_id(f.id).src != driver->session().address()) continue;
    if (const auto* m = rx.on_frame(f, now)) sent.push_back({m->id, {m->payload.begin(), m->payload.end()}});
  }
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].first.pgn, 126208u);
  EXPECT_EQ(sent[0].first.dst, shunt);
  EXPECT_EQ(sent[0].second[0], 5);  // write fields
  EXPECT_EQ(sent[1].first, (n2k::N2kId{7, 61184, driver->session().address(), shunt}));
  EXPECT_EQ(to_hex(sent[1].second), "66990100ffeeffff");
  EXPECT_EQ(to_hex(sent[2].second), "6699000204ffffff");
}

}  // namespace
}  // namespace gxlink::drivers::nmea2000
