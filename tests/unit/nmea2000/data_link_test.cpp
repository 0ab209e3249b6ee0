// SPDX-License-Identifier: MIT
// Fast-packet reassembly grind (every order of two senders' frames), broken sequences, timeouts
// with fake time, fragmentation, and ISO TP BAM receive.
#include "protocols/nmea2000/data_link.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "protocols/nmea2000/pgn_table.hpp"

namespace gxlink::nmea2000 {
namespace {

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7);
  return v;
}

TEST(N2kFastPacket, TableDecidesNotLength) {
  EXPECT_TRUE(is_fast_packet(127509));  // 4 bytes, still fast (canboat issue #428)
  EXPECT_TRUE(is_fast_packet(127507));
  EXPECT_TRUE(is_fast_packet(126996));
  EXPECT_FALSE(is_fast_packet(127508));
  EXPECT_FALSE(is_fast_packet(61184));
  EXPECT_FALSE(is_fast_packet(65014));
}

TEST(N2kFastPacket, FragmentsLikeTheWire) {
  // 127507 sample: `a0,06,31,00,08,fc,ff,ff` = sequence 5, frame 0, 6 bytes.
  const std::vector<std::uint8_t> p{0x31, 0x00, 0x08, 0xfc, 0xff, 0xff};
  auto f = fragment({6, 127507, 0x31, 0xFF}, p, true, 5);
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->size(), 1u);
  EXPECT_EQ((*f)[0].id, 0x19F21331u);
  EXPECT_EQ(to_hex((*f)[0].payload()), "a006310008fcffff");
  auto g = fragment({6, 127506, 1, 0xFF}, pattern(11, 1), true, 2);
  ASSERT_EQ(g->size(), 2u);
  EXPECT_EQ((*g)[1].data[0], 0x41);
  EXPECT_EQ((*g)[1].data[6], 0xFF);  // padding
  EXPECT_FALSE(fragment({6, 126996, 1, 0xFF}, pattern(224, 0), true, 0).has_value());
  EXPECT_FALSE(fragment({6, 127508, 1, 0xFF}, pattern(9, 0), false, 0).has_value());
}

