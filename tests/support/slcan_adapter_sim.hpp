// SPDX-License-Identifier: MIT
#pragma once
// A simulated slcan adapter (CANable-like) on a pty, for tests that give the gxlink binary a live
// CAN bus: `slcan:<link>` opens it like /dev/ttyACM0. It answers V with a version and every other
// command with CR, and passes frames both ways only while its bus is open (after O) at the bus'
// bit rate, as a real adapter does (slcan_codec.hpp). Simulated devices attach to bus(); tick()
// runs every 100 ms on the adapter's io_context so they can send what is due.
#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include <asio.hpp>

#include "transport/can_transport.hpp"
#include "transport/pty.hpp"
#include "transport/slcan_codec.hpp"

namespace gxlink::test {

class SlcanAdapterSim {
 public:
  /// The CAN side: what devices send goes out as slcan records; what the host sends reaches them.
  class Bus final : public transport::CanTransport {
   public:
    std::function<void(const CanFrame&)> on_send;
    std::string_view interface_name() const override { return "slcan0"; }
    bool send(const CanFrame& f) override {
      if (on_send) on_send(f);
      return true;
    }
    transport::CanBusState state() const override { return transport::CanBusState::kActive; }
    void receive(const CanFrame& f) { deliver(f, Clock::now()); }
  };

  /// `bus_rate` is the `S<n>` digit of the bus' real bit rate ('6' = 500 k, '5' = 250 k): opened at
  /// another rate, the adapter sees no frames, as on a real bus. `link` becomes a symlink to the
  /// pty's slave side.
  SlcanAdapterSim(asio::io_context& io, const std::filesystem::path& link, char bus_rate = '6',
                  std::function<void(TimePoint)> tick = {})
      : master_(io), timer_(io), retry_(io), tick_(std::move(tick)), bus_rate_(bus_rate) {
    master_.assign(pty_.release_master());
    asio::error_code ec;
    master_.non_blocking(true, ec);
    std::filesystem::remove(link, ec);
    std::filesystem::create_symlink(pty_.slave_path(), link);
    bus_.on_send = [this](const CanFrame& f) {
      if (open_ && rate_ == bus_rate_) write(transport::slcan::encode_frame(f).view());
    };
    read_more();
    schedule();
  }
  Bus& bus() { return bus_; }
  std::size_t opens() const { return opens_; }
  std::size_t version_queries() const { return version_queries_; }
  /// Frames the host sent while the bus was open.
  std::size_t frames_from_host() const { return frames_from_host_; }
  void stop() {
    timer_.cancel();
    retry_.cancel();
    asio::error_code ec;
    master_.close(ec);
  }

 private:
  void write(ByteView b) {
    asio::error_code e;
    std::size_t done = 0;
    while (done < b.size()) {  // a full buffer (nobody reading) drops the rest, as a USB FIFO does
      const auto n = master_.write_some(asio::buffer(b.data() + done, b.size() - done), e);
      if (e) break;
      done += n;
    }
  }
  void read_more() {
    master_.async_read_some(asio::buffer(rx_), [this](const asio::error_code& ec, std::size_t n) {
      if (ec == asio::error::operation_aborted || !master_.is_open()) return;
      if (ec) {  // EIO while no slave is open: poll again
        retry_.expires_after(std::chrono::milliseconds(50));
        retry_.async_wait([this](const asio::error_code& e) {
          if (!e) read_more();
        });
        return;
      }
      pending_.insert(pending_.end(), rx_.begin(), rx_.begin() + static_cast<std::ptrdiff_t>(n));
      on_input();
      read_more();
    });
  }
  void on_input() {
    namespace slcan = transport::slcan;
    std::size_t at = 0;
    while (at < pending_.size()) {
      const auto r = slcan::take(ByteView(pending_.data() + at, pending_.size() - at));
      if (r.status == slcan::TakeResult::Status::kNeedMore) break;
      at += r.consumed;
      if (r.status != slcan::TakeResult::Status::kRecord) {
        write(as_bytes(std::string_view("\a")));
        continue;
      }
      const auto& rec = r.record;
      const bool command = rec.kind == slcan::RecordKind::kCommand;
      if (rec.kind == slcan::RecordKind::kFrame) {
        if (open_ && rate_ == bus_rate_) {
          ++frames_from_host_;
          bus_.receive(rec.frame);
        }
        write(as_bytes(std::string_view(rec.frame.extended ? "Z\r" : "z\r")));
      } else if (command && rec.command == 'V') {
        ++version_queries_;
        write(as_bytes(std::string_view("V1013\r")));
      } else {
        if (command && rec.command == 'O') {
          open_ = true;
          ++opens_;
        }
        if (command && rec.command == 'C') open_ = false;
        if (command && rec.command == 'S') {
          // `S<digit>\r`: the digit follows the letter (a leading `\n` is part of the record).
          const std::uint8_t* begin = pending_.data() + (at - r.consumed);
          const std::uint8_t* end = pending_.data() + at;
          const std::uint8_t* s_at = std::find(begin, end, std::uint8_t{'S'});
          if (s_at + 1 < end) rate_ = static_cast<char>(s_at[1]);
        }
        write(as_bytes(std::string_view("\r")));
      }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(at));
    if (pending_.size() > 256) pending_.clear();
  }
  void schedule() {
    timer_.expires_after(std::chrono::milliseconds(100));
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      if (tick_) tick_(Clock::now());
      schedule();
    });
  }

  transport::Pty pty_;
  asio::posix::stream_descriptor master_;
  asio::steady_timer timer_, retry_;
  std::function<void(TimePoint)> tick_;
  Bus bus_;
  std::array<std::uint8_t, 256> rx_{};
  std::vector<std::uint8_t> pending_;
  char bus_rate_;
  char rate_ = 0;
  bool open_ = false;
  std::size_t opens_ = 0, version_queries_ = 0, frames_from_host_ = 0;
};

}  // namespace gxlink::test
