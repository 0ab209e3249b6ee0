// SPDX-License-Identifier: MIT
#include "drivers/canbms/gx_driver.hpp"

#include <gtest/gtest.h>

#include "transport/in_process_can_bus.hpp"

namespace gxlink::drivers::canbms {
namespace {

TimePoint at(double s) { return time_from_seconds(100.0 + s); }

struct Fixture : ::testing::Test {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  transport::InProcessCanBus bus{"can0"};
  std::unique_ptr<transport::InProcessCanBus::Endpoint> battery = bus.attach("battery");
  std::vector<CanFrame> seen;

  Fixture() {
    battery->set_receiver([this](const CanFrame& f, TimePoint) { seen.push_back(f); });
  }
  void send(const CanFrame& f, double t) {
    battery->send(f);
    bus.pump(at(t));
  }
  const model::Value& get(std::string_view path) {
    static const model::Value kNone;
    auto* s = model.find("com.victronenergy.battery.socketcan_can0");
    return s ? s->get(path) : kNone;
  }
};

TEST_F(Fixture, SeedFramesBecomeTheBatteryService) {
  GxDriver d(ctx, bus.attach("gx"));
  d.attach();  // no timers: time is driven by hand below
  d.on_tick(at(0));
  send(CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}), 0.1);
  send(CanFrame::standard(0x355, {0x59, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00}), 0.2);
  send(CanFrame::standard(0x356, {0x31, 0x16, 0xce, 0x00, 0x3e, 0x01, 0x00, 0x00}), 0.3);
  send(CanFrame::standard(0x35A, {0xA8, 0xA0, 0x82, 0x00, 0x00, 0x00, 0x80, 0x0A}), 0.4);
  send(CanFrame::standard(0x35E, {'A', 'C', 'M', 'E'}), 0.5);
  send(CanFrame::standard(0x373, {0xE4, 0x0C, 0x0C, 0x0D, 0x29, 0x01, 0x2B, 0x01}), 0.6);
  send(CanFrame::standard(0x378, {0x10, 0x27, 0, 0, 0x64, 0, 0, 0}), 0.6);
  send(CanFrame::standard(0x372, {1, 0, 0, 0, 1, 0, 0, 0}), 0.6);
  send(CanFrame::standard(0x35F, {0x01, 0x00, 0x01, 0x15, 0x18, 0x01, 0, 0}), 0.6);
  ASSERT_NE(d.service(), nullptr);
  EXPECT_EQ(d.service()->name(), "com.victronenergy.battery.socketcan_can0");
  EXPECT_EQ(get("/DeviceInstance"), model::Value{std::int64_t{512}});
  EXPECT_EQ(get("/Connected"), model::Value{std::int64_t{1}});
  EXPECT_EQ(get("/Info/MaxChargeVoltage"), model::Value{58.1});
  EXPECT_EQ(get("/Info/MaxChargeCurrent"), model::Value{110.0});
  EXPECT_EQ(get("/Info/MaxDischargeCurrent"), model::Value{110.0});
  EXPECT_EQ(get("/Soc"), model::Value{89.0});
  EXPECT_EQ(get("/Soh"), model::Value{100.0});
  EXPECT_EQ(get("/Dc/0/Voltage"), model::Value{56.81});
  EXPECT_EQ(get("/Dc/0/Current"), model::Value{20.6});
  EXPECT_EQ(get("/Dc/0/Temperature"), model::Value{31.8});
  EXPECT_EQ(get("/Alarms/HighVoltage"), model::Value{std::int64_t{0}});
  EXPECT_FALSE(model::is_valid(get("/Alarms/LowTemperature")));  // 00: not supported -> invalid
  EXPECT_EQ(get("/ProductName"), model::Value{std::string("ACME")});
  EXPECT_EQ(get("/System/MinCellVoltage"), model::Value{3.3});
  EXPECT_EQ(get("/History/ChargedEnergy"), model::Value{1000.0});
  EXPECT_EQ(get("/System/NrOfModulesOnline"), model::Value{std::int64_t{1}});
  EXPECT_EQ(get("/System/NrOfModulesBlockingDischarge"), model::Value{std::int64_t{1}});
  EXPECT_EQ(get("/FirmwareVersion"), model::Value{std::int64_t{0x0115}});
  EXPECT_EQ(get("/Capacity"), model::Value{280.0});
}

TEST_F(Fixture, SendsKeepaliveAndVicEverySecond) {
  GxDriver d(ctx, bus.attach("gx"));
  d.attach();
  for (int i = 0; i <= 30; ++i) {
    d.on_tick(at(i * 0.1));
    bus.pump(at(i * 0.1));
  }
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen[0].id, 0x305u);
  EXPECT_EQ(seen[1].id, 0x307u);
}

TEST_F(Fixture, NoLimitsForThreeSecondsDisconnectsAndInvalidatesLimits) {
  GxDriver d(ctx, bus.attach("gx"));
  d.attach();
  const CanFrame limits =
      CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00});
  const CanFrame soc = CanFrame::standard(0x355, {0x59, 0x00, 0x64, 0x00});
  for (int i = 0; i < 5; ++i) {
    send(limits, i);
    d.on_tick(at(i));
  }
  EXPECT_EQ(get("/Connected"), model::Value{std::int64_t{1}});
  // The battery keeps sending SOC but no 0x351: at 4 + 3 s it is lost.
  for (double t = 4.5; t < 7.0; t += 0.5) {
    send(soc, t);
    d.on_tick(at(t));
  }
  EXPECT_EQ(get("/Connected"), model::Value{std::int64_t{1}});
  d.on_tick(at(7.0));
  EXPECT_EQ(get("/Connected"), model::Value{std::int64_t{0}});
  EXPECT_FALSE(model::is_valid(get("/Info/MaxChargeVoltage")));
  EXPECT_FALSE(model::is_valid(get("/Info/MaxChargeCurrent")));
  EXPECT_FALSE(model::is_valid(get("/Info/MaxDischargeCurrent")));
  EXPECT_FALSE(model::is_valid(get("/Soc")));
  EXPECT_EQ(d.health().state, HealthState::kWarning);
  // It comes back with the next 0x351, values included (identical frames are re-applied).
  send(limits, 8.0);
  send(soc, 8.1);
  EXPECT_EQ(get("/Connected"), model::Value{std::int64_t{1}});
  EXPECT_EQ(get("/Info/MaxChargeVoltage"), model::Value{58.1});
  EXPECT_EQ(get("/Soc"), model::Value{89.0});
}

TEST_F(Fixture, BadFramesAreCountedAndNeverReachTheModel) {
  GxDriver d(ctx, bus.attach("gx"));
  d.attach();
  send(CanFrame::standard(0x354, {4, 0xc0, 0, 0x1f, 3, 0, 0, 0}), 0);
  send(CanFrame::standard(0x351, {0x45, 0x02, 0x4c}), 0);
  EXPECT_EQ(d.service(), nullptr);
  EXPECT_EQ(d.session().stats().unknown_ids, 1u);
  EXPECT_EQ(d.session().stats().bad_frames, 1u);
}

TEST_F(Fixture, ReplayDriverWithoutTransportSendsNothing) {
  GxDriver d(ctx, nullptr);
  d.on_tick(at(0));
  d.on_frame(CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04}), at(0));
  d.on_tick(at(1));
  EXPECT_EQ(d.service()->name(), "com.victronenergy.battery.socketcan_can0");
  EXPECT_EQ(get("/Info/MaxChargeVoltage"), model::Value{58.1});
}

}  // namespace
}  // namespace gxlink::drivers::canbms
