// SPDX-License-Identifier: MIT
#pragma once
/// `gxlink nmea2000 …`: the driver's commands on a live bus (issue 13 item 4):
///   vreg get     --interface IFACE --dst ADDR --reg 0xNNNN
///   vreg set     --interface IFACE --dst ADDR --reg 0xNNNN --value V [--dry-run]
///   instance set --interface IFACE --dst ADDR --pgn PGN --field N --current I --new J [--dry-run]
/// IFACE is a CAN transport spec (can_transport_spec.hpp; `file:` is refused, it cannot send).
/// The command is a node like the driver: it claims an address (60928), then sends the VREQ /
/// VREG write (nmea2000.md §4.1) or the 126208 Write Fields (seed 000 Q23) and waits, up to
/// --timeout seconds per answer, for the device: the broadcast VREG (or its VACK error), the
/// VACK of a write and a VREG read-back, the 126208 Acknowledge and the device's next message of
/// that PGN carrying the new instance. `--dry-run` prints the frames it would send (candump -L)
/// and opens nothing. Exit codes: 0 done, 1 no answer / refused / read-back differs, 2 usage.

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace gxlink::drivers::nmea2000 {

struct CommandOptions {
  std::string action;  ///< "vreg get", "vreg set", "instance set" (set while parsing)
  std::string interface;
  unsigned bitrate = 250000;  ///< VE.Can runs at 250 kbit/s (seed 000)
  std::string dst, reg, value, pgn, field, current, next;
  std::string address = "0x80";  ///< our preferred source address
  double timeout = 2;            ///< seconds per answer
  bool dry_run = false;
  bool json = false;
};

/// Adds `nmea2000` with `vreg get|set` and `instance set` to `app`; returns it. Arguments are
/// checked by run_nmea2000_command (exit code 2), not by CLI11.
CLI::App* add_nmea2000_command(CLI::App& app, CommandOptions& o);
int run_nmea2000_command(const CommandOptions& o, std::ostream& out, std::ostream& err);

}  // namespace gxlink::drivers::nmea2000
