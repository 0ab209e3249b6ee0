// SPDX-License-Identifier: MIT
#include "protocols/canopen/sdo_observer.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gxlink::canopen {
namespace {

CanFrame frame(std::uint32_t id, std::initializer_list<std::uint8_t> b) {
  return CanFrame::standard(id, b);
}
const TimePoint kT = TimePoint{} + seconds(5);

TEST(SdoObserver, PairsExpeditedUploadWithItsRequest) {
  SdoObserver obs;
  EXPECT_FALSE(obs.on_frame(frame(0x701, {0x05}), kT));
  obs.on_frame(frame(0x601, {0x40, 0x60, 0x60, 0x00, 0, 0, 0, 0}), kT);
  EXPECT_TRUE(obs.take().empty());
  obs.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 0xFA, 0x34, 0, 0}), kT);
  auto t = obs.take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].node, 1);
  EXPECT_EQ(t[0].index, 0x6060);
  EXPECT_EQ(t[0].status, Errc::kOk);
  EXPECT_EQ(t[0].data, (std::vector<std::uint8_t>{0xFA, 0x34, 0, 0}));
}

TEST(SdoObserver, FollowsSegmentedUpload) {
  SdoObserver obs;
  const std::string v = "1.6.0";
  obs.on_frame(sdo_upload_request(2, 0x100A, 0), kT);
  obs.on_frame(sdo_upload_response_segmented(2, 0x100A, 0, 5), kT);
  obs.on_frame(sdo_upload_segment_request(2, false), kT);
  obs.on_frame(sdo_upload_segment_response(2, false, as_bytes(v), true), kT);
  auto t = obs.take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].status, Errc::kOk);
  EXPECT_EQ(std::string(t[0].data.begin(), t[0].data.end()), v);
}

TEST(SdoObserver, ReportsServerAbortsAndWrongToggles) {
  SdoObserver obs;
  obs.on_frame(sdo_upload_request(2, 0x6051, 0), kT);
  obs.on_frame(sdo_abort(2, 0x6051, 0, kAbortNoObject, true), kT);
  auto t = obs.take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].status, Errc::kAborted);
  EXPECT_TRUE(t[0].aborted_by_server);
  EXPECT_EQ(t[0].abort_code, kAbortNoObject);

  obs.on_frame(sdo_upload_request(2, 0x100A, 0), kT);
  obs.on_frame(sdo_upload_response_segmented(2, 0x100A, 0, 14), kT);
  obs.on_frame(sdo_upload_segment_request(2, false), kT);
  const std::uint8_t d[] = {1, 2, 3, 4, 5, 6, 7};
  obs.on_frame(sdo_upload_segment_response(2, true, d, false), kT);
  t = obs.take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].status, Errc::kSequence);
  EXPECT_EQ(obs.stats().toggle_errors, 1u);
}

TEST(SdoObserver, UnmatchedResponsesAreCounted) {
  SdoObserver obs;
  obs.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 1, 0, 0, 0}), kT);
  obs.on_frame(sdo_upload_request(1, 0x6081, 0), kT);
  obs.on_frame(frame(0x581, {0x43, 0x60, 0x60, 0x00, 1, 0, 0, 0}), kT);
  EXPECT_EQ(obs.stats().unmatched, 2u);
  EXPECT_TRUE(obs.take().empty());
}

TEST(SdoObserver, DownloadsArePairedToo) {
  SdoObserver obs;
  obs.on_frame(sdo_download_initiate(1, 0x1008, 0, 9), kT);
  obs.on_frame(sdo_download_response(1, 0x1008, 0), kT);
  const std::uint8_t a[] = {1, 2, 3, 4, 5, 6, 7}, b[] = {8, 9};
  obs.on_frame(sdo_download_segment(1, false, a, false), kT);
  obs.on_frame(sdo_download_segment_response(1, false), kT);
  obs.on_frame(sdo_download_segment(1, true, b, true), kT);
  obs.on_frame(sdo_download_segment_response(1, true), kT);
  auto t = obs.take();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].direction, SdoDirection::kDownload);
  EXPECT_EQ(t[0].status, Errc::kOk);
  EXPECT_EQ(t[0].data.size(), 9u);
}

}  // namespace
}  // namespace gxlink::canopen
