// SPDX-License-Identifier: MIT
#include "protocols/canopen/sdo_client.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gxlink::canopen {
namespace {

CanFrame frame(std::uint32_t id, std::initializer_list<std::uint8_t> b) {
  return CanFrame::standard(id, b);
}

const TimePoint kT0 = TimePoint{} + seconds(100);

class SdoClientTest : public ::testing::Test {
 protected:
  SdoClient client{SdoClientOptions{milliseconds(300), 1, milliseconds(100), 4, 64}};

  CanFrame one_frame() {
    auto f = client.take_frames();
    EXPECT_EQ(f.size(), 1u);
    return f.empty() ? CanFrame{} : f.front();
  }
  SdoOutcome one_outcome() {
    auto o = client.take_outcomes();
    EXPECT_EQ(o.size(), 1u);
    return o.empty() ? SdoOutcome{} : o.front();
  }
};

TEST_F(SdoClientTest, ExpeditedUploadOfSeedVoltage) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 7, kT0));
  EXPECT_EQ(one_frame(), frame(0x601, {0x40, 0x60, 0x60, 0x00, 0, 0, 0, 0}));
  EXPECT_TRUE(client.busy(1));
  // seed 004 log: "Node 1 voltage: raw=13562" (0x34FA).
  EXPECT_TRUE(client.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 0xFA, 0x34, 0x00, 0x00}),
                              kT0 + milliseconds(5)));
  const SdoOutcome o = one_outcome();
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(o.request.tag, 7u);
  EXPECT_EQ(o.data, (std::vector<std::uint8_t>{0xFA, 0x34, 0x00, 0x00}));
  EXPECT_EQ(o.attempts, 1);
  EXPECT_FALSE(client.busy(1));
  EXPECT_FALSE(client.next_deadline());
}

TEST_F(SdoClientTest, ExpeditedUploadWithoutSizeIsFlagged) {
  ASSERT_TRUE(client.upload(1, 0x6081, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x581, {0x42, 0x81, 0x60, 0x00, 80, 0, 0, 0}), kT0);
  const SdoOutcome o = one_outcome();
  EXPECT_TRUE(o.ok());
  EXPECT_FALSE(o.size_indicated);
  EXPECT_EQ(o.data.size(), 4u);
}

