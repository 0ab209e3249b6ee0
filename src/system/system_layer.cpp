// SPDX-License-Identifier: MIT
#include "system/system_layer.hpp"

namespace gxlink::system {

SystemLayer::SystemLayer(asio::io_context& io, model::Model& model, std::function<TimePoint()> now,
                         std::filesystem::path settings_file)
    : settings_(model, std::move(settings_file)),
      ctx_{io, model, settings_, std::move(now),
           [this](std::string_view name) { return find(name); }} {}

SystemLayer::~SystemLayer() { stop(); }

void SystemLayer::add(std::unique_ptr<SystemComponent> c) {
  if (c) components_.push_back(std::move(c));
}

SystemComponent* SystemLayer::find(std::string_view name) const {
  for (auto& c : components_)
    if (c->name() == name) return c.get();
  return nullptr;
}

void SystemLayer::start(
    const std::function<void(std::string_view, const std::exception&)>& on_error) {
  on_error_ = on_error;
  settings_.start();
  for (auto it = components_.begin(); it != components_.end();) {
    try {
      (*it)->start();
      ++it;
    } catch (const std::exception& e) {
      if (on_error_) on_error_((*it)->name(), e);
      it = components_.erase(it);
    }
  }
  started_ = true;
}

void SystemLayer::tick(TimePoint now) {
  if (!started_) return;
  for (auto& c : components_) {
    try {
      c->on_tick(now);
    } catch (const std::exception& e) {  // never out of an event-loop handler
      if (on_error_) on_error_(c->name(), e);
    }
  }
}

void SystemLayer::stop() {
  if (!started_) return;
  started_ = false;
  for (auto it = components_.rbegin(); it != components_.rend(); ++it) (*it)->stop();
  settings_.stop();
}

}  // namespace gxlink::system
