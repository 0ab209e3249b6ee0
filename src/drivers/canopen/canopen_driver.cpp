// SPDX-License-Identifier: MIT
#include "drivers/canopen/canopen_driver.hpp"

#include <algorithm>

namespace gxlink::drivers::canopen {
namespace {
// Even with nothing due, wake up now and then so a stalled clock source cannot freeze the bank.
constexpr Duration kMaxSleep = seconds(1);
}  // namespace

CanopenDriver::CanopenDriver(DriverContext& ctx, std::unique_ptr<transport::CanTransport> transport,
                             CanopenConfig config)
    : ctx_(ctx),
      transport_(std::move(transport)),
      bank_(ctx.model, ctx.instances, std::move(config),
            [this](const CanFrame& f) { return transport_->send(f); }),
      timer_(ctx.io) {}

CanopenDriver::~CanopenDriver() { stop(); }

std::string CanopenDriver::describe() const {
  std::string s = std::string(transport_->interface_name()) + " nodes ";
  const auto& nodes = bank_.config().nodes;
  if (nodes.empty()) s += "(auto)";
  for (std::size_t i = 0; i < nodes.size(); ++i) s += (i ? "," : "") + std::to_string(nodes[i].id);
  if (bank_.config().listen_only) s += " listen-only";
  return s;
}

void CanopenDriver::start() {
  if (running_) return;
  running_ = true;
  transport_->set_receiver([this](const CanFrame& f, TimePoint t) {
    bank_.on_frame(f, t);
    reschedule();
  });
  bank_.start(Clock::now());
  transport_->start();
  tick();
}

void CanopenDriver::stop() {
  if (!running_) return;
  running_ = false;
  transport_->stop();
  transport_->set_receiver({});
  timer_.cancel();
  bank_.stop();
}

void CanopenDriver::tick() {
  if (!running_) return;
  bank_.on_tick(Clock::now());
  reschedule();
}

void CanopenDriver::reschedule() {
  if (!running_) return;
  const TimePoint now = Clock::now();
  TimePoint when = now + kMaxSleep;
  if (auto d = bank_.next_deadline()) when = std::clamp(*d, now, when);
  // Only move the timer earlier (or re-arm it when it has fired): frames arrive often.
  if (timer_.expiry() > now && timer_.expiry() <= when) return;
  timer_.expires_at(when);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) tick();
  });
}

Health CanopenDriver::health() const {
  if (transport_->state() == transport::CanBusState::kBusOff ||
      transport_->state() == transport::CanBusState::kClosed)
    return Health::failed(std::string("CAN bus ") + transport::to_string(transport_->state()));
  return bank_.health();
}

}  // namespace gxlink::drivers::canopen
