// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink modbus-map [--format csv|md]` (issue 14 "What to build" 6): the register list users and
/// the README point to, printed from the same parsed map the server uses.

#include <ostream>
#include <string_view>

#include "protocols/modbus/register_map.hpp"

namespace gxlink::publishers::modbus {

/// csv: the rows in attributes.csv columns (no comments). md: a Markdown table per service type
/// with enum texts from model/venus_formats, then the unit-id table. Returns false for an unknown
/// format.
bool print_register_map(std::ostream& out, std::string_view format,
                        const gxlink::modbus::RegisterMap& map = gxlink::modbus::gx_register_map());

}  // namespace gxlink::publishers::modbus
