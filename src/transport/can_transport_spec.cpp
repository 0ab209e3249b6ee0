// SPDX-License-Identifier: MIT
#include "transport/can_transport_spec.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

#include "transport/candump_file_transport.hpp"
#include "transport/slcan_transport.hpp"
#include "transport/socketcan_transport.hpp"

namespace gxlink::transport {

std::unique_ptr<CanTransport> make_can_transport(asio::io_context& io, std::string_view spec,
                                                 unsigned default_bitrate) {
  const auto colon = spec.find(':');
  const std::string_view kind =
      colon == std::string_view::npos ? std::string_view{} : spec.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? spec : spec.substr(colon + 1);
  if (kind == "slcan") {
    SlcanOptions o;
    o.bitrate = default_bitrate;
    std::string_view path = rest;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
      path = rest.substr(0, at);
      const auto num = rest.substr(at + 1);
      unsigned v = 0;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
      if (ec != std::errc{} || p != num.data() + num.size())
        throw std::invalid_argument("bad bitrate in '" + std::string(spec) + "'");
      o.bitrate = v;
    }
    if (path.empty())
      throw std::invalid_argument("slcan: needs a device path, e.g. slcan:/dev/ttyACM0@500000");
    o.path = std::string(path);
    return std::make_unique<SlcanTransport>(io, std::move(o));
  }
  if (kind == "file") {
    CandumpFileOptions o;
    std::string_view path = rest;
    if (path.ends_with("@fast")) {
      path.remove_suffix(5);
      o.realtime = false;
    }
    if (path.empty()) throw std::invalid_argument("file: needs a capture path");
    o.path = std::string(path);
    return std::make_unique<CandumpFileTransport>(io, std::move(o));
  }
  if (kind == "socketcan" || kind.empty()) {
    if (rest.empty())
      throw std::invalid_argument("socketcan: needs an interface, e.g. socketcan:can0");
    SocketCanOptions o;
    o.interface = std::string(rest);
    return std::make_unique<SocketCanTransport>(io, std::move(o));
  }
  throw std::invalid_argument("unknown CAN transport '" + std::string(kind) +
                              "' (slcan:/dev/ttyACM0@500000, socketcan:can0, file:capture.log)");
}

}  // namespace gxlink::transport
