// SPDX-License-Identifier: MIT
// The D-Bus publisher against real peers: a private dbus-daemon started here, python3-dbus as the
// consumer (busclient.py) and as a native Venus exporter (fake_venus_service.py), and dbus-send.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "drivers/dbus_recording/dbus_recording.hpp"
#include "integration/dbus/dbus_test_support.hpp"
#include "publishers/dbus/dbus_publisher.hpp"

namespace gxlink {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kService = "com.victronenergy.battery.gxtest";
const std::string kScripts = GXLINK_DBUS_SCRIPTS;

class DbusPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = std::make_unique<test::PrivateBus>();
    loop_ = std::make_unique<test::LoopThread>();
    loop_->on_loop([&] {
      model_.set_flush_scheduler([this] { asio::post(loop_->io(), [this] { model_.flush(); }); });
      add_test_service();
      publishers::PublisherContext ctx{loop_->io(), model_};
      publishers::dbus::DbusOptions o;
      o.bus = bus_->address();
      o.retry_min = milliseconds(200);
      o.retry_max = milliseconds(1000);
      pub_ = std::make_unique<publishers::dbus::DbusPublisher>(ctx, o);
      pub_->start();
      return 0;
    });
    ASSERT_TRUE(loop_->wait_for([&] { return pub_->exported() == 1; })) << "service not exported";
  }
  void TearDown() override {
    if (loop_)
      loop_->on_loop([&] {
        pub_.reset();
        return 0;
      });
    loop_.reset();
    bus_.reset();
  }

  // A battery with a writable /Mode (1..4) whose handler records what it was given, as a driver's
  // handler would forward it to the device.
  void add_test_service() {
    model::ServiceSpec spec;
    spec.type = "battery";
    spec.connection = "gxtest";
    spec.device_instance = 512;
    spec.mgmt_connection = "CAN-bus";
    spec.product_id = std::int64_t{0xA3E5};
    spec.product_name = std::string("Test BMS");
    auto& s = model_.add_service(spec);
    s.add("/Dc/0/Voltage", meta("V", 2), 52.1);
    s.add("/Dc/0/Current", meta("A", 1), -3.5);
    s.add("/Soc", meta("%", 0), 81.0);
    s.add("/Info/MaxChargeVoltage", meta("V", 1), model::Invalid{});
    model::ItemMeta mode;
    mode.writable = true;
    mode.min = 1;
    mode.max = 4;
    s.add("/Mode", mode, std::int64_t{3}, [this](const model::Value& v) {
      writes_.push_back(v);
      model_.find(kService)->set("/Mode", v);
      return model::WriteResult::kOk;
    });
  }

  static model::ItemMeta meta(const char* unit, int decimals) {
    model::ItemMeta m;
    m.unit = unit;
    m.decimals = decimals;
    return m;
  }

  json client(std::vector<std::string> args) {
    std::vector<std::string> argv{kPython, kScripts + "/busclient.py", bus_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    int rc = 0;
    std::string out = test::run(argv, &rc);
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out.empty() ? "null" : out);
  }
  model::Value model_value(const std::string& svc, const std::string& path) {
    return loop_->on_loop([&] {
      const model::Service* s = model_.find(svc);
      return s ? s->get(path) : model::Value{};
    });
  }

  model::Model model_;
  std::vector<model::Value> writes_;
  std::unique_ptr<test::PrivateBus> bus_;
  std::unique_ptr<test::LoopThread> loop_;
  std::unique_ptr<publishers::dbus::DbusPublisher> pub_;
};

