// SPDX-License-Identifier: MIT
#include "transport/in_process_can_bus.hpp"

#include <algorithm>

namespace gxlink::transport {

const char* to_string(CanBusState s) noexcept {
  switch (s) {
    case CanBusState::kActive: return "active";
    case CanBusState::kWarning: return "warning";
    case CanBusState::kPassive: return "passive";
    case CanBusState::kBusOff: return "bus-off";
    case CanBusState::kClosed: return "closed";
  }
  return "?";
}

InProcessCanBus::Endpoint::~Endpoint() { bus_.detach(this); }

bool InProcessCanBus::Endpoint::send(const CanFrame& f) {
  bus_.queue(this, f);
  return true;
}

InProcessCanBus::InProcessCanBus(std::string name, std::function<TimePoint()> clock)
    : name_(std::move(name)), clock_(std::move(clock)) {}

std::unique_ptr<InProcessCanBus::Endpoint> InProcessCanBus::attach(std::string endpoint_name) {
  auto e = std::make_unique<Endpoint>(*this, std::move(endpoint_name));
  endpoints_.push_back(e.get());
  return e;
}

void InProcessCanBus::detach(const Endpoint* e) {
  std::erase(endpoints_, e);
  for (auto& q : queue_)
    if (q.from == e) q.from = nullptr;
}

void InProcessCanBus::queue(const Endpoint* from, const CanFrame& f) {
  queue_.push_back({from, f});
  if (!scheduled_ && schedule_) {
    scheduled_ = true;
    schedule_();
  }
}

std::size_t InProcessCanBus::pump() { return pump(clock_ ? clock_() : Clock::now()); }

std::size_t InProcessCanBus::pump(TimePoint now) {
  scheduled_ = false;
  std::size_t n = 0;
  while (!queue_.empty()) {
    Queued q = queue_.front();
    queue_.pop_front();
    if (recording_) recorded_.push_back(q.frame);
    // Copy: a receiver may attach or detach endpoints.
    auto targets = endpoints_;
    for (Endpoint* e : targets)
      if (e != q.from && std::find(endpoints_.begin(), endpoints_.end(), e) != endpoints_.end())
        e->deliver(q.frame, now);
    ++n;
  }
  return n;
}

}  // namespace gxlink::transport
