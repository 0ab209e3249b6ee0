// SPDX-License-Identifier: MIT
#pragma once
/// Reading a CAN capture frame by frame (any format parse_candump_line knows) and writing one in
/// the candump -L log format. Stream-based and clock-free: the replay transport paces it.

#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "core/can_frame.hpp"
#include "core/line_reader.hpp"
#include "transport/candump.hpp"

namespace gxlink::transport {

class CandumpReader {
 public:
  /// `on_error(line_no, error)` is called for a malformed line (counted, skipped).
  using ErrorHandler = std::function<void(std::size_t line_no, const Error&)>;

  explicit CandumpReader(std::istream& in, ErrorHandler on_error = {})
      : lines_(in), on_error_(std::move(on_error)) {}

  /// The next frame, or nullopt at the end. Lines without a timestamp get the previous one (or 0).
  std::optional<CandumpLine> next();
  std::size_t lines() const noexcept { return line_no_; }
  std::size_t errors() const noexcept { return errors_; }
  /// Lines skipped for being longer than any candump line can be (bounded memory).
  std::size_t too_long() const noexcept { return lines_.too_long(); }

 private:
  LineReader lines_;
  ErrorHandler on_error_;
  std::size_t line_no_ = 0;
  std::size_t errors_ = 0;
  double last_ts_ = 0;
};

class CandumpWriter {
 public:
  CandumpWriter(std::ostream& out, std::string interface)
      : out_(out), interface_(std::move(interface)) {}
  /// One `(ts) iface ID#DATA` line; `timestamp` in seconds (wall clock for live captures).
  void write(const CanFrame& f, double timestamp);

 private:
  std::ostream& out_;
  std::string interface_;
};

}  // namespace gxlink::transport
