// SPDX-License-Identifier: MIT
#include "protocols/canbms/gx_session.hpp"

#include <gtest/gtest.h>

namespace gxlink::canbms {
namespace {

const CanFrame kLimits =
    CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00});
TimePoint at(double s) { return time_from_seconds(1000.0 + s); }

TEST(CanBmsGxSession, SendsKeepaliveAndVicEverySecond) {
  GxSession s;
  std::vector<CanFrame> out;
  for (int ms = 0; ms <= 3000; ms += 100) s.on_tick(at(ms / 1000.0), out);
  ASSERT_EQ(out.size(), 8u);  // t = 0, 1, 2, 3 s: 0x305 then 0x307 each time
  for (std::size_t i = 0; i < out.size(); i += 2) {
    EXPECT_EQ(out[i].id, 0x305u);
    EXPECT_EQ(out[i + 1].id, 0x307u);
    EXPECT_EQ(out[i + 1].data[4], 'V');
  }
  EXPECT_EQ(s.next_deadline(), at(4.0));
}

TEST(CanBmsGxSession, NoLimitsForThreeSecondsLosesTheBattery) {
  GxSession s;
  std::vector<CanFrame> out;
  EXPECT_FALSE(s.connected());
  ASSERT_TRUE(s.on_frame(kLimits, at(0)));
  EXPECT_TRUE(s.connected());
  EXPECT_FALSE(s.on_tick(at(2.9), out));
  EXPECT_TRUE(s.connected());
  // Other frames do not keep the link: only 0x351 does (seeds/001 §1.4).
  ASSERT_TRUE(s.on_frame(CanFrame::standard(0x355, {0x59, 0, 0x64, 0}), at(2.95)));
  EXPECT_TRUE(s.on_tick(at(3.0), out));
  EXPECT_FALSE(s.connected());
  EXPECT_FALSE(s.on_tick(at(10), out));  // reported once
  EXPECT_EQ(s.stats().link_losses, 1u);
  ASSERT_TRUE(s.on_frame(kLimits, at(11)));
  EXPECT_TRUE(s.connected());
}

TEST(CanBmsGxSession, CountsUnknownAndBadFrames) {
  GxSession s;
  EXPECT_FALSE(s.on_frame(CanFrame::standard(0x354, {4, 0xc0, 0, 0x1f, 3, 0, 0, 0}), at(0)));
  EXPECT_FALSE(s.on_frame(CanFrame::standard(0x351, {0x45, 0x02}), at(0)));
  EXPECT_EQ(s.stats().unknown_ids, 1u);
  EXPECT_EQ(s.stats().bad_frames, 1u);
  EXPECT_FALSE(s.connected());  // a short 0x351 is not a keepalive
}

TEST(CanBmsGxSession, NamePrecedenceAndSerialAssembly) {
  GxSession s;
  EXPECT_EQ(s.name(), "CAN-bus BMS battery");
  s.on_frame(CanFrame::standard(0x35E, {'P', 'Y', 'L', 'O', 'N'}), at(0));
  EXPECT_EQ(s.name(), "Pylontech battery");
  s.on_frame(CanFrame::standard(0x370, {'B', 'i', 'g', 'B', 'a', 't', 't', 'e'}), at(0));
  s.on_frame(CanFrame::standard(0x371, {'r', 'y', ' ', '4', '8', 'V', 0, 0}), at(0));
  EXPECT_EQ(s.name(), "BigBattery 48V");
  s.on_frame(CanFrame::standard(0x380, {'S', 'N', '1', '2', '3', '4', '5', '6'}), at(0));
  EXPECT_FALSE(s.serial());  // complete only with 0x381
  s.on_frame(CanFrame::standard(0x381, {0, 0, 0, 0, 0, 0, 0, 0}), at(0));
  EXPECT_EQ(s.serial(), "SN123456");
}

TEST(CanBmsGxSession, PassiveModeSendsNothing) {
  GxOptions o;
  o.send_keepalive = false;
  GxSession s(o);
  std::vector<CanFrame> out;
  s.on_tick(at(0), out);
  s.on_tick(at(5), out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace gxlink::canbms
