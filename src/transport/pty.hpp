// SPDX-License-Identifier: MIT
#pragma once
/// Pseudo-terminal pairs: simulators write a device's bytes into the master side and drivers open
/// the slave side as if it were /dev/ttyUSB0. Used by demo mode and the end-to-end tests.

#include <string>

namespace gxlink::transport {

class Pty {
 public:
  /// Opens a raw (no echo, no line editing) pty pair; throws std::system_error on failure.
  Pty();
  ~Pty();
  Pty(Pty&& o) noexcept;
  Pty& operator=(Pty&& o) noexcept;
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;

  int master_fd() const { return master_; }
  /// "/dev/pts/7"
  const std::string& slave_path() const { return slave_path_; }
  /// Hands the master fd over (e.g. to an asio stream_descriptor); the Pty no longer closes it.
  int release_master();
  void close();

 private:
  int master_ = -1;
  std::string slave_path_;
};

}  // namespace gxlink::transport
