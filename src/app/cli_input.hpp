// SPDX-License-Identifier: MIT
#pragma once
/// The input of `gxlink decode` and `gxlink snapshot`: a file or standard input, as an istream
/// that hands over whatever has arrived (one read(2) per refill, never waiting for a full buffer)
/// and flushes the output before it waits, so that `candump -L can0 | gxlink decode canbms -`
/// prints each message as it comes (issue 11). A directory or an unreadable file is an error,
/// for every protocol alike.

#include <istream>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>

#include "core/result.hpp"

namespace gxlink::app {

class CliInput {
 public:
  /// `file` is a path or "-" for standard input. `flush_before_wait` (may be null) is flushed
  /// each time the input has to be read again.
  static Result<std::unique_ptr<CliInput>> open(const std::string& file,
                                                std::ostream* flush_before_wait);
  ~CliInput();
  CliInput(const CliInput&) = delete;
  CliInput& operator=(const CliInput&) = delete;

  std::istream& stream() noexcept { return stream_; }
  /// Set when reading failed (EIO, EISDIR, ...): the run must not count as a clean one.
  const std::string& read_error() const noexcept;
  const std::string& name() const noexcept { return name_; }

 private:
  class Buf;
  CliInput(int fd, bool owned, std::string name, std::ostream* flush);
  std::unique_ptr<Buf> buf_;
  std::istream stream_;
  std::string name_;
};

}  // namespace gxlink::app
