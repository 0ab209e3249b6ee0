// SPDX-License-Identifier: MIT
// The GX → VE.Can charger link (seed 003 "vecan-xxx"): the broadcast VREG bytes, the repeat and
// hold timing with fake time, and end to end on the in-process bus: a write to the driver's
// com.victronenergy.vecan.can0 /Link/ChargeVoltage reaches the simulated MPPT, whose current falls.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <cmath>

#include "drivers/nmea2000/nmea2000_driver.hpp"
#include "protocols/nmea2000/can_id.hpp"
#include "protocols/nmea2000/link_broadcast.hpp"
#include "protocols/nmea2000/vreg.hpp"
#include "sim/nmea2000/vecan_sim.hpp"
#include "support/log_capture.hpp"
#include "transport/in_process_can_bus.hpp"

namespace gxlink::nmea2000 {
namespace {

std::string encoded(std::string_view path, double v) {
  const LinkPathDesc* d = find_vecan_link(path);
  if (!d) return "no such path";
  auto f = encode_link_broadcast(*d, v);
  return f ? to_hex(f->view()) : "error";
}

TEST(VecanLinkFrames, MatchTheCapturedLinkBroadcasts) {
  // nmea2000.md §4.1, canboat samples/victron-61184-vreg.raw (PS 0xFF, real frames).
  EXPECT_EQ(encoded("/Link/VoltageSense", 12.72), "66990220f8040000");
  EXPECT_EQ(encoded("/Link/ExtraBatteryCurrent", -2.8), "66991c2010f5ffff");
}

TEST(VecanLinkFrames, RegisterIdsAndScalingFromTheTable) {
  // LINK_VSET 0x2001 un16 0.01 V: 54.00 V = 5400 = 0x1518.
  EXPECT_EQ(encoded("/Link/ChargeVoltage", 54.0), "6699012018150000");
  EXPECT_EQ(encoded("/Link/ChargeVoltage", 28.35), "66990120130b0000");
  // Network mode 0x200E un8: 1 | 4 | 8 = 13 (the bct recording's value, venus_os.md §5.4).
  EXPECT_EQ(encoded("/Link/NetworkMode", 13), "66990e200d000000");
  // LINK_TSENSE 0x2003 sn16 0.01 °C: −5.5 °C = −550 = 0xFDDA.
  EXPECT_EQ(encoded("/Link/TemperatureSense", -5.5), "66990320dafd0000");
}

TEST(VecanLinkFrames, ValuesOutsideThePathOrTypeAreRefused) {
  EXPECT_EQ(encoded("/Link/ChargeVoltage", 120.0), "error");
  EXPECT_EQ(encoded("/Link/ChargeVoltage", 0.0), "error");
  EXPECT_EQ(encoded("/Link/ChargeVoltage", std::nan("")), "error");
  EXPECT_EQ(encoded("/Link/NetworkMode", 2), "error");   // not a seed-003 bit
  EXPECT_EQ(encoded("/Link/NetworkMode", 4.5), "error");
  EXPECT_EQ(encoded("/Link/TemperatureSense", 200), "error");
  // Paths the reference gives no register for are not offered.
  EXPECT_EQ(find_vecan_link("/Link/BatteryCurrent"), nullptr);
  EXPECT_EQ(find_vecan_link("/Link/Soc"), nullptr);
  EXPECT_EQ(find_vecan_link("/Link/ChargeCurrent"), nullptr);
}

TEST(VecanLinkBroadcaster, RepeatsWhileWrittenAndStopsWhenTheWritesStop) {
  LinkBroadcaster b;  // repeat 3 s, hold 60 s
  const auto& cv = *find_vecan_link("/Link/ChargeVoltage");
  TimePoint t{};
  ASSERT_TRUE(b.write(cv, 54.0, t));
  ASSERT_EQ(b.due(t).size(), 1u);  // a new value goes out at once
  EXPECT_TRUE(b.due(t + seconds(1)).empty());
  auto rep = b.due(t + seconds(3));
  ASSERT_EQ(rep.size(), 1u);  // the repeat
  EXPECT_EQ(to_hex(rep[0].view()), "6699012018150000");
  // The GX writes the same value again: no extra frame, the repeat carries it.
  ASSERT_TRUE(b.write(cv, 54.0, t + seconds(4)));
  EXPECT_TRUE(b.due(t + seconds(4)).empty());
  // A changed value goes out at once.
  ASSERT_TRUE(b.write(cv, 53.2, t + seconds(5)));
  auto changed = b.due(t + seconds(5));
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(to_hex(changed[0].view()), "66990120c8140000");
  // No more writes: repeats until 60 s after the last write, then nothing.
  std::size_t repeats = 0;
  TimePoint now = t + seconds(5);
  bool expired = false;
  while (now < t + seconds(100)) {
    now += milliseconds(100);
    repeats += b.due(now).size();
    if (!b.expired().empty()) {
      expired = true;
      EXPECT_EQ(b.expired()[0]->path, "/Link/ChargeVoltage");
      EXPECT_GT(now - (t + seconds(5)), seconds(60));
    }
  }
  EXPECT_TRUE(expired);
  EXPECT_FALSE(b.holds("/Link/ChargeVoltage"));
  EXPECT_EQ(repeats, 20u);  // every 3 s over the 60 s hold
}

TEST(VecanLinkBroadcaster, SingleShotPathsGoOutOncePerWrite) {
  LinkBroadcaster b;
  const auto& vs = *find_vecan_link("/Link/VoltageSense");
  TimePoint t{};
  ASSERT_TRUE(b.write(vs, 52.1, t));
  EXPECT_EQ(b.due(t).size(), 1u);
  EXPECT_TRUE(b.due(t + seconds(10)).empty());
  EXPECT_FALSE(b.holds("/Link/VoltageSense"));
  ASSERT_TRUE(b.write(vs, 52.1, t + seconds(11)));
  EXPECT_EQ(b.due(t + seconds(11)).size(), 1u);  // the same value again: sent again
  EXPECT_FALSE(b.write(vs, 500, t + seconds(12)));
  EXPECT_TRUE(b.due(t + seconds(12)).empty());
}

}  // namespace
}  // namespace gxlink::nmea2000

