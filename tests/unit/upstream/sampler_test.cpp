// SPDX-License-Identifier: MIT
// The sampler (issue 18 "a configurable rate"): a changed path once per turn with the time of its
// latest change, a snapshot of every path, nothing for paths that did not change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "publishers/upstream/sampler.hpp"

namespace gxlink::publishers::upstream {
namespace {

class SamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto q = SampleQueue::open({}, {});
    ASSERT_TRUE(q);
    queue.emplace(std::move(*q));
    sampler.emplace(*queue, [this] { return now_ms; });
    model.add_observer(&*sampler);
    model::ServiceSpec spec;
    spec.type = "battery";
    spec.connection = "ttyTEST";
    spec.device_instance = 512;
    battery = &model.add_service(spec);
    battery->set("/Dc/0/Voltage", 26.5);
    battery->set("/Soc", std::int64_t{80});
    model.flush();
  }
  // Every queued sample as path -> [(t, value)], in queue order.
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> queued() {
    std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> out;
    auto rows = queue->read(0, queue->last_id(), 100000);
    EXPECT_TRUE(rows.has_value());
    for (const auto& s : *rows) {
      const auto* k = queue->series(s.series);
      EXPECT_EQ(k->type, "battery");
      EXPECT_EQ(k->instance, 512);
      out[k->path].push_back({s.t_ms, s.value_json});
    }
    return out;
  }
  std::optional<SampleQueue> queue;
  std::optional<Sampler> sampler;
  model::Model model;
  model::Service* battery = nullptr;
  std::int64_t now_ms = 1000;
};

TEST_F(SamplerTest, ANewServiceIsSampledWhole) {
  ASSERT_TRUE(sampler->sample_changes());
  auto q = queued();
  EXPECT_EQ(q["/Dc/0/Voltage"],
            (std::vector<std::pair<std::int64_t, std::string>>{{1000, "26.5"}}));
  EXPECT_EQ(q["/Soc"].size(), 1u);
  EXPECT_TRUE(q.count("/DeviceInstance"));  // the mandatory paths too
  EXPECT_EQ(sampler->dirty(), 0u);
}

TEST_F(SamplerTest, AChangedPathOncePerTurnWithItsLatestChangeTime) {
  ASSERT_TRUE(sampler->sample_changes());
  const auto before = queue->rows();
  now_ms = 2000;
  battery->set("/Dc/0/Voltage", 26.6);
  model.flush();
  now_ms = 2500;
  battery->set("/Dc/0/Voltage", 26.7);
  model.flush();
  now_ms = 3000;
  ASSERT_TRUE(sampler->sample_changes());
  EXPECT_EQ(queue->rows(), before + 1);  // one sample, and nothing for /Soc
  auto v = queued()["/Dc/0/Voltage"];
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1], (std::pair<std::int64_t, std::string>{2500, "26.7"}));
  // Nothing changed: nothing queued.
  ASSERT_TRUE(sampler->sample_changes());
  EXPECT_EQ(queue->rows(), before + 1);
}

TEST_F(SamplerTest, SnapshotQueuesEveryPathNowAfterPendingChanges) {
  ASSERT_TRUE(sampler->sample_changes());
  now_ms = 5000;
  battery->set("/Soc", std::int64_t{81});
  model.flush();
  now_ms = 9000;
  ASSERT_TRUE(sampler->snapshot(model));
  auto q = queued();
  ASSERT_EQ(q["/Soc"].size(), 3u);
  EXPECT_EQ(q["/Soc"][1], (std::pair<std::int64_t, std::string>{5000, "81"}));
  EXPECT_EQ(q["/Soc"][2], (std::pair<std::int64_t, std::string>{9000, "81"}));
  EXPECT_EQ(q["/Dc/0/Voltage"].back().first, 9000);
  EXPECT_EQ(q["/Dc/0/Current"].size(), 0u);  // never declared, never sampled
}

TEST_F(SamplerTest, ARemovedServiceIsForgotten) {
  battery->set("/Soc", std::int64_t{82});
  model.flush();
  model.remove_service(battery->name());
  ASSERT_TRUE(sampler->sample_changes());  // no dangling item is read
  EXPECT_EQ(queue->rows(), 0);
}

}  // namespace
}  // namespace gxlink::publishers::upstream
