// SPDX-License-Identifier: MIT
// The notification lifecycle (issue 12 item 5), on the layer's fake clock: raise, clear, re-raise,
// escalation, acknowledgement through Model::write (the path D-Bus, MQTT and HTTP writes take),
// bounded history, device error codes and services that disappear.
#include "system/notifications.hpp"

#include <gtest/gtest.h>

#include "system/system_layer.hpp"

namespace gxlink::system {
namespace {

using model::Value;
using model::WriteResult;

constexpr std::int64_t kEpoch = 1'700'000'000;
constexpr const char* kBattery = "com.victronenergy.battery.ttyO0";
constexpr const char* kMppt = "com.victronenergy.solarcharger.ttyO2";
constexpr const char* kVebus = "com.victronenergy.vebus.ttyO1";
const std::string kPlatform(kPlatformService);

Value I(std::int64_t v) { return Value{v}; }
Value S(const char* v) { return Value{std::string(v)}; }

class Rig {
 public:
  Rig() : layer_(io_, model_, [this] { return now_; }) {
    auto n = std::make_unique<Notifications>(layer_.context(), [](TimePoint t) {
      return kEpoch + std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
    });
    notif_ = n.get();
    layer_.add(std::move(n));
    layer_.start();
  }

  model::Service& device(const char* name, const char* product = "Device") {
    std::string_view rest = std::string_view(name).substr(model::kServicePrefix.size());
    model::ServiceSpec spec;
    spec.type = std::string(rest.substr(0, rest.find('.')));
    spec.connection = std::string(rest.substr(rest.find('.') + 1));
    spec.product_name = std::string(product);
    return model_.add_service(std::move(spec));
  }
  void set(const char* service, const char* path, Value v) {
    model_.find(service)->set(path, std::move(v));
  }
  /// Advances the fake clock by `s` seconds and runs one tick of the layer.
  void tick(int s = 1) {
    now_ += seconds(s);
    layer_.tick(now_);
  }
  const Value& get(const std::string& path) const { return model_.find(kPlatform)->get(path); }
  const Value& slot(int n, const char* leaf) const {
    return get("/Notifications/" + std::to_string(n) + "/" + leaf);
  }
  std::int64_t count(const char* what) const {
    return model::as_int(get(std::string("/Notifications/") + what)).value_or(-1);
  }
  WriteResult write(const std::string& path, Value v) {
    return model_.write(kPlatformService, path, v);
  }

  asio::io_context io_;
  model::Model model_;
  TimePoint now_{};
  SystemLayer layer_;
  Notifications* notif_ = nullptr;
};

TEST(Notifications, PublishesAnEmptyPlatformServiceAtStart) {
  Rig r;
  ASSERT_NE(r.model_.find(kPlatform), nullptr);
  EXPECT_EQ(r.count("NumberOfNotifications"), 0);
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 0);
  EXPECT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 0);
  EXPECT_EQ(r.count("Alarm"), 0);
  EXPECT_EQ(r.count("AcknowledgeAll"), 0);
  // Slots exist up front (clients scan a service's paths once), invalid while empty.
  EXPECT_NE(r.model_.find(kPlatform)->find("/Notifications/0/Acknowledged"), nullptr);
  EXPECT_FALSE(model::is_valid(r.slot(0, "Type")));
  r.layer_.stop();
  EXPECT_EQ(r.model_.find(kPlatform), nullptr);
}

