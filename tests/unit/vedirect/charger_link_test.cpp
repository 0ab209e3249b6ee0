// SPDX-License-Identifier: MIT
// The GX → charger link (DVCC into a VE.Direct MPPT): which SET leaves when, with fake time, and a
// whole loop of driver ↔ simulated MPPT over HEX without a transport.
#include "drivers/vedirect/charger_link.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "drivers/vedirect/vedirect_driver.hpp"
#include "protocols/vedirect/tables.hpp"
#include "sim/vedirect/devices.hpp"

namespace gxlink::drivers::vedirect {
namespace {

using gxlink::vedirect::HexPayload;

HexPayload u16(std::uint16_t v) {
  HexPayload p;
  p.push_back(static_cast<std::uint8_t>(v));
  p.push_back(static_cast<std::uint8_t>(v >> 8));
  return p;
}

std::uint16_t reg_of(const gxlink::vedirect::HexMessage& m) {
  auto r = gxlink::vedirect::parse_register(m);
  return r ? r->id : 0;
}

const TimePoint t0 = TimePoint(seconds(1000));

TEST(ChargerLink, ANewValueIsSentAtOnceThenRefreshedEveryTenSeconds) {
  ChargerLink link;
  link.write(0x2001, u16(5520), t0);
  auto set = link.next_set(t0);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->command, 0x8);
  EXPECT_EQ(reg_of(*set), 0x2001);
  EXPECT_FALSE(link.next_set(t0 + seconds(5)));
  // The GX keeps writing the same value every 3 s: no extra SETs, only the 10 s refresh.
  for (int s = 3; s < 10; s += 3) link.write(0x2001, u16(5520), t0 + seconds(s));
  EXPECT_FALSE(link.next_set(t0 + seconds(9)));
  auto refresh = link.next_set(t0 + seconds(10));
  ASSERT_TRUE(refresh);
  EXPECT_EQ(reg_of(*refresh), 0x2001);
}

TEST(ChargerLink, AtMostOneSetPerSecondAndChangedValuesFirst) {
  ChargerLink link;
  link.write(0x2015, u16(350), t0);
  link.write(0x2001, u16(5520), t0);
  ASSERT_TRUE(link.next_set(t0));
  EXPECT_FALSE(link.next_set(t0 + milliseconds(999)));  // §2.4: ~1 s between SETs
  auto second = link.next_set(t0 + seconds(1));
  ASSERT_TRUE(second);
  // Both sent; at 9 s the current changes: it goes before the voltage's refresh.
  link.write(0x2015, u16(120), t0 + seconds(9));
  link.write(0x2001, u16(5520), t0 + seconds(9));
  auto changed = link.next_set(t0 + seconds(12));
  ASSERT_TRUE(changed);
  EXPECT_EQ(reg_of(*changed), 0x2015);
  EXPECT_EQ(link.sets_sent(), 3u);
}

TEST(ChargerLink, AValueNotWrittenFor60SecondsIsDroppedAndNoLongerSent) {
  ChargerLink link;
  link.write(0x2001, u16(5520), t0);
  ASSERT_TRUE(link.next_set(t0));
  EXPECT_TRUE(link.expire(t0 + seconds(60)).empty());
  auto gone = link.expire(t0 + seconds(61));
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0], 0x2001);
  EXPECT_FALSE(link.holds(0x2001));
  EXPECT_FALSE(link.next_set(t0 + seconds(70)));
}

TEST(ChargerLink, RepliesMarkAcceptanceAndRefusalsAreCounted) {
  ChargerLink link;
  link.write(0x2002, u16(5290), t0);
  EXPECT_FALSE(link.accepted(0x2002));
  link.on_reply(0x2002, true);
  EXPECT_TRUE(link.accepted(0x2002));
  // A new sensed value: still in use while it goes out (the device took the register).
  link.write(0x2002, u16(5301), t0 + seconds(3));
  EXPECT_TRUE(link.accepted(0x2002));
  link.on_reply(0x2002, false);
  EXPECT_FALSE(link.accepted(0x2002));
  EXPECT_EQ(link.refusals(), 1u);
  link.clear();
  EXPECT_FALSE(link.holds(0x2002));
}

