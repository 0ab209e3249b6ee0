// SPDX-License-Identifier: MIT
#pragma once
/// A part of the system layer (issue 12): systemcalc today; DVCC and notifications slot in beside
/// it. A component reads the model and writes only through Model::write (into devices, so every
/// write is validated by the owning driver) or into its own services. It knows no protocol and no
/// driver: everything it sees is a Venus service name and path.

#include <functional>
#include <optional>
#include <string_view>

#include <asio/io_context.hpp>

#include "core/time.hpp"
#include "model/model.hpp"

namespace gxlink::system {

class Settings;
class SystemComponent;

/// What every component gets. `now` is the layer's clock: the steady clock in the daemon, the
/// recording's clock in `snapshot --system` (time is an input, STYLE.md rule 7).
struct SystemContext {
  asio::io_context& io;
  model::Model& model;
  Settings& settings;
  std::function<TimePoint()> now;
  /// Another component of the same layer by name ("systemcalc"), or nullptr: DVCC reads the
  /// active battery and BMS from systemcalc this way.
  std::function<SystemComponent*(std::string_view)> find;
};

class SystemComponent {
 public:
  virtual ~SystemComponent() = default;
  /// "systemcalc", "dvcc", "notifications"
  virtual std::string_view name() const = 0;
  /// Creates the component's services and paths (all of them, invalid until computed).
  virtual void start() = 0;
  /// Called once a second, in the layer's order, with the layer's clock.
  virtual void on_tick(TimePoint now) = 0;
  /// Leaves the model as a stopped GX would: its services are removed.
  virtual void stop() = 0;
};

/// For work done every `period` seconds on the layer's once-a-second tick: true (and `last` moves
/// to `now`) when it is due. Half a second of slack, so that a steady 1 s timer with jitter still
/// hits every third tick of a 3 s period; a clock that went backwards (a new replay) is due at
/// once.
inline bool due(std::optional<TimePoint>& last, TimePoint now, double period) {
  if (last && now >= *last && to_seconds(now - *last) < period - 0.5) return false;
  last = now;
  return true;
}

}  // namespace gxlink::system
