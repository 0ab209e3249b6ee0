// SPDX-License-Identifier: MIT
#pragma once
/// The simulated Multi on the master side of a pty: drivers (or `gxlink vebus`) open slave_path()
/// as if it were the MK3's /dev/ttyUSB0.

#include <memory>
#include <string>

#include <asio.hpp>

#include "sim/vebus/multi_sim.hpp"
#include "transport/pty.hpp"

namespace gxlink::sim::vebus {

class PtyMultiSim {
 public:
  PtyMultiSim(asio::io_context& io, MultiSimOptions options = {});
  ~PtyMultiSim();
  PtyMultiSim(const PtyMultiSim&) = delete;
  PtyMultiSim& operator=(const PtyMultiSim&) = delete;

  const std::string& slave_path() const { return slave_path_; }
  MultiSim& sim() { return sim_; }
  void stop();

 private:
  void read_more();
  void tick();

  transport::Pty pty_;
  std::string slave_path_;
  asio::posix::stream_descriptor master_;
  asio::steady_timer timer_;
  asio::steady_timer retry_;
  MultiSim sim_;
  std::array<std::uint8_t, 256> rx_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gxlink::sim::vebus
