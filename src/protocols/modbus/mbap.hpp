// SPDX-License-Identifier: MIT
#pragma once
/// Modbus-TCP framing and the server side of the PDU (Modbus Application Protocol v1.1b3 §4-§6,
/// Modbus Messaging on TCP/IP v1.0b §3.1; venus_os.md §4.2). Sans-I/O: bytes in, requests out;
/// responses are written into a caller's buffer. No heap per frame.
///
/// Why our own codec and not libmodbus: libmodbus' server side (`modbus_receive`/`modbus_reply`)
/// reads one connection with blocking calls and answers from its own register array. Serving ten
/// clients would need a thread per connection and a copy of the model posted across threads; a
/// slow client would then hold a thread and its copy. An MBAP frame is a 7-byte header and a
/// length, so a few pages of parsing let the server run on the daemon's io_context and read the
/// model directly on its own thread (issue 14 "What to build" 1).

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"

namespace gxlink::modbus {

/// Modbus exception codes (MAP §7) and the two gateway codes Venus uses (venus_os.md §4.2).
enum class ExceptionCode : std::uint8_t {
  kIllegalFunction = 0x01,
  kIllegalDataAddress = 0x02,
  kIllegalDataValue = 0x03,
  kServerDeviceFailure = 0x04,
  kGatewayPathUnavailable = 0x0A,
  kGatewayTargetFailedToRespond = 0x0B,
};

inline constexpr std::size_t kMbapHeaderSize = 7;  ///< transaction, protocol, length, unit
inline constexpr std::size_t kMaxPduSize = 253;    ///< MAP §4.1
inline constexpr std::size_t kMaxAduSize = kMbapHeaderSize + kMaxPduSize;
inline constexpr std::uint16_t kMaxReadRegisters = 125;   ///< MAP §6.3/§6.4
inline constexpr std::uint16_t kMaxWriteRegisters = 123;  ///< MAP §6.12

/// One MBAP frame taken from the stream. `pdu` points into the caller's buffer.
struct Adu {
  std::uint16_t transaction = 0;
  std::uint8_t unit = 0;
  ByteView pdu;  ///< function code and data, 1..253 bytes
};

enum class TakeStatus : std::uint8_t { kNeedMore, kBad, kFrame };

struct TakeResult {
  TakeStatus status = TakeStatus::kNeedMore;
  std::size_t consumed = 0;  ///< bytes of `in` that belong to the frame (0 unless kFrame)
  Adu adu;
};

/// Takes one frame from the start of `in`. kNeedMore: fewer bytes than the header or the length
/// announce (the caller keeps them and reads more). kBad: a protocol id other than 0 or a length
/// outside 2..254 (unit + 1..253 PDU bytes). There is no resync on TCP: the header is the only
/// frame boundary, so after kBad the caller closes the connection (as libmodbus and Venus do).
/// The largest frame is kMaxAduSize bytes, so a buffer of that size always suffices.
TakeResult take_adu(ByteView in) noexcept;

enum class Function : std::uint8_t {
  kReadHoldingRegisters = 0x03,
  kReadInputRegisters = 0x04,
  kWriteSingleRegister = 0x06,
  kWriteMultipleRegisters = 0x10,
};

/// A register request the server understands (function codes 3, 4, 6, 16).
struct Request {
  Function function = Function::kReadHoldingRegisters;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;  ///< registers read or written (1 for function 6)
  std::array<std::uint16_t, kMaxWriteRegisters> values{};  ///< the first `quantity` are written
};

/// The outcome of parsing a PDU: a request, or the exception to answer with.
struct ParsedRequest {
  bool ok = false;
  ExceptionCode exception = ExceptionCode::kIllegalFunction;
  Request request;
};

/// Parses a request PDU (function code first). Any function but 3, 4, 6 and 16 is exception 1;
/// a quantity outside 1..125 (reads) or 1..123 (writes), a byte count that does not match it, or
/// a PDU of the wrong length is exception 3 (MAP §6.3, §6.4, §6.6, §6.12 state diagrams).
ParsedRequest parse_request(ByteView pdu) noexcept;

/// Writes the MBAP header for a PDU of `pdu_size` bytes at out[0..7). `out` holds at least 7.
void store_mbap(MutableByteView out, std::uint16_t transaction, std::uint8_t unit,
                std::size_t pdu_size) noexcept;

/// Writes a full exception response (header + function|0x80 + code); returns its size (9).
std::size_t encode_exception(MutableByteView out, const Adu& request, std::uint8_t function,
                             ExceptionCode code) noexcept;

/// Writes a read response for `registers` (≤ 125); returns its size. `out` holds kMaxAduSize.
std::size_t encode_read_response(MutableByteView out, const Adu& request, Function function,
                                 std::span<const std::uint16_t> registers) noexcept;

/// Writes the echo of a write request (function 6: address + value; 16: address + quantity).
std::size_t encode_write_response(MutableByteView out, const Adu& request,
                                  const Request& write) noexcept;

}  // namespace gxlink::modbus
