// SPDX-License-Identifier: MIT
#include "protocols/canopen/codec.hpp"

#include <algorithm>
#include <string>

namespace gxlink::canopen {
namespace {

CanFrame frame8(std::uint32_t id, std::uint8_t cmd) noexcept {
  CanFrame f;
  f.id = id;
  f.len = 8;
  f.data[0] = cmd;
  return f;
}

void put_mux(CanFrame& f, std::uint16_t index, std::uint8_t sub) noexcept {
  store_le16(f.data, 1, index);
  f.data[3] = sub;
}

void copy_into(Frame<7>& out, ByteView in) noexcept {
  for (auto b : in) out.push_back(b);
}

// Initiate frames (download request, upload response) share one layout: byte 0 = cs | n<<2 | e<<1 |
// s (CiA 301 §7.2.4.3.3 / §7.2.4.3.6).
void decode_initiate(const CanFrame& f, SdoMessage& m) noexcept {
  const std::uint8_t c = f.data[0];
  m.expedited = (c & 0x02) != 0;
  m.size_indicated = (c & 0x01) != 0;
  if (m.expedited) {
    // e=1, s=0: "unspecified number of bytes" — all four are data (python canopen treats it so).
    const std::size_t n = m.size_indicated ? (c >> 2) & 0x03 : 0;
    const std::size_t len = 4 - n;
    copy_into(m.data, f.payload().subspan(4, len));
    m.size = static_cast<std::uint32_t>(len);
  } else if (m.size_indicated) {
    m.size = load_le32(f.payload(), 4);
  }
}

void decode_segment(const CanFrame& f, SdoMessage& m) noexcept {
  const std::uint8_t c = f.data[0];
  m.toggle = (c & 0x10) != 0;
  m.last = (c & 0x01) != 0;
  const std::size_t n = (c >> 1) & 0x07;
  copy_into(m.data, f.payload().subspan(1, 7 - n));
}

}  // namespace

std::string_view to_string(FrameKind k) noexcept {
  switch (k) {
    case FrameKind::kNmtCommand: return "nmt";
    case FrameKind::kSync: return "sync";
    case FrameKind::kEmcy: return "emcy";
    case FrameKind::kTime: return "time";
    case FrameKind::kTpdo: return "tpdo";
    case FrameKind::kRpdo: return "rpdo";
    case FrameKind::kSdoResponse: return "sdo_response";
    case FrameKind::kSdoRequest: return "sdo_request";
    case FrameKind::kHeartbeat: return "heartbeat";
    case FrameKind::kLss: return "lss";
    case FrameKind::kOther: return "other";
  }
  return "other";
}

Classified classify(const CanFrame& f) noexcept {
  Classified c;
  if (f.extended || f.rtr || f.id > CanFrame::kMaxStdId) return c;
  const std::uint32_t id = f.id;
  const auto node = static_cast<std::uint8_t>(id & 0x7F);
  const std::uint32_t function = id & 0x780;
  if (id == kNmtCommandId) {
    c.kind = FrameKind::kNmtCommand;
  } else if (id == kSyncId) {
    c.kind = FrameKind::kSync;
  } else if (id == kTimeId) {
    c.kind = FrameKind::kTime;
  } else if (id == 0x7E4 || id == 0x7E5) {
    c.kind = FrameKind::kLss;
  } else if (node == 0) {
    return c;  // per-node function codes need node 1..127
  } else if (function == kEmcyBase) {
    c.kind = FrameKind::kEmcy;
  } else if (function == kSdoTxBase) {
    c.kind = FrameKind::kSdoResponse;
  } else if (function == kSdoRxBase) {
    c.kind = FrameKind::kSdoRequest;
  } else if (function == kHeartbeatBase) {
    c.kind = FrameKind::kHeartbeat;
  } else if (function >= 0x180 && function <= 0x500) {
    // TPDO n at 0x180 + 0x100*(n-1), RPDO n at 0x200 + 0x100*(n-1).
    const bool tx = (function & 0x80) != 0;
    c.kind = tx ? FrameKind::kTpdo : FrameKind::kRpdo;
    c.pdo = static_cast<int>(((function - (tx ? 0x180 : 0x200)) >> 8) + 1);
  } else {
    return c;
  }
  if (c.kind == FrameKind::kEmcy || c.kind == FrameKind::kSdoResponse ||
      c.kind == FrameKind::kSdoRequest || c.kind == FrameKind::kHeartbeat ||
      c.kind == FrameKind::kTpdo || c.kind == FrameKind::kRpdo)
    c.node = node;
  return c;
}

Result<Heartbeat> decode_heartbeat(const CanFrame& f) noexcept {
  const Classified c = classify(f);
  if (c.kind != FrameKind::kHeartbeat) return fail(Errc::kUnknownId, "not a 0x700+node frame");
  if (f.len != 1) return tl::unexpected(Error(Errc::kBadLength, f.len, "heartbeat needs 1 byte"));
  auto st = nmt_state_from_byte(f.data[0] & 0x7F);
  if (!st)
    return fail(Errc::kOutOfRange, "NMT state byte 0x" + to_hex(f.payload()) + " is not defined");
  return Heartbeat{c.node, *st, (f.data[0] & 0x80) != 0};
}

CanFrame encode_heartbeat(std::uint8_t node, NmtState s) noexcept {
  CanFrame f;
  f.id = kHeartbeatBase + node;
  f.len = 1;
  f.data[0] = static_cast<std::uint8_t>(s);
  return f;
}

Result<NmtMessage> decode_nmt(const CanFrame& f) noexcept {
  if (f.extended || f.rtr || f.id != kNmtCommandId)
    return fail(Errc::kUnknownId, "not COB-ID 0x000");
  if (f.len != 2)
    return tl::unexpected(Error(Errc::kBadLength, f.len, "NMT command needs 2 bytes"));
  auto cmd = nmt_command_from_byte(f.data[0]);
  if (!cmd) return fail(Errc::kOutOfRange, "unknown NMT command specifier");
  if (f.data[1] > kMaxNodeId) return fail(Errc::kOutOfRange, "NMT node id above 127");
  return NmtMessage{*cmd, f.data[1]};
}

CanFrame encode_nmt(NmtCommand c, std::uint8_t node) noexcept {
  return CanFrame::standard(kNmtCommandId, {static_cast<std::uint8_t>(c), node});
}

Result<Emcy> decode_emcy(const CanFrame& f) noexcept {
  const Classified c = classify(f);
  if (c.kind != FrameKind::kEmcy) return fail(Errc::kUnknownId, "not a 0x080+node frame");
  if (f.len != 8) return tl::unexpected(Error(Errc::kBadLength, f.len, "EMCY needs 8 bytes"));
  Emcy e;
  e.node = c.node;
  e.error_code = load_le16(f.payload(), 0);
  e.error_register = f.data[2];
  std::copy_n(f.data.begin() + 3, 5, e.manufacturer.begin());
  return e;
}

CanFrame encode_emcy(const Emcy& e) noexcept {
  CanFrame f;
  f.id = kEmcyBase + e.node;
  f.len = 8;
  store_le16(f.data, 0, e.error_code);
  f.data[2] = e.error_register;
  std::copy(e.manufacturer.begin(), e.manufacturer.end(), f.data.begin() + 3);
  return f;
}

std::string_view to_string(SdoCommand c) noexcept {
  switch (c) {
    case SdoCommand::kInitiateDownloadRequest: return "initiate_download_request";
    case SdoCommand::kDownloadSegmentRequest: return "download_segment_request";
    case SdoCommand::kInitiateUploadRequest: return "initiate_upload_request";
    case SdoCommand::kUploadSegmentRequest: return "upload_segment_request";
    case SdoCommand::kBlockUploadRequest: return "block_upload_request";
    case SdoCommand::kBlockDownloadRequest: return "block_download_request";
    case SdoCommand::kInitiateUploadResponse: return "initiate_upload_response";
    case SdoCommand::kUploadSegmentResponse: return "upload_segment_response";
    case SdoCommand::kInitiateDownloadResponse: return "initiate_download_response";
    case SdoCommand::kDownloadSegmentResponse: return "download_segment_response";
    case SdoCommand::kBlockUploadResponse: return "block_upload_response";
    case SdoCommand::kBlockDownloadResponse: return "block_download_response";
    case SdoCommand::kAbort: return "abort";
    case SdoCommand::kUnknown: return "unknown";
  }
  return "unknown";
}

Result<SdoMessage> decode_sdo(const CanFrame& f) noexcept {
  const Classified c = classify(f);
  if (c.kind != FrameKind::kSdoRequest && c.kind != FrameKind::kSdoResponse)
    return fail(Errc::kUnknownId, "not an SDO COB-ID");
  if (f.len != 8) return tl::unexpected(Error(Errc::kBadLength, f.len, "SDO frames have 8 bytes"));
  SdoMessage m;
  m.from_server = c.kind == FrameKind::kSdoResponse;
  m.node = c.node;
  m.command_byte = f.data[0];
  const unsigned cs = f.data[0] >> 5;
  auto with_mux = [&] {
    m.has_index = true;
    m.index = load_le16(f.payload(), 1);
    m.sub = f.data[3];
  };
  if (cs == 4) {
    m.command = SdoCommand::kAbort;
    with_mux();
    m.abort_code = load_le32(f.payload(), 4);
    return m;
  }
  if (!m.from_server) {
    switch (cs) {
      case 0:
        m.command = SdoCommand::kDownloadSegmentRequest;
        decode_segment(f, m);
        break;
      case 1:
        m.command = SdoCommand::kInitiateDownloadRequest;
        with_mux();
        decode_initiate(f, m);
        break;
      case 2:
        m.command = SdoCommand::kInitiateUploadRequest;
        with_mux();
        break;
      case 3:
        m.command = SdoCommand::kUploadSegmentRequest;
        m.toggle = (f.data[0] & 0x10) != 0;
        break;
      case 5: m.command = SdoCommand::kBlockUploadRequest; break;
      case 6: m.command = SdoCommand::kBlockDownloadRequest; break;
      default: m.command = SdoCommand::kUnknown; break;
    }
  } else {
    switch (cs) {
      case 0:
        m.command = SdoCommand::kUploadSegmentResponse;
        decode_segment(f, m);
        break;
      case 1:
        m.command = SdoCommand::kDownloadSegmentResponse;
        m.toggle = (f.data[0] & 0x10) != 0;
        break;
      case 2:
        m.command = SdoCommand::kInitiateUploadResponse;
        with_mux();
        decode_initiate(f, m);
        break;
      case 3:
        m.command = SdoCommand::kInitiateDownloadResponse;
        with_mux();
        break;
      case 5: m.command = SdoCommand::kBlockDownloadResponse; break;
      case 6: m.command = SdoCommand::kBlockUploadResponse; break;
      default: m.command = SdoCommand::kUnknown; break;
    }
  }
  return m;
}

CanFrame sdo_upload_request(std::uint8_t node, std::uint16_t index, std::uint8_t sub) noexcept {
  CanFrame f = frame8(kSdoRxBase + node, 0x40);
  put_mux(f, index, sub);
  return f;
}

CanFrame sdo_upload_segment_request(std::uint8_t node, bool toggle) noexcept {
  return frame8(kSdoRxBase + node, static_cast<std::uint8_t>(0x60 | (toggle ? 0x10 : 0)));
}

CanFrame sdo_download_expedited(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                ByteView data) noexcept {
  const std::size_t len = std::clamp<std::size_t>(data.size(), 1, 4);
  const auto n = static_cast<std::uint8_t>(4 - len);
  CanFrame f = frame8(kSdoRxBase + node, static_cast<std::uint8_t>(0x23 | (n << 2)));
  put_mux(f, index, sub);
  std::copy_n(data.begin(), std::min(data.size(), len), f.data.begin() + 4);
  return f;
}

CanFrame sdo_download_initiate(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                               std::uint32_t size) noexcept {
  CanFrame f = frame8(kSdoRxBase + node, 0x21);
  put_mux(f, index, sub);
  store_le32(f.data, 4, size);
  return f;
}

namespace {
CanFrame segment(std::uint32_t id, std::uint8_t cs, bool toggle, ByteView data,
                 bool last) noexcept {
  const std::size_t len = std::min<std::size_t>(data.size(), 7);
  const auto n = static_cast<std::uint8_t>(7 - len);
  CanFrame f =
      frame8(id, static_cast<std::uint8_t>(cs | (toggle ? 0x10 : 0) | (n << 1) | (last ? 1 : 0)));
  std::copy_n(data.begin(), len, f.data.begin() + 1);
  return f;
}
}  // namespace

CanFrame sdo_download_segment(std::uint8_t node, bool toggle, ByteView data, bool last) noexcept {
  return segment(kSdoRxBase + node, 0x00, toggle, data, last);
}

CanFrame sdo_abort(std::uint8_t node, std::uint16_t index, std::uint8_t sub, std::uint32_t code,
                   bool from_server) noexcept {
  CanFrame f = frame8((from_server ? kSdoTxBase : kSdoRxBase) + node, 0x80);
  put_mux(f, index, sub);
  store_le32(f.data, 4, code);
  return f;
}

CanFrame sdo_upload_response_expedited(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                       ByteView data) noexcept {
  const std::size_t len = std::clamp<std::size_t>(data.size(), 1, 4);
  const auto n = static_cast<std::uint8_t>(4 - len);
  CanFrame f = frame8(kSdoTxBase + node, static_cast<std::uint8_t>(0x43 | (n << 2)));
  put_mux(f, index, sub);
  std::copy_n(data.begin(), std::min(data.size(), len), f.data.begin() + 4);
  return f;
}

CanFrame sdo_upload_response_segmented(std::uint8_t node, std::uint16_t index, std::uint8_t sub,
                                       std::uint32_t size) noexcept {
  CanFrame f = frame8(kSdoTxBase + node, 0x41);
  put_mux(f, index, sub);
  store_le32(f.data, 4, size);
  return f;
}

CanFrame sdo_upload_segment_response(std::uint8_t node, bool toggle, ByteView data,
                                     bool last) noexcept {
  return segment(kSdoTxBase + node, 0x00, toggle, data, last);
}

CanFrame sdo_download_response(std::uint8_t node, std::uint16_t index, std::uint8_t sub) noexcept {
  CanFrame f = frame8(kSdoTxBase + node, 0x60);
  put_mux(f, index, sub);
  return f;
}

CanFrame sdo_download_segment_response(std::uint8_t node, bool toggle) noexcept {
  return frame8(kSdoTxBase + node, static_cast<std::uint8_t>(0x20 | (toggle ? 0x10 : 0)));
}

}  // namespace gxlink::canopen
