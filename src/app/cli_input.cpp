// SPDX-License-Identifier: MIT
#include "app/cli_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace gxlink::app {

// Written by hand because no standard or Debian library offers an istream over a file
// descriptor that returns partial reads: std::filebuf and boost::iostreams both try to fill
// their buffer, which is what kept live pipes silent until 64 kB had arrived.
class CliInput::Buf final : public std::streambuf {
 public:
  Buf(int fd, bool owned, std::ostream* flush) : fd_(fd), owned_(owned), flush_(flush) {}
  ~Buf() override {
    if (owned_) ::close(fd_);
  }
  const std::string& error() const noexcept { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (flush_) flush_->flush();
    ssize_t n;
    do {
      n = ::read(fd_, buf_.data(), buf_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      error_ = std::strerror(errno);
      return traits_type::eof();
    }
    if (n == 0) return traits_type::eof();
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(*gptr());
  }
  std::streamsize showmanyc() override { return egptr() - gptr(); }

 private:
  int fd_;
  bool owned_;
  std::ostream* flush_;
  std::array<char, std::size_t{64} * 1024> buf_{};
  std::string error_;
};

CliInput::CliInput(int fd, bool owned, std::string name, std::ostream* flush)
    : buf_(std::make_unique<Buf>(fd, owned, flush)), stream_(buf_.get()), name_(std::move(name)) {}

CliInput::~CliInput() = default;

const std::string& CliInput::read_error() const noexcept { return buf_->error(); }

Result<std::unique_ptr<CliInput>> CliInput::open(const std::string& file,
                                                 std::ostream* flush_before_wait) {
  int fd = STDIN_FILENO;
  const bool owned = file != "-";
  if (owned) {
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(Errc::kIo, "cannot open " + file + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (owned) ::close(fd);
    return fail(Errc::kIo, (owned ? file : std::string("standard input")) + " is a directory");
  }
  return std::unique_ptr<CliInput>(
      new CliInput(fd, owned, owned ? file : std::string("-"), flush_before_wait));
}

}  // namespace gxlink::app
