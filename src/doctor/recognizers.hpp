// SPDX-License-Identifier: MIT
#pragma once
/// Recognisers for `gxlink doctor`: each takes what a port or a bus delivers (bytes or CAN frames,
/// with their time) and says whether a known device speaks there and who it is. Sans-I/O (STYLE.md
/// rules 1, 7): the I/O part (src/app/doctor_command.cpp) opens ports read-only, feeds them here,
/// and decides nothing itself. Each recogniser reuses its protocol library's framer and codec, so
/// a device is recognised exactly when the driver would accept its frames.
///
/// Memory stays bounded whatever arrives: counters, and sets capped at kMaxListed entries.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/can_frame.hpp"
#include "core/time.hpp"
#include "protocols/nmea2000/data_link.hpp"
#include "protocols/vebus/framer.hpp"
#include "protocols/vedirect/framer.hpp"
#include "protocols/vedirect/text.hpp"

namespace gxlink::doctor {

/// At most this many PGNs, ids, nodes or addresses are kept per bus (the rest are only counted).
inline constexpr std::size_t kMaxListed = 32;

// ---- VE.Direct (19200 8N1) ---------------------------------------------------------------------

struct VeDirectFinding {
  std::size_t text_blocks = 0;  ///< checksum-valid TEXT blocks (vedirect_vebus.md §1.2)
  std::size_t bad_blocks = 0;   ///< blocks that failed the checksum or the grammar
  std::size_t hex_frames = 0;   ///< checksum-valid async HEX frames (§2.1)
  std::optional<std::uint16_t> pid;
  std::string product;       ///< from the PID table; empty when the table does not know the PID
  std::string serial;        ///< SER#
  std::string firmware;      ///< FW (or FWE)
  std::string service_type;  ///< solarcharger, battery, ... (what the driver will publish)

  /// A device speaks VE.Direct here: a checksum-valid TEXT block or HEX frame was seen.
  bool found() const noexcept { return text_blocks > 0 || hex_frames > 0; }
  /// Enough to name the device: a block carried its identity (PID, or a BMV-60xS).
  bool identified() const noexcept { return text_blocks > 0 && !service_type.empty(); }
};

/// Bytes from a port at 19200 8N1 → VE.Direct TEXT blocks and HEX frames, through the driver's own
/// framer (checksum-validated, resynchronising on noise).
class VeDirectRecognizer {
 public:
  void push(ByteView bytes) noexcept;
  const VeDirectFinding& finding() const noexcept { return finding_; }

 private:
  vedirect::Framer framer_;
  vedirect::Dataset dataset_;
  VeDirectFinding finding_;
};

// ---- MK2/MK3 (VE.Bus interface, 2400 8N1) ------------------------------------------------------

struct Mk2Finding {
  std::size_t version_frames = 0;  ///< 'V' frames: an idle MK2 sends one about every second
  std::size_t other_frames = 0;    ///< other checksum-valid MK2 frames (a host is talking to it)
  std::uint32_t version = 0;       ///< interface firmware version from the last 'V' frame
  std::uint8_t mode = 0;           ///< 'B', 'W' or the selected address (mk2.py)

  /// An MK2/MK3 speaks here. Only the version frame counts: it carries the 0xFF 'V' header, which
  /// text (VE.Direct, slcan) never holds, while the short generic frames could appear in noise.
  bool found() const noexcept { return version_frames > 0; }
};

/// Bytes from a port at 2400 8N1 → MK2 frames, through the vebus framer and codec. The MK2 sends
/// its version frame unprompted while idle (vedirect_vebus.md §4, "Unsolicited traffic"), so
/// nothing has to be written to find it.
class Mk2Recognizer {
 public:
  void push(ByteView bytes) noexcept;
  const Mk2Finding& finding() const noexcept { return finding_; }

 private:
  vebus::StreamFramer framer_;
  Mk2Finding finding_;
};

// ---- slcan adapter (needs writes) --------------------------------------------------------------

struct SlcanFinding {
  std::size_t oks = 0;     ///< `\r` replies (command accepted)
  std::size_t errors = 0;  ///< BEL replies (command refused: still an slcan adapter)
  std::string version;     ///< `V<hhhh>` reply, "V1013"
  std::size_t frames = 0;  ///< t/T records (the adapter already had its bus open)