TEST_F(DbusPublisherTest, ServiceNameIsOnTheBusAndGetItemsMatchesTheModel) {
  auto names = client({"names"});
  EXPECT_NE(std::find(names.begin(), names.end(), kService), names.end()) << names.dump();
  auto items = client({"getitems", kService});
  const auto model_paths = loop_->on_loop([&] { return model_.find(kService)->items().size(); });
  EXPECT_EQ(items.size(), model_paths);
  EXPECT_EQ(items["/Dc/0/Voltage"]["Value"]["v"], 52.1);
  EXPECT_EQ(items["/Dc/0/Voltage"]["Value"]["sig"], "d");
  EXPECT_EQ(items["/Dc/0/Voltage"]["Text"]["v"], "52.10V");
  EXPECT_EQ(items["/DeviceInstance"]["Value"]["v"], 512);
  EXPECT_EQ(items["/DeviceInstance"]["Value"]["sig"], "i");  // int32 when it fits, as velib
  EXPECT_EQ(items["/Mgmt/Connection"]["Value"]["v"], "CAN-bus");
  EXPECT_EQ(items["/ProductId"]["Text"]["v"], "0xA3E5");
  // Every mandatory path is there (venus_os.md §2.1).
  for (auto p :
       {"/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection", "/DeviceInstance",
        "/ProductId", "/ProductName", "/FirmwareVersion", "/HardwareVersion", "/Connected"})
    EXPECT_TRUE(items.contains(p)) << p;
}

TEST_F(DbusPublisherTest, GetValueOnRootAndInnerNodesGivesRelativePaths) {
  auto root = client({"getvalue", kService, "/"});
  EXPECT_EQ(root["sig"], "a{sv}");
  EXPECT_EQ(root["v"]["Dc/0/Voltage"]["v"], 52.1);
  EXPECT_EQ(root["v"]["Soc"]["v"], 81.0);
  EXPECT_FALSE(root["v"].contains("/Soc"));  // keys are relative, without the leading slash
  auto dc = client({"getvalue", kService, "/Dc"});
  EXPECT_EQ(dc["v"].size(), 2u);
  EXPECT_EQ(dc["v"]["0/Current"]["v"], -3.5);
  auto leaf = client({"getvalue", kService, "/Dc/0/Current"});
  EXPECT_EQ(leaf["v"], -3.5);
  EXPECT_EQ(leaf["sig"], "d");
  auto texts = client({"gettext", kService, "/Dc/0"});
  EXPECT_EQ(texts["v"]["Voltage"]["v"], "52.10V");
}

TEST_F(DbusPublisherTest, InvalidIsAnEmptyInt32ArrayAndTextIsDashes) {
  auto v = client({"getvalue", kService, "/Info/MaxChargeVoltage"});
  EXPECT_EQ(v["sig"], "ai");
  EXPECT_TRUE(v["v"].is_null());
  EXPECT_EQ(client({"gettext", kService, "/Info/MaxChargeVoltage"})["v"], "---");
  EXPECT_EQ(client({"gettext", kService, "/Soc"})["v"], "81%");
  // The same through dbus-send, the CLI that Venus users script with.
  const std::string out =
      test::run({"/usr/bin/dbus-send", "--bus=" + bus_->address(), "--print-reply",
                 "--dest=" + std::string(kService), "/Info/MaxChargeVoltage",
                 "com.victronenergy.BusItem.GetValue"});
  EXPECT_NE(out.find("variant"), std::string::npos) << out;
  EXPECT_NE(out.find("array ["), std::string::npos) << out;
}

TEST_F(DbusPublisherTest, SetValueOnAWritablePathReachesTheOwnerAndIsRangeChecked) {
  EXPECT_EQ(client({"setvalue", kService, "/Mode", "i", "2"}), 0);
  ASSERT_EQ(writes_.size(), 1u);
  EXPECT_EQ(writes_[0], model::Value{std::int64_t{2}});
  EXPECT_EQ(model_value(kService, "/Mode"), model::Value{std::int64_t{2}});
  EXPECT_EQ(client({"getvalue", kService, "/Mode"})["v"], 2);
  // Outside min/max: rejected (2), and the owner never sees it.
  EXPECT_EQ(client({"setvalue", kService, "/Mode", "i", "9"}), 2);
  EXPECT_EQ(writes_.size(), 1u);
  // dbus-send, int32 variant.
  const std::string out = test::run({"/usr/bin/dbus-send", "--bus=" + bus_->address(),
                                     "--print-reply", "--dest=" + std::string(kService), "/Mode",
                                     "com.victronenergy.BusItem.SetValue", "variant:int32:4"});
  EXPECT_NE(out.find("int32 0"), std::string::npos) << out;
  EXPECT_EQ(model_value(kService, "/Mode"), model::Value{std::int64_t{4}});
  // A whole double is coerced to the path's integer type, as velib does.
  EXPECT_EQ(client({"setvalue", kService, "/Mode", "d", "1.0"}), 0);
  EXPECT_EQ(model_value(kService, "/Mode"), model::Value{std::int64_t{1}});
}