TEST(N2kFastPacket, EveryOrderOfTwoSendersReassembles) {
  // Two senders, same PGN and sequence, 20-byte messages (3 frames each): all 720 orders of the
  // six frames (interleavings and out-of-order frames) yield both messages, exactly.
  const auto pa = pattern(20, 0x10), pb = pattern(20, 0x80);
  auto fa = *fragment({6, 126996, 0x21, 0xFF}, pa, true, 3);
  auto fb = *fragment({6, 126996, 0x22, 0xFF}, pb, true, 3);
  std::vector<CanFrame> all(fa.begin(), fa.end());
  all.insert(all.end(), fb.begin(), fb.end());
  std::vector<int> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  std::size_t runs = 0;
  do {
    Receiver rx;
    int got_a = 0, got_b = 0;
    for (int i : order) {
      if (const Message* m = rx.on_frame(all[static_cast<std::size_t>(i)], TimePoint{})) {
        const std::vector<std::uint8_t> p(m->payload.begin(), m->payload.end());
        if (m->id.src == 0x21) {
          EXPECT_EQ(p, pa);
          ++got_a;
        } else {
          EXPECT_EQ(p, pb);
          ++got_b;
        }
      }
    }
    ASSERT_EQ(got_a, 1);
    ASSERT_EQ(got_b, 1);
    EXPECT_EQ(rx.stats().fp_incomplete, 0u);
    ++runs;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(runs, 720u);
}

TEST(N2kFastPacket, RepeatedIndexIsCountedAndRestarts) {
  auto f = *fragment({6, 127506, 7, 0xFF}, pattern(11, 0), true, 1);
  Receiver rx;
  EXPECT_EQ(rx.on_frame(f[0], TimePoint{}), nullptr);
  EXPECT_EQ(rx.on_frame(f[0], TimePoint{}), nullptr);  // frame 0 again: the first try is broken
  EXPECT_EQ(rx.stats().fp_incomplete, 1u);
  ASSERT_NE(rx.on_frame(f[1], TimePoint{}), nullptr);
}

TEST(N2kFastPacket, PartialMessagesTimeOut) {
  auto f = *fragment({6, 127506, 7, 0xFF}, pattern(11, 0), true, 1);
  Receiver rx;
  const TimePoint t0{};
  EXPECT_EQ(rx.on_frame(f[0], t0), nullptr);
  rx.on_tick(t0 + std::chrono::milliseconds(700));
  EXPECT_EQ(rx.stats().fp_timeouts, 0u);
  rx.on_tick(t0 + std::chrono::milliseconds(800));
  EXPECT_EQ(rx.stats().fp_timeouts, 1u);
  EXPECT_EQ(rx.on_frame(f[1], t0 + std::chrono::milliseconds(801)),
            nullptr);  // nothing to complete
}

// Issue 13: a capture whose clock jumps (back, or forward by hours) between two frames of one
// message: that is a discontinuity of the clock, not 750 ms of silence, so the message is kept.
TEST(N2kFastPacket, AClockJumpIsNotATimeout) {
  auto f = *fragment({6, 127506, 7, 0xFF}, pattern(11, 0), true, 1);
  const TimePoint t0 = TimePoint{} + std::chrono::hours(1000);
  for (Duration jump : {Duration(-std::chrono::hours(3)), Duration(std::chrono::hours(5)),
                        Duration(-std::chrono::seconds(1))}) {
    Receiver rx;
    EXPECT_EQ(rx.on_frame(f[0], t0), nullptr);
    rx.on_tick(t0 + jump);
    const Message* m = rx.on_frame(f[1], t0 + jump + std::chrono::milliseconds(10));
    ASSERT_NE(m, nullptr) << "jump of " << jump.count() << " ns dropped the message";
    EXPECT_EQ(rx.stats().fp_timeouts, 0u);
  }
  // After a jump the partial message is timed from the jump: silence then still expires it.
  Receiver rx;
  EXPECT_EQ(rx.on_frame(f[0], t0), nullptr);
  rx.on_tick(t0 - std::chrono::hours(2));
  rx.on_tick(t0 - std::chrono::hours(2) + std::chrono::milliseconds(800));
  EXPECT_EQ(rx.stats().fp_timeouts, 1u);
}

TEST(N2kFastPacket, BadFirstFrameLengthIsCounted) {
  CanFrame f =
      CanFrame::make(0x19F21201, true, std::vector<std::uint8_t>{0x00, 230, 1, 2, 3, 4, 5, 6});
  Receiver rx;
  EXPECT_EQ(rx.on_frame(f, TimePoint{}), nullptr);
  EXPECT_EQ(rx.stats().fp_bad_length, 1u);
  EXPECT_EQ(rx.on_frame(CanFrame::standard(0x351, {1, 2}), TimePoint{}), nullptr);
  EXPECT_EQ(rx.stats().ignored_frames, 1u);
}

TEST(N2kReceiver, SingleFrameMessageOutlivesTheFrame) {
  Receiver rx;
  const Message* m = nullptr;
  {
    const CanFrame f =
        CanFrame::make(0x19F21401, true, std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
    m = rx.on_frame(f, TimePoint{});
  }
  CanFrame other =
      CanFrame::make(0x1, true, std::vector<std::uint8_t>(8, 0xEE));  // reuses the stack
  (void)other;
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(to_hex(m->payload), "0102030405060708");
}

TEST(N2kFastPacket, SenderCountsSequencePerPgn) {
  FastPacketSender s;
  EXPECT_EQ(s.next_sequence(127506), 0);
  EXPECT_EQ(s.next_sequence(127506), 1);
  EXPECT_EQ(s.next_sequence(127507), 0);
  for (int i = 0; i < 6; ++i) s.next_sequence(127506);
  EXPECT_EQ(s.next_sequence(127506), 0);  // 3 bits wrap
}

TEST(N2kTransport, BamReceive) {
  // iso-tp-test: control 0x20 BAM; here 20 bytes in 3 packets for PGN 129540.
  const auto payload = pattern(20, 3);
  std::vector<CanFrame> frames;
  frames.push_back(CanFrame::make(
      0x1CECFF30, true, std::vector<std::uint8_t>{0x20, 20, 0, 3, 0xff, 0x04, 0xfa, 0x01}));
  for (std::uint8_t i = 0; i < 3; ++i) {
    std::vector<std::uint8_t> d(8, 0xFF);
    d[0] = static_cast<std::uint8_t>(i + 1);
    for (std::size_t k = 0; k < 7 && i * 7u + k < payload.size(); ++k)
      d[k + 1] = payload[i * 7u + k];
    frames.push_back(CanFrame::make(0x1CEBFF30, true, d));
  }
  Receiver rx;
  const Message* got = nullptr;
  for (auto& f : frames) got = rx.on_frame(f, TimePoint{});
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->id.pgn, 129540u);
  EXPECT_EQ(got->id.src, 0x30);
  EXPECT_EQ(std::vector<std::uint8_t>(got->payload.begin(), got->payload.end()), payload);
  // Out of sequence: dropped and counted.
  Receiver rx2;
  rx2.on_frame(frames[0], TimePoint{});
  EXPECT_EQ(rx2.on_frame(frames[2], TimePoint{}), nullptr);
  EXPECT_EQ(rx2.stats().tp_errors, 1u);
}

}  // namespace
}  // namespace gxlink::nmea2000