TEST(Notifications, RaiseClearAndReRaiseIsANewNotification) {
  Rig r;
  r.device(kBattery, "SmartShunt 500A/50mV");
  r.set(kBattery, "/Alarms/LowVoltage", I(0));
  r.tick();
  EXPECT_EQ(r.count("NumberOfNotifications"), 0);

  r.set(kBattery, "/Alarms/LowVoltage", I(2));
  r.tick();  // t = 2
  ASSERT_EQ(r.notif_->list().size(), 1u);
  EXPECT_EQ(model::as_int(r.slot(0, "Type")), 1);  // alarm
  EXPECT_EQ(r.slot(0, "DeviceName"), S("SmartShunt 500A/50mV"));
  EXPECT_EQ(r.slot(0, "Description"), S("Low voltage"));
  EXPECT_EQ(r.slot(0, "Value"), S("Alarm"));
  EXPECT_EQ(r.slot(0, "Service"), S(kBattery));
  EXPECT_EQ(model::as_int(r.slot(0, "DateTime")), kEpoch + 2);
  EXPECT_EQ(model::as_int(r.slot(0, "Active")), 1);
  EXPECT_EQ(model::as_int(r.slot(0, "Acknowledged")), 0);
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 1);
  EXPECT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 1);
  EXPECT_EQ(r.count("NumberOfActiveAlarms"), 1);
  EXPECT_EQ(r.count("Alarm"), 1);

  // Still there: no new notification, the time stays that of the raise.
  for (int i = 0; i < 5; ++i) r.tick();
  EXPECT_EQ(r.count("NumberOfNotifications"), 1);
  EXPECT_EQ(model::as_int(r.slot(0, "DateTime")), kEpoch + 2);

  r.set(kBattery, "/Alarms/LowVoltage", I(0));
  r.tick();
  EXPECT_EQ(model::as_int(r.slot(0, "Active")), 0);
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 0);
  EXPECT_EQ(r.count("NumberOfNotifications"), 1);  // kept in the history
  EXPECT_EQ(r.count("Alarm"), 0);

  r.set(kBattery, "/Alarms/LowVoltage", I(2));
  r.tick(10);  // t = 18
  EXPECT_EQ(r.count("NumberOfNotifications"), 2);
  EXPECT_EQ(model::as_int(r.slot(0, "Active")), 0);
  EXPECT_EQ(model::as_int(r.slot(1, "Active")), 1);
  EXPECT_EQ(model::as_int(r.slot(1, "DateTime")), kEpoch + 18);
  EXPECT_EQ(r.count("Alarm"), 1);
}

TEST(Notifications, InvalidAlarmClearsAndOtherValuesAreNoAlarm) {
  Rig r;
  r.device(kBattery);
  r.set(kBattery, "/Alarms/HighTemperature", I(1));
  r.set(kBattery, "/Alarms/LowSoc", I(7));            // not a Venus alarm level
  r.set(kBattery, "/Alarms/HighVoltage", S("2"));     // not a number
  r.set(kBattery, "/Dc/0/Alarms/HighVoltage", I(2));  // not under /Alarms/
  r.tick();
  ASSERT_EQ(r.notif_->list().size(), 1u);
  EXPECT_EQ(r.notif_->list()[0].description, "High temperature");
  EXPECT_EQ(r.notif_->list()[0].type, NotificationType::kWarning);
  EXPECT_EQ(r.slot(0, "Value"), S("Warning"));
  r.set(kBattery, "/Alarms/HighTemperature", Value{});  // link lost
  r.tick();
  EXPECT_FALSE(r.notif_->list()[0].active);
}

TEST(Notifications, WarningToAlarmEndsTheWarningAndRaisesAnAlarm) {
  Rig r;
  r.device(kBattery);
  r.set(kBattery, "/Alarms/LowSoc", I(1));
  r.tick();
  EXPECT_EQ(model::as_int(r.slot(0, "Type")), 0);  // warning
  EXPECT_EQ(r.count("NumberOfActiveWarnings"), 1);
  EXPECT_EQ(r.count("Alarm"), 0);  // a warning does not sound the alarm
  r.set(kBattery, "/Alarms/LowSoc", I(2));
  r.tick();
  EXPECT_EQ(r.count("NumberOfNotifications"), 2);
  EXPECT_EQ(model::as_int(r.slot(0, "Active")), 0);
  EXPECT_EQ(model::as_int(r.slot(1, "Type")), 1);
  EXPECT_EQ(model::as_int(r.slot(1, "Active")), 1);
  EXPECT_EQ(r.slot(1, "Description"), S("Low state-of-charge"));
  EXPECT_EQ(r.count("NumberOfActiveWarnings"), 0);
  EXPECT_EQ(r.count("NumberOfActiveAlarms"), 1);
  EXPECT_EQ(r.count("Alarm"), 1);
}

