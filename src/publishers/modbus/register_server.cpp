// SPDX-License-Identifier: MIT
#include "publishers/modbus/register_server.hpp"

#include <array>
#include <cmath>
#include <string_view>

namespace gxlink::publishers::modbus {

namespace {

using gxlink::modbus::ExceptionCode;
using gxlink::modbus::Function;
using gxlink::modbus::RegisterEntry;

bool integer_dbus_type(char t) {
  return std::string_view("ybnqiuxt").find(t) != std::string_view::npos;
}

}  // namespace

const model::Service* RegisterServer::resolve(std::string_view type, std::uint8_t unit) const {
  const model::Service* by_instance = nullptr;
  const int instance = gxlink::modbus::documented_instance(unit).value_or(unit);
  for (const auto& [name, s] : model_.services()) {
    if (s->type() != type) continue;
    const int di = s->device_instance();
    if (di == unit) return s.get();  // a device at its own unit id wins over the table (§4.2)
    if (di == instance && !by_instance) by_instance = s.get();
  }
  return by_instance;
}

std::size_t RegisterServer::exception(const gxlink::modbus::Adu& adu, ExceptionCode code,
                                      MutableByteView out) {
  ++stats_.exceptions;
  return gxlink::modbus::encode_exception(out, adu, adu.pdu.empty() ? 0 : adu.pdu[0], code);
}

std::size_t RegisterServer::handle(const gxlink::modbus::Adu& adu, MutableByteView out) {
  ++stats_.requests;
  const auto parsed = gxlink::modbus::parse_request(adu.pdu);
  if (!parsed.ok) return exception(adu, parsed.exception, out);
  const auto& r = parsed.request;
  if (r.function == Function::kReadHoldingRegisters || r.function == Function::kReadInputRegisters)
    return read(adu, r, out);
  return write(adu, r, out);
}

std::size_t RegisterServer::read(const gxlink::modbus::Adu& adu, const gxlink::modbus::Request& r,
                                 MutableByteView out) {
  const std::uint32_t end = std::uint32_t{r.address} + r.quantity;
  // First every address, then the devices: an unmapped register or a gap is exception 2 even when
  // a row before it has no device (dbus_modbustcp checks the mapping before the services).
  for (std::uint32_t a = r.address; a < end;) {
    const auto* e = map_.find(static_cast<std::uint16_t>(a));
    if (!e) return exception(adu, ExceptionCode::kIllegalDataAddress, out);
    a = e->last_address() + 1;
  }
  std::array<std::uint16_t, gxlink::modbus::kMaxReadRegisters> regs{};
  std::array<std::uint16_t, gxlink::modbus::kMaxReadRegisters> word{};
  std::string_view last_type;
  const model::Service* service = nullptr;
  std::size_t n = 0;
  for (std::uint32_t a = r.address; a < end;) {
    const auto* e = map_.find(static_cast<std::uint16_t>(a));
    if (e->service_type != last_type) {
      service = resolve(e->service_type, adu.unit);
      last_type = e->service_type;
    }
    if (!service) return exception(adu, ExceptionCode::kGatewayPathUnavailable, out);
    const auto* item = service->find(e->path);
    const model::Value invalid;
    const model::Value& v = item ? item->value : invalid;  // a missing path reads as invalid
    const std::span<std::uint16_t> words(word.data(), e->count);
    if (e->type == gxlink::modbus::RegisterType::kString) {
      const auto* s = std::get_if<std::string>(&v);
      gxlink::modbus::encode_string(*e, s ? std::string_view(*s) : std::string_view(), words);
    } else {
      gxlink::modbus::encode_number(*e, model::as_double(v), options_.invalid, words);
    }
    // A read may start or end inside a multi-register value (§4.1: each word by its offset).
    const std::uint32_t from = a - e->address;
    const std::uint32_t to = std::min<std::uint32_t>(e->last_address() + 1, end) - e->address;
    for (std::uint32_t i = from; i < to; ++i) regs[n++] = words[i];
    a = e->last_address() + 1;
  }
  return gxlink::modbus::encode_read_response(out, adu, r.function,
                                              std::span<const std::uint16_t>(regs.data(), n));
}

std::size_t RegisterServer::write(const gxlink::modbus::Adu& adu, const gxlink::modbus::Request& r,
                                  MutableByteView out) {
  // Venus answers a write to a read-only register, or any write while writes are off, with
  // IllegalDataAddress (§4.2).
  if (!options_.writes) {
    ++stats_.writes_refused;
    return exception(adu, ExceptionCode::kIllegalDataAddress, out);
  }
  const std::uint32_t end = std::uint32_t{r.address} + r.quantity;
  struct Pending {
    const RegisterEntry* entry;
    std::size_t first;  ///< index of its first register in r.values
  };
  std::array<Pending, gxlink::modbus::kMaxWriteRegisters> rows{};
  std::size_t nrows = 0;
  for (std::uint32_t a = r.address; a < end;) {
    const auto* e = map_.find(static_cast<std::uint16_t>(a));
    // Only whole values: a write that starts or ends inside a 32-bit value cannot be applied.
    if (!e || !e->writable || e->address != a || e->last_address() >= end) {
      ++stats_.writes_refused;
      return exception(adu, ExceptionCode::kIllegalDataAddress, out);
    }
    rows[nrows++] = {e, a - r.address};
    a = e->last_address() + 1;
  }
  for (std::size_t i = 0; i < nrows; ++i) {
    const auto& [e, first] = rows[i];
    const auto* service = resolve(e->service_type, adu.unit);
    if (!service) {
      ++stats_.writes_refused;
      return exception(adu, ExceptionCode::kGatewayPathUnavailable, out);
    }
    const double value = gxlink::modbus::decode_registers(
        *e, std::span<const std::uint16_t>(&r.values[first], e->count));
    model::Value v = value;
    if (integer_dbus_type(e->dbus_type)) {
      // An integer path cannot take 0.5 (register 5 at scale 10): a bad value, not a rounding.
      if (value != std::floor(value)) {
        ++stats_.writes_refused;
        return exception(adu, ExceptionCode::kIllegalDataValue, out);
      }
      v = static_cast<std::int64_t>(value);
    }
    const auto result = model_.write(service->name(), e->path, v);
    if (result == model::WriteResult::kOk) {
      ++stats_.writes;
      continue;
    }
    ++stats_.writes_refused;
    const bool address =
        result == model::WriteResult::kNotWritable || result == model::WriteResult::kUnknownPath;
    return exception(
        adu, address ? ExceptionCode::kIllegalDataAddress : ExceptionCode::kServerDeviceFailure,
        out);
  }
  return gxlink::modbus::encode_write_response(out, adu, r);
}

}  // namespace gxlink::publishers::modbus
