// SPDX-License-Identifier: MIT
#include "transport/candump_file.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "transport/candump_file_transport.hpp"

namespace gxlink::transport {
namespace {

TEST(CandumpFile, ReaderSkipsHeadersCountsBadLinesAndCarriesTimestamps) {
  std::istringstream in(
      "interface = can0, family = 29, type = 3, proto = 1\n"
      "(1600000000.500000) can0 351#45024C044C040000\n"
      "  can0  355   [8]  59 00 64 00 00 00 00 00\n"
      "(1600000001.000000) can0 356#3116ZZ\n"
      "<0x305> [8] 00 00 00 00 00 00 00 00\n");
  std::vector<std::size_t> bad;
  CandumpReader r(in, [&](std::size_t line, const Error&) { bad.push_back(line); });
  auto a = r.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->frame.id, 0x351u);
  EXPECT_DOUBLE_EQ(*a->timestamp, 1600000000.5);
  auto b = r.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->frame.id, 0x355u);
  EXPECT_DOUBLE_EQ(*b->timestamp, 1600000000.5);  // no timestamp: the previous one
  auto c = r.next();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->frame.id, 0x305u);
  EXPECT_FALSE(c->frame.extended);
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.errors(), 1u);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0], 4u);
}

TEST(CandumpFile, FastLogPathAgreesWithTheReferenceParser) {
  const char* lines[] = {"(1600000000.123456) can0 356#1C14F4FFF0000000",
                         "(1.5) vcan1 18EEFF01#0102", "(2.000000) can0 0001#",
                         "(3.0) can0 7FF#0011223344556677", "(4.0) can0 123#R",
                         "(5.0) can0 123#ABC", "(6.0) can0 123#0G",
                         // Not a time: refused by both (they reached the clock, undefined there).
                         "(nan) can0 123#00", "(inf) can0 123#00", "(-inf) can0 123#00",
                         // Beyond ±4e9 s refused (two such times overflowed a clock difference,
                         // UBSan), within it taken, negative or not.
                         "(9e18) can0 123#00", "(-7e8) can0 123#00"};
  for (const char* l : lines) {
    std::istringstream in(l);
    CandumpReader r(in);
    auto fast = r.next();
    auto ref = parse_candump_line(l);
    ASSERT_EQ(ref.has_value() && ref->has_value(), fast.has_value()) << l;
    if (!fast) continue;
    EXPECT_EQ(fast->frame, (*ref)->frame) << l;
    EXPECT_EQ(fast->interface, (*ref)->interface) << l;
    EXPECT_DOUBLE_EQ(*fast->timestamp, *(*ref)->timestamp) << l;
  }
  EXPECT_FALSE(parse_candump_line("(9e18) can0 123#00").has_value());
  EXPECT_TRUE(parse_candump_line("(-7e8) can0 123#00").has_value());
}

TEST(CandumpFile, AbsurdTimestampsAreClampedOnTheWayToTheClock) {
  EXPECT_EQ(time_from_seconds(std::nan("")), TimePoint{});
  EXPECT_GT(time_from_seconds(1e300), time_from_seconds(1.7e9));
  EXPECT_LT(time_from_seconds(-1e300), TimePoint{});
  EXPECT_EQ(time_from_seconds(1.5), TimePoint{} + milliseconds(1500));
}

TEST(CandumpFile, WriterProducesTheLogFormatTheReaderReads) {
  std::ostringstream out;
  CandumpWriter w(out, "can0");
  w.write(CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}),
          1600000000.25);
  EXPECT_EQ(out.str(), "(1600000000.250000) can0 351#45024C044C040000\n");
  std::istringstream in(out.str());
  CandumpReader r(in);
  auto l = r.next();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->frame, CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}));
}

TEST(CandumpFile, TransportReplaysAFileAtFullSpeed) {
  const std::string path = ::testing::TempDir() + "/replay_fast.log";
  {
    std::ofstream f(path);
    for (int i = 0; i < 3000; ++i) f << "(" << 1000 + i * 0.001 << ") can7 351#45024C044C040000\n";
    f << "not a frame\n";
  }
  asio::io_context io;
  CandumpFileOptions o;
  o.path = path;
  o.realtime = false;
  CandumpFileTransport t(io, o);
  EXPECT_EQ(t.interface_name(), "can7");
  std::size_t n = 0;
  t.set_receiver([&](const CanFrame& fr, TimePoint) { n += fr.id == 0x351; });
  bool ended = false;
  t.on_end([&] { ended = true; });
  t.start();
  io.run_for(std::chrono::seconds(20));
  EXPECT_TRUE(ended);
  EXPECT_EQ(n, 3000u);
  EXPECT_EQ(t.bad_lines(), 1u);
}

TEST(CandumpFile, TransportKeepsRecordedSpacingInRealTime) {
  const std::string path = ::testing::TempDir() + "/replay_rt.log";
  {
    std::ofstream f(path);
    f << "(10.000) can0 351#45024C044C040000\n(10.300) can0 351#45024C044C040000\n";
  }
  asio::io_context io;
  CandumpFileOptions o;
  o.path = path;
  CandumpFileTransport t(io, o);
  std::vector<TimePoint> times;
  t.set_receiver([&](const CanFrame&, TimePoint tp) { times.push_back(tp); });
  t.on_end([&] { io.stop(); });
  const auto t0 = Clock::now();
  t.start();
  io.run_for(std::chrono::seconds(10));
  ASSERT_EQ(times.size(), 2u);
  EXPECT_NEAR(to_seconds(times[1] - times[0]), 0.3, 0.001);  // scheduled times, exact
  EXPECT_GE(to_seconds(Clock::now() - t0), 0.29);            // and it really waited
}

}  // namespace
}  // namespace gxlink::transport
