// SPDX-License-Identifier: MIT
#pragma once
/// Turns model changes into queued samples (issue 18 item 1, "a configurable rate"): a path that
/// changed is sampled at most once per `min_interval`, with the time of its latest change, and
/// every path of every service is sampled every `snapshot_interval` (a full snapshot, so a
/// consumer that joins late or lost a message still gets every value within that period).

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "model/model.hpp"
#include "publishers/upstream/sample_queue.hpp"

namespace gxlink::publishers::upstream {

class Sampler : public model::Observer {
 public:
  /// `now_ms`: the wall clock, unix milliseconds (the samples' `t`).
  Sampler(SampleQueue& queue, std::function<std::int64_t()> now_ms)
      : queue_(queue), now_ms_(std::move(now_ms)) {}

  void on_service_added(const model::Service& s) override;
  void on_service_removed(const model::Service& s) override;
  void on_changes(std::span<const model::Change> changes) override;

  /// Queues every path that changed since the last call (one transaction).
  Status sample_changes();
  /// Queues every path of every service in `model`, stamped now.
  Status snapshot(const model::Model& model);

  std::size_t dirty() const noexcept { return dirty_.size(); }
  std::uint64_t samples() const noexcept { return samples_; }

 private:
  struct Entry {
    const model::Service* service = nullptr;
    const std::string* path = nullptr;
    std::int64_t changed_ms = 0;
    bool dirty = false;
  };
  void mark(const model::Service& s, const std::string& path, const model::Item& item,
            std::int64_t now);
  Result<NewSample> sample(const model::Service& s, const std::string& path,
                           const model::Item& item, std::int64_t t_ms);

  SampleQueue& queue_;
  std::function<std::int64_t()> now_ms_;
  std::unordered_map<const model::Item*, Entry> entries_;
  std::vector<const model::Item*> dirty_;
  std::vector<NewSample> batch_;
  std::uint64_t samples_ = 0;
};

}  // namespace gxlink::publishers::upstream
