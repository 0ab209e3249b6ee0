// SPDX-License-Identifier: MIT
#pragma once
/// Home Assistant MQTT discovery (not part of Venus; `[mqtt] homeassistant = true`).
///
/// For each service, the main paths listed in kHaSensors become sensors with device class, unit
/// and state class, grouped into one HA device per service (`device.identifiers`). Configs are
/// retained on `<prefix>/sensor/gxlink_<portal>/<type>_<instance>_<path>/config`, as HA expects;
/// an empty retained config removes a sensor when its service goes.
///
/// State: gxlink's own topic `<state_prefix>/<portal>/<type>/<instance><path>` with the Venus
/// payload `{"value": …}` and `value_template: {{ value_json.value }}` (null renders "None", which
/// HA shows as unknown). These are published on every change, independent of the Venus keep-alive
/// (HA sends no keep-alives), and republished, not retained, at connect and when HA announces
/// itself (`<prefix>/status` = "online"). Availability: `<state_prefix>/<portal>/status`,
/// "online"/"offline", retained, with "offline" as the client's last will.
///
/// gxlink also subscribes to its own config topics: a retained config the broker still holds for
/// a device that is no longer there (it went while gxlink was stopped) is cleared on connect.

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"
#include "publishers/mqtt/sink.hpp"

namespace gxlink::publishers::mqtt {

struct HaSensor {
  std::string_view path;
  std::string_view name;
  std::string_view device_class;  ///< empty: none
  std::string_view unit;          ///< empty: none
  std::string_view state_class;   ///< "measurement", "total_increasing" or empty
};

/// The main paths (venus_os.md seeds/003 path list), with HA's units for each device class.
std::span<const HaSensor> ha_sensors();

struct HaOptions {
  std::string portal_id;
  std::string discovery_prefix = "homeassistant";
  std::string state_prefix = "gxlink";
};

class HaDiscovery {
 public:
  HaDiscovery(model::Model& model, Sink& sink, HaOptions options);

  std::string availability_topic() const;
  std::vector<std::string> subscriptions() const;

  void on_connected();
  void on_message(std::string_view topic, std::string_view payload);
  void on_service_added(const model::Service& s);
  void on_service_removed(const model::Service& s);
  void on_changes(std::span<const model::Change> changes);
  /// Publishes "offline" (before a clean stop).
  void going_offline();

  /// The config payload for one sensor of a service (exposed for tests).
  std::string config_payload(const model::Service& s, const HaSensor& sensor) const;
  std::string config_topic(const model::Service& s, const HaSensor& sensor) const;
  std::string state_topic(const model::Service& s, std::string_view path) const;

 private:
  void publish_service(const model::Service& s);
  void publish_config(const model::Service& s, const HaSensor& sensor);
  std::string own_config_prefix() const;
  std::string config_topic_at(const model::Service& s, const std::string& instance,
                              const HaSensor& sensor) const;
  const HaSensor* sensor_for(std::string_view path) const;

  model::Model& model_;
  Sink& sink_;
  HaOptions options_;
  std::map<std::string_view, const HaSensor*> sensor_index_;
  /// Config topics of devices removed while the broker was unreachable: cleared at the connect.
  std::set<std::string> pending_removal_;
  std::set<std::string, std::less<>> live_;  ///< config topics of the current devices
  std::map<std::string, std::string, std::less<>> instances_;  ///< service → instance published
};

}  // namespace gxlink::publishers::mqtt
