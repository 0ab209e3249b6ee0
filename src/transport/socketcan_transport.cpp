// SPDX-License-Identifier: MIT
#include "transport/socketcan_transport.hpp"

#include <fcntl.h>
#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gxlink::transport {
namespace socketcan {

void to_linux(const CanFrame& f, ::can_frame& out) noexcept {
  std::memset(&out, 0, sizeof out);
  out.can_id = f.extended ? ((f.id & CAN_EFF_MASK) | CAN_EFF_FLAG) : (f.id & CAN_SFF_MASK);
  if (f.rtr) out.can_id |= CAN_RTR_FLAG;
  out.can_dlc = f.len > 8 ? 8 : f.len;
  if (!f.rtr) std::memcpy(out.data, f.data.data(), out.can_dlc);
}

std::optional<CanFrame> from_linux(const ::can_frame& in) noexcept {
  if (in.can_id & CAN_ERR_FLAG) return std::nullopt;
  CanFrame f;
  f.extended = (in.can_id & CAN_EFF_FLAG) != 0;
  f.rtr = (in.can_id & CAN_RTR_FLAG) != 0;
  f.id = in.can_id & (f.extended ? CAN_EFF_MASK : CAN_SFF_MASK);
  f.len = in.can_dlc > 8 ? 8 : in.can_dlc;
  if (!f.rtr) std::memcpy(f.data.data(), in.data, f.len);
  return f;
}

std::optional<CanBusState> state_from_error(const ::can_frame& in) noexcept {
  if (!(in.can_id & CAN_ERR_FLAG)) return std::nullopt;
  const canid_t e = in.can_id & CAN_ERR_MASK;
  if (e & CAN_ERR_BUSOFF) return CanBusState::kBusOff;
  if (e & CAN_ERR_RESTARTED) return CanBusState::kActive;
  if ((e & CAN_ERR_CRTL) && in.can_dlc >= 2) {
    const std::uint8_t c = in.data[1];
    if (c & (CAN_ERR_CRTL_RX_PASSIVE | CAN_ERR_CRTL_TX_PASSIVE)) return CanBusState::kPassive;
    if (c & (CAN_ERR_CRTL_RX_WARNING | CAN_ERR_CRTL_TX_WARNING)) return CanBusState::kWarning;
#ifdef CAN_ERR_CRTL_ACTIVE
    if (c & CAN_ERR_CRTL_ACTIVE) return CanBusState::kActive;
#endif
  }
  return std::nullopt;
}

}  // namespace socketcan

SocketCanTransport::SocketCanTransport(asio::io_context& io, SocketCanOptions o)
    : io_(io),
      options_(std::move(o)),
      sock_(io),
      retry_(io, options_.min_backoff, options_.max_backoff),
      tx_timer_(io) {}

SocketCanTransport::~SocketCanTransport() { stop(); }

Result<int> SocketCanTransport::open_socket() const {
  if (options_.interface.empty() || options_.interface.size() >= IFNAMSIZ)
    return fail(Errc::kOutOfRange, "bad interface name '" + options_.interface + "'");
  const int fd = ::socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
  if (fd < 0) {
    const int e = errno;
    if (e == EAFNOSUPPORT || e == EPROTONOSUPPORT)
      return fail(Errc::kUnsupported,
                  "SocketCAN is not available on this kernel (no AF_CAN / can-raw): " +
                      std::string(std::strerror(e)) + "; use slcan: or file: instead");
    return fail(Errc::kIo, std::string("socket(PF_CAN): ") + std::strerror(e));
  }
  auto fail_fd = [fd](Errc c, std::string what) {
    const int e = errno;
    ::close(fd);
    return fail(c, what + ": " + std::strerror(e));
  };
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, options_.interface.c_str(), options_.interface.size());
  if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
    return fail_fd(Errc::kIo, "no CAN interface " + options_.interface);
  // Error frames: bus-off, controller state changes and restarts become the bus state.
  can_err_mask_t err_mask = CAN_ERR_BUSOFF | CAN_ERR_CRTL | CAN_ERR_RESTARTED;
  if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &err_mask, sizeof err_mask) < 0)
    return fail_fd(Errc::kIo, "CAN_RAW_ERR_FILTER");
  if (!options_.filters.empty()) {
    std::vector<can_filter> fs;
    for (const auto& f : options_.filters) {
      can_filter k{};
      k.can_id = f.extended ? ((f.id & CAN_EFF_MASK) | CAN_EFF_FLAG) : (f.id & CAN_SFF_MASK);
      k.can_mask =
          (f.mask & (f.extended ? CAN_EFF_MASK : CAN_SFF_MASK)) | CAN_EFF_FLAG | CAN_RTR_FLAG;
      fs.push_back(k);
    }
    if (::setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, fs.data(),
                     static_cast<socklen_t>(fs.size() * sizeof(can_filter))) < 0)
      return fail_fd(Errc::kIo, "CAN_RAW_FILTER");
  }
  sockaddr_can addr{};
  addr.can_family = AF_CAN;
  addr.can_ifindex = ifr.ifr_ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return fail_fd(Errc::kIo, "bind to " + options_.interface);
  return fd;
}

