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
#include "protocols/nmea2000/pgn_table.hpp"
#include "protocols/nmea2000/vreg.hpp"
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
    sims.push_back(
        std::make_unique<VeCanDevice>(*sim_eps[0], VeCanProduct::kMppt150_70, 0x12345, 0x20));
    sims.push_back(
        std::make_unique<VeCanDevice>(*sim_eps[1], VeCanProduct::kLynxShunt, 0x23456, 0x20));
    sims.push_back(
        std::make_unique<VeCanDevice>(*sim_eps[2], VeCanProduct::kSkyllaI, 0x34567, 0x20));
    auto ep = bus.attach("driver");
    driver_ep = ep.get();
    driver = std::make_unique<Nmea2000Driver>(ctx, std::move(ep), Options{});
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
  transport::InProcessCanBus::Endpoint* driver_ep = nullptr;  ///< owned by the driver
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
  EXPECT_EQ(model::as_int(mppt->get("/FirmwareVersion")), 0x20800);  // "2.08"
  EXPECT_GT(*model::as_double(mppt->get("/Pv/V")), 80.0);            // instance 1 = PV
  EXPECT_LT(*model::as_double(mppt->get("/Dc/0/Voltage")), 30.0);    // instance 0 = battery
  EXPECT_EQ(model::as_int(mppt->get("/State")), 3);                  // bulk

  const auto* shunt = find("battery");
  ASSERT_NE(shunt, nullptr);
  EXPECT_TRUE(model::is_valid(shunt->get("/Soc")));
  EXPECT_EQ(model::as_double(shunt->get("/TimeToGo")), 6 * 3600.0);
  EXPECT_LT(*model::as_double(shunt->get("/ConsumedAmphours")), 0.0);  // VREG 0xEEFF
  EXPECT_TRUE(model::is_valid(shunt->get("/Dc/1/Voltage")));           // fused voltage

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
    if (const auto* m = rx.on_frame(f, now))
      sent.push_back({m->id, {m->payload.begin(), m->payload.end()}});
  }
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].first.pgn, 126208u);
  EXPECT_EQ(sent[0].first.dst, shunt);
  EXPECT_EQ(sent[0].second[0], 5);  // write fields
  EXPECT_EQ(sent[1].first, (n2k::N2kId{7, 61184, driver->session().address(), shunt}));
  EXPECT_EQ(to_hex(sent[1].second), "66990100ffeeffff");
  EXPECT_EQ(to_hex(sent[2].second), "6699000204ffffff");
}

// The simulated devices answer what `gxlink nmea2000` sends (nmea2000.md §4.1, seed 000 Q23):
// the driver's observer sees the answers.
TEST_F(VeCanSystem, SimulatedMpptAnswersVregReadsWritesAndInstanceWrites) {
  std::vector<std::pair<n2k::N2kId, std::vector<std::uint8_t>>> seen;
  driver->set_message_observer([&](const n2k::Message& m, TimePoint) {
    seen.push_back({m.id, {m.payload.begin(), m.payload.end()}});
  });
  driver->begin(now);
  run_for(std::chrono::seconds(2));
  const std::uint8_t mppt = sims[0]->session().address();
  const std::uint8_t me = driver->session().address();
  auto from_mppt = [&](std::uint32_t pgn) {
    std::vector<std::pair<n2k::N2kId, std::vector<std::uint8_t>>> r;
    for (auto& s : seen)
      if (s.first.src == mppt && s.first.pgn == pgn) r.push_back(s);
    return r;
  };
  auto vregs_with = [&](std::uint16_t reg) {
    std::vector<std::string> r;
    for (auto& [id, p] : from_mppt(61184))
      if (p.size() >= 4 && load_le16(p, 2) == reg)
        r.push_back((id.dst == me ? "to me " : "bc ") + to_hex(p));
    return r;
  };

  seen.clear();
  ASSERT_TRUE(driver->request_vreg(mppt, 0x2015));  // charge current limit: 70.0 A
  run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(vregs_with(0x2015), std::vector<std::string>{"bc 66991520bc02ffff"});

  seen.clear();
  ASSERT_TRUE(driver->write_vreg(mppt, 0x2015, 50.0));
  ASSERT_TRUE(driver->request_vreg(mppt, 0x2015));
  run_for(std::chrono::milliseconds(200));
  // VACK OK to the writer, then the new value broadcast.
  EXPECT_EQ(vregs_with(0x0002), std::vector<std::string>{"to me 6699020015200000"});
  EXPECT_EQ(vregs_with(0x2015), std::vector<std::string>{"bc 66991520f401ffff"});

  seen.clear();
  ASSERT_TRUE(driver->write_vreg(mppt, 0xEDD3, 1.0));  // yield today is read-only
  ASSERT_TRUE(driver->request_vreg(mppt, 0x0382));     // a register the MPPT does not have
  run_for(std::chrono::milliseconds(200));
  EXPECT_EQ(vregs_with(0x0002),
            (std::vector<std::string>{"to me 66990200d3ed0081", "to me 6699020082030080"}));

  seen.clear();
  ASSERT_TRUE(driver->set_data_instance(mppt, 127508, 1, 0, 2));
  ASSERT_TRUE(driver->set_data_instance(mppt, 127508, 1, 7, 3));  // no such instance
  run_for(std::chrono::seconds(2));
  std::vector<std::string> acks;
  for (auto& [id, p] : from_mppt(126208)) {
    EXPECT_EQ(id.dst, me);
    acks.push_back(to_hex(p));
  }
  // Acknowledge of 127508: PGN error 0, one parameter, code 0 (acknowledge) / 1 (invalid field).
  EXPECT_EQ(acks, (std::vector<std::string>{"0214f2010001f0", "0214f2010001f1"}));
  std::set<std::uint64_t> sent_instances;
  n2k::Decoded d;
  for (auto& [id, p] : from_mppt(127508))
    if (n2k::decode(127508, p, d)) sent_instances.insert(*d.raw("instance"));
  EXPECT_EQ(sent_instances, (std::set<std::uint64_t>{1, 2}));  // battery side now 2, PV still 1
}

}  // namespace
}  // namespace gxlink::drivers::nmea2000

