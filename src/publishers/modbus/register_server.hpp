// SPDX-License-Identifier: MIT
#pragma once
/// The model side of the Modbus-TCP server: one request ADU in, one response ADU out, answered
/// from the model with the GX register map (venus_os.md §4.2; issue 14 "What to build" 3-5).
/// No sockets here, so every exception path is unit-tested on a plain Model; ModbusServer
/// (modbus_server.hpp) only moves bytes. Runs on the model's loop thread.

#include <cstdint>

#include "model/model.hpp"
#include "protocols/modbus/mbap.hpp"
#include "protocols/modbus/register_map.hpp"

namespace gxlink::publishers::modbus {

struct RegisterServerOptions {
  bool writes = false;  ///< [modbus] writes: off unless enabled (DESIGN.md "Safety rules")
  gxlink::modbus::InvalidPolicy invalid = gxlink::modbus::InvalidPolicy::kNotAvailable;
};

/// Counters for diagnostics and tests.
struct RegisterServerStats {
  std::uint64_t requests = 0;
  std::uint64_t exceptions = 0;
  std::uint64_t writes = 0;          ///< registers values accepted by Model::write
  std::uint64_t writes_refused = 0;  ///< writes answered with an exception
};

class RegisterServer {
 public:
  RegisterServer(model::Model& model, const gxlink::modbus::RegisterMap& map,
                 RegisterServerOptions options)
      : model_(model), map_(map), options_(options) {}

  /// Answers `request` into `out` (at least gxlink::modbus::kMaxAduSize bytes); returns the
  /// response size. Reads (3, 4): every register from the start to the end must be mapped (else
  /// exception 2) and each row's service type must have a device at the unit id (else 0x0A). Writes
  /// (6, 16): only when enabled and only whole rows marked W (else 2); the value is decoded,
  /// divided by the scale and sent through Model::write, the path D-Bus and MQTT writes take; a
  /// refusal is an exception (2 for a path that is not writable, 3 for a value an integer path
  /// cannot hold, 4 when the owner refuses it), never a silent echo.
  std::size_t handle(const gxlink::modbus::Adu& request, MutableByteView out);

  /// The service a row of `type` reads at `unit`: a service of that type whose /DeviceInstance is
  /// the unit id, else the instance from Venus' unit-id table, else instance = unit id (§4.2).
  const model::Service* resolve(std::string_view type, std::uint8_t unit) const;

  const RegisterServerStats& stats() const noexcept { return stats_; }

 private:
  std::size_t read(const gxlink::modbus::Adu& adu, const gxlink::modbus::Request& r,
                   MutableByteView out);
  std::size_t write(const gxlink::modbus::Adu& adu, const gxlink::modbus::Request& r,
                    MutableByteView out);
  std::size_t exception(const gxlink::modbus::Adu& adu, gxlink::modbus::ExceptionCode code,
                        MutableByteView out);

  model::Model& model_;
  const gxlink::modbus::RegisterMap& map_;
  RegisterServerOptions options_;
  RegisterServerStats stats_;
};

}  // namespace gxlink::publishers::modbus
