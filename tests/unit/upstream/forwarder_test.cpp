// SPDX-License-Identifier: MIT
// The forwarder (issue 18 "Store-and-forward"): live first, backlog oldest first within the
// catch-up budget, nothing leaves the queue before it is acknowledged, and a lost link sends the
// unacknowledged samples again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "publishers/upstream/forwarder.hpp"

namespace gxlink::publishers::upstream {
namespace {

class FakeTransport : public Transport {
 public:
  bool ready() const override { return up && sent.size() < window; }
  void send(std::vector<StoredSample> batch) override { sent.push_back(std::move(batch)); }
  bool up = true;
  std::size_t window = 100;
  std::vector<std::vector<StoredSample>> sent;
};

std::vector<std::int64_t> ids_of(const std::vector<StoredSample>& b) {
  std::vector<std::int64_t> ids;
  for (const auto& s : b) ids.push_back(s.id);
  return ids;
}

class ForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto q = SampleQueue::open({}, {});
    ASSERT_TRUE(q);
    queue.emplace(std::move(*q));
    series = *queue->series_id({"battery", 0, "/Soc"});
  }
  void add(int n, std::int64_t first_t) {
    std::vector<NewSample> in;
    for (int i = 0; i < n; ++i) in.push_back({series, first_t + i, std::to_string(first_t + i)});
    ASSERT_TRUE(queue->append(in));
  }
  std::optional<SampleQueue> queue;
  std::int64_t series = 0;
  FakeTransport transport;
  TimePoint t0{};
};

TEST_F(ForwarderTest, BacklogOldestFirstWithinTheCatchUpBudgetAndLiveFirst) {
  add(1000, 0);  // queued while offline
  Forwarder f(*queue, transport, {.batch = 100, .catchup_rate = 300});
  f.link_up(t0);
  EXPECT_TRUE(f.catching_up());
  ASSERT_TRUE(f.pump(t0));
  EXPECT_TRUE(transport.sent.empty());   // no budget yet at the first instant
  ASSERT_TRUE(f.pump(t0 + seconds(1)));  // 300 samples of budget
  ASSERT_EQ(transport.sent.size(), 3u);
  EXPECT_EQ(transport.sent[0].front().t_ms, 0);
  EXPECT_EQ(transport.sent[2].back().t_ms, 299);
  // A live sample arrives: it goes before the rest of the backlog, even with no budget left.
  add(1, 5000);
  ASSERT_TRUE(f.pump(t0 + seconds(1)));
  ASSERT_EQ(transport.sent.size(), 4u);
  EXPECT_EQ(transport.sent[3].front().t_ms, 5000);
  // The budget is capped at one second's worth: a long pause does not release a burst.
  ASSERT_TRUE(f.pump(t0 + seconds(100)));
  EXPECT_EQ(transport.sent.size(), 7u);
  EXPECT_EQ(transport.sent[6].back().t_ms, 599);
  EXPECT_EQ(f.stats().sent_live, 1u);
  EXPECT_EQ(f.stats().sent_backlog, 600u);
  // Nothing left the queue yet: only acknowledgements delete.
  EXPECT_EQ(queue->rows(), 1001);
  for (const auto& b : transport.sent) f.acked(ids_of(b));
  ASSERT_TRUE(f.flush_acks());
  EXPECT_EQ(queue->rows(), 400);
  ASSERT_TRUE(f.pump(t0 + seconds(102)));
  ASSERT_TRUE(f.pump(t0 + seconds(103)));
  EXPECT_FALSE(f.catching_up());
  EXPECT_EQ(transport.sent.back().back().t_ms, 999);
}

TEST_F(ForwarderTest, ALostLinkSendsTheUnacknowledgedAgain) {
  add(10, 0);
  Forwarder f(*queue, transport, {.batch = 4, .catchup_rate = 1000});
  f.link_up(t0);
  ASSERT_TRUE(f.pump(t0 + seconds(1)));
  ASSERT_EQ(transport.sent.size(), 3u);
  f.acked(ids_of(transport.sent[0]));  // only the first batch was acknowledged
  f.link_down();
  add(2, 100);  // sampled during the outage
  ASSERT_TRUE(f.pump(t0 + seconds(2)));
  EXPECT_EQ(transport.sent.size(), 3u);  // nothing goes while down
  ASSERT_TRUE(f.flush_acks());
  transport.sent.clear();
  f.link_up(t0 + seconds(3));
  ASSERT_TRUE(f.pump(t0 + seconds(4)));
  std::vector<std::int64_t> times;
  for (const auto& b : transport.sent)
    for (const auto& s : b) times.push_back(s.t_ms);
  EXPECT_THAT(times, ::testing::ElementsAre(4, 5, 6, 7, 8, 9, 100, 101));
}

TEST_F(ForwarderTest, AFullWindowWaits) {
  add(10, 0);
  transport.window = 1;
  Forwarder f(*queue, transport, {.batch = 4, .catchup_rate = 1000});
  f.link_up(t0);
  ASSERT_TRUE(f.pump(t0 + seconds(1)));
  EXPECT_EQ(transport.sent.size(), 1u);
  transport.sent.clear();
  ASSERT_TRUE(f.pump(t0 + seconds(1)));
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_EQ(transport.sent[0].front().t_ms, 4);
}

}  // namespace
}  // namespace gxlink::publishers::upstream
