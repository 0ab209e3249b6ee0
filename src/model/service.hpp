// SPDX-License-Identifier: MIT
#pragma once
/// A Venus service (`com.victronenergy.<type>.<connection>`) and its paths.

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "model/item.hpp"

namespace gxlink::model {

class Model;

/// What a driver says about a device when it creates its service. The mandatory paths
/// (venus_os.md §2.1) are filled from it.
struct ServiceSpec {
  std::string type;        ///< "solarcharger", "battery", "vebus", ...
  std::string connection;  ///< service-name suffix: "ttyUSB0", "socketcan_can0", "canopen_node5"
  int device_instance = 0;
  std::string process_name = "gxlink";
  std::string mgmt_connection;  ///< /Mgmt/Connection: "VE.Direct", "VE.Can", "CAN-bus", "VE.Bus"
  Value product_id;             ///< /ProductId (integer) or invalid while unknown
  Value product_name;           ///< /ProductName
  Value firmware_version;       ///< /FirmwareVersion
  Value hardware_version;       ///< /HardwareVersion
};

/// One path of a product as its driver declares it up front. Drivers keep these as constexpr
/// tables per product (issue 13, conformance 1). Unit, decimals and enum texts come from the shared
/// table of Venus path formats (model/venus_formats.hpp, conformance 9); set `unit`/`decimals`
/// only for a path that table does not know.
struct PathSpec {
  std::string_view path;
  std::string_view unit = {};
  int decimals = -1;
};

/// velib coerces a written value to the path's current type ("This allows ints to become
/// floats"): an integer written to a double path becomes a double, a whole double written to an
/// integer path an integer; anything else is left as written (and may then be refused by the
/// owner). Applied by Service::write, so every output writes alike.
Value coerce_to(const Value& current, Value v);

class Service {
 public:
  using Items = std::map<std::string, Item, std::less<>>;

  Service(Model& model, ServiceSpec spec);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// "com.victronenergy.solarcharger.ttyUSB0"
  const std::string& name() const noexcept { return name_; }
  const std::string& type() const noexcept { return spec_.type; }
  const std::string& connection() const noexcept { return spec_.connection; }
  int device_instance() const noexcept;

  /// Declares a path with its metadata (and write handler); keeps the current value if it exists.
  /// What `meta` leaves open (unit, decimals, text) is filled from the Venus path-format table.
  Item& add(std::string_view path, ItemMeta meta, Value initial = Invalid{},
            WriteHandler on_write = {});
  /// Sets a value and queues a change when it differs. Creates the path (read-only, formatted from
  /// the Venus path-format table) if it was not declared, so that imported or replayed services
  /// keep every path they carry.
  void set(std::string_view path, Value v);
  /// Declares a product's full path set before the service is first announced: every path not
  /// there yet is created invalid with its unit; existing paths keep their value and metadata.
  /// Venus drivers create every path before they claim the bus name, because the GUI and
  /// systemcalc scan a service's paths once, when it appears (DESIGN.md, issue 13).
  void declare(std::span<const PathSpec> paths);
  void declare(std::initializer_list<PathSpec> paths) {
    declare(std::span<const PathSpec>(paths.begin(), paths.size()));
  }
  /// Declares `prefix` + n + each suffix for n in [first, last]: "/Ac/Out/L" 1..3 {"/V", "/I"},
  /// "/Voltages/Cell" 1..16 {""}.
  void declare_indexed(std::string_view prefix, int first, int last,
                       std::span<const PathSpec> suffixes);
  /// Sets every path of this service to invalid except the mandatory ones (link lost).
  void invalidate_all();

  const Item* find(std::string_view path) const;
  Item* find(std::string_view path);
  const Value& get(std::string_view path) const;  ///< invalid when absent
  const Items& items() const noexcept { return items_; }
  /// Observers have been told about the service (its first flush has happened).
  bool announced() const noexcept { return announced_; }
  /// Paths created after the announcement: 0 when the driver declared the whole set up front.
  std::size_t late_paths() const noexcept { return late_paths_; }

  /// Routes a write from a publisher: unknown paths, read-only paths and range errors are refused
  /// here; the rest goes to the path's handler (the owning driver).
  WriteResult write(std::string_view path, const Value& v);

 private:
  friend class Model;
  Model& model_;
  ServiceSpec spec_;
  std::string name_;
  Items items_;
  bool announced_ = false;  ///< observers have been told about it (set at the first flush)
  std::size_t late_paths_ = 0;
};

inline constexpr std::string_view kServicePrefix = "com.victronenergy.";

}  // namespace gxlink::model
