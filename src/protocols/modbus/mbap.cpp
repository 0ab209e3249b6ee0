// SPDX-License-Identifier: MIT
#include "protocols/modbus/mbap.hpp"

namespace gxlink::modbus {

TakeResult take_adu(ByteView in) noexcept {
  TakeResult r;
  if (in.size() < kMbapHeaderSize) return r;
  // Messaging on TCP/IP §3.1.3: protocol identifier 0 = Modbus; length counts unit id + PDU.
  const std::uint16_t protocol = load_be16(in, 2);
  const std::uint16_t length = load_be16(in, 4);
  if (protocol != 0 || length < 2 || length > 1 + kMaxPduSize) {
    r.status = TakeStatus::kBad;
    return r;
  }
  const std::size_t total = 6 + static_cast<std::size_t>(length);
  if (in.size() < total) return r;
  r.status = TakeStatus::kFrame;
  r.consumed = total;
  r.adu.transaction = load_be16(in, 0);
  r.adu.unit = in[6];
  r.adu.pdu = in.subspan(kMbapHeaderSize, total - kMbapHeaderSize);
  return r;
}

ParsedRequest parse_request(ByteView pdu) noexcept {
  ParsedRequest p;
  if (pdu.empty()) return p;
  const std::uint8_t fc = pdu[0];
  auto value_error = [&p] {
    p.exception = ExceptionCode::kIllegalDataValue;
    return p;
  };
  switch (fc) {
    case 0x03:
    case 0x04: {
      if (pdu.size() != 5) return value_error();
      p.request.function = static_cast<Function>(fc);
      p.request.address = load_be16(pdu, 1);
      p.request.quantity = load_be16(pdu, 3);
      if (p.request.quantity < 1 || p.request.quantity > kMaxReadRegisters) return value_error();
      break;
    }
    case 0x06: {
      if (pdu.size() != 5) return value_error();
      p.request.function = Function::kWriteSingleRegister;
      p.request.address = load_be16(pdu, 1);
      p.request.quantity = 1;
      p.request.values[0] = load_be16(pdu, 3);
      break;
    }
    case 0x10: {
      if (pdu.size() < 6) return value_error();
      p.request.function = Function::kWriteMultipleRegisters;
      p.request.address = load_be16(pdu, 1);
      p.request.quantity = load_be16(pdu, 3);
      const std::size_t byte_count = pdu[5];
      if (p.request.quantity < 1 || p.request.quantity > kMaxWriteRegisters ||
          byte_count != 2u * p.request.quantity || pdu.size() != 6 + byte_count)
        return value_error();
      for (std::size_t i = 0; i < p.request.quantity; ++i)
        p.request.values[i] = load_be16(pdu, 6 + 2 * i);
      break;
    }
    default: return p;  // exception 1
  }
  // MAP §6.3: address + quantity must stay inside the 16-bit register space.
  if (static_cast<std::uint32_t>(p.request.address) + p.request.quantity > 0x10000u) {
    p.exception = ExceptionCode::kIllegalDataAddress;
    return p;
  }
  p.ok = true;
  return p;
}

void store_mbap(MutableByteView out, std::uint16_t transaction, std::uint8_t unit,
                std::size_t pdu_size) noexcept {
  store_be16(out, 0, transaction);
  store_be16(out, 2, 0);
  store_be16(out, 4, static_cast<std::uint16_t>(pdu_size + 1));
  out[6] = unit;
}

std::size_t encode_exception(MutableByteView out, const Adu& request, std::uint8_t function,
                             ExceptionCode code) noexcept {
  store_mbap(out, request.transaction, request.unit, 2);
  out[7] = static_cast<std::uint8_t>(function | 0x80);
  out[8] = static_cast<std::uint8_t>(code);
  return 9;
}

std::size_t encode_read_response(MutableByteView out, const Adu& request, Function function,
                                 std::span<const std::uint16_t> registers) noexcept {
  const std::size_t n = registers.size() > kMaxReadRegisters ? kMaxReadRegisters : registers.size();
  const std::size_t pdu_size = 2 + 2 * n;
  store_mbap(out, request.transaction, request.unit, pdu_size);
  out[7] = static_cast<std::uint8_t>(function);
  out[8] = static_cast<std::uint8_t>(2 * n);
  for (std::size_t i = 0; i < n; ++i) store_be16(out, 9 + 2 * i, registers[i]);
  return kMbapHeaderSize + pdu_size;
}

std::size_t encode_write_response(MutableByteView out, const Adu& request,
                                  const Request& write) noexcept {
  store_mbap(out, request.transaction, request.unit, 5);
  out[7] = static_cast<std::uint8_t>(write.function);
  store_be16(out, 8, write.address);
  store_be16(out, 10,
             write.function == Function::kWriteSingleRegister ? write.values[0] : write.quantity);
  return 12;
}

}  // namespace gxlink::modbus
