// SPDX-License-Identifier: MIT
#include "transport/pty.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace gxlink::transport {

Pty::Pty() {
  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_ < 0) throw std::system_error(errno, std::generic_category(), "posix_openpt");
  if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
    const int e = errno;
    ::close(master_);
    throw std::system_error(e, std::generic_category(), "grantpt/unlockpt");
  }
  char name[128];
  if (::ptsname_r(master_, name, sizeof name) != 0) {
    const int e = errno;
    ::close(master_);
    throw std::system_error(e, std::generic_category(), "ptsname_r");
  }
  slave_path_ = name;
  // Raw mode on the pair, so CR/LF and 0x00..0x1F bytes pass unchanged before any driver opens it.
  termios t{};
  if (::tcgetattr(master_, &t) == 0) {
    ::cfmakeraw(&t);
    ::tcsetattr(master_, TCSANOW, &t);
  }
}

Pty::~Pty() { close(); }

Pty::Pty(Pty&& o) noexcept : master_(o.master_), slave_path_(std::move(o.slave_path_)) {
  o.master_ = -1;
}

Pty& Pty::operator=(Pty&& o) noexcept {
  if (this != &o) {
    close();
    master_ = o.master_;
    slave_path_ = std::move(o.slave_path_);
    o.master_ = -1;
  }
  return *this;
}

int Pty::release_master() {
  const int fd = master_;
  master_ = -1;
  return fd;
}

void Pty::close() {
  if (master_ >= 0) ::close(master_);
  master_ = -1;
}

}  // namespace gxlink::transport