// The driver and a simulated 48 V MPPT joined back to back: the driver's HEX frames go into the
// simulator and its replies and TEXT blocks come back, all on fake time.
struct LinkLoop : ::testing::Test {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  sim::vedirect::MpptSimulator mppt{sim::vedirect::SimClockOptions{600, 0.45},
                                    sim::vedirect::mppt_150_35_48v()};
  std::unique_ptr<VeDirectDriver> driver;
  std::string to_driver;
  TimePoint now = t0;
  double sim_t = 0;
  const std::string svc = "com.victronenergy.solarcharger.ttyUSB0";

  void SetUp() override {
    VeDirectOptions o;
    o.connection = "ttyUSB0";
    o.tx = [this](ByteView b) { to_driver += mppt.on_input(b); };
    driver = std::make_unique<VeDirectDriver>(ctx, o);
  }
  /// One simulated second: a TEXT block, then the driver's ticks every 100 ms with the replies.
  void second() {
    sim_t += 1;
    auto block = mppt.tick(sim_t);
    driver->on_bytes(as_bytes(block), now);
    for (int i = 0; i < 10; ++i) {
      now += milliseconds(100);
      driver->on_tick(now);
      while (!to_driver.empty()) {
        std::string rx;
        rx.swap(to_driver);
        driver->on_bytes(as_bytes(rx), now);
      }
    }
  }
  void seconds_(int n) {
    for (int i = 0; i < n; ++i) second();
  }
  model::WriteResult write(const std::string& path, model::Value v) {
    return model.write(svc, path, v);
  }
  const model::Value& get(const std::string& path) { return model.find(svc)->get(path); }
};

TEST_F(LinkLoop, DvccWritesReachTheMpptRegistersAndItObeysThem) {
  seconds_(3);
  ASSERT_NE(model.find(svc), nullptr);
  ASSERT_TRUE(model::is_valid(get("/Settings/ChargeCurrentLimit")));  // polled 0xEDF0 = 35 A
  EXPECT_EQ(write("/Link/NetworkMode", std::int64_t{13}), model::WriteResult::kOk);
  EXPECT_EQ(write("/Link/ChargeVoltage", 54.0), model::WriteResult::kOk);
  EXPECT_EQ(write("/Link/ChargeCurrent", 5.0), model::WriteResult::kOk);
  EXPECT_EQ(write("/Link/VoltageSense", 52.9), model::WriteResult::kOk);
  seconds_(8);
  const auto& r = mppt.registers();
  EXPECT_EQ(r.at(0x200E).at(0), 13);
  EXPECT_EQ(load_le16(r.at(0x2001)), 5400);  // 0.01 V
  EXPECT_EQ(load_le16(r.at(0x2015)), 50);    // 0.1 A
  EXPECT_EQ(load_le16(r.at(0x2002)), 5290);
  EXPECT_EQ(get("/Link/ChargeVoltage"), model::Value(54.0));
  EXPECT_EQ(get("/Link/VoltageSenseActive"), model::Value(std::int64_t{1}));
  EXPECT_EQ(get("/Settings/BmsPresent"), model::Value(std::int64_t{1}));
  // The charger holds the GX's current and says it is externally controlled.
  EXPECT_LE(mppt.battery_current(), 5.0 + 1e-9);
  EXPECT_EQ(mppt.charge_state(), 252);
  auto i = model::as_double(get("/Dc/0/Current"));
  ASSERT_TRUE(i);
  EXPECT_LE(*i, 5.0 + 1e-9);
  EXPECT_EQ(get("/State"), model::Value(std::int64_t{252}));
}

