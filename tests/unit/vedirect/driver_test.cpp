// SPDX-License-Identifier: MIT
// The VE.Direct driver without a transport: bytes and fake time in, model out.
#include "drivers/vedirect/vedirect_driver.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>

#include "protocols/vedirect/text.hpp"

namespace gxlink::drivers::vedirect {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using gxlink::vedirect::encode_text_block;

const Fields kMppt = {{"PID", "0xA060"},    {"FW", "161"},   {"SER#", "HQ2245ABCDE"},
                      {"V", "52810"},       {"I", "4300"},   {"VPV", "98750"},
                      {"PPV", "232"},       {"CS", "3"},     {"MPPT", "2"},
                      {"OR", "0x00000000"}, {"ERR", "0"},    {"LOAD", "ON"},
                      {"IL", "300"},        {"H19", "8272"}, {"H20", "45"},
                      {"H21", "240"},       {"H22", "112"},  {"H23", "274"},
                      {"HSDS", "274"}};
const Fields kShuntMain = {{"PID", "0xA389"}, {"V", "12850"},
                           {"I", "-3500"},    {"P", "-45"},
                           {"CE", "-20500"},  {"SOC", "897"},
                           {"TTG", "1234"},   {"Alarm", "OFF"},
                           {"AR", "5"},       {"BMV", "SmartShunt 500A/50mV"},
                           {"FW", "0415"},    {"MON", "0"}};
const Fields kShuntHistory = {
    {"H1", "-102345"}, {"H4", "187"}, {"H7", "11843"}, {"H17", "41230"}, {"H18", "39870"}};

struct Fixture : ::testing::Test {
  asio::io_context io;
  model::Model model;
  model::DeviceInstances instances;
  DriverContext ctx{io, model, instances};
  TimePoint t0 = TimePoint(seconds(1000));

