// SPDX-License-Identifier: MIT
#include "transport/candump.hpp"

#include <gtest/gtest.h>

namespace gxlink::transport {
namespace {

CandumpLine parse_ok(std::string_view s) {
  auto r = parse_candump_line(s);
  EXPECT_TRUE(r.has_value()) << s << ": " << (r ? "" : r.error().message());
  EXPECT_TRUE(r && r->has_value()) << s;
  return r && *r ? **r : CandumpLine{};
}

TEST(Candump, LogFormatWithTimestamp) {
  // canboat samples/candumpSample3.txt
  auto l = parse_ok("(1502984866.421964) slcan0 09F112CC#FF725AFF7FFF7FFD");
  EXPECT_DOUBLE_EQ(*l.timestamp, 1502984866.421964);
  EXPECT_EQ(l.interface, "slcan0");
  EXPECT_TRUE(l.frame.extended);
  EXPECT_EQ(l.frame.id, 0x09F112CCu);
  EXPECT_EQ(l.frame.len, 8);
  EXPECT_EQ(l.frame.data[7], 0xFD);
}

TEST(Candump, StandardIdAndShortFrame) {
  auto l = parse_ok("(1600000000.000000) can0 351#45024C044C04");
  EXPECT_FALSE(l.frame.extended);
  EXPECT_EQ(l.frame.id, 0x351u);
  EXPECT_EQ(l.frame.len, 6);
}

TEST(Candump, PlainCandumpOutput) {
  // canboat samples/candumpSample2.txt
  auto l = parse_ok("  can0  09F8027F   [8]  00 FC FF FF 00 00 FF FF");
  EXPECT_FALSE(l.timestamp.has_value());
  EXPECT_TRUE(l.frame.extended);
  EXPECT_EQ(l.frame.id, 0x09F8027Fu);
  EXPECT_EQ(l.frame.data[1], 0xFC);
  auto s = parse_ok("(1.5)  can0  305   [1]  00");
  EXPECT_FALSE(s.frame.extended);
  EXPECT_EQ(s.frame.len, 1);
}

TEST(Candump, AngstromFormat) {
  // canboat samples/candumpSample1.txt
  auto l = parse_ok("<0x18eeff01> [8] 05 a0 be 1c 00 a0 a0 c0 ");
  EXPECT_TRUE(l.frame.extended);
  EXPECT_EQ(l.frame.id, 0x18eeff01u);
  EXPECT_EQ(l.frame.data[0], 0x05);
}

TEST(Candump, RemoteFrameLengthSurvivesFormatting) {
  auto l = parse_ok("  can0  123   [2]  remote request");
  EXPECT_EQ(format_candump_log(l.frame, 1.0, "can0"), "(0000000001.000000) can0 123#R2");
  EXPECT_EQ(parse_ok(format_candump_log(l.frame, 1.0, "can0")).frame, l.frame);
}

TEST(Candump, AngstromWidthTellsStandardFromExtended) {
  // seeds/001 §5.1: `<0x351>` is an 11-bit frame, `<0x00000356>` a 29-bit one.
  auto s = parse_ok("<0x351> [8] 45 02 4c 04 4c 04 00 00");
  EXPECT_FALSE(s.frame.extended);
  EXPECT_EQ(s.frame.id, 0x351u);
  auto e = parse_ok("<0x00000356> [8] 14 79 01 62 00 f0 02 40");
  EXPECT_TRUE(e.frame.extended);
  EXPECT_EQ(e.frame.id, 0x356u);
}

TEST(Candump, RemoteRequests) {
  auto l = parse_ok("(1.0) can0 123#R");
  EXPECT_TRUE(l.frame.rtr);
  auto p = parse_ok("  can0  123   [2]  remote request");
  EXPECT_TRUE(p.frame.rtr);
  EXPECT_EQ(p.frame.len, 2);
}

TEST(Candump, CommentsHeadersAndBlankLinesAreSkipped) {
  for (auto s : {"", "   ", "# a comment", "interface = can0, family = 29, type = 3, proto = 1"}) {
    auto r = parse_candump_line(s);
    ASSERT_TRUE(r.has_value()) << s;
    EXPECT_FALSE(r->has_value()) << s;
  }
}

TEST(Candump, MalformedLinesAreErrorsWithAReason) {
  EXPECT_EQ(parse_candump_line("(1.0) can0 12G#00").error().code, Errc::kBadFormat);
  EXPECT_EQ(parse_candump_line("(1.0) can0 123#0").error().code, Errc::kBadFormat);
  EXPECT_EQ(parse_candump_line("(1.0) can0 123#001122334455667788").error().code, Errc::kBadLength);
  EXPECT_EQ(parse_candump_line("  can0  123   [4]  01 02").error().code, Errc::kTruncated);
  EXPECT_EQ(parse_candump_line("  can0  123   [9]  01").error().code, Errc::kBadLength);
  EXPECT_EQ(parse_candump_line("(x) can0 123#00").error().code, Errc::kBadFormat);
  EXPECT_FALSE(parse_candump_line("hello world").has_value());
}

TEST(Candump, FormatRoundTrips) {
  auto f = CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00});
  auto text = format_candump_log(f, 1600000000.25, "can0");
  EXPECT_EQ(text, "(1600000000.250000) can0 351#45024C044C040000");
  EXPECT_EQ(parse_ok(text).frame, f);
  CanFrame e = CanFrame::make(0x18EEFF01, true, {});
  EXPECT_EQ(parse_ok(format_candump_log(e, 1, "can0")).frame, e);
}

}  // namespace
}  // namespace gxlink::transport
