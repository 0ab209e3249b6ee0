// SPDX-License-Identifier: MIT
// Each line of the input through parse_candump_line; a parsed frame must format to a -L line that
// parses back to the same frame.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/candump.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gxlink;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    auto r = transport::parse_candump_line(line);
    if (!r || !*r) continue;
    const auto& l = **r;
    const std::string again = transport::format_candump_log(l.frame, 1.5, "can0");
    auto back = transport::parse_candump_line(again);
    if (!back || !*back) std::abort();
    // A standard id written with 3 digits stays standard; the formatter writes 8 for extended.
    if (!((*back)->frame == l.frame)) std::abort();
  }
  return 0;
}
