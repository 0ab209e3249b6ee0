// SPDX-License-Identifier: MIT
#pragma once
/// CAN over Linux SocketCAN: a CAN_RAW socket on an interface (can0, vcan0), read and written
/// through asio::posix::stream_descriptor. Error frames are requested from the kernel and turned
/// into the bus state (warning / passive / bus-off); they never reach the receiver (STYLE.md rule
/// 10). Kernels without AF_CAN fail cleanly: start() reports "SocketCAN is not available" once and
/// the transport stays closed. A missing or down interface is retried with backoff.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>

#include "core/result.hpp"
#include "transport/can_transport.hpp"
#include "transport/retry_timer.hpp"

struct can_frame;

namespace gxlink::transport {

/// A kernel receive filter: `received_id & mask == id & mask` (CAN_RAW_FILTER).
struct CanFilter {
  std::uint32_t id = 0;
  std::uint32_t mask = 0;
  bool extended = false;  ///< match only 29-bit (true) or only 11-bit (false) frames
};

struct SocketCanOptions {
  std::string interface = "can0";
  std::vector<CanFilter> filters;  ///< empty: receive everything
  Duration min_backoff = milliseconds(500);
  Duration max_backoff = seconds(10);
};

/// Conversions at the boundary, exposed for tests (they need only <linux/can.h>, not AF_CAN).
namespace socketcan {
/// gxlink frame -> struct can_frame.
void to_linux(const CanFrame& f, ::can_frame& out) noexcept;
/// struct can_frame -> gxlink frame; nullopt for an error frame.
std::optional<CanFrame> from_linux(const ::can_frame& in) noexcept;
/// The bus state an error frame announces (nullopt: an error that does not change the state).
std::optional<CanBusState> state_from_error(const ::can_frame& in) noexcept;
}  // namespace socketcan

class SocketCanTransport final : public CanTransport {
 public:
  SocketCanTransport(asio::io_context& io, SocketCanOptions o);
  ~SocketCanTransport() override;

  std::string_view interface_name() const override { return options_.interface; }
  bool send(const CanFrame& f) override;
  CanBusState state() const override { return state_; }
  void start() override;
  void stop() override;
  std::string last_error() const override { return last_error_; }

  /// Opens and binds the socket now. Errors name the cause (no AF_CAN, no such interface, ...).
  Result<int> open_socket() const;

 private:
  void try_open();
  void schedule_retry();
  void wait_read();
  void wait_write();
  void fail_and_retry(const std::string& reason);
  void set_state(CanBusState s);

  asio::io_context& io_;
  SocketCanOptions options_;
  asio::posix::stream_descriptor sock_;
  RetryTimer retry_;
  asio::steady_timer tx_timer_;
  std::deque<CanFrame> tx_;
  bool running_ = false;
  bool writing_ = false;
  bool permanent_failure_ = false;
  CanBusState state_ = CanBusState::kClosed;
  std::string last_error_;
};

}  // namespace gxlink::transport