TEST(Notifications, AcknowledgeOneThroughModelWrite) {
  Rig r;
  r.device(kBattery);
  r.set(kBattery, "/Alarms/LowVoltage", I(2));
  r.set(kBattery, "/Alarms/HighVoltage", I(2));
  r.tick();
  ASSERT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 2);

  EXPECT_EQ(r.write("/Notifications/0/Acknowledged", I(1)), WriteResult::kOk);
  EXPECT_EQ(model::as_int(r.slot(0, "Acknowledged")), 1);
  EXPECT_EQ(model::as_int(r.slot(1, "Acknowledged")), 0);
  EXPECT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 1);
  EXPECT_EQ(r.count("Alarm"), 1);  // the other alarm still sounds
  EXPECT_EQ(r.write("/Notifications/1/Acknowledged", I(1)), WriteResult::kOk);
  EXPECT_EQ(r.count("Alarm"), 0);
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 2);  // acknowledged is not cleared

  // Refused: un-acknowledging, an empty slot, a wrong type, a slot that does not exist.
  EXPECT_EQ(r.write("/Notifications/0/Acknowledged", I(0)), WriteResult::kOutOfRange);
  EXPECT_EQ(model::as_int(r.slot(0, "Acknowledged")), 1);
  EXPECT_EQ(r.write("/Notifications/5/Acknowledged", I(1)), WriteResult::kOutOfRange);
  EXPECT_FALSE(model::is_valid(r.slot(5, "Acknowledged")));
  EXPECT_EQ(r.write("/Notifications/0/Acknowledged", S("1")), WriteResult::kBadType);
  EXPECT_EQ(r.write("/Notifications/999/Acknowledged", I(1)), WriteResult::kUnknownPath);
  EXPECT_EQ(r.write("/Notifications/0/Active", I(0)), WriteResult::kNotWritable);

  // An acknowledged notification stays acknowledged while its cause lasts.
  r.tick();
  EXPECT_EQ(model::as_int(r.slot(0, "Acknowledged")), 1);
}

TEST(Notifications, AcknowledgeAllThroughModelWrite) {
  Rig r;
  r.device(kBattery);
  r.device(kMppt);
  r.set(kBattery, "/Alarms/LowVoltage", I(1));
  r.set(kMppt, "/ErrorCode", I(2));
  r.tick();
  r.set(kBattery, "/Alarms/LowVoltage", I(0));
  r.tick();
  ASSERT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 2);
  EXPECT_EQ(r.write("/Notifications/AcknowledgeAll", I(0)), WriteResult::kOk);  // no-op
  EXPECT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 2);
  EXPECT_EQ(r.write("/Notifications/AcknowledgeAll", I(2)), WriteResult::kOutOfRange);
  EXPECT_EQ(r.write("/Notifications/AcknowledgeAll", I(1)), WriteResult::kOk);
  EXPECT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 0);
  EXPECT_EQ(model::as_int(r.slot(0, "Acknowledged")), 1);  // inactive ones too
  EXPECT_EQ(model::as_int(r.slot(1, "Acknowledged")), 1);
  EXPECT_EQ(r.count("AcknowledgeAll"), 0);  // a trigger, not a state
  EXPECT_EQ(r.count("Alarm"), 0);
  // A notification raised after the acknowledgement is not acknowledged.
  r.set(kBattery, "/Alarms/LowVoltage", I(2));
  r.tick();
  EXPECT_EQ(r.count("NumberOfUnAcknowledgedNotifications"), 1);
  EXPECT_EQ(r.count("Alarm"), 1);
}

TEST(Notifications, HistoryIsBoundedAndTheOldestInactiveAreDropped) {
  Rig r;
  r.device(kBattery);
  r.set(kBattery, "/Alarms/HighVoltage", I(1));  // stays active throughout
  std::size_t paths_after_warmup = 0;
  for (int i = 0; i < 200; ++i) {
    r.set(kBattery, "/Alarms/LowVoltage", I(2));
    r.tick();
    r.set(kBattery, "/Alarms/LowVoltage", I(0));
    r.tick();
    if (i == 50) paths_after_warmup = r.model_.find(kPlatform)->items().size();
  }
  EXPECT_EQ(r.notif_->list().size(), Notifications::kMaxInactive + 1);
  EXPECT_EQ(r.count("NumberOfNotifications"),
            static_cast<std::int64_t>(Notifications::kMaxInactive + 1));
  // Paths do not grow either: dropped notifications' slots are reused.
  EXPECT_EQ(r.model_.find(kPlatform)->items().size(), paths_after_warmup);
  // The long-active warning is kept although it is the oldest of all.
  EXPECT_EQ(r.notif_->list().front().path, "/Alarms/HighVoltage");
  EXPECT_TRUE(r.notif_->list().front().active);
  // The kept inactive ones are the newest: the last raise was at t = 399.
  EXPECT_EQ(r.notif_->list().back().date_time, kEpoch + 399);
  EXPECT_EQ(r.notif_->list()[1].date_time, kEpoch + 399 - 2 * 19);
}

