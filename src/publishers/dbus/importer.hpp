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
///
/// Every other service is untrusted input (issue 11 item 7: one exporting 200 000 paths grew the
/// daemon to 528 MB). Per service the paths are capped (ImportLimits), paths that are not object
/// paths are refused, strings are cut and long arrays refused, replies and signals are read entry
/// by entry so that nothing beyond the cap is ever held, no exception leaves a handler, and
/// everything about a service (model service, proxy, owner map) goes when it leaves the bus.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <sdbus-c++/IProxy.h>
#include <asio/io_context.hpp>

#include "core/log_limit.hpp"
#include "model/model.hpp"
#include "publishers/dbus/bus_pump.hpp"

namespace gxlink::publishers::dbus {

/// Bounds on what one imported service may put into the model. Venus' largest services
/// (com.victronenergy.settings, a vebus with its assistants) have a few thousand paths and short
/// strings.
struct ImportLimits {
  std::size_t max_paths = 5000;       ///< paths per service, mandatory ones included
  std::size_t max_string = 4096;      ///< bytes of a string value (longer: cut), of a string array
                                      ///< or of all strings of a structured value (refused)
  std::size_t max_array = 1024;       ///< elements of an array value, nodes of a structured
                                      ///< value (longer: refused)
  std::size_t max_path_length = 256;  ///< bytes of a path
  std::size_t max_path_depth = 16;    ///< elements of a path
  std::size_t max_services = 256;     ///< services imported at once
  /// Paths of all imported services together: the per-service bounds alone allowed 256 × 5000
  /// (gigabytes with long strings). A full GX has some ten thousand.
  std::size_t max_total_paths = 50000;
};

struct ImportStats {
  std::uint64_t services_imported = 0;
  std::uint64_t services_removed = 0;
  std::uint64_t values_applied = 0;
  std::uint64_t bad_values = 0;  ///< variants that are not BusItem values, skipped
  std::uint64_t load_failures = 0;
  std::uint64_t paths_refused = 0;      ///< not an object path, too long or too deep
  std::uint64_t paths_over_cap = 0;     ///< new paths ignored beyond max_paths / max_total_paths
  std::uint64_t services_capped = 0;    ///< services that reached max_paths
  std::uint64_t services_refused = 0;   ///< names ignored beyond max_services
  std::uint64_t strings_truncated = 0;  ///< string values cut to max_string
  std::uint64_t arrays_refused = 0;     ///< arrays beyond max_array / max_string
  std::uint64_t handler_errors = 0;     ///< exceptions caught in a callback (never propagated)
};

class Importer {
 public:
  /// True for names gxlink itself exports (never imported back).
  using IsOwn = std::function<bool(const std::string& name)>;

  Importer(asio::io_context& io, model::Model& model, std::unique_ptr<sdbus::IConnection> conn,
           IsOwn is_own, ImportStats& stats, BusPump::ErrorHandler on_error,
           ImportLimits limits = {});
  ~Importer();
  Importer(const Importer&) = delete;
  Importer& operator=(const Importer&) = delete;

  /// Subscribes to the signals and lists the names already on the bus.
  void start();
  /// Removes every imported service from the model (the bus is gone).
  void remove_all();
  /// True once the service is (being) mirrored: the publisher must not export it.
  bool is_imported(std::string_view name) const { return imported_.contains(std::string(name)); }
  /// Entries kept about other services (remotes, owners, imported names): 0 when none is left.
  std::size_t tracked() const noexcept {
    return remotes_.size() + by_owner_.size() + imported_.size();
  }

 private:
  struct Remote {
    std::string owner;
    std::unique_ptr<sdbus::IProxy> root;  ///< `/` of the remote service
    bool capped = false;                  ///< reached max_paths (logged once)
  };
  using Values = std::map<std::string, model::Value>;
  void consider(const std::string& name, const std::string& owner);
  void load(const std::string& name, bool fallback);
  void read_reply(const std::string& name, bool fallback, sdbus::MethodReply& reply);
  void apply(const std::string& name, Values&& values);
  void forget(const std::string& name);
  void on_name_owner_changed(sdbus::Message& msg);
  void on_busitem_signal(sdbus::Message& msg);
  /// `path` is a bounded object path; counts and logs (rate-limited) a refusal.
  bool path_ok(const std::string& name, std::string_view path);
  /// A variant as a bounded model value; false (counted) for what is no BusItem value.
  bool convert(const std::string& name, std::string_view path, const sdbus::Variant& v,
               model::Value& out);
  /// True when `path` may be added to `name` (which has `count` paths); marks the cap once.
  bool room_for(const std::string& name, std::size_t count);
  /// Runs `f`, turning any exception into a count and a rate-limited log line: nothing may
  /// propagate into sd-bus' dispatch (BusPump would take it for a lost bus).
  template <class F>
  void guard(const char* what, const std::string& name, F&& f) noexcept;
  void refused(const std::string& name, std::string_view what, std::string_view detail);

  /// Paths of the imported services in the model, against max_total_paths.
  std::size_t total_paths() const;

  model::Model& model_;
  IsOwn is_own_;
  ImportStats& stats_;
  ImportLimits limits_;
  RateLimiter log_limit_;
  std::unique_ptr<BusPump> pump_;  // before the proxies and slots, which go first
  std::unique_ptr<sdbus::IProxy> bus_proxy_;
  std::vector<sdbus::Slot> matches_;
  std::map<std::string, Remote, std::less<>> remotes_;
  std::unordered_map<std::string, std::string> by_owner_;  ///< ":1.42" → service name
  std::set<std::string> imported_;
};

}  // namespace gxlink::publishers::dbus
