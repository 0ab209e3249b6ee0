// SPDX-License-Identifier: MIT
#pragma once
/// Notifications (issue 12 item 5): every `/Alarms/*` state of every service (1 = warning,
/// 2 = alarm; see is_alarm_state)
/// and every device error code (`/ErrorCode` of solar chargers, chargers, DC-DC converters,
/// alternators and inverters, `/VebusError` of a vebus) becomes a notification, published in a
/// Venus-style `com.victronenergy.platform` the way Venus' venus-platform publishes its
/// notifications (the layout below; venus_os.md does not describe this service, so the layout is
/// venus-platform's as gui-v2 reads it):
///
///   /Notifications/<n>/{Type,DeviceName,Description,Value,DateTime,Active,Acknowledged,Service}
///   /Notifications/NumberOfNotifications, NumberOfActiveNotifications,
///   NumberOfUnAcknowledgedNotifications, NumberOfActive{Alarms,Warnings,Informations},
///   NumberOfUnAcknowledged{Alarms,Warnings,Informations}, /Notifications/Alarm,
///   /Notifications/AcknowledgeAll (write 1)
///
/// Type is gui-v2's enum: 0 warning, 1 alarm, 2 information. DateTime is unix seconds. `<n>` is a
/// slot that a notification keeps for its whole life, so that an acknowledgement written to
/// /Notifications/<n>/Acknowledged reaches the notification the client saw, even while others
/// come and go; a slot whose notification was dropped is invalid until it is reused. `/Service`
/// (the cause's D-Bus service) is gxlink's addition.
///
/// Lifecycle: a notification is raised when its cause appears, goes inactive when the cause
/// clears (or its service disappears) and stays inactive: a cause that comes back, or changes
/// level (warning → alarm) or code, raises a new notification. Up to kMaxActive active
/// notifications are kept; of the inactive ones the newest kMaxInactive are kept and the oldest
/// dropped, so memory cannot grow.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "system/component.hpp"

namespace gxlink::system {

inline constexpr std::string_view kPlatformService = "com.victronenergy.platform";

/// gui-v2's VenusOS.Notification_* values.
enum class NotificationType : std::int64_t { kWarning = 0, kAlarm = 1, kInfo = 2 };

struct Notification {
  std::size_t slot = 0;   ///< the <n> of /Notifications/<n>
  std::uint64_t seq = 0;  ///< raise order: older notifications have smaller numbers
  NotificationType type = NotificationType::kWarning;
  std::string service;         ///< the cause: "com.victronenergy.battery.ttyO0"
  std::string path;            ///< the cause: "/Alarms/LowVoltage", "/ErrorCode"
  std::int64_t level = 0;      ///< the cause's value when raised (1/2, or the error code)
  std::string device_name;     ///< /CustomName, else /ProductName, else the service name
  std::string description;     ///< "Low voltage", "#2 Battery voltage too high"
  std::string value;           ///< the cause's value as Venus shows it: "Alarm", "#2"
  std::int64_t date_time = 0;  ///< unix seconds when raised
  bool active = true;
  bool acknowledged = false;
};

/// Whether an `/Alarms/...` path is an alarm state (0 ok, 1 warning, 2 alarm): `/Alarms/<Name>`,
/// `/Alarms/L<n>/<Name>` (per phase) or `/Alarms/<Name>/State` (a tank's level alarm). Other
/// paths below /Alarms/ are alarm settings (a tank's `/Alarms/Low/Restore` = 15 is a level).
bool is_alarm_state(std::string_view path);

/// The text Venus' GUI gives an alarm path: "/Alarms/LowVoltage" → "Low voltage";
/// "/Alarms/L1/HighTemperature" → "High temperature (L1)"; a tank's "/Alarms/Low/State" → "Low
/// level"; unknown names are split into words.
std::string alarm_description(std::string_view service_type, std::string_view path);

class Notifications : public SystemComponent {
 public:
  /// Inactive notifications kept (the newest); older ones are dropped.
  static constexpr std::size_t kMaxInactive = 20;
  /// Active notifications at most: every one has its own alarm path in the model, but a peer
  /// (an imported D-Bus service) may carry thousands; causes beyond this wait for a free place.
  static constexpr std::size_t kMaxActive = 200;
  /// Slots published up front (more are added only while more notifications are alive).
  static constexpr std::size_t kInitialSlots = 20;

  /// Maps the layer's clock to unix seconds. Default: the wall clock at start(), advanced by the
  /// layer's clock (so replayed recordings and fake test clocks move DateTime as they move).
  using UnixClock = std::function<std::int64_t(TimePoint)>;

  explicit Notifications(SystemContext& ctx, UnixClock unix_clock = {});
  /// Replaces the clock before start(): `snapshot --system` stamps notifications with recording
  /// seconds, so that its output is the same on every run.
  void set_unix_clock(UnixClock c) { unix_clock_ = std::move(c); }

  std::string_view name() const override { return "notifications"; }
  void start() override;
  void on_tick(TimePoint now) override;
  void stop() override;

  /// Scans the model and updates the notifications at `now` (on_tick does this).
  void update(TimePoint now);

  /// Every notification kept, oldest first.
  const std::vector<Notification>& list() const noexcept { return list_; }
  /// Acknowledges the notification in `slot`; kOutOfRange when the slot is empty.
  model::WriteResult acknowledge(std::size_t slot);
  void acknowledge_all();

 private:
  struct Cause {
    std::string service;
    std::string path;
    NotificationType type;
    std::int64_t level;
    std::string device_name;
    std::string description;
    std::string value;
  };
  std::vector<Cause> scan() const;
  void raise(Cause&& c, TimePoint now);
  void drop_old_inactive();
  std::size_t free_slot();
  void add_slot_paths(std::size_t slot);
  void publish_slot(std::size_t slot);
  void publish_counts();

  SystemContext& ctx_;
  UnixClock unix_clock_;
  model::Service* service_ = nullptr;
  std::vector<Notification> list_;  ///< oldest first
  std::vector<bool> slot_used_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace gxlink::system
