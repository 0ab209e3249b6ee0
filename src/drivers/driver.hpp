// SPDX-License-Identifier: MIT
#pragma once
/// A driver joins a transport to a protocol and maps its messages into the model (STYLE.md rule 9).
/// One class per device kind. Lifecycle start()/stop(); a health state the app shows and logs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>

#include "model/device_instances.hpp"
#include "model/model.hpp"

namespace gxlink::drivers {

enum class HealthState { kOk, kWarning, kFailed };

struct Health {
  HealthState state = HealthState::kOk;
  std::string reason;  ///< empty when ok

  static Health ok() { return {}; }
  static Health warning(std::string r) { return {HealthState::kWarning, std::move(r)}; }
  static Health failed(std::string r) { return {HealthState::kFailed, std::move(r)}; }
};

const char* to_string(HealthState s) noexcept;

/// What a driver counts, for GET /metrics (issue 15 item 6). Each driver fills what it has; an
/// unset counter is not exported.
struct DriverCounters {
  std::optional<std::uint64_t> frames;         ///< frames, blocks or messages accepted
  std::optional<std::uint64_t> decode_errors;  ///< frames or blocks rejected
  std::optional<std::uint64_t> reconnects;     ///< times the link was lost (/Connected went to 0)
};

/// What every driver gets from the app.
struct DriverContext {
  asio::io_context& io;
  model::Model& model;
  model::DeviceInstances& instances;
};

class Driver {
 public:
  virtual ~Driver() = default;
  /// "vedirect", "canbms-gx", ...
  virtual std::string_view kind() const = 0;
  /// What it is attached to ("/dev/ttyUSB0", "can0").
  virtual std::string describe() const = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual Health health() const = 0;
  virtual DriverCounters counters() const { return {}; }
};

}  // namespace gxlink::drivers
