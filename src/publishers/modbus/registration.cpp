// SPDX-License-Identifier: MIT
// The `modbus` publisher: on when `[modbus]` exists or `--modbus HOST:PORT` is given (config.cpp).
#include <stdexcept>

#include "publishers/modbus/modbus_server.hpp"
#include "registry/registry.hpp"

namespace gxlink::registry {
namespace {

std::unique_ptr<publishers::Publisher> make_modbus(const toml::table& cfg,
                                                   publishers::PublisherContext& ctx) {
  publishers::modbus::ModbusOptions o;
  // Port 502 as a GX (venus_os.md §4.2), on loopback unless configured (DESIGN.md safety rules).
  const auto [host, port] =
      split_host_port(cfg["listen"].value_or(std::string("127.0.0.1:502")), 502);
  o.host = host;
  o.port = port;
  o.registers.writes = cfg["writes"].value_or(false);
  o.registers.invalid = cfg["invalid"].value_or(std::string("na")) == "zero"
                            ? gxlink::modbus::InvalidPolicy::kZero
                            : gxlink::modbus::InvalidPolicy::kNotAvailable;
  o.max_connections = static_cast<std::size_t>(cfg["max_connections"].value_or(std::int64_t{32}));
  o.idle_timeout = std::chrono::milliseconds(
      static_cast<std::int64_t>(cfg["idle_timeout_s"].value_or(120.0) * 1000));
  return std::make_unique<publishers::modbus::ModbusServer>(ctx, std::move(o));
}

// Every key make_modbus reads, and `enabled` (daemon.cpp).
SectionSchema modbus_schema() {
  return {
      .name = "modbus",
      .form = SectionForm::kTable,
      .description = "Modbus-TCP server with the GX register map (gxlink modbus-map)",
      .keys = {
          {.name = "enabled",
           .type = ValueType::kBool,
           .description = "false: no Modbus-TCP even though the section exists"},
          {.name = "listen",
           .type = ValueType::kString,
           .description = "HOST:PORT to listen on (default 127.0.0.1:502; port 0: any free)",
           .check = check_listen_address},
          {.name = "writes",
           .type = ValueType::kBool,
           .description = "registers marked W change devices and settings (off unless enabled)"},
          {.name = "invalid",
           .type = ValueType::kString,
           .description = "how an invalid value reads: \"na\" (the type's not-available code, "
                          "0xFFFF, 0x7FFF, ...) or \"zero\" (as Venus)",
           .choices = {"na", "zero"}},
          {.name = "max_connections",
           .type = ValueType::kInteger,
           .description = "clients served at once; more are closed at once",
           .min = 1,
           .max = 1024},
          {.name = "idle_timeout_s",
           .type = ValueType::kFloat,
           .description = "close a client that sends no request for this long",
           .min = 0,
           .min_exclusive = true},
      }};
}

}  // namespace

void register_modbus(Registry& r) {
  r.publishers["modbus"] = PublisherEntry{make_modbus, false, modbus_schema()};
}

}  // namespace gxlink::registry
