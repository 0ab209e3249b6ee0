// SPDX-License-Identifier: MIT
#pragma once
/// One model service on D-Bus, exactly as a velib VeDbusService exports it (venus_os.md §1.2-1.3):
/// its own bus connection (object paths would clash between services on one connection), an
/// object with interface com.victronenergy.BusItem for every path, for `/` and for every
/// intermediate node, and the bus name claimed only after all of them exist.
///
/// Method calls run on the loop thread (see bus_pump.hpp) and read the model through the service
/// name, so an export never holds a pointer into a service that may be gone.

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <sdbus-c++/IObject.h>
#include <asio/io_context.hpp>

#include "core/log_limit.hpp"
#include "model/model.hpp"
#include "publishers/dbus/bus_pump.hpp"
#include "publishers/dbus/wire.hpp"

namespace gxlink::publishers::dbus {

/// Which change signals to send (venus_os.md §1.2: both exist side by side; every current
/// consumer reads ItemsChanged, some old ones only PropertiesChanged).
enum class SignalMode { kBoth, kItemsChanged, kPropertiesChanged };

struct ExportStats {
  std::uint64_t items_changed = 0;       ///< ItemsChanged signals sent
  std::uint64_t properties_changed = 0;  ///< PropertiesChanged signals sent
  std::uint64_t paths_published = 0;     ///< changed paths carried by those signals
  std::uint64_t method_calls = 0;
  std::uint64_t writes_ok = 0;
  std::uint64_t writes_refused = 0;
};

/// What SetValue may do, shared by every export of a publisher.
struct WritePolicy {
  /// `[dbus] writes`: false refuses (2) every write to a writable path, whoever sends it. The bus
  /// policy (config/dbus/gxlink-dbus.conf) decides who may send SetValue at all.
  bool enabled = true;
  /// Write log lines: one per 10 s per service and outcome, with a count of those left out, so a
  /// client hammering SetValue cannot flood the log (issue 11 item 8).
  RateLimiter log{seconds(10)};
};

class ServiceExport {
 public:
  /// Builds the object tree on `conn` from the service's current paths and claims the name.
  /// Throws sdbus::Error when the name cannot be claimed (taken, or the bus refused it).
  /// `direct`: send the change signals with the own marshaller (wire.hpp) when sd-bus has no
  /// output queued; otherwise, and when false, through sd-bus.
  ServiceExport(asio::io_context& io, model::Model& model, const model::Service& service,
                std::unique_ptr<sdbus::IConnection> conn, SignalMode mode, bool direct,
                ExportStats& stats, BusPump::ErrorHandler on_error, WritePolicy& writes);
  ~ServiceExport();
  ServiceExport(const ServiceExport&) = delete;
  ServiceExport& operator=(const ServiceExport&) = delete;

  const std::string& name() const noexcept { return name_; }

  /// Queues one change of this service for the next publish().
  void queue(const model::Change& c) { batch_.push_back(&c); }
  bool has_queued() const noexcept { return !batch_.empty(); }
  /// Sends the queued changes: one ItemsChanged on `/` and/or one PropertiesChanged per path.
  void publish();
  /// Sends every path as changed (a republish after the service was re-announced).
  void publish_all(const model::Service& service);
  /// True while signals are still queued for the socket (ours or sd-bus').
  bool output_pending() { return pump_->raw_pending() || !pump_->raw_allowed(); }
  /// Releases the bus name now (the connection and objects go with the destructor).
  void release() noexcept;

 private:
  struct Node {
    std::unique_ptr<sdbus::IObject> object;
    bool leaf = false;
  };
  void ensure_path(const std::string& path);
  Node& make_node(const std::string& path, bool leaf);
  const model::Item* find_item(const std::string& path) const;
  void on_get_value(sdbus::MethodCall& call, const std::string& path, bool leaf);
  void on_get_text(sdbus::MethodCall& call, const std::string& path, bool leaf);
  void on_set_value(sdbus::MethodCall& call, const std::string& path);
  void on_get_items(sdbus::MethodCall& call);
  void on_get_meta(sdbus::MethodCall& call, const std::string& path, int which);
  bool publish_direct();
  void wire_text(const std::string& path, const model::Item& item);
  void publish_sdbus();
  std::uint32_t next_serial() noexcept;

  model::Model& model_;
  std::string name_;
  SignalMode mode_;
  bool direct_;
  WireWriter wire_;
  std::uint32_t serial_ = 0x80000000u;  ///< our own signals' serials, apart from sd-bus' cookies
  ExportStats& stats_;
  WritePolicy& writes_;
  std::unique_ptr<BusPump> pump_;  // declared before nodes_: objects go first
  std::map<std::string, Node, std::less<>> nodes_;
  std::vector<const model::Change*> batch_;
  std::size_t exported_paths_ = 0;  ///< the service's path count when the tree was last completed
  bool claimed_ = false;
};

}  // namespace gxlink::publishers::dbus