namespace gxlink::drivers::nmea2000 {
namespace {

namespace n2k = gxlink::nmea2000;
using sim::nmea2000::VeCanDevice;
using sim::nmea2000::VeCanProduct;

class VecanLink : public ::testing::Test {
 protected:
  VecanLink() {
    mppt_ep = bus.attach("mppt");
    mppt = std::make_unique<VeCanDevice>(*mppt_ep, VeCanProduct::kMppt150_70, 0x12345, 0x20, 48);
    auto ep = bus.attach("driver");
    driver_ep = ep.get();
    driver = std::make_unique<Nmea2000Driver>(ctx, std::move(ep), Options{});
    driver_ep->set_receiver([this](const CanFrame& f, TimePoint) { driver->on_frame(f, now); });
    bus.record(true);
  }
  void run_for(Duration d) {
    const TimePoint end = now + d;
    while (now < end) {
      now += milliseconds(50);
      mppt->tick(now);
      driver->on_tick(now);
      bus.pump(now);
      model.flush();
    }
  }
  /// The VREG payloads our driver broadcast since `from` (index into the recording).
  std::vector<std::string> link_frames(std::size_t from) {
    std::vector<std::string> out;
    for (std::size_t i = from; i < bus.recorded().size(); ++i) {
      const auto& f = bus.recorded()[i];
      const auto id = n2k::decode_can_id(f.id);
      if (id.src != driver->session().address() || id.pgn != n2k::kVregPgn) continue;
      EXPECT_EQ(id.dst, n2k::kBroadcast);
      EXPECT_EQ(id.prio, n2k::kVregPriority);
      out.push_back(to_hex(ByteView(f.data.data(), f.len)));
    }
    return out;
  }

