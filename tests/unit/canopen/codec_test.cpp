// SPDX-License-Identifier: MIT
#include "protocols/canopen/codec.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace gxlink::canopen {
namespace {

CanFrame frame(std::uint32_t id, std::initializer_list<std::uint8_t> b) {
  return CanFrame::standard(id, b);
}

TEST(CanopenClassify, PredefinedConnectionSet) {
  struct Row {
    std::uint32_t id;
    FrameKind kind;
    std::uint8_t node;
    int pdo;
  };
  const Row rows[] = {
      {0x000, FrameKind::kNmtCommand, 0, 0},   {0x080, FrameKind::kSync, 0, 0},
      {0x081, FrameKind::kEmcy, 1, 0},         {0x0FF, FrameKind::kEmcy, 127, 0},
      {0x100, FrameKind::kTime, 0, 0},         {0x181, FrameKind::kTpdo, 1, 1},
      {0x202, FrameKind::kRpdo, 2, 1},         {0x285, FrameKind::kTpdo, 5, 2},
      {0x4FF, FrameKind::kTpdo, 127, 4},       {0x501, FrameKind::kRpdo, 1, 4},
      {0x581, FrameKind::kSdoResponse, 1, 0},  {0x602, FrameKind::kSdoRequest, 2, 0},
      {0x67F, FrameKind::kSdoRequest, 127, 0}, {0x701, FrameKind::kHeartbeat, 1, 0},
      {0x7E5, FrameKind::kLss, 0, 0},          {0x700, FrameKind::kOther, 0, 0},
      {0x580, FrameKind::kOther, 0, 0},
  };
  for (const auto& r : rows) {
    const Classified c = classify(frame(r.id, {}));
    EXPECT_EQ(c.kind, r.kind) << std::hex << r.id;
    EXPECT_EQ(c.node, r.node) << std::hex << r.id;
    EXPECT_EQ(c.pdo, r.pdo) << std::hex << r.id;
  }
  CanFrame ext = frame(0x581, {});
  ext.extended = true;
  EXPECT_EQ(classify(ext).kind, FrameKind::kOther);
}

TEST(CanopenHeartbeat, StatesAndBootUp) {
  // 0x700+node, one byte: 0x00 boot-up, 0x04 stopped, 0x05 operational, 0x7F pre-operational.
  auto hb = decode_heartbeat(frame(0x701, {0x05}));
  ASSERT_TRUE(hb);
  EXPECT_EQ(hb->node, 1);
  EXPECT_EQ(hb->state, NmtState::kOperational);
  EXPECT_EQ(decode_heartbeat(frame(0x77F, {0x00}))->state, NmtState::kBootUp);
  EXPECT_EQ(decode_heartbeat(frame(0x702, {0x7F}))->state, NmtState::kPreOperational);
  auto guarded = decode_heartbeat(frame(0x702, {0x84}));
  ASSERT_TRUE(guarded);
  EXPECT_TRUE(guarded->toggle);
  EXPECT_EQ(guarded->state, NmtState::kStopped);
  EXPECT_EQ(encode_heartbeat(3, NmtState::kPreOperational), frame(0x703, {0x7F}));
}

TEST(CanopenHeartbeat, BadFramesAreErrors) {
  EXPECT_EQ(decode_heartbeat(frame(0x701, {0x03})).error().code, Errc::kOutOfRange);
  EXPECT_EQ(decode_heartbeat(frame(0x701, {0x05, 0x00})).error().code, Errc::kBadLength);
  EXPECT_EQ(decode_heartbeat(frame(0x701, {})).error().code, Errc::kBadLength);
  EXPECT_EQ(decode_heartbeat(frame(0x581, {0x05})).error().code, Errc::kUnknownId);
}

TEST(CanopenEmcy, DecodesCodeRegisterAndName) {
  // CiA 301 EMCY: error code LE, error register, 5 manufacturer bytes. 0x8130 = heartbeat error.
  auto e = decode_emcy(frame(0x082, {0x30, 0x81, 0x11, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->node, 2);
  EXPECT_EQ(e->error_code, 0x8130);
  EXPECT_EQ(e->error_register, 0x11);
  EXPECT_EQ(e->manufacturer[4], 5);
  EXPECT_EQ(emcy_name(e->error_code), "life_guard_or_heartbeat_error");
  EXPECT_EQ(emcy_name(0x4210), "device_temperature");
  EXPECT_EQ(emcy_name(0x3FFF), "voltage");
  EXPECT_EQ(emcy_name(0xFF01), "device_specific");
  EXPECT_EQ(emcy_name(0x0000), "error_reset_or_no_error");
  EXPECT_EQ(encode_emcy(*e), frame(0x082, {0x30, 0x81, 0x11, 1, 2, 3, 4, 5}));
  EXPECT_EQ(decode_emcy(frame(0x082, {0x30, 0x81})).error().code, Errc::kBadLength);
}

TEST(CanopenNmt, RoundTrip) {
  EXPECT_EQ(encode_nmt(NmtCommand::kStart, 2), frame(0x000, {0x01, 0x02}));
  auto n = decode_nmt(frame(0x000, {0x81, 0x00}));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->command, NmtCommand::kResetNode);
  EXPECT_EQ(n->node, 0);
  EXPECT_FALSE(decode_nmt(frame(0x000, {0x03, 0x01})));
  EXPECT_FALSE(decode_nmt(frame(0x000, {0x01, 0x80})));
}

TEST(CanopenSdoCodec, UploadRequestMatchesSeedCansend) {
  // seed 004 troubleshooting: `cansend can0 602#4000100000000000` reads 0x1000 of node 2.
  const CanFrame req = frame(0x602, {0x40, 0x00, 0x10, 0x00, 0, 0, 0, 0});
  EXPECT_EQ(sdo_upload_request(2, 0x1000, 0), req);
  auto m = decode_sdo(req);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->from_server);
  EXPECT_EQ(m->command, SdoCommand::kInitiateUploadRequest);
  EXPECT_EQ(m->index, 0x1000);
  EXPECT_EQ(m->sub, 0);
}

TEST(CanopenSdoCodec, ExpeditedUploadResponsesBySize) {
  // reference §5.1: 0x43 4 bytes, 0x47 3, 0x4B 2, 0x4F 1; 0x42 = expedited without size.
  const std::uint8_t d[] = {0xFA, 0x34, 0x00, 0x00};
  struct Row {
    std::uint8_t cmd;
    std::size_t len;
  };
  for (auto r : {Row{0x43, 4}, Row{0x47, 3}, Row{0x4B, 2}, Row{0x4F, 1}}) {
    const CanFrame f = sdo_upload_response_expedited(1, 0x6060, 0, ByteView(d, r.len));
    EXPECT_EQ(f.id, 0x581u);
    EXPECT_EQ(f.data[0], r.cmd);
    auto m = decode_sdo(f);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->command, SdoCommand::kInitiateUploadResponse);
    EXPECT_TRUE(m->expedited);
    EXPECT_TRUE(m->size_indicated);
    EXPECT_EQ(m->data.size, r.len);
    EXPECT_EQ(m->index, 0x6060);
  }
  auto nosize = decode_sdo(frame(0x581, {0x42, 0x60, 0x60, 0x00, 0xFA, 0x34, 0x00, 0x00}));
  ASSERT_TRUE(nosize);
  EXPECT_TRUE(nosize->expedited);
  EXPECT_FALSE(nosize->size_indicated);
  EXPECT_EQ(nosize->data.size, 4u);
}