  /// An slcan adapter answered. A lone `\r` is not enough (text devices end lines in CR LF), so a
  /// version reply, a refusal or a frame record is needed.
  bool found() const noexcept { return !version.empty() || errors > 0 || frames > 0; }
};

/// The bytes an adapter sends back after the host wrote `C\r` `V\r` (slcan_codec.hpp). Only used
/// with --allow-writes: an slcan adapter says nothing until asked.
class SlcanRecognizer {
 public:
  void push(ByteView bytes) noexcept;
  const SlcanFinding& finding() const noexcept { return finding_; }

 private:
  std::vector<std::uint8_t> buf_;
  SlcanFinding finding_;
};

// ---- CAN bus -----------------------------------------------------------------------------------

/// CAN-bus BMS frames (seeds/001 §2).
struct CanBmsFinding {
  std::size_t frames = 0;           ///< frames that decoded as battery → inverter messages
  std::set<std::uint32_t> ids;      ///< which (0x351, 0x355, ...)
  bool limits = false;              ///< 0x351 seen: the one message a GX needs (§2, 0x35A notes)
  std::string manufacturer;         ///< 0x35E
  std::string name;                 ///< battery_name(): 0x370+0x371, else 0x35E, else a default
  std::optional<double> voltage;    ///< 0x356
  std::optional<double> soc;        ///< 0x355
  std::size_t inverter_frames = 0;  ///< 0x305/0x307: a GX or inverter already talks to the battery

  /// A managed battery speaks here: 0x351, or at least two kinds of BMS messages.
  bool found() const noexcept { return limits || ids.size() >= 2; }
};

/// One NMEA 2000 node (by source address).
struct N2kNode {
  std::optional<std::uint16_t> manufacturer;  ///< from its address claim (PGN 60928)
  std::string manufacturer_name;              ///< canboat's lookup, "Victron Energy"
  std::optional<std::uint8_t> device_function, device_class;
  std::optional<std::uint8_t> device_instance;
  std::string model;  ///< PGN 126996 Model ID, when the node sent its product information
  std::size_t messages = 0;
};

struct Nmea2000Finding {
  std::size_t messages = 0;        ///< whole messages with a PGN the table knows
  std::size_t address_claims = 0;  ///< PGN 60928
  std::set<std::uint32_t> pgns;    ///< known PGNs seen (127508 battery status, ...)
  std::map<std::uint8_t, N2kNode> nodes;

  /// NMEA 2000 / VE.Can traffic: an address claim, or a few messages with known PGNs.
  bool found() const noexcept { return address_claims > 0 || messages >= 3; }
};

/// CANopen nodes by their heartbeats (CiA 301, 0x700 + node, one byte NMT state).
struct CanopenFinding {
  std::map<std::uint8_t, std::string> nodes;  ///< node id → last NMT state ("operational")
  std::size_t heartbeats = 0;
  std::size_t sdo_frames = 0;  ///< SDO traffic of another client (a CANopen master on the bus)

  bool found() const noexcept { return !nodes.empty(); }
};

struct CanFinding {
  std::size_t frames = 0, standard = 0, extended = 0, remote = 0;
  CanBmsFinding bms;
  Nmea2000Finding nmea2000;
  CanopenFinding canopen;

  bool found() const noexcept { return bms.found() || nmea2000.found() || canopen.found(); }
};

/// Frames of one bus → what speaks on it. A frame can only count for one protocol: 11-bit ids
/// are BMS (0x305..0x382 per its table) or CANopen (heartbeats 0x701..0x77F), 29-bit ids NMEA 2000.
class CanRecognizer {
 public:
  void on_frame(const CanFrame& f, TimePoint now) noexcept;
  const CanFinding& finding() const noexcept { return finding_; }

 private:
  void on_bms(const CanFrame& f) noexcept;
  void on_n2k(const CanFrame& f, TimePoint now) noexcept;
  void on_canopen(const CanFrame& f) noexcept;

  nmea2000::Receiver n2k_;
  std::string name_370_, name_371_;
  CanFinding finding_;
};

}  // namespace gxlink::doctor
