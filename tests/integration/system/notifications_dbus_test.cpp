// SPDX-License-Identifier: MIT
// Notifications acknowledged by a real D-Bus peer (issue 12 item 5): python3-dbus, as Venus' GUI
// writes, calls SetValue on com.victronenergy.platform exported by the D-Bus publisher on a
// private dbus-daemon; the write reaches the notifications component through Model::write.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/dbus/dbus_test_support.hpp"
#include "publishers/dbus/dbus_publisher.hpp"
#include "system/notifications.hpp"
#include "system/system_layer.hpp"

namespace gxlink {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kBattery = "com.victronenergy.battery.gxtest";
constexpr const char* kPlatform = "com.victronenergy.platform";
const std::string kScripts = GXLINK_DBUS_SCRIPTS;

class NotificationsOnDbus : public ::testing::Test {
 protected:
  void SetUp() override {
    int rc = -1;
    test::run({kPython, "-c", "import dbus"}, &rc);
    if (rc != 0) GTEST_SKIP() << "python3-dbus is not installed";
    bus_ = std::make_unique<test::PrivateBus>();
    loop_ = std::make_unique<test::LoopThread>();
    loop_->on_loop([&] {
      model_.set_flush_scheduler([this] { asio::post(loop_->io(), [this] { model_.flush(); }); });
      model::ServiceSpec spec;
      spec.type = "battery";
      spec.connection = "gxtest";
      spec.product_name = std::string("Test BMS");
      auto& s = model_.add_service(spec);
      s.set("/Alarms/LowVoltage", std::int64_t{2});
      s.set("/Alarms/HighTemperature", std::int64_t{1});
      layer_ =
          std::make_unique<system::SystemLayer>(loop_->io(), model_, [] { return TimePoint{}; });
      layer_->add(std::make_unique<system::Notifications>(layer_->context()));
      layer_->start();
      layer_->tick(TimePoint{} + std::chrono::seconds(1));
      publishers::dbus::DbusOptions o;
      o.bus = bus_->address();
      o.retry_min = milliseconds(200);
      o.retry_max = milliseconds(1000);
      ctx_ = std::make_unique<publishers::PublisherContext>(
          publishers::PublisherContext{loop_->io(), model_});
      pub_ = std::make_unique<publishers::dbus::DbusPublisher>(*ctx_, o);
      pub_->start();
      return 0;
    });
    // The battery, the layer's settings and the platform.
    ASSERT_TRUE(loop_->wait_for([&] { return pub_->exported() >= 3; })) << "not exported";
  }
  void TearDown() override {
    if (loop_)
      loop_->on_loop([&] {
        pub_.reset();
        layer_.reset();
        return 0;
      });
    loop_.reset();
    bus_.reset();
  }

  json client(std::vector<std::string> args) {
    std::vector<std::string> argv{kPython, kScripts + "/busclient.py", bus_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    int rc = 0;
    std::string out = test::run(argv, &rc);
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out.empty() ? "null" : out, nullptr, false);
  }
  json value(const std::string& path) { return client({"getvalue", kPlatform, path}); }

  model::Model model_;
  std::unique_ptr<test::PrivateBus> bus_;
  std::unique_ptr<test::LoopThread> loop_;
  std::unique_ptr<system::SystemLayer> layer_;
  std::unique_ptr<publishers::PublisherContext> ctx_;  // the publisher keeps a reference
  std::unique_ptr<publishers::dbus::DbusPublisher> pub_;
};

TEST_F(NotificationsOnDbus, APeerAcknowledgesOneAndThenAll) {
  // Scan order: HighTemperature (warning) in slot 0, LowVoltage (alarm) in slot 1.
  EXPECT_EQ(value("/Notifications/NumberOfUnAcknowledgedNotifications")["v"], 2);
  EXPECT_EQ(value("/Notifications/1/Description")["v"], "Low voltage");
  EXPECT_EQ(value("/Notifications/1/DeviceName")["v"], "Test BMS");
  EXPECT_EQ(value("/Notifications/Alarm")["v"], 1);

  EXPECT_EQ(client({"setvalue", kPlatform, "/Notifications/1/Acknowledged", "i", "1"}), 0);
  EXPECT_TRUE(loop_->wait_for([&] {
    return model::as_int(model_.find(kPlatform)->get("/Notifications/1/Acknowledged")) == 1;
  }));
  EXPECT_EQ(value("/Notifications/1/Acknowledged")["v"], 1);
  EXPECT_EQ(value("/Notifications/Alarm")["v"], 0);
  EXPECT_EQ(value("/Notifications/0/Acknowledged")["v"], 0);
  // Refused over the bus as in the model: un-acknowledging, a read-only path.
  EXPECT_NE(client({"setvalue", kPlatform, "/Notifications/1/Acknowledged", "i", "0"}), 0);
  EXPECT_NE(client({"setvalue", kPlatform, "/Notifications/1/Active", "i", "0"}), 0);

  EXPECT_EQ(client({"setvalue", kPlatform, "/Notifications/AcknowledgeAll", "i", "1"}), 0);
  EXPECT_EQ(value("/Notifications/NumberOfUnAcknowledgedNotifications")["v"], 0);
  EXPECT_EQ(value("/Notifications/0/Acknowledged")["v"], 1);
  EXPECT_EQ(value("/Notifications/NumberOfActiveNotifications")["v"], 2);
}

}  // namespace
}  // namespace gxlink