  TimePoint now{};
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  transport::InProcessCanBus bus{"can0"};
  std::unique_ptr<transport::InProcessCanBus::Endpoint> mppt_ep;
  std::unique_ptr<VeCanDevice> mppt;
  transport::InProcessCanBus::Endpoint* driver_ep = nullptr;  ///< owned by the driver
  std::unique_ptr<Nmea2000Driver> driver;
};

TEST_F(VecanLink, ServiceIsAnnouncedWithEveryLinkPath) {
  driver->begin(now);
  ASSERT_EQ(driver->link_service(), "com.victronenergy.vecan.can0");
  const model::Service* s = model.find(driver->link_service());
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->announced());  // every path is there before the first flush
  for (const auto& d : n2k::vecan_link_paths()) {
    const model::Item* it = s->find(d.path);
    ASSERT_NE(it, nullptr) << d.path;
    EXPECT_TRUE(it->meta.writable) << d.path;
  }
  EXPECT_EQ(s->find("/Link/BatteryCurrent"), nullptr);
  model.flush();
  EXPECT_TRUE(s->announced());
  EXPECT_EQ(s->late_paths(), 0u);
}

TEST_F(VecanLink, ListenOnlyDriverPublishesNoLinkService) {
  Options o;
  o.active = false;
  Nmea2000Driver listener(ctx, bus.attach("listener"), o);
  listener.begin(now);
  EXPECT_TRUE(listener.link_service().empty());
}

TEST_F(VecanLink, ChargeVoltageWriteIsBroadcastAndTheMpptObeys) {
  driver->begin(now);
  run_for(seconds(20));
  ASSERT_TRUE(driver->session().can_send());
  const double free_current = mppt->battery_current();
  ASSERT_GT(free_current, 5.0);  // the sun is up and nothing holds it back
  EXPECT_FALSE(mppt->link_charge_voltage().has_value());

  const std::size_t before = bus.recorded().size();
  const std::string svc = driver->link_service();
  // Below the bank's resting voltage (48 V LiFePO4 at 70 %: about 52.4 V): the charger must stop.
  ASSERT_EQ(model.write(svc, "/Link/ChargeVoltage", 51.5), model::WriteResult::kOk);
  ASSERT_EQ(model.write(svc, "/Link/NetworkMode", std::int64_t{13}), model::WriteResult::kOk);
  bus.pump(now);
  auto sent = link_frames(before);
  ASSERT_EQ(sent.size(), 2u);  // both at once, on the write
  EXPECT_EQ(sent[0], "669901201e140000");  // 0x2001: 5150 × 0.01 V = 0x141E
  EXPECT_EQ(sent[1], "66990e200d000000");
  EXPECT_EQ(model::as_double(model.find(svc)->get("/Link/ChargeVoltage")), 51.5);
  EXPECT_EQ(model::as_int(model.find(svc)->get("/Link/NetworkMode")), 13);

  run_for(seconds(5));
  ASSERT_TRUE(mppt->link_charge_voltage().has_value());
  EXPECT_DOUBLE_EQ(*mppt->link_charge_voltage(), 51.5);
  EXPECT_LT(mppt->battery_current(), 0.5);  // the bank is at the link voltage: no charge current
  // The solar charger service the driver made of the MPPT shows it too.
  const model::Service* sc = nullptr;
  for (auto& [name, s] : model.services())
    if (s->type() == "solarcharger") sc = s.get();
  ASSERT_NE(sc, nullptr);
  EXPECT_LT(model::as_double(sc->get("/Dc/0/Current")).value_or(99), 0.5);

  // Refused writes: out of range and a bit the seed does not define; the held value stays. A
  // client repeating one is refused every time, and the journal gets one line per path and reason
  // a minute, not one per write (issue 11 item 8).
  {
    test::LogCapture log;
    EXPECT_EQ(model.write(svc, "/Link/ChargeVoltage", 200.0), model::WriteResult::kOutOfRange);
    EXPECT_EQ(model.write(svc, "/Link/NetworkMode", std::int64_t{2}),
              model::WriteResult::kOutOfRange);
    EXPECT_EQ(driver->stats().link_refused, 2u);
    for (int i = 0; i < 500; ++i)
      EXPECT_EQ(model.write(svc, "/Link/ChargeVoltage", 200.0), model::WriteResult::kOutOfRange);
    EXPECT_EQ(driver->stats().link_refused, 502u);
    EXPECT_EQ(log.lines("/Link/ChargeVoltage = 200 refused").size(), 1u);
    EXPECT_EQ(log.lines("/Link/NetworkMode = 2 refused").size(), 1u);
  }
  EXPECT_EQ(model::as_double(model.find(svc)->get("/Link/ChargeVoltage")), 51.5);

  // The GX stops writing: repeats go on for 60 s, then stop; the charger times out and charges.
  const std::size_t mark = bus.recorded().size();
  run_for(seconds(59));
  const auto repeats = link_frames(mark);
  EXPECT_GE(repeats.size(), 30u);  // two paths every 3 s
  const std::size_t quiet = bus.recorded().size();
  run_for(seconds(70));
  EXPECT_TRUE(link_frames(quiet).empty());
  EXPECT_FALSE(model::as_double(model.find(svc)->get("/Link/ChargeVoltage")).has_value());
  EXPECT_FALSE(mppt->link_charge_voltage().has_value());
  EXPECT_GT(mppt->battery_current(), 5.0);
}

// A VE.Can solar charger's own current limit (venus_os.md §5.4 step 7): the driver learns its
// maximum (VREQ 0xEDF0), takes /Link/ChargeCurrent on the charger's service and sends it to that
// charger as an addressed VREG 0x2015, repeated every 10 s while written; the MPPT obeys.
TEST_F(VecanLink, ChargeCurrentGoesToThatChargerAddressed) {
  driver->begin(now);
  run_for(seconds(20));
  const model::Service* sc = nullptr;
  for (auto& [name, s] : model.services())
    if (s->type() == "solarcharger") sc = s.get();
  ASSERT_NE(sc, nullptr);
  const model::Item* path = sc->find("/Link/ChargeCurrent");
  ASSERT_NE(path, nullptr);
  EXPECT_TRUE(path->meta.writable);
  EXPECT_EQ(model::as_double(sc->get("/Settings/ChargeCurrentLimit")), 70.0);  // from 0xEDF0
  ASSERT_GT(mppt->battery_current(), 12.0);

  const std::uint8_t mppt_addr = mppt->session().address();
  const std::size_t before = bus.recorded().size();
  ASSERT_EQ(model.write(sc->name(), "/Link/ChargeCurrent", 12.5), model::WriteResult::kOk);
  bus.pump(now);
  std::vector<std::string> sent;
  for (std::size_t i = before; i < bus.recorded().size(); ++i) {
    const auto id = n2k::decode_can_id(bus.recorded()[i].id);
    if (id.src != driver->session().address() || id.pgn != n2k::kVregPgn) continue;
    EXPECT_EQ(id.dst, mppt_addr);  // a command: addressed to that charger
    sent.push_back(to_hex(ByteView(bus.recorded()[i].data.data(), bus.recorded()[i].len)));
  }
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], "669915207d000000");  // 0x2015: 125 × 0.1 A
  run_for(seconds(5));
  ASSERT_TRUE(mppt->link_charge_current().has_value());
  EXPECT_LE(mppt->battery_current(), 12.5);
  EXPECT_GE(mppt->battery_current(), 12.0);  // the sun offers more: it runs at the limit

  // Above the charger's own maximum: refused, nothing sent.
  EXPECT_EQ(model.write(sc->name(), "/Link/ChargeCurrent", 90.0), model::WriteResult::kOutOfRange);
  // Not written again: repeated every 10 s for 60 s, then the limit lapses in the charger (50 s).
  const std::size_t mark = bus.recorded().size();
  run_for(seconds(50));
  std::size_t repeats = 0;
  for (std::size_t i = mark; i < bus.recorded().size(); ++i) {
    const auto id = n2k::decode_can_id(bus.recorded()[i].id);
    if (id.src == driver->session().address() && id.pgn == n2k::kVregPgn && id.dst == mppt_addr &&
        bus.recorded()[i].data[2] == 0x15)
      ++repeats;
  }
  EXPECT_EQ(repeats, 5u);
  run_for(seconds(70));
  EXPECT_FALSE(model::as_double(sc->get("/Link/ChargeCurrent")).has_value());
  EXPECT_FALSE(mppt->link_charge_current().has_value());
  EXPECT_GT(mppt->battery_current(), 12.5);
}

}  // namespace
}  // namespace gxlink::drivers::nmea2000