TEST_F(DbusPublisherTest, SetValueOnAReadOnlyPathIsRefused) {
  EXPECT_EQ(client({"setvalue", kService, "/Dc/0/Voltage", "d", "60"}), 1);
  EXPECT_EQ(client({"setvalue", kService, "/ProductName", "s", "x"}), 1);
  EXPECT_EQ(model_value(kService, "/Dc/0/Voltage"), model::Value{52.1});
  EXPECT_TRUE(writes_.empty());
  EXPECT_EQ(loop_->on_loop([&] { return pub_->export_stats().writes_refused; }), 2u);
}

TEST_F(DbusPublisherTest, ItemsChangedAndPropertiesChangedArriveWithinASecond) {
  test::Child watch(
      {kPython, kScripts + "/busclient.py", bus_->address(), "watch", kService, "20"});
  auto ready = watch.read_line(seconds(20));
  ASSERT_TRUE(ready) << "watcher did not start";
  const double t0 =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  loop_->on_loop([&] {
    auto* s = model_.find(kService);
    s->set("/Dc/0/Voltage", 53.25);
    s->set("/Soc", 80.0);
    s->set("/Info/MaxChargeVoltage", 55.2);
    return 0;
  });
  bool got_items = false, got_props = false;
  while (!(got_items && got_props)) {
    auto line = watch.read_line(seconds(10));
    ASSERT_TRUE(line) << "no signal";
    auto j = json::parse(*line);
    EXPECT_LT(j["t"].get<double>() - t0, 1.0) << *line;
    if (j["member"] == "ItemsChanged") {
      got_items = true;
      EXPECT_EQ(j["path"], "/");
      // One batch for the three changes of this tick.
      EXPECT_EQ(j["body"].size(), 3u) << *line;
      EXPECT_EQ(j["body"]["/Dc/0/Voltage"]["Value"]["v"], 53.25);
      EXPECT_EQ(j["body"]["/Dc/0/Voltage"]["Text"]["v"], "53.25V");
      EXPECT_EQ(j["body"]["/Info/MaxChargeVoltage"]["Value"]["v"], 55.2);
    } else if (j["member"] == "PropertiesChanged" && j["path"] == "/Dc/0/Voltage") {
      got_props = true;
      EXPECT_EQ(j["body"]["Value"]["v"], 53.25);
      EXPECT_EQ(j["body"]["Text"]["v"], "53.25V");
    }
  }
  // Back to invalid: an empty `ai` in the signal too.
  loop_->on_loop([&] {
    model_.find(kService)->set("/Info/MaxChargeVoltage", model::Invalid{});
    return 0;
  });
  for (;;) {
    auto line = watch.read_line(seconds(10));
    ASSERT_TRUE(line);
    auto j = json::parse(*line);
    if (j["member"] != "ItemsChanged") continue;
    EXPECT_EQ(j["body"]["/Info/MaxChargeVoltage"]["Value"]["sig"], "ai");
    EXPECT_TRUE(j["body"]["/Info/MaxChargeVoltage"]["Value"]["v"].is_null());
    EXPECT_EQ(j["body"]["/Info/MaxChargeVoltage"]["Text"]["v"], "---");
    break;
  }
}

TEST_F(DbusPublisherTest, PathsAddedLaterAreExportedAndARemovedServiceReleasesItsName) {
  loop_->on_loop([&] {
    model_.find(kService)->set("/History/ChargeCycles", std::int64_t{17});
    return 0;
  });
  ASSERT_TRUE(loop_->wait_for([&] { return pub_->export_stats().paths_published >= 1; }));
  EXPECT_EQ(client({"getvalue", kService, "/History/ChargeCycles"})["v"], 17);
  loop_->on_loop([&] {
    model_.remove_service(kService);
    return 0;
  });
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    auto names = client({"names"});
    gone = std::find(names.begin(), names.end(), kService) == names.end();
    if (!gone) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(gone);
}