// A peer's service (imported over D-Bus) may carry any number of alarm paths: the active
// notifications are capped, and the ones left out are raised once others clear.
TEST(Notifications, ActiveNotificationsAreCapped) {
  Rig r;
  r.device(kBattery);
  for (std::size_t i = 0; i < Notifications::kMaxActive + 50; ++i)
    r.set(kBattery, ("/Alarms/Rogue" + std::to_string(1000 + i)).c_str(), I(2));
  r.tick();
  EXPECT_EQ(r.notif_->list().size(), Notifications::kMaxActive);
  const std::size_t paths = r.model_.find(kPlatform)->items().size();
  for (int i = 0; i < 5; ++i) r.tick();
  EXPECT_EQ(r.notif_->list().size(), Notifications::kMaxActive);
  EXPECT_EQ(r.model_.find(kPlatform)->items().size(), paths);
  // Ten clear: ten of those left out take their place.
  for (int i = 0; i < 10; ++i)
    r.set(kBattery, ("/Alarms/Rogue" + std::to_string(1000 + i)).c_str(), I(0));
  r.tick();
  EXPECT_EQ(r.count("NumberOfActiveNotifications"),
            static_cast<std::int64_t>(Notifications::kMaxActive));
  EXPECT_EQ(r.count("NumberOfNotifications"),
            static_cast<std::int64_t>(Notifications::kMaxActive + 10));
}

TEST(Notifications, DeviceErrorCodesWithTheirText) {
  Rig r;
  r.device(kMppt, "SmartSolar MPPT 150/35");
  r.device(kVebus, "MultiPlus 48/3000");
  r.device("com.victronenergy.charger.ttyO3", "Skylla-i");
  r.set(kMppt, "/ErrorCode", I(0));
  r.set(kVebus, "/VebusError", I(0));
  r.set("com.victronenergy.charger.ttyO3", "/ErrorCode", I(0));
  r.tick();
  EXPECT_EQ(r.count("NumberOfNotifications"), 0);

  r.set(kMppt, "/ErrorCode", I(2));
  r.set(kVebus, "/VebusError", I(5));
  r.set("com.victronenergy.charger.ttyO3", "/ErrorCode", I(37));
  r.tick();
  ASSERT_EQ(r.notif_->list().size(), 3u);
  const auto& l = r.notif_->list();
  // Raised in scan order: services by name.
  EXPECT_EQ(l[0].description, "#37 No input voltage");
  EXPECT_EQ(l[0].device_name, "Skylla-i");
  EXPECT_EQ(l[1].description, "#2 Battery voltage too high");
  EXPECT_EQ(l[1].value, "#2");
  EXPECT_EQ(l[1].type, NotificationType::kAlarm);
  EXPECT_EQ(l[2].description, "#5 AC-out overvoltage");
  EXPECT_EQ(l[2].device_name, "MultiPlus 48/3000");

  // Another code is another notification; the first one ends.
  r.set(kMppt, "/ErrorCode", I(17));
  r.tick();
  EXPECT_EQ(r.notif_->list().size(), 4u);
  EXPECT_FALSE(r.notif_->list()[1].active);
  EXPECT_EQ(r.notif_->list()[3].description, "#17 Charger temperature too high");
  // A code the tables do not know keeps its number.
  r.set(kMppt, "/ErrorCode", I(250));
  r.tick();
  EXPECT_EQ(r.notif_->list().back().description, "#250");
  r.set(kMppt, "/ErrorCode", I(0));
  r.tick();
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 2);
}

