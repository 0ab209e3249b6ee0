// SPDX-License-Identifier: MIT
#pragma once
/// Lines from a text capture in bounded memory. std::getline grows its string to the longest
/// line, so a 200 MB file without a newline became a 200 MB string (issue 11); this reader keeps
/// one fixed buffer and skips (and counts) any line longer than it. Used by every text capture
/// reader (candump, canboat, dbus recordings). Stream I/O only: not for protocol libraries.

#include <cstddef>
#include <istream>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace gxlink {

class LineReader {
 public:
  /// The longest candump/canboat line is under 200 bytes and a dbus-recorder line well under
  /// 1 KiB; 64 KiB leaves room for any real capture while bounding a hostile one.
  static constexpr std::size_t kDefaultMaxLine = std::size_t{64} * 1024;

  explicit LineReader(std::istream& in, std::size_t max_line = kDefaultMaxLine)
      : in_(in), buf_(max_line + 1) {}

  /// The next line without its '\n', valid until the next call; nullopt at the end of the input.
  /// A line longer than the bound is skipped whole and counted in too_long().
  std::optional<std::string_view> next() {
    while (true) {
      in_.getline(buf_.data(), static_cast<std::streamsize>(buf_.size()));
      const auto got = static_cast<std::size_t>(in_.gcount());
      if (in_.bad()) return std::nullopt;
      if (in_.fail()) {
        if (in_.eof() && got == 0) return std::nullopt;  // nothing left
        if (!in_.eof()) {
          // The buffer filled before a '\n': drop the rest of this line, then go on.
          in_.clear();
          in_.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
          ++line_no_;
          ++too_long_;
          continue;
        }
      }
      ++line_no_;
      // gcount() counts the '\n' when one was taken; a last line without one has none.
      const std::size_t len = in_.eof() ? got : got - 1;
      return std::string_view(buf_.data(), len);
    }
  }

  /// 1-based number of the line last returned (skipped lines count).
  std::size_t line_number() const noexcept { return line_no_; }
  /// Lines skipped for being longer than the bound.
  std::size_t too_long() const noexcept { return too_long_; }

 private:
  std::istream& in_;
  std::vector<char> buf_;
  std::size_t line_no_ = 0;
  std::size_t too_long_ = 0;
};

/// Reads what has arrived, up to `n` bytes, waiting only when nothing has: 0 means the end of the
/// input. Unlike istream::read, which waits until `n` bytes are there, this lets a binary decoder
/// print each message as soon as its bytes come in from a pipe.
inline std::size_t read_available(std::istream& in, char* buf, std::size_t n) {
  if (in.peek() == std::istream::traits_type::eof()) return 0;
  return static_cast<std::size_t>(in.readsome(buf, static_cast<std::streamsize>(n)));
}

}  // namespace gxlink
