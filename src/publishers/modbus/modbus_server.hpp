// SPDX-License-Identifier: MIT
#pragma once
/// The Modbus-TCP server (issue 14; venus_os.md §4): GX register numbers, scales and unit ids,
/// served on the daemon's own io_context, so requests read the model on its thread and writes go
/// through Model::write like D-Bus and MQTT writes. Framing is the sans-I/O codec in
/// protocols/modbus (mbap.hpp says why not libmodbus); answers come from RegisterServer.
///
/// Limits (a slow or silent client must not block the others or the drivers):
/// - every socket operation is asynchronous; one request is answered at a time per connection,
///   from a fixed 260-byte input and output buffer, so memory per connection is bounded;
/// - a connection with no complete request for `idle_timeout` is closed, and so is one that does
///   not take its response within `write_timeout`;
/// - at most `max_connections` at once; the next one is accepted and closed at once (counted);
/// - a bad MBAP header (protocol id ≠ 0, length outside 2..254) closes the connection: TCP gives
///   no other frame boundary to resync on.
/// When the port is taken the server reports once and retries with backoff; it never stops the
/// daemon (DESIGN.md "Safety rules").

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "protocols/modbus/register_map.hpp"
#include "publishers/modbus/register_server.hpp"
#include "publishers/publisher.hpp"

namespace gxlink::publishers::modbus {

struct ModbusOptions {
  std::string host = "127.0.0.1";  ///< DESIGN.md: network services bind to loopback by default
  int port = 502;                  ///< 0: any free port (see ModbusServer::port())
  RegisterServerOptions registers;
  std::size_t max_connections = 32;
  std::chrono::milliseconds idle_timeout{120000};
  std::chrono::milliseconds write_timeout{10000};
};

struct ModbusStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_full = 0;   ///< closed at once: max_connections were open
  std::uint64_t idle_timeouts = 0;  ///< closed: no request within idle_timeout
  std::uint64_t write_timeouts = 0;
  std::uint64_t bad_frames = 0;  ///< closed: MBAP header not Modbus
  std::size_t open = 0;
  RegisterServerStats registers;
};

class ModbusServer final : public Publisher {
 public:
  ModbusServer(PublisherContext ctx, ModbusOptions options,
               const gxlink::modbus::RegisterMap& map = gxlink::modbus::gx_register_map());
  ~ModbusServer() override;

  std::string_view kind() const override { return "modbus"; }
  std::string describe() const override;
  void start() override;
  void stop() override;
  /// The bound port (port 0 in tests); 0 while not listening.
  int port() const;
  ModbusStats stats() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace gxlink::publishers::modbus
