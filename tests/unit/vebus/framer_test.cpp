// SPDX-License-Identifier: MIT
#include "protocols/vebus/framer.hpp"

#include <gtest/gtest.h>

#include "unit/vebus/test_util.hpp"

namespace gxlink::vebus {
namespace {

using test::hex;

// Every documented frame of vedirect_vebus.md §4.2 / §4.5 and seed 002 (the last byte is the
// checksum as published; take() must accept each one whole).
const char* const kDocumentedFrames[] = {
    "04 FF 41 01 00 BB",                                   // A set address 0 (seed 002)
    "02 FF 56 A9",                                         // V
    "07 FF 56 24 DB 11 00 42 52",                          // V reply, version 1170212 'B'
    "02 FF 4C B3",                                         // L
    "08 FF 4C 01 0C 00 00 80 00 20",                       // L reply (invertergui)
    "03 FF 46 00 B8",                                      // F 0
    "03 FF 46 01 B7",                                      // F 1
    "0F 20 01 01 01 09 08 EC 5A 5F FF EC 5A 08 00 C3 08",  // AC L1 info (martiby)
    "05 FF 57 36 04 00 6B",                                // W GetRAMVarInfo 4
    "05 FF 57 30 0D 00 68",                                // W ReadRAMVar 13
    "05 FF 57 85 C8 00 58",                                // → 200
    "07 FF 5A 37 00 83 72 01 73",                          // X WriteViaID RAM 131 (ESS setpoint)
    "03 FF 5A 87 1D",                                      // → write RAM OK
    "03 FF 58 38 6E",                                      // X ReadSnapshot
    "09 FF 58 99 89 FE 05 00 72 01 08",                    // → snapshot
    "08 FF 57 8E 9C 7F 8F 00 00 6A",                       // split RAM var info
    "07 FF 59 8E 9C 7F 00 00 F8",                          // combined RAM var info
    "03 FF 5A 8E 16",                                      // RAM var not supported
    "09 FF 58 82 F0 68 28 00 07 01 96",                    // combined software version
    "05 FF 58 82 F0 68 CA",                                // split version part 0
    "05 FF 59 83 28 00 F8",                                // split version part 1
    "0D FF 5A 89 01 00 00 00 03 00 01 00 03 00 09",        // combined setting info
    "07 FF 59 37 01 40 D0 07 52",                          // WriteViaID setting 64 = 2000 (velib)
    "03 FF 59 88 1D",                                      // → write setting OK
    "05 3F 07 00 00 00 C2",                                // wake-up, odd checksum (martiby)
    "05 3F 04 00 00 00 C5",                                // sleep, odd checksum
};

TEST(VebusFramer, AcceptsEveryDocumentedFrame) {
  for (const char* text : kDocumentedFrames) {
    const auto b = hex(text);
    auto r = take(b);
    ASSERT_EQ(r.status, TakeStatus::kFrame) << text;
    EXPECT_EQ(r.consumed, b.size()) << text;
    // Re-encoding gives the same bytes, checksum included.
    auto again = encode_frame(r.frame.type, r.frame.payload.view());
    EXPECT_EQ(test::spaced(again.view()), test::spaced(b)) << text;
  }
}

TEST(VebusFramer, Seed002AbsorptionWriteChecksum) {
  // Seed 002: `07 FF 58 37 01 02 E0 15 <cs>` writes 56.00 V absorption; Σ = 0x28D → cs 0x73.
  const std::uint8_t data[] = {0x37, 0x01, 0x02, 0xE0, 0x15};
  auto f = encode_mk2('X', data);
  EXPECT_EQ(test::spaced(f.view()), "07 FF 58 37 01 02 E0 15 73");
}

TEST(VebusFramer, OddChecksumAddsNibbleSwappedBytes) {
  const auto b = hex("05 3F 07 00 00 00");
  EXPECT_EQ(checksum(b), 0xC2);
  // The plain rule would give 0xF3 + 0xC2 − 0x100... a different byte, so the frame is rejected
  // if the rule is not applied.
  auto wrong = hex("05 3F 07 00 00 00 F3");
  EXPECT_EQ(take(wrong).status, TakeStatus::kBad);
}

TEST(VebusFramer, LedAppendedVariantRoundTrips) {
  const std::uint8_t payload[] = {'V', 0x24, 0xDB, 0x11, 0x00, 0x42};
  auto f = encode_frame_with_leds(0xFF, payload, 0x01, 0x0C);
  ASSERT_EQ(f.size, 11u);
  EXPECT_EQ(f.data[0], 0x80 | 9);  // len bit 7 set, real length includes the two LED bytes
  auto r = take(f.view());
  ASSERT_EQ(r.status, TakeStatus::kFrame);
  EXPECT_TRUE(r.frame.has_leds);
  EXPECT_EQ(r.frame.led_on, 0x01);
  EXPECT_EQ(r.frame.led_blink, 0x0C);
  EXPECT_EQ(r.frame.command(), 'V');
  EXPECT_EQ(r.frame.data().size(), 5u);
}

TEST(VebusFramer, BadChecksumIsRejectedOneByteAtATime) {
  auto b = hex("04 FF 41 01 00 BC");
  auto r = take(b);
  EXPECT_EQ(r.status, TakeStatus::kBad);
  EXPECT_EQ(r.error, Errc::kBadChecksum);
  EXPECT_EQ(r.consumed, 1u);
}

TEST(VebusFramer, LengthOutOfRangeAndUnknownTypeAreBad) {
  EXPECT_EQ(take(hex("00")).status, TakeStatus::kBad);
  EXPECT_EQ(take(hex("15 FF")).status, TakeStatus::kBad);           // 21 > 20
  EXPECT_EQ(take(hex("04 77 41 01 00")).status, TakeStatus::kBad);  // type 0x77 unknown
  EXPECT_EQ(take(hex("01 FF 00")).status, TakeStatus::kBad);        // MK2 frame without a command
  EXPECT_EQ(take(hex("04 FF 41")).status, TakeStatus::kNeedMore);
  EXPECT_EQ(take(hex("04")).status, TakeStatus::kNeedMore);
}

std::vector<std::uint8_t> documented_stream() {
  std::vector<std::uint8_t> s;
  for (const char* t : kDocumentedFrames) {
    auto b = hex(t);
    s.insert(s.end(), b.begin(), b.end());
  }
  return s;
}

/// Feeds the chunks, then (as after a silence) flushes what is left.
std::vector<std::string> frames_of(const std::vector<std::vector<std::uint8_t>>& chunks,
                                   std::size_t* dropped = nullptr) {
  StreamFramer f;
  std::vector<std::string> out;
  auto on_frame = [&out](const Mk2Frame& m) {
    out.push_back(test::spaced(encode_frame(m.type, m.payload.view()).view()));
  };
  for (const auto& c : chunks) f.push(c, on_frame, [](Errc) {});
  f.flush(on_frame, [](Errc) {});
  if (dropped) *dropped = f.bytes_dropped();
  return out;
}

TEST(VebusFramer, GrindGivesTheSameFramesForEveryChunking) {
  const auto s = documented_stream();
  const auto whole = frames_of({s});
  ASSERT_EQ(whole.size(), std::size(kDocumentedFrames));
  std::vector<std::vector<std::uint8_t>> bytes;
  for (auto b : s) bytes.push_back({b});
  EXPECT_EQ(frames_of(bytes), whole);
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    std::vector<std::uint8_t> a(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<std::uint8_t> b(s.begin() + static_cast<std::ptrdiff_t>(cut), s.end());
    ASSERT_EQ(frames_of({a, b}), whole) << "split at " << cut;
  }
}

TEST(VebusFramer, ResyncsAfterGarbagePrefixAndCorruptFrame) {
  auto s = hex("13 37 FF 00 05 99");  // garbage
  auto good = hex("04 FF 41 01 00 BB");
  auto corrupt = hex("07 FF 56 24 DB 11 00 42 53");  // bad checksum
  auto good2 = hex("02 FF 56 A9");
  s.insert(s.end(), good.begin(), good.end());
  s.insert(s.end(), corrupt.begin(), corrupt.end());
  s.insert(s.end(), good2.begin(), good2.end());
  std::size_t dropped = 0;
  auto out = frames_of({s}, &dropped);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "04 FF 41 01 00 BB");
  EXPECT_EQ(out[1], "02 FF 56 A9");
  EXPECT_EQ(dropped, 6u + corrupt.size());
}

TEST(VebusFramer, FalseStartWithLongLengthDoesNotHideTheNextFrame) {
  // 0x11 0x20 looks like the start of a 19-byte info frame; the real frame behind it must still
  // come out once the silence flushes the buffer.
  auto s = hex("11 20 04 FF 41 01 00 BB");
  std::size_t dropped = 0;
  auto out = frames_of({s}, &dropped);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], "04 FF 41 01 00 BB");
  EXPECT_EQ(dropped, 2u);
}

TEST(VebusFramer, RunsOfZeroBytesAreNotTakenForLongResetNotices) {
  EXPECT_EQ(take(hex("05 00 00 00 00 00 FB")).status, TakeStatus::kBad);
  EXPECT_EQ(take(hex("02 00 00 FE")).status, TakeStatus::kFrame);
}

TEST(VebusFramer, TruncatedTailStaysBuffered) {
  auto s = hex("04 FF 41 01 00 BB 07 FF 56 24");
  StreamFramer f;
  int n = 0;
  f.push(
      s, [&n](const Mk2Frame&) { ++n; }, [](Errc) {});
  EXPECT_EQ(n, 1);
  EXPECT_EQ(f.buffered(), 4u);
}

}  // namespace
}  // namespace gxlink::vebus
