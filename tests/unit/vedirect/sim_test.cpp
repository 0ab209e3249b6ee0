// SPDX-License-Identifier: MIT
// The simulated devices speak valid VE.Direct: their output passes our framer and driver, and
// their HEX answers match the Victron examples' shapes.
#include "sim/vedirect/devices.hpp"

#include <gtest/gtest.h>

#include <set>

#include <asio/io_context.hpp>

#include "drivers/vedirect/vedirect_driver.hpp"
#include "protocols/vedirect/hex.hpp"
#include "unit/vedirect/test_util.hpp"

namespace gxlink::sim::vedirect {
namespace {

using namespace gxlink::vedirect;

std::string hex(const HexMessage& m) {
  auto t = encode_hex(m);
  return std::string(reinterpret_cast<const char*>(t.data.data()), t.size);
}

TEST(VeDirectSim, MpptFollowsTheDayAndEmitsValidBlocks) {
  MpptSimulator mppt(SimClockOptions{600, 0.0});
  std::size_t blocks = 0, sunny = 0;
  std::set<std::string> states;
  for (int t = 1; t <= 600; ++t) {
    auto ev = test::run_framer(mppt.tick(t));
    ASSERT_EQ(ev.text, 1u) << t;
    ASSERT_EQ(ev.bad_text, 0u);
    ++blocks;
    const auto& line = ev.lines[0];
    EXPECT_EQ(line.rfind("T PID=0xA05F;FW=161;SER#=HQ2245SIM01;", 0), 0u);
    const auto cs = line.substr(line.find(";CS=") + 4, line.find(";MPPT") - line.find(";CS=") - 4);
    states.insert(cs);
    if (line.find(";PPV=0;") == std::string::npos) ++sunny;
    // Night (before 06:00 of the simulated day) has no PV.
    if (t < 140) {
      EXPECT_NE(line.find(";PPV=0;"), std::string::npos) << t;
    }
  }
  EXPECT_EQ(blocks, 600u);
  EXPECT_GT(sunny, 200u);
  EXPECT_TRUE(states.count("0"));
  EXPECT_TRUE(states.count("3"));
}

TEST(VeDirectSim, SmartShuntSendsTwoBlocksAndSocDrifts) {
  SmartShuntSimulator shunt;
  const double soc0 = shunt.soc();
  for (int t = 1; t <= 60; ++t) {
    auto ev = test::run_framer(shunt.tick(t));
    ASSERT_EQ(ev.text, 2u);
    EXPECT_EQ(ev.lines[0].rfind("T PID=0xA389;", 0), 0u);
    EXPECT_EQ(ev.lines[1].rfind("T H1=", 0), 0u);
  }
  EXPECT_NE(shunt.soc(), soc0);
}

TEST(VeDirectSim, AnswersHexCommands) {
  MpptSimulator mppt;
  EXPECT_EQ(mppt.on_input(as_bytes(":154\n")),
            hex(make_word_reply(HexResponse::kPingReply, 0x4161)));
  EXPECT_EQ(mppt.on_input(as_bytes(":451\n")), ":15FA055\n");
  // GET 0xEDF0 → 200 (20.0 A), shaped as the Victron example ":7F0ED009600DB".
  EXPECT_EQ(mppt.on_input(as_bytes(":7F0ED0071\n")), ":7F0ED00C800A9\n");
  // SET device mode off, echoed, and the register changed.
  EXPECT_EQ(mppt.on_input(as_bytes(":80002000447\n")), ":80002000447\n");
  EXPECT_EQ(mppt.registers().at(0x0200).at(0), 4);
  // Unknown register → flag 0x01; read-only register SET → flag 0x02; bad checksum → :4AAAAFD.
  EXPECT_EQ(mppt.on_input(as_bytes(hex(make_get(0x1234)))),
            hex(make_register(HexCommand::kGet, 0x1234, 1, {})));
  const std::uint8_t one = 1;
  EXPECT_EQ(mppt.on_input(as_bytes(hex(make_set(0x010A, ByteView(&one, 1))))),
            hex(make_register(HexCommand::kSet, 0x010A, 2, {})));
  EXPECT_EQ(mppt.on_input(as_bytes(":7F0ED0072\n")), ":4AAAAFD\n");
  EXPECT_EQ(mppt.on_input(as_bytes(":253\n")), ":3020050\n");  // Victron doc: unknown command
}

TEST(VeDirectSim, DriverReadsTheSimulatorsIntoServices) {
  asio::io_context io;
  model::Model m;
  model::DeviceInstances inst;
  drivers::DriverContext ctx{io, m, inst};
  drivers::vedirect::VeDirectOptions o;
  o.connection = "ttyUSB1";
  drivers::vedirect::VeDirectDriver d(ctx, o);
  SmartShuntSimulator shunt;
  for (int t = 1; t <= 3; ++t) d.on_bytes(as_bytes(shunt.tick(t)), TimePoint(seconds(t)));
  const auto* s = m.find("com.victronenergy.battery.ttyUSB1");
  ASSERT_NE(s, nullptr);
  auto soc = model::as_double(s->get("/Soc"));
  ASSERT_TRUE(soc);
  EXPECT_NEAR(*soc, shunt.soc() * 100, 0.1);
  EXPECT_TRUE(model::is_valid(s->get("/History/ChargedEnergy")));
  EXPECT_EQ(d.stats().blocks, 6u);
}

}  // namespace
}  // namespace gxlink::sim::vedirect