// Issue 13, conformance 1 / DESIGN.md: the name is claimed only when the model announces the
// service, with every path its driver declared. A publisher that starts while a service exists
// but is not announced yet (its driver is still declaring paths in this loop turn) waits for the
// announcement instead of claiming the name with the mandatory paths only.
TEST_F(DbusPublisherTest, AServiceIsExportedOnlyWhenTheModelHasAnnouncedIt) {
  const std::string name = "com.victronenergy.solarcharger.gxlate";
  loop_->on_loop([&] {
    pub_->stop();
    model_.set_flush_scheduler({});  // flush by hand below
    model::ServiceSpec spec;
    spec.type = "solarcharger";
    spec.connection = "gxlate";
    model_.add_service(spec);
    pub_->start();  // the service exists, but the model has not announced it
    return 0;
  });
  std::this_thread::sleep_for(milliseconds(300));
  auto names = client({"names"});
  EXPECT_EQ(std::find(names.begin(), names.end(), name), names.end())
      << "claimed before the announcement: " << names.dump();
  loop_->on_loop([&] {
    model_.find(name)->declare({{"/Pv/V", "V", 2}, {"/Dc/0/Voltage", "V", 2}});
    model_.flush();
    return 0;
  });
  bool there = false;
  for (int i = 0; i < 100 && !there; ++i) {
    names = client({"names"});
    there = std::find(names.begin(), names.end(), name) != names.end();
    if (!there) std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(there);
  auto items = client({"getitems", name});
  EXPECT_TRUE(items.contains("/Pv/V")) << items.dump();
  EXPECT_TRUE(items.contains("/Dc/0/Voltage")) << items.dump();
  EXPECT_EQ(client({"getvalue", name, "/Dc/0/Voltage"})["v"], nullptr);  // invalid until data
}

TEST_F(DbusPublisherTest, ANativeServiceIsImportedKeptCurrentAndRemovedWhenItGoes) {
  const std::string name = "com.victronenergy.battery.test";
  test::Child svc({kPython, kScripts + "/fake_venus_service.py", bus_->address(), name});
  ASSERT_EQ(svc.read_line(seconds(20)), "ready");
  ASSERT_TRUE(loop_->wait_for([&] { return model_.find(name) != nullptr; })) << "not imported";
  EXPECT_EQ(model_value(name, "/Soc"), model::Value{81.5});
  EXPECT_EQ(model_value(name, "/DeviceInstance"), model::Value{std::int64_t{7}});
  EXPECT_EQ(model_value(name, "/Mgmt/ProcessName"),
            model::Value{std::string("fake_venus_service.py")});
  EXPECT_FALSE(model::is_valid(model_value(name, "/HardwareVersion")));
  EXPECT_FALSE(model::is_valid(model_value(name, "/Info/MaxChargeVoltage")));
  // Changes come in through ItemsChanged / PropertiesChanged.
  svc.write_line("set /Soc 55.5");
  EXPECT_TRUE(
      loop_->wait_for([&] { return model_.find(name)->get("/Soc") == model::Value{55.5}; }));
  svc.write_line("set /Alarms/LowVoltage 2");
  EXPECT_TRUE(loop_->wait_for([&] {
    return model_.find(name)->get("/Alarms/LowVoltage") == model::Value{std::int64_t{2}};
  }));
  // It is not exported back under its own name, and ours is not imported.
  EXPECT_EQ(loop_->on_loop([&] { return pub_->exported(); }), 1u);
  // Gone from the bus → gone from the model.
  svc.write_line("quit");
  svc.wait();
  EXPECT_TRUE(loop_->wait_for([&] { return model_.find(name) == nullptr; }));
}

// Venus' system service publishes dicts (a{sv}) and lists of dicts (av): they are imported as
// structured values, within the import limits (issue 11 item 7).
TEST_F(DbusPublisherTest, ImportedDictsAndListsBecomeStructuredValues) {
  const std::string name = "com.victronenergy.battery.test";
  test::Child svc({kPython, kScripts + "/fake_venus_service.py", bus_->address(), name});
  ASSERT_EQ(svc.read_line(seconds(20)), "ready");
  ASSERT_TRUE(loop_->wait_for([&] { return model_.find(name) != nullptr; })) << "not imported";
  svc.write_line(R"(set /AvailableBatteryMeasurements {"default": "Automatic", )"
                 R"("com_victronenergy_battery_512/Dc/0": "BMS on CAN-bus"})");
  // One command at a time: the fake service reads stdin a line per wake-up.
  ASSERT_EQ(svc.read_line(seconds(20)), "set /AvailableBatteryMeasurements");
  svc.write_line(R"(set /Batteries [{"id": "com.victronenergy.battery.ttyO1", "instance": 0, )"
                 R"("voltage": 12.5, "active_battery_service": true}, {"id": "b:1"}])");
  ASSERT_EQ(svc.read_line(seconds(20)), "set /Batteries");
  ASSERT_TRUE(loop_->wait_for(
      [&] { return std::holds_alternative<model::Tree>(model_.find(name)->get("/Batteries")); }));
  auto dict = model_value(name, "/AvailableBatteryMeasurements");
  ASSERT_TRUE(std::holds_alternative<model::Tree>(dict)) << model::to_plain_text(dict);
  // D-Bus dicts arrive in key order (sd-bus reads a{sv} into a std::map).
  EXPECT_EQ(
      std::get<model::Tree>(dict),
      *model::Tree::make(model::TreeDict{{"com_victronenergy_battery_512/Dc/0", "BMS on CAN-bus"},
                                         {"default", "Automatic"}}));
  auto list = model_value(name, "/Batteries");
  EXPECT_EQ(
      std::get<model::Tree>(list),
      *model::Tree::make(model::TreeList{model::TreeDict{{"active_battery_service", true},
                                                         {"id", "com.victronenergy.battery.ttyO1"},
                                                         {"instance", 0},
                                                         {"voltage", 12.5}},
                                         model::TreeDict{{"id", "b:1"}}}));
  // Beyond the import limit of elements (1024 by default) a structure is refused, not cut.
  const auto refused_before = loop_->on_loop([&] { return pub_->import_stats().arrays_refused; });
  std::string big = "[";
  for (int i = 0; i < 1100; ++i) big += (i ? ",{\"n\":" : "{\"n\":") + std::to_string(i) + "}";
  svc.write_line("set /Batteries " + big + "]");
  EXPECT_TRUE(
      loop_->wait_for([&] { return pub_->import_stats().arrays_refused > refused_before; }));
  EXPECT_EQ(std::get<model::Tree>(model_value(name, "/Batteries")), std::get<model::Tree>(list));
  svc.write_line("quit");
  svc.wait();
}

TEST_F(DbusPublisherTest, ServicesWithoutGetItemsAreReadWithGetValueOnRoot) {
  const std::string name = "com.victronenergy.battery.old";
  test::Child svc(
      {kPython, kScripts + "/fake_venus_service.py", bus_->address(), name, "--no-getitems"});
  ASSERT_EQ(svc.read_line(seconds(20)), "ready");
  ASSERT_TRUE(loop_->wait_for([&] { return model_.find(name) != nullptr; }));
  EXPECT_EQ(model_value(name, "/Dc/0/Voltage"), model::Value{52.1});
  EXPECT_EQ(model_value(name, "/ProductId"), model::Value{std::int64_t{0xA3E5}});
}

TEST_F(DbusPublisherTest, ADbusDaemonRestartIsSurvivedAndEveryServiceRegistersAgain) {
  const std::string name = "com.victronenergy.battery.test";
  auto svc = std::make_unique<test::Child>(std::vector<std::string>{
      kPython, kScripts + "/fake_venus_service.py", bus_->address(), name});
  ASSERT_EQ(svc->read_line(seconds(20)), "ready");
  ASSERT_TRUE(loop_->wait_for([&] { return model_.find(name) != nullptr; }));
  bus_->stop();
  svc.reset();
  ASSERT_TRUE(loop_->wait_for([&] { return !pub_->connected(); })) << "bus loss not noticed";
  // Imported services leave with the bus; our own stay in the model and keep changing.
  EXPECT_TRUE(loop_->wait_for([&] { return model_.find(name) == nullptr; }));
  loop_->on_loop([&] {
    model_.find(kService)->set("/Soc", 42.0);
    return 0;
  });
  bus_->start();
  ASSERT_TRUE(
      loop_->wait_for([&] { return pub_->connected() && pub_->exported() == 1; }, seconds(30)));
  EXPECT_EQ(loop_->on_loop([&] { return pub_->connects(); }), 2u);
  auto items = client({"getitems", kService});
  EXPECT_EQ(items["/Soc"]["Value"]["v"],
            42.0);  // the current state, not the one before the restart
  // Imports work again on the new bus.
  test::Child again({kPython, kScripts + "/fake_venus_service.py", bus_->address(), name});
  ASSERT_EQ(again.read_line(seconds(20)), "ready");
  EXPECT_TRUE(loop_->wait_for([&] { return model_.find(name) != nullptr; }));
}

TEST_F(DbusPublisherTest, NoBusAtStartIsRetriedInTheBackground) {
  // A second publisher on an address where nothing listens yet: it must not throw or block.
  test::PrivateBus later;
  const std::string address = later.address();
  later.stop();
  model::Model m;
  std::unique_ptr<publishers::dbus::DbusPublisher> p;
  loop_->on_loop([&] {
    m.set_flush_scheduler([&] { asio::post(loop_->io(), [&] { m.flush(); }); });
    model::ServiceSpec spec;
    spec.type = "solarcharger";
    spec.connection = "late";
    m.add_service(spec);
    publishers::PublisherContext ctx{loop_->io(), m};
    publishers::dbus::DbusOptions o;
    o.bus = address;
    o.import = false;
    o.retry_min = milliseconds(100);
    o.retry_max = milliseconds(400);
    p = std::make_unique<publishers::dbus::DbusPublisher>(ctx, o);
    p->start();
    return 0;
  });
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_FALSE(loop_->on_loop([&] { return p->connected(); }));
  later.start();
  EXPECT_TRUE(loop_->wait_for([&] { return p->connected() && p->exported() == 1; }));
  loop_->on_loop([&] {
    p.reset();
    return 0;
  });
}

// A dbus-daemon that stops reading (stopped, or starved of CPU) must not block the loop or cut a
// message: signals queue up and all go out, whole, once it reads again.
TEST_F(DbusPublisherTest, ASlowDaemonQueuesSignalsWithoutBlockingOrLosingThem) {
  ASSERT_EQ(::kill(bus_->pid(), SIGSTOP), 0);
  const std::string big(5000, 'x');
  for (int tick = 0; tick < 20; ++tick) {
    loop_->on_loop([&] {
      auto* s = model_.find(kService);
      for (int i = 0; i < 100; ++i) s->set("/Big/" + std::to_string(i), big + std::to_string(tick));
      return 0;
    });
  }
  // About 20 MB of signals (ItemsChanged + PropertiesChanged). sd-bus raises the socket's send
  // buffer to 8 MB (16 MB accounted) where it may, so only the rest waits in user space, under
  // BusPump::kMaxRawQueue.
  EXPECT_TRUE(loop_->wait_for([&] { return pub_->output_pending(); }, seconds(5)));
  EXPECT_TRUE(loop_->on_loop([&] { return pub_->connected(); }));
  ASSERT_EQ(::kill(bus_->pid(), SIGCONT), 0);
  EXPECT_TRUE(loop_->wait_for([&] { return !pub_->output_pending(); }, seconds(60)));
  EXPECT_TRUE(loop_->on_loop([&] { return pub_->connected(); }));
  EXPECT_EQ(loop_->on_loop([&] { return pub_->connects(); }), 1u);  // never dropped
  auto v = client({"getvalue", kService, "/Big/99"});
  EXPECT_EQ(v["v"], big + "19");
}

// The own marshaller (wire.hpp) against sd-bus as the oracle: two services with the same values of
// every type, one published each way, must give python3-dbus identical signals.
TEST_F(DbusPublisherTest, DirectSignalsAreIdenticalToSdBusOnes) {
  // One model with both services; one publisher per encoder in turn (each claims both names).
  model::Model m;
  loop_->on_loop([&] {
    m.set_flush_scheduler([&] { asio::post(loop_->io(), [&] { m.flush(); }); });
    for (const char* conn : {"direct", "sdbus"}) {
      model::ServiceSpec spec;
      spec.type = "battery";
      spec.connection = conn;
      m.add_service(spec).add("/Temperature", meta("°C", 1), 21.5);
    }
    m.flush();
    return 0;
  });
  std::map<std::string, std::vector<json>> bodies;
  for (bool use_direct : {true, false}) {
    const std::string name =
        std::string("com.victronenergy.battery.") + (use_direct ? "direct" : "sdbus");
    std::unique_ptr<publishers::dbus::DbusPublisher> p;
    loop_->on_loop([&] {
      publishers::PublisherContext ctx{loop_->io(), m};
      publishers::dbus::DbusOptions o;
      o.bus = bus_->address();
      o.import = false;
      o.direct_signals = use_direct;
      p = std::make_unique<publishers::dbus::DbusPublisher>(ctx, o);
      p->start();
      return 0;
    });
    ASSERT_TRUE(loop_->wait_for([&] { return p->exported() == 2; }));
    test::Child watch({kPython, kScripts + "/busclient.py", bus_->address(), "watch", name, "20"});
    ASSERT_TRUE(watch.read_line(seconds(20)));
    loop_->on_loop([&] {
      auto* s = m.find(name);
      s->set("/Int", std::int64_t{-5});
      s->set("/Int64", std::int64_t{1} << 40);
      s->set("/Double", 3.25);
      s->set("/Temperature", 22.0);
      s->set("/String", std::string("Ünïcode °C"));
      s->set("/BadUtf8", std::string("bad\xff\xfe end"));
      s->set("/Invalid", std::int64_t{1});
      s->set("/Invalid", model::Invalid{});
      s->set("/IntArray", model::IntArray{1, -2, 3});
      s->set("/WideArray", model::IntArray{1, std::int64_t{1} << 40});
      s->set("/EmptyArray", model::IntArray{});
      s->set("/DoubleArray", model::DoubleArray{1.5, -2.25});
      s->set("/StringArray", model::StringArray{"a", "bc"});
      // Structured values (Venus' /AvailableBatteryMeasurements and /Batteries): every kind of
      // node, empty containers and non-UTF-8 text included.
      s->set("/Dict", model::Value{*model::Tree::make(
                          model::TreeDict{{"default", "Automatic"},
                                          {"com_victronenergy_battery_0/Dc/0", "B\xff"},
                                          {"empty", model::TreeDict{}},
                                          {"none", nullptr}})});
      s->set("/List", model::Value{*model::Tree::make(model::TreeList{
                          model::TreeDict{{"id", "x"},
                                          {"active", true},
                                          {"v", 12.5},
                                          {"i", std::int64_t{1} << 40},
                                          {"n", -3}},
                          model::TreeList{}, model::TreeList{false, "s"}})});
      return 0;
    });
    // One ItemsChanged and (mode both) one PropertiesChanged per path, in publishing order.
    std::vector<json>& got = bodies[use_direct ? "direct" : "sdbus"];
    while (got.size() < 1 + 14) {
      auto line = watch.read_line(seconds(10));
      ASSERT_TRUE(line) << "only " << got.size() << " signals";
      auto j = json::parse(*line);
      got.push_back({{"member", j["member"]}, {"path", j["path"]}, {"body", j["body"]}});
    }
    loop_->on_loop([&] {
      p.reset();
      return 0;
    });
  }
  ASSERT_EQ(bodies["direct"].size(), bodies["sdbus"].size());
  for (std::size_t i = 0; i < bodies["direct"].size(); ++i)
    EXPECT_EQ(bodies["direct"][i], bodies["sdbus"][i]) << i;
  const json& items = bodies["direct"][0]["body"];
  EXPECT_EQ(items["/Int64"]["Value"]["sig"], "x");
  EXPECT_EQ(items["/Int"]["Value"]["sig"], "i");
  EXPECT_EQ(items["/Invalid"]["Value"]["sig"], "ai");
  EXPECT_EQ(items["/EmptyArray"]["Value"]["sig"], "au");  // a valid empty list is not invalid
  EXPECT_EQ(items["/WideArray"]["Value"]["sig"], "ax");
  EXPECT_EQ(items["/String"]["Value"]["v"], "Ünïcode °C");
  EXPECT_EQ(items["/Temperature"]["Text"]["v"], "22.0°C");
  // The model keeps only valid UTF-8 (issue 11): bytes that are not UTF-8 were read as Latin-1
  // when set, so both signal writers send the same repaired text.
  EXPECT_EQ(items["/BadUtf8"]["Value"]["v"], "bad\xC3\xBF\xC3\xBE end");
  // A dict is a{sv}, a list av, a bool b, None the invalid ai, an empty list au (velib).
  EXPECT_EQ(items["/Dict"]["Value"]["sig"], "a{sv}");
  EXPECT_EQ(items["/Dict"]["Value"]["v"]["default"], (json{{"v", "Automatic"}, {"sig", "s"}}));
  EXPECT_EQ(items["/Dict"]["Value"]["v"]["none"]["sig"], "ai");
  EXPECT_EQ(items["/Dict"]["Value"]["v"]["empty"]["sig"], "a{sv}");
  EXPECT_EQ(items["/List"]["Value"]["sig"], "av");
  const json& first = items["/List"]["Value"]["v"][0];
  EXPECT_EQ(first["active"], (json{{"v", 1}, {"sig", "b"}})) << first.dump();
  EXPECT_EQ(first["i"]["sig"], "x");
  EXPECT_EQ(first["n"], (json{{"v", -3}, {"sig", "i"}}));
  EXPECT_EQ(first["v"], (json{{"v", 12.5}, {"sig", "d"}}));
}

// Real Venus recordings (shared data) published and read back: every path with its value.
TEST_F(DbusPublisherTest, ARecordedVenusServiceReadsBackThroughGetItems) {
  const std::string file = std::string(GXLINK_SHARED_DATA) + "/dbus/dbus-recorder/battery.csv";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "shared data not present";
  std::ifstream in(file);
  std::vector<std::string> warnings;
  auto rec = drivers::dbus_recording::parse_dbus_recording(in, warnings);
  ASSERT_TRUE(rec);
  loop_->on_loop([&] {
    drivers::dbus_recording::apply_dbus_recording(*rec, model_);
    return 0;
  });
  ASSERT_TRUE(loop_->wait_for([&] { return pub_->exported() == 2; }));
  auto items = client({"getitems", rec->service});
  const auto expected = loop_->on_loop([&] {
    std::map<std::string, model::Value> m;
    for (auto& [p, item] : model_.find(rec->service)->items()) m[p] = item.value;
    return m;
  });
  ASSERT_EQ(items.size(), expected.size());
  for (auto& [path, v] : expected) {
    const json& got = items[path]["Value"];
    if (!model::is_valid(v)) {
      EXPECT_EQ(got["sig"], "ai") << path;
      EXPECT_TRUE(got["v"].is_null()) << path;
    } else if (auto d = std::get_if<double>(&v)) {
      EXPECT_DOUBLE_EQ(got["v"].get<double>(), *d) << path;
    } else if (auto i = std::get_if<std::int64_t>(&v)) {
      EXPECT_EQ(got["v"].get<std::int64_t>(), *i) << path;
    } else if (auto s = std::get_if<std::string>(&v)) {
      EXPECT_EQ(got["v"].get<std::string>(), *s) << path;
    }
  }
}

}  // namespace
}  // namespace gxlink