void SocketCanTransport::start() {
  running_ = true;
  try_open();
}

void SocketCanTransport::stop() {
  running_ = false;
  retry_.cancel();
  tx_timer_.cancel();
  asio::error_code ec;
  if (sock_.is_open()) sock_.close(ec);
  tx_.clear();
  writing_ = false;
  state_ = CanBusState::kClosed;
}

void SocketCanTransport::set_state(CanBusState s) {
  if (s == state_) return;
  state_ = s;
  report_state(s);
}

void SocketCanTransport::try_open() {
  if (!running_) return;
  auto fd = open_socket();
  if (!fd) {
    const bool first = last_error_ != fd.error().detail;
    last_error_ = fd.error().detail;
    if (first) report_state(CanBusState::kClosed);  // reported once per cause, not per retry
    // Without AF_CAN no retry can help; an absent/down interface may come up later.
    if (fd.error().code == Errc::kUnsupported) {
      permanent_failure_ = true;
      return;
    }
    schedule_retry();
    return;
  }
  asio::error_code ec;
  sock_.assign(*fd, ec);
  if (ec) {
    ::close(*fd);
    fail_and_retry("assign: " + ec.message());
    return;
  }
  last_error_.clear();
  retry_.succeeded();
  set_state(CanBusState::kActive);
  wait_read();
  wait_write();
}

void SocketCanTransport::schedule_retry() {
  retry_.schedule([this] { try_open(); });
}

void SocketCanTransport::fail_and_retry(const std::string& reason) {
  asio::error_code ignored;
  if (sock_.is_open()) sock_.close(ignored);
  writing_ = false;
  last_error_ = reason;
  set_state(CanBusState::kClosed);
  if (running_) schedule_retry();
}

void SocketCanTransport::wait_read() {
  sock_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted) fail_and_retry(ec.message());
      return;
    }
    // Drain what is queued; one wakeup per burst, not per frame.
    for (int i = 0; i < 256; ++i) {
      ::can_frame cf{};
      const ssize_t n = ::read(sock_.native_handle(), &cf, sizeof cf);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        fail_and_retry(std::string("read: ") + std::strerror(errno));
        return;
      }
      if (static_cast<std::size_t>(n) < sizeof cf) continue;  // CAN FD or short read: not ours
      const TimePoint now = Clock::now();
      if (auto s = socketcan::state_from_error(cf)) {
        set_state(*s);
        continue;
      }
      if (auto f = socketcan::from_linux(cf)) {
        // A frame received means the controller is at least back to error-active after bus-off.
        if (state_ == CanBusState::kBusOff) set_state(CanBusState::kActive);
        deliver(*f, now);
      }
    }
    if (sock_.is_open()) wait_read();
  });
}

bool SocketCanTransport::send(const CanFrame& f) {
  if (!sock_.is_open() || state_ == CanBusState::kBusOff) return false;
  if (tx_.size() >= 256) return false;  // the bus is not draining: refuse rather than grow
  tx_.push_back(f);
  wait_write();
  return true;
}

void SocketCanTransport::wait_write() {
  if (writing_ || tx_.empty() || !sock_.is_open()) return;
  // Try at once; only wait for writability when the kernel queue is full (ENOBUFS / EAGAIN).
  while (!tx_.empty()) {
    ::can_frame cf{};
    socketcan::to_linux(tx_.front(), cf);
    const ssize_t n = ::write(sock_.native_handle(), &cf, sizeof cf);
    if (n == static_cast<ssize_t>(sizeof cf)) {
      tx_.pop_front();
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == ENOBUFS) {
      // The device queue is full (a silent or bus-off bus). The socket still polls writable, so
      // waiting for writability would spin: back off on a timer instead.
      writing_ = true;
      tx_timer_.expires_after(milliseconds(10));
      tx_timer_.async_wait([this](const asio::error_code& ec) {
        writing_ = false;
        if (!ec) wait_write();
      });
      return;
    }
    if (n < 0 && errno == ENETDOWN) {
      fail_and_retry(options_.interface + " is down");
      return;
    }
    tx_.pop_front();  // a frame the kernel refuses (EINVAL) is dropped, not retried forever
  }
  if (tx_.empty()) return;
  writing_ = true;
  sock_.async_wait(asio::posix::stream_descriptor::wait_write, [this](const asio::error_code& ec) {
    writing_ = false;
    if (ec) return;
    wait_write();
  });
}

}  // namespace gxlink::transport
