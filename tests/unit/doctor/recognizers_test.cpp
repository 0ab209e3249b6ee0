// SPDX-License-Identifier: MIT
// The doctor's recognisers on recorded and documented bytes (tests/data, reference examples), whole
// and byte by byte, and on each other's traffic (no protocol may be mistaken for another).
#include "doctor/recognizers.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "transport/candump.hpp"

namespace gxlink::doctor {
namespace {

std::vector<std::uint8_t> read_bytes(const std::string& name) {
  std::ifstream f(std::string(GXLINK_TEST_DATA) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<TimedCanFrame> read_candump(const std::string& name) {
  std::ifstream f(std::string(GXLINK_TEST_DATA) + "/" + name);
  std::vector<TimedCanFrame> out;
  std::string line;
  TimePoint t{};
  while (std::getline(f, line)) {
    auto r = transport::parse_candump_line(line);
    if (!r || !*r) continue;
    t += milliseconds(1);
    out.push_back({t, (*r)->frame});
  }
  return out;
}

CanFinding recognise(const std::vector<TimedCanFrame>& frames) {
  CanRecognizer r;
  for (const auto& f : frames) r.on_frame(f.frame, f.time);
  return r.finding();
}

// ---- VE.Direct
// -----------------------------------------------------------------------------------

TEST(DoctorVeDirect, BlueSolarExcerptIsFoundWithItsIdentity) {
  const auto bytes = read_bytes("vedirect/bluesolar_excerpt.dump");
  ASSERT_FALSE(bytes.empty());
  VeDirectRecognizer r;
  r.push(bytes);
  const auto& f = r.finding();
  // tests/data/vedirect/README.md: 13 checksum-valid blocks, 0 bad, 4 HEX frames (counted by a
  // separate Python check).
  EXPECT_EQ(f.text_blocks, 13u);
  EXPECT_EQ(f.bad_blocks, 0u);
  EXPECT_EQ(f.hex_frames, 4u);
  EXPECT_TRUE(f.found());
  EXPECT_TRUE(f.identified());
  EXPECT_EQ(f.service_type, "solarcharger");
  ASSERT_TRUE(f.pid.has_value());
  EXPECT_FALSE(f.serial.empty());
}

TEST(DoctorVeDirect, ByteByByteGivesTheSameFinding) {
  const auto bytes = read_bytes("vedirect/smartsolar_excerpt.dump");
  ASSERT_FALSE(bytes.empty());
  VeDirectRecognizer whole, single;
  whole.push(bytes);
  for (auto b : bytes) single.push(ByteView(&b, 1));
  EXPECT_EQ(whole.finding().text_blocks, single.finding().text_blocks);
  EXPECT_EQ(whole.finding().hex_frames, single.finding().hex_frames);
  EXPECT_EQ(whole.finding().pid, single.finding().pid);
  EXPECT_EQ(whole.finding().serial, single.finding().serial);
  // README: 2 valid blocks, 2 bad, 2 HEX frames.
  EXPECT_EQ(whole.finding().text_blocks, 2u);
  EXPECT_EQ(whole.finding().hex_frames, 2u);
}

TEST(DoctorVeDirect, Mk2BytesAreNotVeDirect) {
  VeDirectRecognizer r;
  r.push(read_bytes("vebus/multi_replies.bin"));
  EXPECT_FALSE(r.finding().found());
}

TEST(DoctorVeDirect, NoiseIsNotVeDirect) {
  std::vector<std::uint8_t> noise(4096);
  std::uint32_t x = 12345;
  for (auto& b : noise) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  VeDirectRecognizer r;
  r.push(noise);
  EXPECT_FALSE(r.finding().found());
}

// ---- MK2
// -----------------------------------------------------------------------------------------

TEST(DoctorMk2, TheDocumentedVersionFrameIsFound) {
  // vedirect_vebus.md §4 example: `07 FF 56 24 DB 11 00 42 52` = version 0x0011DB24, mode 'B'.
  constexpr std::uint8_t kVersion[] = {0x07, 0xFF, 0x56, 0x24, 0xDB, 0x11, 0x00, 0x42, 0x52};
  Mk2Recognizer r;
  r.push(kVersion);
  EXPECT_TRUE(r.finding().found());
  EXPECT_EQ(r.finding().version, 1170212u);
  EXPECT_EQ(r.finding().mode, 'B');
}

TEST(DoctorMk2, AVersionFrameWithABadChecksumIsNotFound) {
  constexpr std::uint8_t kBad[] = {0x07, 0xFF, 0x56, 0x24, 0xDB, 0x11, 0x00, 0x42, 0x53};
  Mk2Recognizer r;
  r.push(kBad);
  EXPECT_FALSE(r.finding().found());
}

TEST(DoctorMk2, RecordedRepliesContainTheVersionSplitAnywhere) {
  const auto bytes = read_bytes("vebus/multi_replies.bin");
  ASSERT_FALSE(bytes.empty());
  Mk2Recognizer whole;
  whole.push(bytes);
  EXPECT_TRUE(whole.finding().found());
  EXPECT_GT(whole.finding().other_frames, 0u);  // info frames: a host was polling
  for (std::size_t cut = 1; cut < bytes.size(); cut += 7) {
    Mk2Recognizer split;
    split.push(ByteView(bytes).first(cut));
    split.push(ByteView(bytes).subspan(cut));
    EXPECT_EQ(split.finding().version_frames, whole.finding().version_frames) << "cut " << cut;
    EXPECT_EQ(split.finding().version, whole.finding().version);
  }
}

TEST(DoctorMk2, VeDirectTextIsNotAnMk2) {
  Mk2Recognizer r;
  r.push(read_bytes("vedirect/bluesolar_excerpt.dump"));
  r.push(read_bytes("vedirect/smartsolar_excerpt.dump"));
  EXPECT_FALSE(r.finding().found());
}

// ---- slcan
// ---------------------------------------------------------------------------------------

TEST(DoctorSlcan, AVersionReplyIsAnAdapter) {
  SlcanRecognizer r;
  r.push(as_bytes(std::string_view("\r\rV1013\r")));  // replies to CR, C, V (slcan_codec.hpp)
  EXPECT_TRUE(r.finding().found());
  EXPECT_EQ(r.finding().version, "V1013");
  EXPECT_EQ(r.finding().oks, 2u);
}

TEST(DoctorSlcan, ARefusalIsAnAdapterButLoneCarriageReturnsAreNot) {
  SlcanRecognizer ok_only;
  ok_only.push(as_bytes(std::string_view("\r\r\r")));
  EXPECT_FALSE(ok_only.finding().found());
  SlcanRecognizer refused;
  refused.push(as_bytes(std::string_view("\a\r")));
  EXPECT_TRUE(refused.finding().found());
}

TEST(DoctorSlcan, VeDirectTextIsNotAnAdapter) {
  SlcanRecognizer r;
  r.push(read_bytes("vedirect/bluesolar_excerpt.dump"));
  EXPECT_FALSE(r.finding().found());
}

// ---- CAN
// -----------------------------------------------------------------------------------------

TEST(DoctorCan, SeedCandumpIsACanBusBms) {
  const auto frames = read_candump("canbms/seed_candump.txt");
  ASSERT_FALSE(frames.empty());
  const auto f = recognise(frames);
  EXPECT_TRUE(f.bms.found());
  EXPECT_TRUE(f.bms.limits);
  EXPECT_TRUE(f.bms.ids.count(0x351));
  EXPECT_TRUE(f.bms.ids.count(0x355));
  EXPECT_FALSE(f.nmea2000.found());
  EXPECT_FALSE(f.canopen.found());
}

TEST(DoctorCan, VecanSimLogIsNmea2000WithVictronAddressClaims) {
  const auto frames = read_candump("nmea2000/vecan_sim.log");
  ASSERT_FALSE(frames.empty());
  const auto f = recognise(frames);
  EXPECT_TRUE(f.nmea2000.found());
  EXPECT_GT(f.nmea2000.address_claims, 0u);
  // The log's header: an MPPT at 0x20 (and a Lynx Shunt, a Skylla-i), all Victron (358).
  ASSERT_TRUE(f.nmea2000.nodes.count(0x20));
  EXPECT_EQ(f.nmea2000.nodes.at(0x20).manufacturer, std::optional<std::uint16_t>(358));
  std::size_t victron = 0;
  for (const auto& [addr, node] : f.nmea2000.nodes)
    if (node.manufacturer == 358) ++victron;
  EXPECT_EQ(victron, 3u);
  EXPECT_FALSE(f.bms.found());
  EXPECT_FALSE(f.canopen.found());
}

TEST(DoctorCan, SuperbCandumpIsCanopenNodesOneAndTwo) {
  const auto frames = read_candump("canopen/superb_bank.candump");
  ASSERT_FALSE(frames.empty());
  const auto f = recognise(frames);
  EXPECT_TRUE(f.canopen.found());
  ASSERT_EQ(f.canopen.nodes.size(), 2u);
  EXPECT_TRUE(f.canopen.nodes.count(1));
  EXPECT_TRUE(f.canopen.nodes.count(2));
  EXPECT_GT(f.canopen.sdo_frames, 0u);
  EXPECT_FALSE(f.bms.found());
  EXPECT_FALSE(f.nmea2000.found());
}

TEST(DoctorCan, AHeartbeatWithAnUndefinedStateIsIgnored) {
  CanRecognizer r;
  r.on_frame(CanFrame::standard(0x705, {0x42}), TimePoint{});  // 0x42 is no NMT state (CiA 301)
  r.on_frame(CanFrame::standard(0x705, {0x05, 0x00}), TimePoint{});  // heartbeats are one byte
  EXPECT_FALSE(r.finding().canopen.found());
  r.on_frame(CanFrame::standard(0x705, {0x05}), TimePoint{});
  EXPECT_TRUE(r.finding().canopen.found());
}

TEST(DoctorCan, ListsStayBoundedWhateverArrives) {
  CanRecognizer r;
  TimePoint t{};
  for (std::uint32_t node = 1; node < 128; ++node)
    r.on_frame(CanFrame::standard(0x700 + node, {0x05}), t);
  for (std::uint32_t src = 0; src < 250; ++src) {  // 127508 battery status from 250 addresses
    CanFrame f = CanFrame::make(0x19F21400 | src, true, std::vector<std::uint8_t>(8, 0x01));
    r.on_frame(f, t += milliseconds(1));
  }
  EXPECT_LE(r.finding().canopen.nodes.size(), kMaxListed);
  EXPECT_LE(r.finding().nmea2000.nodes.size(), kMaxListed);
  EXPECT_EQ(r.finding().canopen.heartbeats, 127u);
}

}  // namespace
}  // namespace gxlink::doctor