TEST(Notifications, AServiceThatDisappearsClearsItsNotifications) {
  Rig r;
  r.device(kBattery);
  r.device(kMppt);
  r.set(kBattery, "/Alarms/LowVoltage", I(2));
  r.set(kMppt, "/ErrorCode", I(2));
  r.tick();
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 2);
  r.model_.remove_service(kBattery);
  r.tick();
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 1);
  EXPECT_EQ(model::as_int(r.slot(0, "Active")), 0);
  EXPECT_EQ(model::as_int(r.slot(1, "Active")), 1);
  // It comes back with the alarm still set: a new notification.
  r.device(kBattery);
  r.set(kBattery, "/Alarms/LowVoltage", I(2));
  r.tick();
  EXPECT_EQ(r.count("NumberOfNotifications"), 3);
  EXPECT_EQ(r.count("NumberOfActiveNotifications"), 2);
}

TEST(Notifications, DeviceNamePrefersTheCustomName) {
  Rig r;
  r.device(kBattery, "BMV-712 Smart");
  r.set(kBattery, "/CustomName", S("House bank"));
  r.set(kBattery, "/Alarms/LowVoltage", I(1));
  r.tick();
  EXPECT_EQ(r.slot(0, "DeviceName"), S("House bank"));
  r.set(kBattery, "/CustomName", S(""));
  r.set(kBattery, "/Alarms/HighVoltage", I(1));
  r.tick();
  EXPECT_EQ(r.slot(1, "DeviceName"), S("BMV-712 Smart"));
}

TEST(Notifications, AlarmDescriptionsAsTheGuiSaysThem) {
  EXPECT_EQ(alarm_description("battery", "/Alarms/LowVoltage"), "Low voltage");
  EXPECT_EQ(alarm_description("vebus", "/Alarms/HighTemperature"), "High temperature");
  EXPECT_EQ(alarm_description("vebus", "/Alarms/L2/Overload"), "Overload (L2)");
  EXPECT_EQ(alarm_description("vebus", "/Alarms/Ripple"), "High DC ripple");
  EXPECT_EQ(alarm_description("battery", "/Alarms/SomeNewThing"), "Some new thing");
  EXPECT_EQ(alarm_description("tank", "/Alarms/High/State"), "High level");
  EXPECT_TRUE(is_alarm_state("/Alarms/LowVoltage"));
  EXPECT_TRUE(is_alarm_state("/Alarms/L3/Ripple"));
  EXPECT_TRUE(is_alarm_state("/Alarms/Low/State"));
  EXPECT_FALSE(is_alarm_state("/Alarms/Low/Restore"));
  EXPECT_FALSE(is_alarm_state("/Alarms/L1/Foo/Bar"));
  EXPECT_FALSE(is_alarm_state("/Alarms/"));
  EXPECT_FALSE(is_alarm_state("/Alarms//State"));
}

// The recorded tanks (shared dbus-recorder demo2_water.csv) carry their alarm settings under
// /Alarms/Low and /Alarms/High: Restore 15, Active 10, Enable 1 are levels and switches, not
// alarms. Only /Alarms/<Low|High>/State raises a notification.
TEST(Notifications, ATanksAlarmSettingsAreNotAlarms) {
  Rig r;
  const char* tank = "com.victronenergy.tank.ttyO5";
  r.device(tank, "Fresh water");
  r.set(tank, "/Alarms/Low/Enable", I(1));
  r.set(tank, "/Alarms/Low/Active", I(2));
  r.set(tank, "/Alarms/Low/Restore", I(1));
  r.set(tank, "/Alarms/Low/Delay", I(2));
  r.set(tank, "/Alarms/Low/State", I(0));
  r.tick();
  EXPECT_EQ(r.count("NumberOfNotifications"), 0);
  r.set(tank, "/Alarms/Low/State", I(2));
  r.tick();
  ASSERT_EQ(r.notif_->list().size(), 1u);
  EXPECT_EQ(r.notif_->list()[0].description, "Low level");
  EXPECT_EQ(r.notif_->list()[0].path, "/Alarms/Low/State");
}

}  // namespace
}  // namespace gxlink::system
