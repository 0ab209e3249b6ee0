// SPDX-License-Identifier: MIT
#include "sim/vebus/pty_multi_sim.hpp"

#include <unistd.h>

namespace gxlink::sim::vebus {

PtyMultiSim::PtyMultiSim(asio::io_context& io, MultiSimOptions options)
    : slave_path_(pty_.slave_path()), master_(io), timer_(io), retry_(io), sim_(options) {
  master_.assign(pty_.release_master());
  // Non-blocking: with nobody reading the slave (between two `gxlink vebus` runs, say) the pty
  // buffer fills up; the simulator then drops bytes, as a unit talking to an unplugged MK3 would,
  // instead of blocking the loop.
  asio::error_code ec;
  master_.non_blocking(true, ec);
  sim_.set_sink([this](ByteView b) {
    asio::error_code e;
    std::size_t done = 0;
    while (done < b.size()) {
      const auto n = master_.write_some(asio::buffer(b.data() + done, b.size() - done), e);
      if (e) break;  // would_block (full) or EIO (no slave): drop the rest
      done += n;
    }
  });
  read_more();
  tick();
}

PtyMultiSim::~PtyMultiSim() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw
  }
}

void PtyMultiSim::stop() {
  *alive_ = false;
  timer_.cancel();
  retry_.cancel();
  asio::error_code ec;
  if (master_.is_open()) master_.close(ec);
}

void PtyMultiSim::read_more() {
  auto alive = alive_;
  master_.async_read_some(asio::buffer(rx_),
                          [this, alive](const asio::error_code& ec, std::size_t n) {
                            if (!*alive) return;
                            if (ec) {
                              if (ec == asio::error::operation_aborted) return;
                              // EIO while no slave is open: poll again shortly.
                              retry_.expires_after(milliseconds(50));
                              retry_.async_wait([this, alive](const asio::error_code& e) {
                                if (!e && *alive) read_more();
                              });
                              return;
                            }
                            sim_.on_bytes(ByteView(rx_.data(), n), Clock::now());
                            read_more();
                          });
}

void PtyMultiSim::tick() {
  auto alive = alive_;
  timer_.expires_after(milliseconds(50));
  timer_.async_wait([this, alive](const asio::error_code& ec) {
    if (ec || !*alive) return;
    sim_.on_tick(Clock::now());
    tick();
  });
}

}  // namespace gxlink::sim::vebus