namespace gxlink::drivers::nmea2000 {
namespace {

/// The driver fed with messages directly (as `gxlink snapshot` does), no bus.
class Mapping : public ::testing::Test {
 protected:
  Mapping() { opts.active = false; }
  void claim(std::uint8_t src, std::uint32_t unique, std::uint8_t function, std::uint8_t di = 0) {
    n2k::IsoName nm;
    nm.unique_number = unique;
    nm.manufacturer = 358;
    nm.function = function;
    nm.device_class = 35;
    nm.set_device_instance(di);
    std::array<std::uint8_t, 8> b{};
    store_le64(b, 0, nm.to_u64());
    feed(src, 60928, b);
  }
  void product(std::uint8_t src, const std::string& model_id) {
    n2k::ProductInfo p;
    p.model_id = model_id;
    p.product_code = 0xA381;
    feed(src, 126996, n2k::encode_product_info(p));
  }
  void feed(std::uint8_t src, std::uint32_t pgn, std::span<const std::uint8_t> payload) {
    const n2k::Message m{{6, pgn, src, 0xFF}, payload, now};
    driver.on_message(m, now);
  }
  void send(std::uint8_t src, std::uint32_t pgn, std::initializer_list<n2k::FieldInput> in,
            std::uint16_t repeats = 0) {
    std::array<std::uint8_t, 223> buf{};
    auto len = n2k::encode(*n2k::find_pgn(pgn),
                           std::span<const n2k::FieldInput>(in.begin(), in.size()), buf, repeats);
    ASSERT_TRUE(len.has_value()) << pgn;
    feed(src, pgn, std::span<const std::uint8_t>(buf.data(), *len));
  }
  double get(std::string_view service, std::string_view path) {
    const auto* s = model.find(service);
    if (!s) return -1e9;
    auto v = model::as_double(s->get(path));
    return v ? *v : -1e9;
  }

