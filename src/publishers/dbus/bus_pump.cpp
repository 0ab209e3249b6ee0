// SPDX-License-Identifier: MIT
#include "publishers/dbus/bus_pump.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <sdbus-c++/Error.h>
#include <asio/post.hpp>

namespace gxlink::publishers::dbus {

BusPump::BusPump(asio::io_context& io, std::unique_ptr<sdbus::IConnection> conn,
                 ErrorHandler on_error)
    : io_(io),
      conn_(std::move(conn)),
      on_error_(std::move(on_error)),
      fd_(io, conn_->getEventLoopPollData().fd),
      timer_(io) {
  kick();
}

BusPump::~BusPump() {
  *alive_ = false;
  timer_.cancel();
  // The fd belongs to sd-bus: stop watching it without closing it.
  asio::error_code ec;
  fd_.cancel(ec);
  (void)fd_.release();
}

void BusPump::kick() {
  if (kicked_ || failed_) return;
  kicked_ = true;
  asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    kicked_ = false;
    process();
  });
}

bool BusPump::raw_allowed() {
  if (failed_) return false;
  if (raw_pending()) return true;
  try {
    return !(conn_->getEventLoopPollData().events & POLLOUT);
  } catch (const std::exception&) {
    return false;
  }
}

void BusPump::send_raw(const std::string& bytes) {
  if (failed_) return;
  if (!raw_pending()) {
    raw_.clear();
    raw_off_ = 0;
  }
  raw_ += bytes;
  if (!flush_raw()) {
    if (raw_.size() - raw_off_ > kMaxRawQueue) return fail("dbus-daemon does not read its socket");
    arm();
  }
}

bool BusPump::flush_raw() {
  const int fd = fd_.native_handle();
  while (raw_pending()) {
    const ssize_t n =
        ::send(fd, raw_.data() + raw_off_, raw_.size() - raw_off_, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      raw_off_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return false;
    } else {
      fail(std::string("bus socket: ") + std::strerror(errno));
      return false;
    }
  }
  raw_.clear();
  raw_off_ = 0;
  return true;
}

void BusPump::process() {
  if (failed_) return;
  // Our raw bytes first: sd-bus must not write (replies) into the middle of a raw message.
  if (!flush_raw()) return arm();
  try {
    // sd_bus_process handles one message per call; drain everything that is queued.
    while (conn_->processPendingRequest()) {
      if (failed_) return;
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  arm();
}

void BusPump::arm() {
  if (failed_) return;
  sdbus::IConnection::PollData pd{};
  try {
    pd = conn_->getEventLoopPollData();
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  if ((pd.events & POLLIN) && !reading_) {
    reading_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                   [this, alive = alive_](const asio::error_code& ec) {
                     if (!*alive) return;
                     reading_ = false;
                     if (ec == asio::error::operation_aborted) return;
                     if (ec) return fail(ec.message());
                     process();
                   });
  }
  if (((pd.events & POLLOUT) || raw_pending()) && !writing_) {
    writing_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_write,
                   [this, alive = alive_](const asio::error_code& ec) {
                     if (!*alive) return;
                     writing_ = false;
                     if (ec == asio::error::operation_aborted) return;
                     if (ec) return fail(ec.message());
                     process();
                   });
  }
  if (auto rel = pd.getRelativeTimeout()) {
    timer_.expires_after(*rel);
    timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
      if (!*alive || ec) return;
      process();
    });
  } else {
    timer_.cancel();
  }
}

void BusPump::fail(const std::string& reason) {
  if (failed_) return;
  failed_ = true;
  timer_.cancel();
  asio::error_code ec;
  fd_.cancel(ec);
  // Posted: the owner usually destroys this pump (and its connection) from the handler.
  asio::post(io_, [this, alive = alive_, reason] {
    if (!*alive) return;
    if (on_error_) on_error_(reason);
  });
}

}  // namespace gxlink::publishers::dbus
