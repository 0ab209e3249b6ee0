// SPDX-License-Identifier: MIT
#pragma once
/// CANopen frame codec (CiA 301): classify a CAN frame by its COB-ID, decode NMT commands,
/// heartbeats/boot-up, EMCY and SDO frames, and encode the frames a client or a simulated server
/// sends. Pure functions on `CanFrame` values; no state (the SDO state machines are in
/// sdo_client.hpp and sdo_observer.hpp). Byte layouts: reference/canbms_canopen.md §5.1.

#include <array>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/can_frame.hpp"
#include "core/result.hpp"
#include "protocols/canopen/tables.hpp"

namespace gxlink::canopen {

/// What a standard-id frame is in the pre-defined connection set.
enum class FrameKind {
  kNmtCommand,   ///< 0x000
  kSync,         ///< 0x080
  kEmcy,         ///< 0x081..0x0FF
  kTime,         ///< 0x100
  kTpdo,         ///< 0x181.. / 0x281.. / 0x381.. / 0x481..
  kRpdo,         ///< 0x201.. / 0x301.. / 0x401.. / 0x501..
  kSdoResponse,  ///< 0x581..0x5FF (server → client)
  kSdoRequest,   ///< 0x601..0x67F (client → server)
  kHeartbeat,    ///< 0x701..0x77F (boot-up, heartbeat, node guarding)
  kLss,          ///< 0x7E4 / 0x7E5
  kOther,        ///< extended ids, RTR or ids outside the set
};
std::string_view to_string(FrameKind k) noexcept;

struct Classified {
  FrameKind kind = FrameKind::kOther;
  std::uint8_t node = 0;  ///< 1..127 for per-node objects, 0 otherwise
  int pdo = 0;            ///< 1..4 for PDOs
};
/// Classifies by COB-ID only (no payload check).
Classified classify(const CanFrame& f) noexcept;

struct Heartbeat {
  std::uint8_t node = 0;
  NmtState state = NmtState::kBootUp;
  bool toggle = false;  ///< node-guarding toggle bit (bit 7); 0 in heartbeats
};
/// A 0x700+node frame with exactly one byte holding a defined NMT state.
Result<Heartbeat> decode_heartbeat(const CanFrame& f) noexcept;
CanFrame encode_heartbeat(std::uint8_t node, NmtState s) noexcept;

struct NmtMessage {
  NmtCommand command = NmtCommand::kStart;
  std::uint8_t node = 0;  ///< 0 = all nodes
};
/// COB-ID 0x000, two bytes: command specifier, node id.
Result<NmtMessage> decode_nmt(const CanFrame& f) noexcept;
CanFrame encode_nmt(NmtCommand c, std::uint8_t node) noexcept;

struct Emcy {
  std::uint8_t node = 0;
  std::uint16_t error_code = 0;     ///< bytes 0-1 LE
  std::uint8_t error_register = 0;  ///< byte 2 (object 0x1001)
  std::array<std::uint8_t, 5> manufacturer{};
};
/// 0x080+node with 8 bytes (CiA 301 §7.2.7.3.1).
Result<Emcy> decode_emcy(const CanFrame& f) noexcept;
CanFrame encode_emcy(const Emcy& e) noexcept;

enum class SdoCommand {
  // client → server (ccs)
  kInitiateDownloadRequest,
  kDownloadSegmentRequest,
  kInitiateUploadRequest,
  kUploadSegmentRequest,
  kBlockUploadRequest,
  kBlockDownloadRequest,
  // server → client (scs)
  kInitiateUploadResponse,
  kUploadSegmentResponse,
  kInitiateDownloadResponse,
  kDownloadSegmentResponse,
  kBlockUploadResponse,
  kBlockDownloadResponse,
  // both
  kAbort,
  kUnknown,
};
std::string_view to_string(SdoCommand c) noexcept;

/// One SDO frame, decoded without context. Which fields are meaningful depends on `command`.
struct SdoMessage {
  bool from_server = false;
  std::uint8_t node = 0;
  SdoCommand command = SdoCommand::kUnknown;
  std::uint8_t command_byte = 0;
  bool has_index = false;  ///< initiate frames, aborts
  std::uint16_t index = 0;
  std::uint8_t sub = 0;
  bool expedited = false;        ///< initiate: e bit
  bool size_indicated = false;   ///< initiate: s bit
  std::uint32_t size = 0;        ///< initiate segmented: announced total size
  Frame<7> data;                 ///< expedited data (n honoured) or segment data
  bool toggle = false;           ///< segments
  bool last = false;             ///< segments: c bit
  std::uint32_t abort_code = 0;  ///< aborts
};

/// An SDO frame (0x580+node or 0x600+node). CiA 301 SDO frames are always 8 bytes: a shorter
/// frame is kBadLength (offset = its length); an unknown command specifier decodes as kUnknown.
Result<SdoMessage> decode_sdo(const CanFrame& f) noexcept;

// --- client → server (COB-ID 0x600 + node) -----------------------------------------------------
CanFrame sdo_upload_request(std::uint8_t node, std::uint16_t index, std::uint8_t sub) noexcept;
CanFrame sdo_upload_segment_request(std::uint8_t node, bool toggle) noexcept;
/// Expedited download of 1..4 bytes (0x2F/0x2B/0x27/0x23).
CanFrame sdo_download_expedited(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                ByteView data) noexcept;
/// Segmented download initiate announcing `size` bytes (0x21).
CanFrame sdo_download_initiate(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                               std::uint32_t size) noexcept;
/// Download segment of up to 7 bytes.
CanFrame sdo_download_segment(std::uint8_t node, bool toggle, ByteView data, bool last) noexcept;
/// Abort from either side: `from_server` picks 0x580 vs 0x600.
CanFrame sdo_abort(std::uint8_t node, std::uint16_t index, std::uint8_t sub, std::uint32_t code,
                   bool from_server = false) noexcept;

// --- server → client (COB-ID 0x580 + node), for simulators and tests ---------------------------
/// Expedited upload response with 1..4 bytes and the size indicated (0x4F/0x4B/0x47/0x43).
CanFrame sdo_upload_response_expedited(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                       ByteView data) noexcept;
/// Segmented upload initiate response announcing `size` bytes (0x41).
CanFrame sdo_upload_response_segmented(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                       std::uint32_t size) noexcept;
CanFrame sdo_upload_segment_response(std::uint8_t node, bool toggle, ByteView data,
                                     bool last) noexcept;
CanFrame sdo_download_response(std::uint8_t node, std::uint16_t index, std::uint8_t sub) noexcept;
CanFrame sdo_download_segment_response(std::uint8_t node, bool toggle) noexcept;

}  // namespace gxlink::canopen