TEST_F(SdoClientTest, SegmentedUploadWithToggles) {
  ASSERT_TRUE(client.upload(3, 0x1008, 0, 0, kT0));
  client.take_frames();
  const std::string name = "Epsilon V2 12V150Ah";  // 19 bytes: 7 + 7 + 5
  client.on_frame(frame(0x583, {0x41, 0x08, 0x10, 0x00, 19, 0, 0, 0}), kT0);
  EXPECT_EQ(one_frame(), frame(0x603, {0x60, 0, 0, 0, 0, 0, 0, 0}));
  client.on_frame(sdo_upload_segment_response(3, false, as_bytes(name).subspan(0, 7), false), kT0);
  EXPECT_EQ(one_frame(), frame(0x603, {0x70, 0, 0, 0, 0, 0, 0, 0}));
  client.on_frame(sdo_upload_segment_response(3, true, as_bytes(name).subspan(7, 7), false), kT0);
  EXPECT_EQ(one_frame(), frame(0x603, {0x60, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(client.take_outcomes().empty());
  client.on_frame(sdo_upload_segment_response(3, false, as_bytes(name).subspan(14, 5), true), kT0);
  const SdoOutcome o = one_outcome();
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(std::string(o.data.begin(), o.data.end()), name);
}

TEST_F(SdoClientTest, WrongToggleAbortsWithToggleCode) {
  ASSERT_TRUE(client.upload(3, 0x1008, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x583, {0x41, 0x08, 0x10, 0x00, 19, 0, 0, 0}), kT0);
  client.take_frames();
  const std::uint8_t d[] = {1, 2, 3, 4, 5, 6, 7};
  client.on_frame(sdo_upload_segment_response(3, true, d, false), kT0);  // expected toggle 0
  EXPECT_EQ(one_frame(), frame(0x603, {0x80, 0x08, 0x10, 0x00, 0x00, 0x00, 0x03, 0x05}));
  const SdoOutcome o = one_outcome();
  EXPECT_EQ(o.status, Errc::kSequence);
  EXPECT_EQ(o.abort_code, kAbortToggle);
  EXPECT_FALSE(o.aborted_by_server);
  EXPECT_TRUE(o.data.empty());
  EXPECT_EQ(client.stats().toggle_errors, 1u);
}

TEST_F(SdoClientTest, SegmentedUploadLongerThanAnnouncedIsRejected) {
  ASSERT_TRUE(client.upload(3, 0x1008, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x583, {0x41, 0x08, 0x10, 0x00, 5, 0, 0, 0}), kT0);
  client.take_frames();
  const std::uint8_t d[] = {1, 2, 3, 4, 5, 6, 7};
  client.on_frame(sdo_upload_segment_response(3, false, d, true), kT0);
  EXPECT_EQ(one_frame().data[0], 0x80);
  EXPECT_EQ(one_outcome().status, Errc::kBadLength);
}

TEST_F(SdoClientTest, SegmentedUploadAboveLimitIsAbortedOutOfMemory) {
  ASSERT_TRUE(client.upload(3, 0x1008, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x583, {0x41, 0x08, 0x10, 0x00, 0x00, 0x10, 0, 0}), kT0);  // 4096 > 64
  EXPECT_EQ(one_frame(), frame(0x603, {0x80, 0x08, 0x10, 0x00, 0x05, 0x00, 0x04, 0x05}));
  EXPECT_EQ(one_outcome().status, Errc::kOutOfRange);
}

TEST_F(SdoClientTest, ExpeditedDownload) {
  ASSERT_TRUE(client.download(1, 0x1017, 0, {0xE8, 0x03}, 1, kT0));
  EXPECT_EQ(one_frame(), frame(0x601, {0x2B, 0x17, 0x10, 0x00, 0xE8, 0x03, 0, 0}));
  client.on_frame(frame(0x581, {0x60, 0x17, 0x10, 0x00, 0, 0, 0, 0}), kT0);
  EXPECT_TRUE(one_outcome().ok());
}

TEST_F(SdoClientTest, SegmentedDownload) {
  const std::vector<std::uint8_t> data = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  ASSERT_TRUE(client.download(1, 0x1008, 0, data, 1, kT0));
  EXPECT_EQ(one_frame(), frame(0x601, {0x21, 0x08, 0x10, 0x00, 10, 0, 0, 0}));
  client.on_frame(frame(0x581, {0x60, 0x08, 0x10, 0x00, 0, 0, 0, 0}), kT0);
  EXPECT_EQ(one_frame(), frame(0x601, {0x00, 1, 2, 3, 4, 5, 6, 7}));
  client.on_frame(frame(0x581, {0x20, 0, 0, 0, 0, 0, 0, 0}), kT0);
  // 3 bytes, last, toggle 1: n = 4 → 0x10 | 0x08 | 0x01.
  EXPECT_EQ(one_frame(), frame(0x601, {0x19, 8, 9, 10, 0, 0, 0, 0}));
  EXPECT_TRUE(client.take_outcomes().empty());
  client.on_frame(frame(0x581, {0x30, 0, 0, 0, 0, 0, 0, 0}), kT0);
  EXPECT_TRUE(one_outcome().ok());
}

TEST_F(SdoClientTest, SegmentedDownloadWrongToggle) {
  ASSERT_TRUE(client.download(1, 0x1008, 0, {1, 2, 3, 4, 5, 6, 7, 8}, 1, kT0));
  client.take_frames();
  client.on_frame(frame(0x581, {0x60, 0x08, 0x10, 0x00, 0, 0, 0, 0}), kT0);
  client.take_frames();
  client.on_frame(frame(0x581, {0x30, 0, 0, 0, 0, 0, 0, 0}), kT0);
  EXPECT_EQ(one_frame(), frame(0x601, {0x80, 0x08, 0x10, 0x00, 0x00, 0x00, 0x03, 0x05}));
  EXPECT_EQ(one_outcome().status, Errc::kSequence);
}

TEST_F(SdoClientTest, DownloadOfNothingIsRefused) {
  EXPECT_EQ(client.download(1, 0x1017, 0, {}, 0, kT0).error().code, Errc::kOutOfRange);
  EXPECT_EQ(client.upload(0, 0x1017, 0, 0, kT0).error().code, Errc::kOutOfRange);
  EXPECT_EQ(client.upload(128, 0x1017, 0, 0, kT0).error().code, Errc::kOutOfRange);
}

TEST_F(SdoClientTest, EveryServerAbortEndsTheTransferWithItsCode) {
  for (const auto& a : abort_codes()) {
    ASSERT_TRUE(client.upload(2, 0x6051, 0, a.code, kT0));
    client.take_frames();
    client.on_frame(sdo_abort(2, 0x6051, 0, a.code, true), kT0);
    const SdoOutcome o = one_outcome();
    EXPECT_EQ(o.status, Errc::kAborted);
    EXPECT_TRUE(o.aborted_by_server);
    EXPECT_EQ(o.abort_code, a.code);
    EXPECT_EQ(abort_name(o.abort_code), a.name);
    EXPECT_TRUE(client.take_frames().empty()) << "no abort is sent back for a server abort";
  }
  EXPECT_EQ(client.stats().server_aborts, abort_codes().size());
}

TEST_F(SdoClientTest, TimeoutRetriesThenFailsWithAbort) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 0, kT0));
  const CanFrame req = one_frame();
  EXPECT_EQ(client.next_deadline(), kT0 + milliseconds(300));
  client.on_tick(kT0 + milliseconds(299));
  EXPECT_TRUE(client.take_frames().empty());
  client.on_tick(kT0 + milliseconds(300));  // timeout → wait retry_delay
  EXPECT_TRUE(client.take_frames().empty());
  EXPECT_EQ(client.next_deadline(), kT0 + milliseconds(400));
  client.on_tick(kT0 + milliseconds(400));
  EXPECT_EQ(one_frame(), req);  // the same request again
  EXPECT_TRUE(client.take_outcomes().empty());
  client.on_tick(kT0 + milliseconds(700));
  EXPECT_EQ(one_frame(), frame(0x601, {0x80, 0x60, 0x60, 0x00, 0x00, 0x00, 0x04, 0x05}));
  const SdoOutcome o = one_outcome();
  EXPECT_EQ(o.status, Errc::kTimeout);
  EXPECT_EQ(o.attempts, 2);
  EXPECT_EQ(o.abort_code, kAbortTimeout);
  EXPECT_EQ(client.stats().timeouts, 2u);
  EXPECT_EQ(client.stats().retries, 1u);
  EXPECT_FALSE(client.next_deadline());
}

