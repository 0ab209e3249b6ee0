// SPDX-License-Identifier: MIT
// The capture reader: canboat PLAIN/FAST text (with canboat's PLAIN_OR_FAST latch) and the three
// candump formats.
#include "drivers/nmea2000/capture.hpp"

#include <gtest/gtest.h>

namespace gxlink::drivers::nmea2000 {
namespace {

const gxlink::nmea2000::Message* feed_ok(CaptureReader& r, std::string_view line) {
  auto m = r.feed_line(line);
  EXPECT_TRUE(m.has_value()) << line << ": " << (m ? "" : m.error().message());
  return m ? *m : nullptr;
}

TEST(N2kCapture, PlainFramesAreReassembledUntilACoalescedLineLatches) {
  CaptureReader r;
  // 127506 as two fast-packet frames in PLAIN format (frame 0 announces 11 bytes).
  EXPECT_EQ(feed_ok(r, "2016-02-28T19:57:02.100Z,6,127506,40,255,8,40,0b,00,0a,00,64,64,7f"),
            nullptr);
  const auto* m = feed_ok(r, "2016-02-28T19:57:02.101Z,6,127506,40,255,8,41,05,ff,ff,10,00,ff,ff");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(to_hex(m->payload), "000a0064647f05ffff1000");
  EXPECT_EQ(r.timestamp(), "2016-02-28T19:57:02.101Z");
  EXPECT_FALSE(r.coalesced());
  // A line longer than 8 bytes: from now on every line is a whole message (canboat's latch).
  ASSERT_NE(feed_ok(r, "2016-02-28T19:57:02.2Z,6,127506,40,255,9,00,0a,00,64,00,7f,05,ff,ff"),
            nullptr);
  EXPECT_TRUE(r.coalesced());
  m = feed_ok(r, "2016-02-28T19:57:02.3Z,6,127509,40,255,4,00,01,00,c1");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->payload.size(), 4u);
}

TEST(N2kCapture, CandumpFormatsAndComments) {
  CaptureReader r;
  EXPECT_EQ(feed_ok(r, "# comment"), nullptr);
  EXPECT_EQ(feed_ok(r, ""), nullptr);
  const auto* m = feed_ok(r, "(1502984866.421964) slcan0 09F21401#001C0A0700FF70FF");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id.pgn, 127508u);
  EXPECT_EQ(m->id.src, 0x01);
  EXPECT_EQ(r.timestamp(), "2017-08-17T15:47:46.422Z");
  m = feed_ok(r, "<0x18eeff01> [8] 05 a0 be 1c 00 a0 a0 c0 ");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id.pgn, 60928u);
  m = feed_ok(r, "  can0  09F8027F   [8]  00 FC FF FF 00 00 FF FF");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->id.pgn, 129026u);
  EXPECT_FALSE(r.feed_line("(1.0) can0 XYZ#00").has_value());
  EXPECT_FALSE(r.feed_line("2016-02-28T19:57:02.3Z,6,127508,40,255,8,00,01").has_value());  // short
}

TEST(N2kCapture, Timestamps) {
  EXPECT_DOUBLE_EQ(*parse_iso_time("2016-02-28T19:57:02.364Z"), 1456689422.364);
  EXPECT_DOUBLE_EQ(*parse_iso_time("2016-02-28-19:57:01"), 1456689421.0);  // canboat's older form
  EXPECT_FALSE(parse_iso_time("yesterday").has_value());
  EXPECT_FALSE(parse_iso_time("9999-12-31T23:59:59Z").has_value());  // beyond the clock's reach
  std::string s;
  format_iso_time(1456689422.364, s);
  EXPECT_EQ(s, "2016-02-28T19:57:02.364Z");
}

}  // namespace
}  // namespace gxlink::drivers::nmea2000
