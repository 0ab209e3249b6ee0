// SPDX-License-Identifier: MIT
#include "transport/candump_file_transport.hpp"

#include <chrono>

namespace gxlink::transport {

CandumpFileTransport::CandumpFileTransport(asio::io_context& io, CandumpFileOptions o)
    : io_(io), options_(std::move(o)), timer_(io) {
  name_ = options_.interface_name;
  if (!options_.tx_log.empty()) {
    tx_out_.open(options_.tx_log, std::ios::app);
    if (tx_out_) tx_writer_ = std::make_unique<CandumpWriter>(tx_out_, "tx");
  }
  // Peek at the first frame for the interface name, so drivers can name their service before start.
  if (open_file() && pending_ && name_.empty() && !pending_->interface.empty())
    name_ = pending_->interface;
  if (name_.empty()) name_ = "file";
}

bool CandumpFileTransport::open_file() {
  if (reader_) bad_before_ += reader_->errors();
  reader_.reset();
  in_.close();
  in_.clear();
  in_.open(options_.path);
  if (!in_) {
    last_error_ = "cannot open " + options_.path;
    return false;
  }
  reader_ = std::make_unique<CandumpReader>(in_);
  pending_ = reader_->next();
  return true;
}

bool CandumpFileTransport::send(const CanFrame& f) {
  if (state_ != CanBusState::kActive) return false;
  if (tx_writer_) {
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    tx_writer_->write(f, now);
    tx_out_.flush();
  }
  return true;
}

void CandumpFileTransport::start() {
  running_ = true;
  if (!reader_ && !open_file()) {
    report_state(CanBusState::kClosed);
    return;
  }
  state_ = CanBusState::kActive;
  report_state(state_);
  started_ = Clock::now();
  asio::post(io_, [this] { pump(); });
}

void CandumpFileTransport::stop() {
  running_ = false;
  timer_.cancel();
  state_ = CanBusState::kClosed;
}

void CandumpFileTransport::pump() {
  if (!running_) return;
  const TimePoint now = Clock::now();
  std::size_t n = 0;
  while (pending_) {
    if (!first_ts_) first_ts_ = *pending_->timestamp;
    const double rel = *pending_->timestamp - *first_ts_ + loop_offset_;
    const TimePoint due =
        started_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(rel));
    if (options_.realtime && due > now) break;
    deliver(pending_->frame, options_.realtime ? due : now);
    ++delivered_;
    pending_ = reader_->next();
    if (!pending_ && options_.loop) {
      const double last = rel;
      if (!open_file()) break;
      first_ts_.reset();
      loop_offset_ = last + to_seconds(options_.tick);
    }
    if (!options_.realtime && ++n >= 1024) {  // yield to the loop between batches
      asio::post(io_, [this] { pump(); });
      return;
    }
  }
  if (!pending_) {
    state_ = CanBusState::kClosed;
    report_state(state_);
    if (on_end_) on_end_();
    return;
  }
  timer_.expires_after(options_.tick);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) pump();
  });
}

}  // namespace gxlink::transport