TEST_F(SdoClientTest, RetryAfterTimeoutCanSucceed) {
  ASSERT_TRUE(client.upload(1, 0x6081, 0, 0, kT0));
  client.take_frames();
  client.on_tick(kT0 + milliseconds(300));
  client.on_tick(kT0 + milliseconds(400));
  client.take_frames();
  client.on_frame(frame(0x581, {0x4F, 0x81, 0x60, 0x00, 80, 0, 0, 0}), kT0 + milliseconds(450));
  const SdoOutcome o = one_outcome();
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(o.attempts, 2);
}

TEST_F(SdoClientTest, TimeoutInSegmentPhaseAbortsBeforeRetry) {
  ASSERT_TRUE(client.upload(1, 0x1008, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x581, {0x41, 0x08, 0x10, 0x00, 19, 0, 0, 0}), kT0);
  client.take_frames();
  client.on_tick(kT0 + milliseconds(300));
  EXPECT_EQ(one_frame().data[0], 0x80);
  client.on_tick(kT0 + milliseconds(400));
  EXPECT_EQ(one_frame(), frame(0x601, {0x40, 0x08, 0x10, 0x00, 0, 0, 0, 0}));
}

TEST_F(SdoClientTest, OneTransferPerNodeWithAQueue) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 1, kT0));
  ASSERT_TRUE(client.upload(1, 0x6081, 0, 2, kT0));
  ASSERT_TRUE(client.upload(2, 0x6060, 0, 3, kT0));
  auto frames = client.take_frames();
  ASSERT_EQ(frames.size(), 2u);  // node 1's first and node 2's: nodes run in parallel
  EXPECT_EQ(frames[0].id, 0x601u);
  EXPECT_EQ(frames[1].id, 0x602u);
  EXPECT_EQ(client.queued(1), 1u);
  client.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 1, 0, 0, 0}), kT0);
  EXPECT_EQ(one_frame(), frame(0x601, {0x40, 0x81, 0x60, 0x00, 0, 0, 0, 0}));
  EXPECT_EQ(one_outcome().request.tag, 1u);
  ASSERT_TRUE(client.upload(1, 1, 0, 0, kT0));
  ASSERT_TRUE(client.upload(1, 2, 0, 0, kT0));
  ASSERT_TRUE(client.upload(1, 3, 0, 0, kT0));
  ASSERT_TRUE(client.upload(1, 4, 0, 0, kT0));
  EXPECT_EQ(client.upload(1, 5, 0, 0, kT0).error().code, Errc::kBusy);
}