  std::unique_ptr<VeDirectDriver> make(const std::string& conn = "ttyUSB0") {
    VeDirectOptions o;
    o.connection = conn;
    o.timeout = seconds(5);
    return std::make_unique<VeDirectDriver>(ctx, nullptr, o);
  }
  static void feed(VeDirectDriver& d, const std::string& bytes, TimePoint t) {
    d.on_bytes(as_bytes(bytes), t);
  }
  const model::Value& get(const std::string& svc, const std::string& path) {
    const auto* s = model.find(svc);
    static const model::Value kNone;
    return s ? s->get(path) : kNone;
  }
};

TEST_F(Fixture, MpptBecomesASolarchargerWithVenusPathsAndUnits) {
  auto d = make();
  feed(*d, encode_text_block(kMppt), t0);
  const std::string svc = "com.victronenergy.solarcharger.ttyUSB0";
  ASSERT_NE(model.find(svc), nullptr);
  EXPECT_EQ(get(svc, "/DeviceInstance"),
            model::Value(std::int64_t{288}));  // ttyUSB0 (venus_os.md §2.2)
  EXPECT_EQ(get(svc, "/ProductId"), model::Value(std::int64_t{0xA060}));
  EXPECT_EQ(get(svc, "/ProductName"), model::Value(std::string("SmartSolar MPPT 100|20 48V")));
  EXPECT_EQ(get(svc, "/FirmwareVersion"), model::Value(std::int64_t{0x161}));
  EXPECT_EQ(get(svc, "/Mgmt/Connection"), model::Value(std::string("VE.Direct")));
  EXPECT_EQ(get(svc, "/Connected"), model::Value(std::int64_t{1}));
  EXPECT_EQ(get(svc, "/Serial"), model::Value(std::string("HQ2245ABCDE")));
  EXPECT_EQ(get(svc, "/Dc/0/Voltage"), model::Value(52.81));
  EXPECT_EQ(get(svc, "/Dc/0/Current"), model::Value(4.3));
  EXPECT_EQ(get(svc, "/Pv/V"), model::Value(98.75));
  EXPECT_EQ(get(svc, "/Yield/Power"), model::Value(std::int64_t{232}));
  EXPECT_EQ(get(svc, "/State"), model::Value(std::int64_t{3}));
  EXPECT_EQ(get(svc, "/MppOperationMode"), model::Value(std::int64_t{2}));
  EXPECT_EQ(get(svc, "/DeviceOffReason"), model::Value(std::int64_t{0}));
  EXPECT_EQ(get(svc, "/ErrorCode"), model::Value(std::int64_t{0}));
  EXPECT_EQ(get(svc, "/Load/State"), model::Value(std::int64_t{1}));
  EXPECT_EQ(get(svc, "/Load/I"), model::Value(0.3));
  EXPECT_EQ(get(svc, "/Yield/User"), model::Value(82.72));
  EXPECT_EQ(get(svc, "/History/Daily/0/Yield"), model::Value(0.45));
  EXPECT_EQ(get(svc, "/History/Daily/1/MaxPower"), model::Value(std::int64_t{274}));
  EXPECT_EQ(get(svc, "/NrOfTrackers"), model::Value(std::int64_t{1}));
  EXPECT_EQ(model.find(svc)->find("/State")->text(), "Bulk");
  EXPECT_EQ(model.find(svc)->find("/Dc/0/Voltage")->meta.unit, "V");
  EXPECT_EQ(instances.class_and_instance("vedirect_HQ2245ABCDE"), "solarcharger:288");
  EXPECT_TRUE(d->connected());
}

TEST_F(Fixture, SmartShuntTwoBlockDatasetIsMergedAndAlarmsMapped) {
  auto d = make("ttyUSB1");
  feed(*d, encode_text_block(kShuntHistory), t0);  // history first: no identity yet
  EXPECT_EQ(d->service(), nullptr);
  feed(*d, encode_text_block(kShuntMain), t0 + seconds(1));
  const std::string svc = "com.victronenergy.battery.ttyUSB1";
  ASSERT_NE(model.find(svc), nullptr);
  EXPECT_EQ(get(svc, "/DeviceInstance"), model::Value(std::int64_t{289}));
  EXPECT_EQ(get(svc, "/Soc"), model::Value(89.7));
  EXPECT_EQ(get(svc, "/ConsumedAmphours"), model::Value(-20.5));
  EXPECT_EQ(get(svc, "/TimeToGo"), model::Value(std::int64_t{1234 * 60}));
  EXPECT_EQ(get(svc, "/Dc/0/Power"), model::Value(std::int64_t{-45}));
  EXPECT_EQ(get(svc, "/History/DeepestDischarge"),
            model::Value(-102.345));  // from the earlier block
  EXPECT_EQ(get(svc, "/History/ChargedEnergy"), model::Value(398.7));
  EXPECT_EQ(get(svc, "/History/MinimumVoltage"), model::Value(11.843));
  EXPECT_EQ(get(svc, "/Alarms/LowVoltage"), model::Value(std::int64_t{2}));  // AR bit 1
  EXPECT_EQ(get(svc, "/Alarms/LowSoc"), model::Value(std::int64_t{2}));      // AR bit 4
  EXPECT_EQ(get(svc, "/Alarms/HighVoltage"), model::Value(std::int64_t{0}));
  EXPECT_EQ(get(svc, "/ProductName"), model::Value(std::string("SmartShunt 500A/50mV")));
}

TEST_F(Fixture, SilenceMakesTheDeviceDisconnectedAndDataReconnectsIt) {
  auto d = make();
  feed(*d, encode_text_block(kMppt), t0);
  const std::string svc = "com.victronenergy.solarcharger.ttyUSB0";
  d->on_tick(t0 + seconds(4));
  EXPECT_EQ(get(svc, "/Connected"), model::Value(std::int64_t{1}));
  d->on_tick(t0 + seconds(6));
  EXPECT_EQ(get(svc, "/Connected"), model::Value(std::int64_t{0}));
  EXPECT_FALSE(model::is_valid(get(svc, "/Dc/0/Voltage")));
  EXPECT_FALSE(model::is_valid(get(svc, "/Yield/User")));
  EXPECT_EQ(get(svc, "/ProductName"), model::Value(std::string("SmartSolar MPPT 100|20 48V")));
  EXPECT_EQ(d->health().state, HealthState::kWarning);
  // Garbage does not count as data.
  feed(*d, std::string("\r\nV\t1\r\nChecksum\t\x01"), t0 + seconds(7));
  EXPECT_EQ(get(svc, "/Connected"), model::Value(std::int64_t{0}));
  // A block with only some fields: only those come back (no stale values from before).
  feed(*d, encode_text_block(Fields{{"PID", "0xA060"}, {"V", "53000"}}), t0 + seconds(8));
  EXPECT_EQ(get(svc, "/Connected"), model::Value(std::int64_t{1}));
  EXPECT_EQ(get(svc, "/Dc/0/Voltage"), model::Value(53.0));
  EXPECT_FALSE(model::is_valid(get(svc, "/Yield/User")));
  EXPECT_EQ(d->stats().disconnects, 1u);
  EXPECT_EQ(d->health().state, HealthState::kOk);
}

TEST_F(Fixture, BadBlocksAndBadValuesNeverReachTheModel) {
  auto d = make();
  std::string bad = encode_text_block(kMppt);
  bad[bad.find("52810") + 1] = '3';  // damaged digit: checksum fails
  feed(*d, bad, t0);
  EXPECT_EQ(d->service(), nullptr);
  EXPECT_EQ(d->stats().bad_blocks, 1u);

  Fields odd = kMppt;
  odd[3].second = "52a10";  // checksum-valid but not a number
  odd.push_back({"XYZ", "1"});
  feed(*d, encode_text_block(odd), t0 + seconds(1));
  const std::string svc = "com.victronenergy.solarcharger.ttyUSB0";
  EXPECT_FALSE(model::is_valid(get(svc, "/Dc/0/Voltage")));
  EXPECT_EQ(get(svc, "/Pv/V"), model::Value(98.75));
  EXPECT_EQ(d->stats().bad_values, 1u);
  EXPECT_EQ(d->stats().unknown_labels, 1u);
}

// A serial number with Latin-1 bytes in a checksum-valid block: the readings beside it arrive,
// and the serial becomes valid UTF-8 (read as Latin-1), counted once.
TEST_F(Fixture, ATextValueThatIsNotUtf8IsRepairedAndTheBlockKept) {
  auto d = make();
  Fields f = kMppt;
  f[2].second = "HQ\xff\xe9Z";
  feed(*d, encode_text_block(f), t0);
  const std::string svc = "com.victronenergy.solarcharger.ttyUSB0";
  ASSERT_NE(model.find(svc), nullptr);
  EXPECT_EQ(get(svc, "/Dc/0/Voltage"), model::Value(52.81));
  EXPECT_EQ(get(svc, "/Serial"), model::Value(std::string("HQ\u00ff\u00e9Z")));
  EXPECT_EQ(d->stats().bad_blocks, 0u);
  EXPECT_GE(d->stats().repaired_strings, 1u);
}

TEST_F(Fixture, AbsurdSocIsInvalid) {
  auto d = make();
  Fields f = kShuntMain;
  f[5].second = "1937";  // 193.7 %
  feed(*d, encode_text_block(f), t0);
  EXPECT_FALSE(model::is_valid(get("com.victronenergy.battery.ttyUSB0", "/Soc")));
  EXPECT_EQ(d->stats().bad_values, 1u);
}

TEST_F(Fixture, Bmv60xSPublishesAsBattery) {
  auto d = make("ttyS5");
  feed(*d,
       encode_text_block(Fields{{"V", "12650"},
                                {"I", "-1200"},
                                {"CE", "---"},
                                {"SOC", "---"},
                                {"TTG", "-1"},
                                {"Alarm", "OFF"},
                                {"Relay", "OFF"},
                                {"AR", "0"},
                                {"BMV", "602S"},
                                {"FW", "212"}}),
       t0);
  const std::string svc = "com.victronenergy.battery.ttyS5";
  ASSERT_NE(model.find(svc), nullptr);
  EXPECT_EQ(get(svc, "/DeviceInstance"), model::Value(std::int64_t{277}));  // Cerbo ttyS5
  EXPECT_EQ(get(svc, "/ProductName"), model::Value(std::string("BMV-602S")));
  EXPECT_FALSE(model::is_valid(get(svc, "/ProductId")));
  EXPECT_EQ(get(svc, "/Dc/0/Voltage"), model::Value(12.65));
  EXPECT_FALSE(model::is_valid(get(svc, "/Soc")));
  EXPECT_FALSE(model::is_valid(get(svc, "/TimeToGo")));
}

TEST_F(Fixture, InverterAlarmsUseWarningAndAlarmLevels) {
  auto d = make();
  const std::string phoenix =
      "\r\nPID\t0xA2F1\r\nFW\t0124\r\nSER#\tHQ2152UFKWY\r\nMODE\t2\r\nCS\t9\r\nAC_OUT_V\t23007"
      "\r\nAC_OUT_I\t1\r\nAC_OUT_S\t38\r\nV\t13232\r\nAR\t0\r\nWARN\t0\r\nOR\t0x00000000"
      "\r\nChecksum\t\xB1";
  feed(*d, phoenix, t0);
  const std::string svc = "com.victronenergy.inverter.ttyUSB0";
  ASSERT_NE(model.find(svc), nullptr);
  EXPECT_EQ(get(svc, "/Ac/Out/L1/V"), model::Value(230.07));
  EXPECT_EQ(get(svc, "/Ac/Out/L1/I"), model::Value(0.1));
  EXPECT_EQ(get(svc, "/Mode"), model::Value(std::int64_t{2}));
  EXPECT_EQ(get(svc, "/State"), model::Value(std::int64_t{9}));
  feed(*d, encode_text_block(Fields{{"PID", "0xA2F1"}, {"AR", "256"}, {"WARN", "1"}}),
       t0 + seconds(1));
  EXPECT_EQ(get(svc, "/Alarms/Overload"), model::Value(std::int64_t{2}));
  EXPECT_EQ(get(svc, "/Alarms/LowVoltage"), model::Value(std::int64_t{1}));
  EXPECT_EQ(get(svc, "/Alarms/HighTemperature"), model::Value(std::int64_t{0}));
}

TEST_F(Fixture, AnotherProductOnThePortReplacesTheService) {
  auto d = make();
  feed(*d, encode_text_block(kMppt), t0);
  feed(*d, encode_text_block(kShuntMain), t0 + seconds(1));
  EXPECT_EQ(model.find("com.victronenergy.solarcharger.ttyUSB0"), nullptr);
  EXPECT_NE(model.find("com.victronenergy.battery.ttyUSB0"), nullptr);
}

TEST_F(Fixture, UnknownProductIsNotPublished) {
  auto d = make();
  feed(*d, encode_text_block(Fields{{"PID", "0x1234"}, {"V", "12000"}}), t0);
  EXPECT_EQ(d->service(), nullptr);
  EXPECT_TRUE(model.services().empty());
}

TEST(VeDirectDriverNames, ConnectionNamesAndDefaultInstances) {
  EXPECT_EQ(sanitize_connection("/dev/ttyUSB0"), "ttyUSB0");
  EXPECT_EQ(sanitize_connection("/tmp/x/karioja_bvm702.dump"), "karioja_bvm702_dump");
  EXPECT_EQ(sanitize_connection("usb-VictronEnergy_BV_VE_Direct_cable-if00"),
            "usb_VictronEnergy_BV_VE_Direct_cable_if00");
  EXPECT_EQ(default_device_instance("ttyUSB0"), 288);
  EXPECT_EQ(default_device_instance("ttyUSB1"), 289);
  EXPECT_EQ(default_device_instance("ttyS7"), 279);
  EXPECT_EQ(default_device_instance("ttyO2"), 258);
  EXPECT_EQ(default_device_instance("capture"), 288);
  EXPECT_EQ(default_device_instance("ttyUSBx"), 288);
}

}  // namespace
}  // namespace gxlink::drivers::vedirect