TEST_F(LinkLoop, WritesOutsideTheSafeRangesAreRefusedAndNeverSent) {
  seconds_(3);
  const auto sets = driver->link().sets_sent();
  // 48 V bank: 70 V or 30 V is no charge voltage for it; more than the charger's 35 A is refused.
  EXPECT_EQ(write("/Link/ChargeVoltage", 70.0), model::WriteResult::kOutOfRange);
  EXPECT_EQ(write("/Link/ChargeVoltage", 30.0), model::WriteResult::kOutOfRange);
  EXPECT_EQ(write("/Link/ChargeCurrent", 36.0), model::WriteResult::kOutOfRange);
  EXPECT_EQ(write("/Link/ChargeCurrent", -1.0), model::WriteResult::kOutOfRange);
  EXPECT_EQ(write("/Link/NetworkMode", std::int64_t{2}), model::WriteResult::kOutOfRange);
  EXPECT_EQ(write("/Link/VoltageSense", 13.2), model::WriteResult::kOutOfRange);  // another bank
  EXPECT_EQ(write("/Link/TemperatureSense", 120.0), model::WriteResult::kOutOfRange);
  EXPECT_EQ(write("/Link/ChargeVoltage", std::string("55")), model::WriteResult::kBadType);
  seconds_(3);
  EXPECT_EQ(driver->link().sets_sent(), sets);
  EXPECT_EQ(driver->stats().link_refused, 7u);
  EXPECT_FALSE(model::is_valid(get("/Link/ChargeVoltage")));
  EXPECT_EQ(load_le16(mppt.registers().at(0x2001)), 0xFFFF);
}

TEST_F(LinkLoop, WhenTheGxStopsWritingTheChargerFallsBackAndReportsBmsLost) {
  seconds_(3);
  ASSERT_EQ(write("/Link/NetworkMode", std::int64_t{13}), model::WriteResult::kOk);
  ASSERT_EQ(write("/Link/ChargeCurrent", 5.0), model::WriteResult::kOk);
  seconds_(5);
  ASSERT_LE(mppt.battery_current(), 5.0 + 1e-9);
  // No more GX writes: the driver drops its values after 60 s and stops refreshing, so the
  // charger's own timeouts act (0x2015 resets, then error 67 in BMS mode).
  seconds_(62);
  EXPECT_FALSE(model::is_valid(get("/Link/ChargeCurrent")));
  EXPECT_FALSE(driver->link().holds(0x2015));
  seconds_(60);
  EXPECT_EQ(mppt.error(), 67);
  EXPECT_EQ(get("/ErrorCode"), model::Value(std::int64_t{67}));
  // The GX comes back: the charger recovers.
  ASSERT_EQ(write("/Link/NetworkMode", std::int64_t{13}), model::WriteResult::kOk);
  seconds_(3);
  EXPECT_EQ(mppt.error(), 0);
}

TEST_F(LinkLoop, LinkPathsExistBeforeTheFirstWriteAndBatteryCurrentIsAcceptedNotSent) {
  seconds_(2);
  const auto* s = model.find(svc);
  ASSERT_NE(s, nullptr);
  for (auto p : {"/Link/NetworkMode", "/Link/ChargeVoltage", "/Link/ChargeCurrent",
                 "/Link/VoltageSense", "/Link/TemperatureSense", "/Link/BatteryCurrent"}) {
    const auto* item = s->find(p);
    ASSERT_NE(item, nullptr) << p;
    EXPECT_TRUE(item->meta.writable) << p;
  }
  const auto sets = driver->link().sets_sent();
  EXPECT_EQ(write("/Link/BatteryCurrent", -12.5), model::WriteResult::kOk);
  seconds_(2);
  EXPECT_EQ(get("/Link/BatteryCurrent"), model::Value(-12.5));
  EXPECT_EQ(driver->link().sets_sent(), sets);
}

TEST(VeDirectDriverLink, WithoutAHexLinkAWriteFails) {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  VeDirectOptions o;
  o.connection = "ttyUSB0";  // no port and no tx: a capture, never sends
  VeDirectDriver d(ctx, o);
  sim::vedirect::MpptSimulator mppt{sim::vedirect::SimClockOptions{600, 0.45},
                                    sim::vedirect::mppt_150_35_48v()};
  d.on_bytes(as_bytes(mppt.tick(1)), t0);
  EXPECT_EQ(model.write("com.victronenergy.solarcharger.ttyUSB0", "/Link/NetworkMode",
                        model::Value(std::int64_t{5})),
            model::WriteResult::kFailed);
}

}  // namespace
}  // namespace gxlink::drivers::vedirect
