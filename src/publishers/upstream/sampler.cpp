// SPDX-License-Identifier: MIT
#include "publishers/upstream/sampler.hpp"

#include "model/model_json.hpp"

namespace gxlink::publishers::upstream {

void Sampler::mark(const model::Service& s, const std::string& path, const model::Item& item,
                   std::int64_t now) {
  auto& e = entries_[&item];
  e.service = &s;
  e.path = &path;
  e.changed_ms = now;
  if (!e.dirty) {
    e.dirty = true;
    dirty_.push_back(&item);
  }
}

void Sampler::on_service_added(const model::Service& s) {
  const auto now = now_ms_();
  for (const auto& [path, item] : s.items()) mark(s, path, item, now);
}

void Sampler::on_service_removed(const model::Service& s) {
  // Its items are about to go: forget them (pointers would dangle), dirty or not.
  std::erase_if(dirty_, [&](const model::Item* i) {
    auto it = entries_.find(i);
    return it == entries_.end() || it->second.service == &s;
  });
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.service == &s; });
}

void Sampler::on_changes(std::span<const model::Change> changes) {
  const auto now = now_ms_();
  for (const auto& c : changes) mark(*c.service, *c.path, *c.item, now);
}

Result<NewSample> Sampler::sample(const model::Service& s, const std::string& path,
                                  const model::Item& item, std::int64_t t_ms) {
  auto id = queue_.series_id({s.type(), s.device_instance(), path});
  if (!id) return tl::unexpected(id.error());
  return NewSample{*id, t_ms, model::dump_json(model::to_json(item.value))};
}

Status Sampler::sample_changes() {
  batch_.clear();
  for (const auto* item : dirty_) {
    auto& e = entries_[item];
    e.dirty = false;
    auto smp = sample(*e.service, *e.path, *item, e.changed_ms);
    if (!smp) return tl::unexpected(smp.error());
    batch_.push_back(std::move(*smp));
  }
  dirty_.clear();
  samples_ += batch_.size();
  return queue_.append(batch_);
}

Status Sampler::snapshot(const model::Model& model) {
  // Changes not yet sampled go first, with their own times.
  if (auto ok = sample_changes(); !ok) return ok;
  batch_.clear();
  const auto now = now_ms_();
  for (const auto& [name, service] : model.services()) {
    if (!service->announced()) continue;
    for (const auto& [path, item] : service->items()) {
      auto smp = sample(*service, path, item, now);
      if (!smp) return tl::unexpected(smp.error());
      batch_.push_back(std::move(*smp));
    }
  }
  samples_ += batch_.size();
  return queue_.append(batch_);
}

}  // namespace gxlink::publishers::upstream
