// SPDX-License-Identifier: MIT
#pragma once
/// `com.victronenergy.settings`, as Venus' localsettings keeps it (venus_os.md §2, §5.2, §5.4):
/// a table of paths, each with a type, a default and limits. Every write — from D-Bus, MQTT, the
/// web or the CLI, all of which go through Model::write — is validated here (type, range) and then
/// persisted atomically (write_file_atomically, mode 0600), so a value survives a restart.
/// Settings the system layer learns at run time (one per battery, as systemcalc's batterydata
/// adds them) are added with add(); a persisted value for them is kept until they appear.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"

namespace gxlink::system {

enum class SettingType { kInt, kDouble, kString };

struct SettingSpec {
  std::string path;  ///< "/Settings/SystemSetup/BatteryService"
  SettingType type = SettingType::kInt;
  model::Value def;  ///< the default, of `type`
  /// Limits for numbers; min == max == 0 means "no limits", as in localsettings' AddSetting.
  double min = 0;
  double max = 0;
};

/// The settings systemcalc, DVCC and ESS read (sources in settings.cpp).
const std::vector<SettingSpec>& builtin_settings();

/// `/Settings/SystemSetup/Batteries/Configuration/<service with . as _>/<leaf>`; the service is
/// the `com.victronenergy.battery/512` form of /ActiveBatteryService (systemcalc batterydata).
std::string battery_setting_path(std::string_view instance_service, std::string_view leaf);

class Settings {
 public:
  /// `file` empty: nothing is persisted (tests, `snapshot --system`).
  explicit Settings(model::Model& model, std::filesystem::path file = {});
  ~Settings() { stop(); }
  Settings(const Settings&) = delete;
  Settings& operator=(const Settings&) = delete;

  /// Publishes com.victronenergy.settings with every builtin path and loads the persisted values.
  void start();
  /// Removes the service.
  void stop();

  /// Declares a setting (idempotent). A persisted value is taken if it is valid for `spec`.
  void add(SettingSpec spec);
  bool has(std::string_view path) const { return specs_.count(path) != 0; }

  /// The validated write every publisher's write reaches; persists on success.
  model::WriteResult set(std::string_view path, const model::Value& v);
  /// A venus-docker `setup` line (localsettings AddSettings + SetValue): declares an unknown path
  /// with the value's type and no limits, then sets it.
  model::WriteResult add_or_set(std::string_view path, const model::Value& v);

  /// The current value (the default until set); invalid for an unknown path.
  const model::Value& get(std::string_view path) const;
  std::optional<std::int64_t> get_int(std::string_view path) const;
  std::optional<double> get_double(std::string_view path) const;
  std::string get_string(std::string_view path) const;

  /// Bumped on every accepted change: components recompute when it moves.
  std::uint64_t generation() const noexcept { return generation_; }
  /// Why the last save failed (empty when it did not).
  const std::string& save_error() const noexcept { return save_error_; }
  /// What load() could not take from the file (empty when it took everything).
  const std::string& load_error() const noexcept { return load_error_; }

 private:
  model::WriteResult validate(const SettingSpec& spec, const model::Value& in,
                              model::Value& out) const;
  void publish(const SettingSpec& spec);
  void load();
  void save();

  model::Model& model_;
  std::filesystem::path file_;
  std::map<std::string, SettingSpec, std::less<>> specs_;
  std::map<std::string, model::Value, std::less<>> values_;
  /// Persisted values whose setting has not been declared (yet): kept and saved again.
  std::map<std::string, model::Value, std::less<>> orphans_;
  model::Service* service_ = nullptr;
  std::uint64_t generation_ = 0;
  std::string save_error_;
  std::string load_error_;
};

/// Persisted values no component declares are kept and saved again, at most this many: entries
/// keyed by device instances that come and go must not grow the file until load() gives up.
inline constexpr std::size_t kMaxOrphanSettings = 1000;

inline constexpr std::string_view kSettingsService = "com.victronenergy.settings";
/// Longer string values are refused: a setting is a name or a choice, and every write is kept in
/// memory and on disk.
inline constexpr std::size_t kMaxSettingStringBytes = 1024;

}  // namespace gxlink::system
