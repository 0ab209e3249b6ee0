// SPDX-License-Identifier: MIT
#pragma once
/// The PGN descriptors generated from canboat's database (canboat/gen_pgn_table.py explains the
/// scope and why the output is committed). pgn_table.cpp consults its hand-written table first,
/// then this one.

#include <span>
#include <string_view>

#include "protocols/nmea2000/pgn_table.hpp"

namespace gxlink::nmea2000 {

/// Every generated descriptor, sorted by PGN; variants of one PGN are consecutive.
std::span<const PgnDesc> canboat_pgn_table() noexcept;
/// The pinned source, e.g. "@canboat/ts-pgns 1.11.18".
std::string_view canboat_version() noexcept;

}  // namespace gxlink::nmea2000
