// SPDX-License-Identifier: MIT
#include "transport/slcan_transport.hpp"

#include <stdexcept>

namespace gxlink::transport {

std::string interface_name_from_path(std::string_view path) {
  if (path.starts_with("/dev/")) path.remove_prefix(5);
  std::string s;
  for (char c : path)
    s.push_back((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c
                                                                                           : '_');
  return s;
}

SlcanTransport::SlcanTransport(asio::io_context& io, SlcanOptions o)
    : options_(std::move(o)),
      name_(options_.interface_name.empty() ? interface_name_from_path(options_.path)
                                            : options_.interface_name),
      port_(io, SerialOptions{options_.path, options_.tty_baud}) {
  if (!slcan::encode_bitrate(options_.bitrate))
    throw std::invalid_argument("slcan: unsupported bitrate " + std::to_string(options_.bitrate) +
                                " (10k, 20k, 50k, 100k, 125k, 250k, 500k, 750k/800k, 1M)");
  port_.set_data_handler([this](ByteView b, TimePoint t) { on_bytes(b, t); });
  port_.set_state_handler([this](bool open, const std::string& reason) {
    if (open) {
      ++stats_.opens;
      rx_.clear();
      // Close first: an adapter left open by a previous run refuses S<n> while open.
      port_.write(as_bytes(slcan::kClose));
      const auto rate = slcan::encode_bitrate(options_.bitrate);
      port_.write(rate->view());
      port_.write(as_bytes(slcan::kOpen));
      last_error_.clear();
      state_ = CanBusState::kActive;
    } else {
      last_error_ = reason;
      state_ = CanBusState::kClosed;
    }
    report_state(state_);
  });
}

SlcanTransport::~SlcanTransport() { stop(); }

void SlcanTransport::start() { port_.start(); }

void SlcanTransport::stop() {
  if (port_.is_open()) port_.write(as_bytes(slcan::kClose));
  port_.stop();
  state_ = CanBusState::kClosed;
}

bool SlcanTransport::send(const CanFrame& f) {
  if (state_ != CanBusState::kActive) return false;
  const auto rec = slcan::encode_frame(f);
  if (!port_.write(rec.view())) return false;
  ++stats_.tx_frames;
  return true;
}

void SlcanTransport::on_bytes(ByteView b, TimePoint t) {
  rx_.insert(rx_.end(), b.begin(), b.end());
  std::size_t at = 0;
  while (at < rx_.size()) {
    auto r = slcan::take(ByteView(rx_).subspan(at));
    at += r.consumed;
    if (r.status == slcan::TakeResult::Status::kNeedMore) break;
    if (r.status == slcan::TakeResult::Status::kBad) {
      ++stats_.bad_records;
      continue;
    }
    switch (r.record.kind) {
      case slcan::RecordKind::kFrame:
        ++stats_.rx_frames;
        deliver(r.record.frame, t);
        break;
      case slcan::RecordKind::kError: ++stats_.error_replies; break;
      case slcan::RecordKind::kStatus: {
        // Lawicel F flags: bit 5 error passive, bit 2 error warning, bit 7 bus error.
        const std::uint8_t s = r.record.status;
        const CanBusState ns = (s & 0x20)   ? CanBusState::kPassive
                               : (s & 0x04) ? CanBusState::kWarning
                                            : CanBusState::kActive;
        if (ns != state_) {
          state_ = ns;
          report_state(state_);
        }
        break;
      }
      default: break;  // OK / transmit done / a peer's commands: nothing to do
    }
  }
  rx_.erase(rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace gxlink::transport
