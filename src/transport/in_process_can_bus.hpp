// SPDX-License-Identifier: MIT
#pragma once
/// A CAN bus inside the process: simulators and drivers each hold an endpoint; a frame sent on one
/// endpoint reaches every other endpoint. Delivery is deferred (never re-entrant): frames queue,
/// and pump() delivers them. With a scheduler (the app posts pump() to its loop) it runs by itself;
/// tests call pump(now) with fake time.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "transport/can_transport.hpp"

namespace gxlink::transport {

class InProcessCanBus {
 public:
  class Endpoint final : public CanTransport {
   public:
    Endpoint(InProcessCanBus& bus, std::string name) : bus_(bus), name_(std::move(name)) {}
    ~Endpoint() override;
    std::string_view interface_name() const override { return bus_.name_; }
    bool send(const CanFrame& f) override;
    CanBusState state() const override { return CanBusState::kActive; }
    const std::string& endpoint_name() const { return name_; }

   private:
    friend class InProcessCanBus;
    InProcessCanBus& bus_;
    std::string name_;
  };

  /// `name` is the interface name drivers see ("can0"); `clock` supplies receive times.
  explicit InProcessCanBus(std::string name = "can0", std::function<TimePoint()> clock = {});

  /// A new endpoint; it stays attached until destroyed.
  std::unique_ptr<Endpoint> attach(std::string endpoint_name);
  /// The interface name drivers see.
  const std::string& name() const noexcept { return name_; }
  /// Called when the first frame of a batch is queued (e.g. post pump() to the loop).
  void set_scheduler(std::function<void()> s) { schedule_ = std::move(s); }
  /// Delivers all queued frames (and those sent while delivering) to every endpoint but the sender.
  /// Returns the number of frames delivered.
  std::size_t pump();
  std::size_t pump(TimePoint now);

  /// Every frame that crossed the bus (for tests); off unless enabled.
  void record(bool on) { recording_ = on; }
  const std::vector<CanFrame>& recorded() const { return recorded_; }

 private:
  struct Queued {
    const Endpoint* from;
    CanFrame frame;
  };
  void queue(const Endpoint* from, const CanFrame& f);
  void detach(const Endpoint* e);

  std::string name_;
  std::function<TimePoint()> clock_;
  std::function<void()> schedule_;
  std::vector<Endpoint*> endpoints_;
  std::deque<Queued> queue_;
  bool scheduled_ = false;
  bool recording_ = false;
  std::vector<CanFrame> recorded_;
};

}  // namespace gxlink::transport
