// SPDX-License-Identifier: MIT
#pragma once
/// Device-instance allocation the way Venus' localsettings does it (venus_os.md §2.2): each device
/// has a unique id ("vedirect_HQ2132ABCDE") and a setting "<class>:<instance>"; a new device gets
/// the first free instance of its class counting up from a default; an existing record is kept.
/// Records persist in a small JSON file (written on every allocation: they are rare).

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gxlink::model {

class DeviceInstances {
 public:
  /// In-memory only (tests, snapshot).
  DeviceInstances() = default;
  /// Loads `file` if it exists and saves back to it on each new allocation.
  explicit DeviceInstances(std::filesystem::path file);

  /// Returns the instance recorded for `unique_id`, or allocates the first free one of
  /// `device_class` at or above `default_instance` and records "<class>:<instance>". A record whose
  /// class differs (the device changed role) is re-allocated in the new class.
  int allocate(std::string_view unique_id, std::string_view device_class, int default_instance);

  /// "solarcharger:278" for a known id.
  std::optional<std::string> class_and_instance(std::string_view unique_id) const;

  /// Why the last save failed (empty when it worked): instances still work, in memory only.
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  void save();
  std::filesystem::path file_;
  std::string last_error_;
  std::map<std::string, std::string, std::less<>> records_;  // unique id -> "class:instance"
};

}  // namespace gxlink::model