  TimePoint now{};
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  Options opts;
  Nmea2000Driver driver{ctx, nullptr, opts};
};

TEST_F(Mapping, VeBusInterfaceUsesTwoAddresses) {
  // Seed 000: AC input from the address with function 154, everything else from 153.
  claim(0x30, 0x5555, 153);
  claim(0x31, 0x5555, 154);
  send(0x30, 127508,
       {{"instance", 0}, {"voltage", 26.5}, {"current", -12.0}, {"temperature", 300.15}});
  send(0x30, 65014, {{"lineNeutralAcRmsVoltage", 230}, {"acFrequency", 50}, {"acRmsCurrent", 4}});
  send(0x31, 65014, {{"lineNeutralAcRmsVoltage", 235}, {"acFrequency", 50}, {"acRmsCurrent", 7}});
  send(0x31, 65013, {{"realPower", 1600}, {"apparentPower", 1650}});
  send(0x30, 127509, {{"instance", 0}, {"operatingState", 0}, {"inverterEnable", 1}});
  const std::string svc = "com.victronenergy.vebus.socketcan_can0_di0_uc21845";
  ASSERT_NE(model.find(svc), nullptr);
  EXPECT_EQ(get(svc, "/Dc/0/Voltage"), 26.5);
  EXPECT_EQ(get(svc, "/Dc/0/Temperature"), 27.0);
  EXPECT_EQ(get(svc, "/Ac/Out/L1/V"), 230);
  EXPECT_EQ(get(svc, "/Ac/ActiveIn/L1/V"), 235);
  EXPECT_EQ(get(svc, "/Ac/ActiveIn/L1/I"), 7);
  EXPECT_EQ(get(svc, "/Ac/ActiveIn/L1/P"), 1600);
  EXPECT_EQ(get(svc, "/State"), 9);  // inverting
  EXPECT_EQ(get(svc, "/Mode"), 3);   // on
}

TEST_F(Mapping, LynxIonCellsAndBmvConsumedAh) {
  claim(0x40, 0x1111, 170);
  product(0x40, "Lynx Ion");
  send(0x40, 127508, {{"instance", 0}, {"voltage", 26.4}, {"current", 3.0}});
  send(0x40, 127508, {{"instance", 1}, {"voltage", 3.28}});
  send(0x40, 127508, {{"instance", 2}, {"voltage", 3.31}});
  send(0x40, 127508, {{"instance", 10}, {"voltage", 26.3}, {"temperature", 295.15}});
  send(0x40, 127508, {{"instance", 25}, {"voltage", 26.2}});
  const std::string ion = "com.victronenergy.battery.socketcan_can0_di0_uc4369";
  EXPECT_EQ(get(ion, "/System/MinCellVoltage"), 3.28);
  EXPECT_EQ(get(ion, "/System/MaxCellVoltage"), 3.31);
  EXPECT_EQ(get(ion, "/Voltages/Cell1"), 26.3);
  EXPECT_EQ(get(ion, "/Voltages/Cell16"), 26.2);
  EXPECT_EQ(get(ion, "/Temperatures/Cell1"), 22.0);

  claim(0x41, 0x2222, 170);
  product(0x41, "BMV-700");
  send(0x41, 127506,
       {{"instance", 0}, {"dcType", 0}, {"stateOfCharge", 87}, {"timeRemaining", 7200}});
  const auto vreg = n2k::encode_vreg_value(*n2k::find_vreg(n2k::kVregConsumedAh), -15.5);
  feed(0x41, 61184, vreg->view());
  const std::string bmv = "com.victronenergy.battery.socketcan_can0_di0_uc8738";
  EXPECT_EQ(get(bmv, "/Soc"), 87);
  EXPECT_EQ(get(bmv, "/TimeToGo"), 7200);
  EXPECT_EQ(get(bmv, "/ConsumedAmphours"), -15.5);
}

// Issue 13 conformance 8: any maker's tank senders, temperature sensors and GNSS receivers become
// Venus tank, temperature and gps services beside the node's own service (the PGN layouts come
// from the table generated from canboat's database).
TEST_F(Mapping, TanksTemperaturesAndGnssBecomeTheirOwnServices) {
  claim(0x60, 0x4444, 150, 2);  // a Maretron-style multi-sensor node, device instance 2
  send(0x60, 127505, {{"instance", 1}, {"type", 1}, {"level", 62.5}, {"capacity", 200.0}});
  send(0x60, 130312, {{"instance", 0}, {"source", 13}, {"actualTemperature", 255.15}});
  send(0x60, 130312, {{"instance", 0}, {"source", 1}, {"actualTemperature", 291.65}});
  send(0x60, 130316, {{"instance", 3}, {"source", 2}, {"temperature", 294.15}});
  send(0x60, 129029,
       {{"latitude", 52.5},
        {"longitude", -4.25},
        {"altitude", 12.0},
        {"method", 2},
        {"numberOfSvs", 9}});
  send(0x60, 129026, {{"cog", 1.5707963}, {"sog", 2.57}});

  const std::string node = "socketcan_can0_di2_uc17476_";
  const std::string tank = "com.victronenergy.tank." + node + "t1";
  ASSERT_NE(model.find(tank), nullptr);
  EXPECT_EQ(get(tank, "/Level"), 62.5);
  EXPECT_DOUBLE_EQ(get(tank, "/Capacity"), 0.2);  // 200 L in m3
  EXPECT_DOUBLE_EQ(get(tank, "/Remaining"), 0.125);
  EXPECT_EQ(get(tank, "/FluidType"), 1);  // fresh water: N2K and Venus numbers agree
  EXPECT_EQ(get(tank, "/Status"), 0);
  EXPECT_EQ(model.find(tank)->find("/Level")->text(), "62.5%");

  const std::string freezer = "com.victronenergy.temperature." + node + "i0_s13";
  const std::string outside = "com.victronenergy.temperature." + node + "i0_s1";
  const std::string cabin = "com.victronenergy.temperature." + node + "i3_s2";
  EXPECT_EQ(get(freezer, "/Temperature"), -18.0);
  EXPECT_EQ(get(freezer, "/TemperatureType"), 6);  // freezer
  EXPECT_EQ(get(outside, "/Temperature"), 18.5);
  EXPECT_EQ(get(outside, "/TemperatureType"), 4);  // outdoor
  EXPECT_EQ(get(cabin, "/Temperature"), 21.0);     // 130316: 24-bit extended range
  EXPECT_EQ(get(cabin, "/TemperatureType"), 3);    // room

  const std::string gps = "com.victronenergy.gps." + node + "gps";
  EXPECT_DOUBLE_EQ(get(gps, "/Position/Latitude"), 52.5);
  EXPECT_DOUBLE_EQ(get(gps, "/Position/Longitude"), -4.25);
  EXPECT_EQ(get(gps, "/Fix"), 1);  // DGNSS fix
  EXPECT_EQ(get(gps, "/NrOfSatellites"), 9);
  EXPECT_NEAR(get(gps, "/Course"), 90.0, 0.01);  // radians on the wire, degrees on Venus
  EXPECT_EQ(get(gps, "/Speed"), 2.57);
  // The node itself (function 150, no battery/charger role) has no other service.
  std::size_t services = 0;
  for (const auto& [name, svc] : model.services())
    if (name.find(node) != std::string::npos) ++services;
  EXPECT_EQ(services, 5u);  // one tank, three temperatures, one gps
}

// Instance and source are bytes from the bus: one node sending every pair once made 65 536
// temperature services, each its own D-Bus connection. Now bounded, counted, and the node's
// first sensors keep working.
TEST_F(Mapping, ANodeCannotMakeServicesWithoutBound) {
  claim(0x62, 0x6666, 150);
  for (int inst = 0; inst < 250; ++inst)
    for (int source = 0; source < 4; ++source)
      send(0x62, 130312,
           {{"instance", double(inst)}, {"source", double(source)}, {"actualTemperature", 290.0}});
  std::size_t temps = 0;
  for (const auto& [name, svc] : model.services()) temps += name.find(".temperature.") != name.npos;
  EXPECT_EQ(temps, kMaxSensorServicesPerDevice);
  EXPECT_EQ(driver.stats().services_refused, 250u * 4 - kMaxSensorServicesPerDevice);
  send(0x62, 130312, {{"instance", 0}, {"source", 0}, {"actualTemperature", 291.15}});
  EXPECT_EQ(get("com.victronenergy.temperature.socketcan_can0_di0_uc26214_i0_s0", "/Temperature"),
            18.0);
  // Across nodes too.
  for (std::uint8_t src = 0x70; src < 0x78; ++src) {
    claim(src, 0x7000u + src, 150);
    for (int inst = 0; inst < 40; ++inst)
      send(src, 127505,
           {{"instance", double(inst % 13)}, {"type", double(inst / 13)}, {"level", 10.0}});
  }
  std::size_t sensors = 0;
  for (const auto& [name, svc] : model.services())
    sensors += name.find(".temperature.") != name.npos || name.find(".tank.") != name.npos;
  EXPECT_EQ(sensors, kMaxSensorServices);
}

// A new NAME on an address is a new node: the old node's sensor services go, and the new one's
// come under its own name (they used to stay and take the new node's readings).
TEST_F(Mapping, ANewNameOnAnAddressTakesTheOldNodesSensorServicesAway) {
  claim(0x63, 0x1234, 150);
  send(0x63, 127505, {{"instance", 0}, {"type", 0}, {"level", 50.0}});
  const std::string old_tank = "com.victronenergy.tank.socketcan_can0_di0_uc4660_t0";
  ASSERT_NE(model.find(old_tank), nullptr);
  claim(0x63, 0x4321, 150);
  send(0x63, 127505, {{"instance", 0}, {"type", 0}, {"level", 75.0}});
  EXPECT_EQ(model.find(old_tank), nullptr);
  EXPECT_EQ(get("com.victronenergy.tank.socketcan_can0_di0_uc17185_t0", "/Level"), 75.0);
}

TEST_F(Mapping, SensorDataBeforeTheNodesClaimIsNotGuessedAt) {
  send(0x61, 127505, {{"instance", 0}, {"type", 0}, {"level", 50.0}});
  for (const auto& [name, svc] : model.services())
    EXPECT_EQ(name.find(".tank."), std::string::npos) << name;
  claim(0x61, 0x5555, 150);
  send(0x61, 127505, {{"instance", 0}, {"type", 0}, {"level", 50.0}});
  EXPECT_EQ(get("com.victronenergy.tank.socketcan_can0_di0_uc21845_t0", "/Level"), 50.0);
}

TEST_F(Mapping, MpptRolesFollowDcTypeAndInstanceIsIdentity) {
  // Seed 000: after a battery-instance change, 127506's DC type still tells battery from PV.
  claim(0x50, 0x3333, 160, 0);
  send(0x50, 127506, {{"instance", 4}, {"dcType", 3}});  // PV now on instance 4
  send(0x50, 127506, {{"instance", 5}, {"dcType", 0}});
  send(0x50, 127508, {{"instance", 4}, {"voltage", 95.0}, {"current", 3.0}});
  send(0x50, 127508, {{"instance", 5}, {"voltage", 27.0}, {"current", 10.0}});
  const std::string a = "com.victronenergy.solarcharger.socketcan_can0_di0_uc13107";
  EXPECT_EQ(get(a, "/Pv/V"), 95.0);
  EXPECT_EQ(get(a, "/Yield/Power"), 285.0);
  EXPECT_EQ(get(a, "/Dc/0/Voltage"), 27.0);
  // A new device instance in the NAME is a new identity: the old service goes, a new one comes.
  claim(0x50, 0x3333, 160, 2);
  send(0x50, 127506, {{"instance", 4}, {"dcType", 3}});
  send(0x50, 127508, {{"instance", 4}, {"voltage", 96.0}});
  EXPECT_EQ(model.find(a), nullptr);
  EXPECT_EQ(get("com.victronenergy.solarcharger.socketcan_can0_di2_uc13107", "/Pv/V"), 96.0);
  EXPECT_EQ(get("com.victronenergy.solarcharger.socketcan_can0_di2_uc13107", "/DeviceInstance"), 2);
}

// A bus that opens late (slcan, a SocketCAN interface brought up after the daemon): frames sent
// while it is closed are lost, so the address claim must wait for it, and go out again when the
// bus comes back after an unplug.
class LateBus final : public transport::CanTransport {
 public:
  std::string_view interface_name() const override { return "can9"; }
  bool send(const CanFrame& f) override {
    if (state_ != transport::CanBusState::kActive) return false;
    sent.push_back(f);
    return true;
  }
  transport::CanBusState state() const override { return state_; }
  transport::CanBusState state_ = transport::CanBusState::kClosed;
  std::vector<CanFrame> sent;
};

std::size_t claims(const std::vector<CanFrame>& frames) {
  std::size_t n = 0;
  for (const auto& f : frames)
    if (n2k::decode_can_id(f.id).pgn == 60928) ++n;
  return n;
}

TEST(Nmea2000DriverBus, ClaimsOnlyOnceTheBusIsUpAndAgainAfterItCameBack) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  auto owned = std::make_unique<LateBus>();
  LateBus& bus = *owned;
  Nmea2000Driver driver(ctx, std::move(owned), Options{});
  TimePoint now{};
  auto run = [&](Duration d) {
    for (const TimePoint end = now + d; now < end;)
      driver.on_tick(now += std::chrono::milliseconds(100));
  };
  driver.begin(now);
  run(std::chrono::seconds(2));
  EXPECT_TRUE(bus.sent.empty());
  EXPECT_FALSE(driver.session().can_send());

  bus.state_ = transport::CanBusState::kActive;
  run(std::chrono::seconds(1));
  EXPECT_EQ(claims(bus.sent), 1u);
  EXPECT_TRUE(driver.session().can_send());

  bus.state_ = transport::CanBusState::kClosed;  // unplugged
  run(std::chrono::seconds(1));
  bus.state_ = transport::CanBusState::kActive;
  run(std::chrono::seconds(1));
  EXPECT_EQ(claims(bus.sent), 2u);
  EXPECT_TRUE(driver.session().can_send());
}

}  // namespace
}  // namespace gxlink::drivers::nmea2000