TEST(CanopenSdoCodec, SegmentedUploadFrames) {
  // 0x41: segmented, size in bytes 4-7. Segment response 0x00|t|n<<1|c.
  auto init = decode_sdo(frame(0x581, {0x41, 0x08, 0x10, 0x00, 19, 0, 0, 0}));
  ASSERT_TRUE(init);
  EXPECT_FALSE(init->expedited);
  EXPECT_TRUE(init->size_indicated);
  EXPECT_EQ(init->size, 19u);
  EXPECT_EQ(sdo_upload_segment_request(1, false), frame(0x601, {0x60, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(sdo_upload_segment_request(1, true), frame(0x601, {0x70, 0, 0, 0, 0, 0, 0, 0}));
  const std::uint8_t text[] = {'1', '2', '3', '4', '5'};
  // 5 bytes, last, toggle 1: n = 2 → 0x10 | 0x04 | 0x01 = 0x15.
  const CanFrame last = sdo_upload_segment_response(1, true, text, true);
  EXPECT_EQ(last, frame(0x581, {0x15, '1', '2', '3', '4', '5', 0, 0}));
  auto m = decode_sdo(last);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command, SdoCommand::kUploadSegmentResponse);
  EXPECT_TRUE(m->toggle);
  EXPECT_TRUE(m->last);
  EXPECT_EQ(m->data.size, 5u);
}

TEST(CanopenSdoCodec, DownloadFrames) {
  const std::uint8_t v[] = {0xE8, 0x03, 0x00, 0x00};
  EXPECT_EQ(sdo_download_expedited(1, 0x1017, 0, ByteView(v, 2)),
            frame(0x601, {0x2B, 0x17, 0x10, 0x00, 0xE8, 0x03, 0, 0}));
  EXPECT_EQ(sdo_download_expedited(1, 0x1017, 0, ByteView(v, 4)).data[0], 0x23);
  EXPECT_EQ(sdo_download_expedited(1, 0x1017, 0, ByteView(v, 3)).data[0], 0x27);
  EXPECT_EQ(sdo_download_expedited(1, 0x1017, 0, ByteView(v, 1)).data[0], 0x2F);
  EXPECT_EQ(sdo_download_initiate(1, 0x1008, 0, 10),
            frame(0x601, {0x21, 0x08, 0x10, 0x00, 10, 0, 0, 0}));
  EXPECT_EQ(sdo_download_response(1, 0x1017, 0),
            frame(0x581, {0x60, 0x17, 0x10, 0x00, 0, 0, 0, 0}));
  EXPECT_EQ(sdo_download_segment_response(1, true), frame(0x581, {0x30, 0, 0, 0, 0, 0, 0, 0}));
  const std::uint8_t seven[] = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(sdo_download_segment(1, false, seven, false),
            frame(0x601, {0x00, 1, 2, 3, 4, 5, 6, 7}));
  auto m = decode_sdo(frame(0x601, {0x2B, 0x17, 0x10, 0x00, 0xE8, 0x03, 0, 0}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command, SdoCommand::kInitiateDownloadRequest);
  EXPECT_EQ(m->data.size, 2u);
}

TEST(CanopenSdoCodec, EveryAbortCodeHasANameAndRoundTrips) {
  std::set<std::string_view> names;
  for (const auto& a : abort_codes()) {
    const CanFrame f = sdo_abort(1, 0x6051, 0, a.code, true);
    EXPECT_EQ(f.data[0], 0x80);
    auto m = decode_sdo(f);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->command, SdoCommand::kAbort);
    EXPECT_EQ(m->abort_code, a.code);
    EXPECT_EQ(abort_name(m->abort_code), a.name);
    EXPECT_FALSE(a.description.empty());
    EXPECT_TRUE(names.insert(a.name).second) << a.name;
  }
  EXPECT_EQ(abort_codes().size(), 31u);
  // The abort SuperB 1.0 firmware sends for 0x6051 (reference §5.5), as bytes on the wire.
  auto m = decode_sdo(frame(0x582, {0x80, 0x51, 0x60, 0x00, 0x00, 0x00, 0x02, 0x06}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->abort_code, 0x06020000u);
  EXPECT_EQ(abort_name(m->abort_code), "object_does_not_exist");
  EXPECT_TRUE(abort_means_missing(0x06020000));
  EXPECT_TRUE(abort_means_missing(0x06090011));
  EXPECT_FALSE(abort_means_missing(0x08000024));
  EXPECT_EQ(abort_name(0x12345678), "unknown_abort_code");
}

TEST(CanopenSdoCodec, ShortFramesAndUnknownCommands) {
  EXPECT_EQ(decode_sdo(frame(0x581, {0x43, 0x60, 0x60, 0x00})).error().code, Errc::kBadLength);
  auto m = decode_sdo(frame(0x581, {0xE0, 0, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command, SdoCommand::kUnknown);
  EXPECT_EQ(decode_sdo(frame(0x181, {0, 0, 0, 0, 0, 0, 0, 0})).error().code, Errc::kUnknownId);
}

}  // namespace
}  // namespace gxlink::canopen
