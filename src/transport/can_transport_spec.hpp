// SPDX-License-Identifier: MIT
#pragma once
/// One text form for "which CAN bus": used by config files and `gxlink candump`.
///   slcan:/dev/ttyACM0@500000   (bitrate optional, 500000 by default)
///   socketcan:can0              (also a bare interface name: can0, vcan0)
///   file:capture.log            (replay in real time; file:capture.log@fast to replay at once)

#include <memory>
#include <string_view>

#include <asio.hpp>

#include "transport/can_transport.hpp"

namespace gxlink::transport {

/// Builds (does not start) the transport; throws std::invalid_argument with the reason on a bad
/// spec. `default_bitrate` applies when an slcan spec names none.
std::unique_ptr<CanTransport> make_can_transport(asio::io_context& io, std::string_view spec,
                                                 unsigned default_bitrate = 500000);

}  // namespace gxlink::transport
