// SPDX-License-Identifier: MIT
#include "transport/slcan_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gxlink::transport::slcan {
namespace {

std::string str(const Frame<32>& f) {
  return {reinterpret_cast<const char*>(f.data.data()), f.size};
}

struct Taken {
  std::vector<Record> records;
  std::size_t bad = 0;
};

// Feeds `chunks` the way a serial port delivers them: append, take until NeedMore, keep the rest.
Taken feed(const std::vector<std::string>& chunks) {
  Taken t;
  std::string buf;
  for (const auto& c : chunks) {
    buf += c;
    std::size_t at = 0;
    for (;;) {
      auto r = take(as_bytes(std::string_view(buf).substr(at)));
      at += r.consumed;
      if (r.status == TakeResult::Status::kNeedMore) break;
      if (r.status == TakeResult::Status::kBad)
        ++t.bad;
      else
        t.records.push_back(r.record);
    }
    buf.erase(0, at);
  }
  return t;
}

TEST(SlcanCodec, EncodesStandardExtendedAndRemoteFrames) {
  // The 0x351 of seeds/001 §5.1 as python-can's slcan interface writes it ("t%03X%d%s").
  EXPECT_EQ(str(encode_frame(
                CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}))),
            "t351845024C044C040000\r");
  CanFrame ext = CanFrame::make(0x18EEFF01, true, std::vector<std::uint8_t>{0xAA});
  EXPECT_EQ(str(encode_frame(ext)), "T18EEFF011AA\r");
  CanFrame r = CanFrame::standard(0x123, {});
  r.rtr = true;
  r.len = 4;
  EXPECT_EQ(str(encode_frame(r)), "r1234\r");
  r.extended = true;
  EXPECT_EQ(str(encode_frame(r)), "R000001234\r");
  EXPECT_EQ(str(encode_frame(CanFrame::standard(0x305, {}))), "t3050\r");
}

TEST(SlcanCodec, BitrateCommands) {
  auto s6 = encode_bitrate(500000);
  ASSERT_TRUE(s6);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(s6->data.data()), s6->size), "S6\r");
  EXPECT_EQ(encode_bitrate(250000)->data[1], '5');
  EXPECT_EQ(encode_bitrate(750000)->data[1], '7');
  EXPECT_EQ(encode_bitrate(10000)->data[1], '0');
  EXPECT_FALSE(encode_bitrate(123456));
}

TEST(SlcanCodec, DecodesAdapterOutput) {
  auto t = feed({"t351845024C044C040000\r", "\r", "\a", "z\r", "T18EEFF011AA\r", "r1234\r", "F24\r",
                 "t3552590012AB\r"});
  ASSERT_EQ(t.bad, 0u);
  ASSERT_EQ(t.records.size(), 8u);
  EXPECT_EQ(t.records[0].kind, RecordKind::kFrame);
  EXPECT_EQ(t.records[0].frame,
            CanFrame::standard(0x351, {0x45, 0x02, 0x4c, 0x04, 0x4c, 0x04, 0x00, 0x00}));
  EXPECT_EQ(t.records[1].kind, RecordKind::kOk);
  EXPECT_EQ(t.records[2].kind, RecordKind::kError);
  EXPECT_EQ(t.records[3].kind, RecordKind::kTxDone);
  EXPECT_TRUE(t.records[4].frame.extended);
  EXPECT_EQ(t.records[4].frame.id, 0x18EEFF01u);
  EXPECT_TRUE(t.records[5].frame.rtr);
  EXPECT_EQ(t.records[5].frame.len, 4);
  EXPECT_EQ(t.records[6].kind, RecordKind::kStatus);
  EXPECT_EQ(t.records[6].status, 0x24);
  // With timestamps on (Z1), 4 hex digits follow the data.
  EXPECT_EQ(t.records[7].frame.len, 2);
  EXPECT_EQ(t.records[7].timestamp_ms, 0x12AB);
}

TEST(SlcanCodec, PeerHostCommandsAreRecognisedNotFrames) {
  // On a pty pair the other end is a host too (python-can): it sends C, S6, O.
  auto t = feed({"C\rS6\rO\r"});
  ASSERT_EQ(t.records.size(), 3u);
  for (const auto& r : t.records) EXPECT_EQ(r.kind, RecordKind::kCommand);
  EXPECT_EQ(t.records[1].command, 'S');
}

TEST(SlcanCodec, MalformedRecordsAreSkippedThroughTheirTerminator) {
  auto t = feed({"t35\r", "t3519\r", "tXYZ1AA\r", "t3512AA\r", "t35110\r", "garbage\r", "t3050\r"});
  EXPECT_EQ(t.bad, 6u);
  ASSERT_EQ(t.records.size(), 1u);
  EXPECT_EQ(t.records[0].frame.id, 0x305u);
}

TEST(SlcanCodec, OverlongRecordIsDroppedAndScanningResumes) {
  std::string junk(200, 'x');
  auto t = feed({junk, "\rt3050\r"});
  EXPECT_GE(t.bad, 3u);
  ASSERT_FALSE(t.records.empty());
  EXPECT_EQ(t.records.back().frame.id, 0x305u);
}

TEST(SlcanCodec, CrLfLineEndingsAreAccepted) {
  auto t = feed({"t3050\r\nt3070\r\n"});
  EXPECT_EQ(t.bad, 0u);
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.records[1].frame.id, 0x307u);
}

TEST(SlcanCodec, GrindGivesTheSameRecordsAtEverySplit) {
  // Beast's parsegrind (STYLE.md rule 19): whole, byte by byte, and split at every offset.
  const std::string stream =
      "\a\rt351845024C044C040000\rC\rgarbage\rT18EEFF011AA\rz\rr1234\rF00\rt3552590012AB\r\n\rt3050"
      "\r";
  const Taken whole = feed({stream});
  ASSERT_EQ(whole.records.size(), 11u);
  ASSERT_EQ(whole.bad, 1u);
  auto same = [&](const Taken& t) {
    ASSERT_EQ(t.records.size(), whole.records.size());
    EXPECT_EQ(t.bad, whole.bad);
    for (std::size_t i = 0; i < t.records.size(); ++i) {
      EXPECT_EQ(t.records[i].kind, whole.records[i].kind) << i;
      EXPECT_EQ(t.records[i].frame, whole.records[i].frame) << i;
      EXPECT_EQ(t.records[i].timestamp_ms, whole.records[i].timestamp_ms) << i;
    }
  };
  std::vector<std::string> bytes;
  for (char c : stream) bytes.emplace_back(1, c);
  same(feed(bytes));
  for (std::size_t cut = 0; cut <= stream.size(); ++cut)
    same(feed({stream.substr(0, cut), stream.substr(cut)}));
}

TEST(SlcanCodec, EveryEncodedFrameDecodesBack) {
  for (std::uint32_t id : {0x000u, 0x351u, 0x7FFu}) {
    for (std::uint8_t len = 0; len <= 8; ++len) {
      CanFrame f;
      f.id = id;
      f.len = len;
      for (std::uint8_t i = 0; i < len; ++i) f.data[i] = static_cast<std::uint8_t>(0x11 * i + id);
      auto e = encode_frame(f);
      auto r = take(e.view());
      ASSERT_EQ(r.status, TakeResult::Status::kRecord);
      EXPECT_EQ(r.consumed, e.size);
      EXPECT_EQ(r.record.frame, f);
    }
  }
}

}  // namespace
}  // namespace gxlink::transport::slcan
