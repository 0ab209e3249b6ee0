// SPDX-License-Identifier: MIT
#pragma once
/// A CAN "bus" that replays a candump capture (any format parse_candump_line reads). In real time
/// the frames keep their recorded spacing (batched per timer tick, so 4000 frames/s cost twenty
/// wakeups, not four thousand); otherwise they are delivered as fast as the loop allows. Frames
/// sent to it are optionally written to a candump -L log. Receive times are on the steady clock
/// (the scheduled time in real time, "now" when fast), so drivers can mix them with their timers.

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <asio.hpp>

#include "transport/can_transport.hpp"
#include "transport/candump_file.hpp"

namespace gxlink::transport {

struct CandumpFileOptions {
  std::string path;
  bool realtime = true;
  bool loop = false;                 ///< start again at the end (demo, benchmarks)
  Duration tick = milliseconds(50);  ///< real-time batching period (20 wakeups/s)
  std::string interface_name;        ///< default: the capture's interface, else "file"
  std::string tx_log;                ///< where sent frames go (candump -L); empty = dropped
};

class CandumpFileTransport final : public CanTransport {
 public:
  CandumpFileTransport(asio::io_context& io, CandumpFileOptions o);
  std::string_view interface_name() const override { return name_; }
  bool send(const CanFrame& f) override;
  CanBusState state() const override { return state_; }
  void start() override;
  void stop() override;
  std::string last_error() const override { return last_error_; }
  std::size_t frames_delivered() const noexcept { return delivered_; }
  std::size_t bad_lines() const noexcept {
    return reader_ ? reader_->errors() + bad_before_ : bad_before_;
  }
  /// Called once when a non-looping replay reaches the end.
  void on_end(std::function<void()> f) { on_end_ = std::move(f); }

 private:
  bool open_file();
  void pump();

  asio::io_context& io_;
  CandumpFileOptions options_;
  std::string name_;
  asio::steady_timer timer_;
  std::ifstream in_;
  std::unique_ptr<CandumpReader> reader_;
  std::optional<CandumpLine> pending_;
  std::optional<double> first_ts_;
  TimePoint started_{};
  double loop_offset_ = 0;
  std::size_t delivered_ = 0, bad_before_ = 0;
  CanBusState state_ = CanBusState::kClosed;
  std::string last_error_;
  std::ofstream tx_out_;
  std::unique_ptr<CandumpWriter> tx_writer_;
  std::function<void()> on_end_;
  bool running_ = false;
};

}  // namespace gxlink::transport
