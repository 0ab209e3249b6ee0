// SPDX-License-Identifier: MIT
#include "transport/candump_file.hpp"

namespace gxlink::transport {

std::optional<CandumpLine> CandumpReader::next() {
  while (std::getline(in_, line_)) {
    ++line_no_;
    auto r = parse_candump_line(line_);
    if (!r) {
      ++errors_;
      if (on_error_) on_error_(line_no_, r.error());
      continue;
    }
    if (!*r) continue;
    CandumpLine l = std::move(**r);
    if (l.timestamp)
      last_ts_ = *l.timestamp;
    else
      l.timestamp = last_ts_;
    return l;
  }
  return std::nullopt;
}

void CandumpWriter::write(const CanFrame& f, double timestamp) {
  out_ << format_candump_log(f, timestamp, interface_) << '\n';
}

}  // namespace gxlink::transport
