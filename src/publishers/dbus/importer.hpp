// SPDX-License-Identifier: MIT
#pragma once
/// Mirrors the other `com.victronenergy.*` services on the bus into the model, as Venus consumers
/// do (venus_os.md §1.4, dbus-flashmq's discovery): ListNames and NameOwnerChanged find them,
/// GetNameOwner maps the unique sender name back to the service, GetItems on `/` reads them in one
/// round trip (GetValue on `/` when GetItems is unknown), then ItemsChanged and PropertiesChanged
/// keep them current. A service that leaves the bus is removed from the model.
///
/// All calls are asynchronous on the importer's own connection, driven by the loop (bus_pump.hpp),
/// so a slow or stuck peer never stalls the daemon.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include <sdbus-c++/IProxy.h>
#include <asio/io_context.hpp>

#include "model/model.hpp"
#include "publishers/dbus/bus_pump.hpp"

namespace gxlink::dbus {

struct ImportStats {
  std::uint64_t services_imported = 0;
  std::uint64_t services_removed = 0;
  std::uint64_t values_applied = 0;
  std::uint64_t bad_values = 0;  ///< variants that are not BusItem values, skipped
  std::uint64_t load_failures = 0;
};

class Importer {
 public:
  /// True for names gxlink itself exports (never imported back).
  using IsOwn = std::function<bool(const std::string& name)>;

  Importer(asio::io_context& io, model::Model& model, std::unique_ptr<sdbus::IConnection> conn,
           IsOwn is_own, ImportStats& stats, BusPump::ErrorHandler on_error);
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  /// Subscribes to the signals and lists the names already on the bus.
  void start();
  /// Removes every imported service from the model (the bus is gone).
  void remove_all();
  /// True once the service is (being) mirrored: the publisher must not export it.
  bool is_imported(std::string_view name) const { return imported_.contains(std::string(name)); }

 private:
  struct Remote {
    std::string owner;
    std::unique_ptr<sdbus::IProxy> root;  ///< `/` of the remote service
  };
  void consider(const std::string& name, const std::string& owner);
  void load(const std::string& name, bool fallback);
  void apply(const std::string& name, std::map<std::string, model::Value> values);
  void forget(const std::string& name);
  void on_name_owner_changed(sdbus::Message& msg);
  void on_busitem_signal(sdbus::Message& msg);
  bool convert(const sdbus::Variant& v, model::Value& out);

  model::Model& model_;
  IsOwn is_own_;
  ImportStats& stats_;
  std::unique_ptr<BusPump> pump_;  // before the proxies and slots, which go first
  std::unique_ptr<sdbus::IProxy> bus_proxy_;
  std::vector<sdbus::Slot> matches_;
  std::map<std::string, Remote, std::less<>> remotes_;
  std::unordered_map<std::string, std::string> by_owner_;  ///< ":1.42" → service name
  std::set<std::string> imported_;
};

}  // namespace gxlink::dbus