TEST_F(SdoClientTest, StrayAndDuplicateResponsesAreIgnoredAndCounted) {
  client.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 1, 0, 0, 0}),
                  kT0);  // never asked: not ours
  EXPECT_EQ(client.stats().responses, 0u);
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 1, kT0));
  ASSERT_TRUE(client.upload(1, 0x6081, 0, 2, kT0));
  client.take_frames();
  client.on_frame(frame(0x581, {0x43, 0x10, 0x20, 0x00, 1, 0, 0, 0}), kT0);  // other object
  EXPECT_EQ(client.stats().mismatched, 1u);
  EXPECT_TRUE(client.take_outcomes().empty());
  client.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 1, 0, 0, 0}), kT0);
  EXPECT_EQ(client.take_outcomes().size(), 1u);
  // A second device with node id 1 answers the same request again.
  client.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 2, 0, 0, 0}), kT0);
  EXPECT_EQ(client.stats().duplicates, 1u);
  EXPECT_TRUE(client.take_outcomes().empty());
  client.on_frame(frame(0x581, {0x4F, 0x81, 0x60, 0x00, 80, 0, 0, 0}), kT0);
  EXPECT_EQ(one_outcome().data, std::vector<std::uint8_t>{80});
  client.on_frame(frame(0x581, {0x4F, 0x81, 0x60, 0x00, 81, 0, 0, 0}), kT0);  // idle now
  EXPECT_EQ(client.stats().duplicates, 2u);
  client.on_frame(frame(0x581, {0x4F, 0x99, 0x60, 0x00, 81, 0, 0, 0}), kT0);
  EXPECT_EQ(client.stats().unexpected, 1u);
}

TEST_F(SdoClientTest, ShortResponseIsCountedAndTheTransferTimesOut) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x581, {0x43, 0x60, 0x60}), kT0);
  EXPECT_EQ(client.stats().bad_frames, 1u);
  EXPECT_TRUE(client.busy(1));
}

TEST_F(SdoClientTest, UnexpectedCommandAbortsWithUnknownCommand) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 0, kT0));
  client.take_frames();
  client.on_frame(frame(0x581, {0x60, 0x60, 0x60, 0x00, 0, 0, 0, 0}), kT0);  // download response
  EXPECT_EQ(one_frame(), frame(0x601, {0x80, 0x60, 0x60, 0x00, 0x01, 0x00, 0x04, 0x05}));
  EXPECT_EQ(one_outcome().status, Errc::kBadFormat);
}

TEST_F(SdoClientTest, CancelDropsQueueAndTransfer) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 0, kT0));
  ASSERT_TRUE(client.upload(1, 0x6081, 0, 0, kT0));
  client.take_frames();
  client.cancel(1);
  EXPECT_FALSE(client.busy(1));
  EXPECT_EQ(client.queued(1), 0u);
  EXPECT_FALSE(client.next_deadline());
  EXPECT_TRUE(client.take_outcomes().empty());
}

TEST_F(SdoClientTest, ForeignRequestsAreCounted) {
  ASSERT_TRUE(client.upload(1, 0x6060, 0, 0, kT0));
  client.on_frame(frame(0x601, {0x40, 0x81, 0x60, 0x00, 0, 0, 0, 0}), kT0);
  EXPECT_EQ(client.stats().foreign_requests, 1u);
}

}  // namespace
}  // namespace gxlink::canopen
