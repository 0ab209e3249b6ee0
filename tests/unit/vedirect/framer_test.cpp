// SPDX-License-Identifier: MIT
#include "protocols/vedirect/framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "protocols/vedirect/text.hpp"
#include "unit/vedirect/test_util.hpp"

namespace gxlink::vedirect {
namespace {

using test::Events;
using test::run_framer;
using test::run_split;
using Fields = std::vector<std::pair<std::string, std::string>>;

// vedirect_vebus.md §1.2: Phoenix 12/1200 inverter block (RexLinz parseStringTest.cpp), sum = 0.
const std::string kPhoenix =
    "\r\nPID\t0xA2F1\r\nFW\t0124\r\nSER#\tHQ2152UFKWY\r\nMODE\t2\r\nCS\t9\r\nAC_OUT_V\t23007"
    "\r\nAC_OUT_I\t1\r\nAC_OUT_S\t38\r\nV\t13232\r\nAR\t0\r\nWARN\t0\r\nOR\t0x00000000"
    "\r\nChecksum\t\xB1";

// bluesolar_1.23.dump (karioja): an async HEX history frame glued to the checksum byte (§1.2).
const std::string kGluedHex =
    ":A501000000000000000000000ED04C6040000000000C200000000000B0000000900C80D120172\n";

TEST(VeDirectFramer, VictronPhoenixExampleIsValidWithAllFields) {
  Framer f;
  auto r = f.take(as_bytes(kPhoenix));
  ASSERT_EQ(r.status, TakeStatus::kFrame);
  ASSERT_EQ(r.kind, FrameKind::kText);
  EXPECT_EQ(r.consumed, kPhoenix.size());
  ASSERT_EQ(r.text->size(), 12u);
  EXPECT_EQ((*r.text)[0].label, "PID");
  EXPECT_EQ((*r.text)[0].value, "0xA2F1");
  EXPECT_EQ((*r.text)[5].label, "AC_OUT_V");
  EXPECT_EQ((*r.text)[5].value, "23007");
  EXPECT_EQ((*r.text)[11].value, "0x00000000");
  EXPECT_EQ(r.text->find("SER#")->value, "HQ2152UFKWY");
}

TEST(VeDirectFramer, OneFlippedBitFailsTheChecksumAndYieldsNoFields) {
  std::string bad = kPhoenix;
  bad[bad.find("23007") + 2] = '1';  // 23007 -> 23107
  Framer f;
  auto r = f.take(as_bytes(bad));
  EXPECT_EQ(r.status, TakeStatus::kBad);
  EXPECT_EQ(r.error.code, Errc::kBadChecksum);
  EXPECT_EQ(r.text, nullptr);
  // The next block is read cleanly (resync at the checksum byte).
  auto ev = run_framer(bad + kPhoenix);
  EXPECT_EQ(ev.bad_text, 1u);
  EXPECT_EQ(ev.text, 1u);
}

// A block whose checksum byte is `want`: raising a SER# character by one lowers the checksum by
// one, so three printable characters (93 steps each) reach every byte value.
std::string block_with_checksum(std::uint8_t want) {
  std::string ser = "!!!";
  auto make = [&] {
    return encode_text_block(Fields{{"PID", "0xA053"}, {"V", "12810"}, {"SER#", ser}});
  };
  unsigned delta = static_cast<std::uint8_t>(static_cast<std::uint8_t>(make().back()) - want);
  for (char& c : ser) {
    const unsigned step = std::min(delta, 93u);
    c = static_cast<char>(c + step);
    delta -= step;
  }
  std::string b = make();
  return static_cast<std::uint8_t>(b.back()) == want ? b : std::string();
}

class AwkwardChecksum : public ::testing::TestWithParam<std::uint8_t> {};

TEST_P(AwkwardChecksum, ByteAfterChecksumTabIsTheChecksumWhateverItIs) {
  const std::string block = block_with_checksum(GetParam());
  ASSERT_FALSE(block.empty());
  // Followed by another block and a HEX frame: neither may be eaten by the checksum logic.
  auto ev = run_framer(block + kPhoenix + kGluedHex + block);
  EXPECT_EQ(ev.text, 3u) << testing::PrintToString(ev.lines);
  EXPECT_EQ(ev.hex, 1u);
  EXPECT_EQ(ev.bad_text + ev.bad_hex, 0u);
}

INSTANTIATE_TEST_SUITE_P(VeDirectFramer, AwkwardChecksum,
                         ::testing::Values(std::uint8_t{':'}, std::uint8_t{'\n'},
                                           std::uint8_t{'\r'}, std::uint8_t{'\t'},
                                           std::uint8_t{0x00}, std::uint8_t{0xFF}));

TEST(VeDirectFramer, HexFrameGluedAfterChecksumIsExtracted) {
  auto ev = run_framer(kPhoenix + kGluedHex + kPhoenix);
  ASSERT_EQ(ev.lines.size(), 3u);
  EXPECT_EQ(ev.lines[1], "H " + kGluedHex.substr(0, kGluedHex.size() - 1));
  EXPECT_EQ(ev.text, 2u);
}

TEST(VeDirectFramer, HexFramesInsideATextBlockDoNotBreakItsChecksum) {
  // §1.2: async HEX "can interrupt a regular Text-mode frame": between fields and mid-value.
  std::string s = kPhoenix;
  s.insert(s.find("\r\nMODE"), kGluedHex);
  s.insert(s.find("3232"), ":A0102000543\n");  // restart notice from §2.1, inside "13232"
  auto ev = run_framer(s);
  EXPECT_EQ(ev.hex, 2u);
  ASSERT_EQ(ev.text, 1u) << testing::PrintToString(ev.lines);
  EXPECT_NE(ev.lines.back().find("V=13232;"), std::string::npos);
}

TEST(VeDirectFramer, HexFrameWithBadChecksumIsBadButTextSurvives) {
  std::string s = kPhoenix + ":A0102000544\n" + kPhoenix;
  auto ev = run_framer(s);
  EXPECT_EQ(ev.bad_hex, 1u);
  EXPECT_EQ(ev.text, 2u);
}

TEST(VeDirectFramer, CorruptedHexTerminatorIsReportedAndTextResyncs) {
  // OpenDTU #1585: terminator 0xFE instead of '\n'.
  std::string s = kPhoenix + ":A0102000543\xFE" + kPhoenix + kPhoenix;
  auto ev = run_framer(s);
  EXPECT_EQ(ev.bad_hex, 1u);
  EXPECT_EQ(ev.bad_text, 1u);  // the 0xFE lands in the next block, which is then rejected
  EXPECT_EQ(ev.text, 2u);      // the blocks before and after
}

TEST(VeDirectFramer, GarbagePrefixCostsOneBlock) {
  auto ev = run_framer(std::string("\x13\x99garbage\r\nV\t1") + kPhoenix + kPhoenix);
  EXPECT_EQ(ev.bad_text, 1u);
  EXPECT_EQ(ev.text, 1u);
}

TEST(VeDirectFramer, CaptureStartingMidBlockIsNeverAccepted) {
  // Even if a partial block happens to sum to 0, it does not start with CR LF: rejected.
  const std::string full = run_framer(kPhoenix).lines.at(0);
  const std::size_t tail = std::string("\r\nChecksum\t\xB1").size();
  for (std::size_t cut = 1; cut < kPhoenix.size(); ++cut) {
    auto ev = run_framer(kPhoenix.substr(cut) + kPhoenix);
    EXPECT_EQ(ev.bad_text, 1u) << "cut " << cut;
    for (const auto& l : ev.lines) {
      if (l[0] == 'T') {
        EXPECT_EQ(l, full) << "cut " << cut;
      }
    }
    // Cut after the '\n' before "Checksum", the partial merges with the next block: both go.
    EXPECT_EQ(ev.text, cut + tail <= kPhoenix.size() + 1 ? 1u : 0u) << "cut " << cut;
  }
}

TEST(VeDirectFramer, TruncatedTailWaitsForMore) {
  for (std::size_t n = 0; n < kPhoenix.size(); ++n) {
    auto ev = run_framer(kPhoenix + kPhoenix.substr(0, n));
    EXPECT_EQ(ev.text, 1u);
    EXPECT_EQ(ev.bad_text, 0u);
  }
}

TEST(VeDirectFramer, NonAsciiNoiseInAValueRejectsTheBlock) {
  // Make the sum still 0 so that only the noise rule can reject it: swap two value bytes for
  // 0x00 and 0x30+0x30 (same sum).
  std::string s = kPhoenix;
  const auto at = s.find("13232");
  s[at] = '\0';
  s[at + 1] = static_cast<char>('1' + '3');
  auto ev = run_framer(s + kPhoenix);
  EXPECT_EQ(ev.bad_text, 1u);
  EXPECT_EQ(ev.text, 1u);
}

// A checksum-valid block whose text value holds bytes above 0x7F (Latin-1 here) is what the
// device sent: it is returned with those bytes, not thrown away with every reading beside it.
TEST(VeDirectFramer, BytesAbove7FInAValueAreKeptWhenTheChecksumHolds) {
  const std::string odd =
      encode_text_block(Fields{{"PID", "0xA053"}, {"SER#", "HQ\xff\xe9\x80Z"}, {"V", "12800"}});
  const auto ev = run_framer(odd + kPhoenix);
  EXPECT_EQ(ev.bad_text, 0u) << testing::PrintToString(ev.lines);
  EXPECT_EQ(ev.text, 2u);
  Framer f;
  const auto r = f.take(as_bytes(odd));
  ASSERT_EQ(r.status, TakeStatus::kFrame);
  ASSERT_NE(r.text->find("SER#"), nullptr);
  EXPECT_EQ(r.text->find("SER#")->value, "HQ\xff\xe9\x80Z");
  // One damaged byte among them still fails the checksum.
  std::string damaged = odd;
  damaged[damaged.find('\xe9')] = '\xe8';
  EXPECT_EQ(run_framer(damaged).bad_text, 1u);
  // Bytes above 0x7F in a label are still noise.
  EXPECT_EQ(run_framer(encode_text_block(Fields{{"SER\xa3", "1"}})).bad_text, 1u);
}

TEST(VeDirectFramer, OverlongBlockIsBadOnceThenSkippedToItsChecksum) {
  std::string big = "\r\nPID\t0xA053";
  for (int i = 0; i < 200; ++i) big += "\r\nX" + std::to_string(i) + "\t12345";
  big += "\r\nChecksum\t";
  unsigned sum = 0;
  for (unsigned char c : big) sum += c;
  big += static_cast<char>(256 - (sum & 0xFF));  // a correct checksum does not save it
  auto ev = run_framer(big + kPhoenix);
  EXPECT_EQ(ev.bad_text, 1u) << testing::PrintToString(ev.lines);
  EXPECT_EQ(ev.text, 1u);
  EXPECT_EQ(ev.lines[0], "BT TEXT block longer than 1024 bytes");
}

TEST(VeDirectFramer, TooManyFieldsOrLongValuesAreRejected) {
  Fields many;
  for (int i = 0; i < 41; ++i) many.push_back({"H" + std::to_string(i), "1"});
  EXPECT_EQ(run_framer(encode_text_block(many)).bad_text, 1u);
  EXPECT_EQ(run_framer(encode_text_block(Fields{{"SER#", std::string(65, 'A')}})).bad_text, 1u);
  EXPECT_EQ(run_framer(encode_text_block(Fields{{std::string(17, 'L'), "1"}})).bad_text, 1u);
  EXPECT_EQ(run_framer(encode_text_block(Fields{{"SER#", std::string(64, 'A')}})).text, 1u);
}

TEST(VeDirectFramer, ResetDropsAPartialBlock) {
  Framer f;
  auto half = kPhoenix.substr(0, 40);
  EXPECT_EQ(f.take(as_bytes(half)).status, TakeStatus::kNeedMore);
  f.reset();
  auto r = f.take(as_bytes(kPhoenix));
  EXPECT_EQ(r.status, TakeStatus::kFrame);
}

// A composite stream with every case at once, ground at every split offset (STYLE.md rule 19).
std::string composite() {
  return std::string("\x01noise") + kPhoenix + kGluedHex + block_with_checksum(':') +
         ":A0102000544\n" + block_with_checksum('\n') + kPhoenix.substr(0, 50) + kPhoenix +
         test::read_file(std::filesystem::path(GXLINK_TEST_DATA) /
                         "vedirect/bluesolar_excerpt.dump") +
         kPhoenix.substr(0, 30);
}

TEST(VeDirectFramerGrind, CompositeStreamGivesTheSameResultsHoweverItIsSplit) {
  const std::string s = composite();
  const Events whole = run_framer(s);
  EXPECT_EQ(whole.text, 2u + 13u);  // both Phoenix copies are spoiled by noise / a partial
  EXPECT_EQ(whole.hex, 1u + 4u);
  EXPECT_EQ(whole.bad_hex, 1u);
  EXPECT_EQ(whole.bad_text, 2u);
  EXPECT_EQ(run_framer(s, {1}).lines, whole.lines);
  EXPECT_EQ(run_framer(s, {3, 7, 64, 1, 255}).lines, whole.lines);
  for (std::size_t k = 0; k <= s.size(); ++k)
    ASSERT_EQ(run_split(s, k).lines, whole.lines) << "split " << k;
}

TEST(VeDirectFramerGrind, CommittedExcerptsMatchAnIndependentCount) {
  // Counts from a separate Python check when the excerpts were cut (tests/data/vedirect/README.md).
  const auto dir = std::filesystem::path(GXLINK_TEST_DATA) / "vedirect";
  auto blue = run_framer(test::read_file(dir / "bluesolar_excerpt.dump"));
  EXPECT_EQ(blue.text, 13u);
  EXPECT_EQ(blue.bad_text, 0u);
  EXPECT_EQ(blue.hex, 4u);
  const std::string smart_bytes = test::read_file(dir / "smartsolar_excerpt.dump");
  auto smart = run_framer(smart_bytes);
  EXPECT_EQ(smart.text, 2u);
  EXPECT_EQ(smart.bad_text, 2u);
  EXPECT_EQ(smart.hex, 2u);
  for (std::size_t k = 0; k <= smart_bytes.size(); ++k)
    ASSERT_EQ(run_split(smart_bytes, k).lines, smart.lines);
}

// The shared captures (MANIFEST.md counts), whole, byte by byte, in odd chunks and split at many
// offsets. Every offset of a 119 kB capture would be 119 k full parses; we split at every offset
// of the first 4 kB (which holds the first block boundaries and HEX frames of the MPPT captures
// are checked by the excerpts above at every offset) and then every 251st byte.
struct CaptureCase {
  const char* file;
  std::size_t text, bad_text, hex;
};

class SharedCapture : public ::testing::TestWithParam<CaptureCase> {};

TEST_P(SharedCapture, GrindGivesManifestCountsHoweverSplit) {
  if (!test::shared_data_available())
    GTEST_SKIP() << "shared data not present: " << GXLINK_SHARED_DATA;
  const auto c = GetParam();
  const std::string s = test::read_file(test::shared_capture(c.file));
  ASSERT_FALSE(s.empty());
  const Events whole = run_framer(s);
  EXPECT_EQ(whole.text, c.text);
  EXPECT_EQ(whole.bad_text, c.bad_text);
  EXPECT_EQ(whole.hex, c.hex);
  EXPECT_EQ(whole.bad_hex, 0u);
  EXPECT_EQ(run_framer(s, {1}).lines, whole.lines);
  EXPECT_EQ(run_framer(s, {2, 5, 13, 100, 4096, 1}).lines, whole.lines);
  for (std::size_t k = 0; k <= s.size(); k += (k < 4096 ? 1 : 251))
    ASSERT_EQ(run_split(s, k).lines, whole.lines) << "split " << k;
}

INSTANTIATE_TEST_SUITE_P(VeDirectFramerGrind, SharedCapture,
                         ::testing::Values(CaptureCase{"karioja_bvm702.dump", 906, 0, 0},
                                           CaptureCase{"karioja_smartsolar_1.39.dump", 493, 1, 2},
                                           CaptureCase{"karioja_bluesolar_1.23.dump", 247, 1, 7}));

}  // namespace
}  // namespace gxlink::vedirect
