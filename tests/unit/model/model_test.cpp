// SPDX-License-Identifier: MIT
#include "model/model.hpp"

#include <gtest/gtest.h>

namespace gxlink::model {
namespace {

struct Recorder : Observer {
  std::vector<std::string> added, removed;
  std::vector<std::pair<std::string, std::string>> changes;
  int batches = 0;
  void on_service_added(const Service& s) override { added.push_back(s.name()); }
  void on_service_removed(const Service& s) override { removed.push_back(s.name()); }
  void on_changes(std::span<const Change> cs) override {
    ++batches;
    for (auto& c : cs) changes.emplace_back(c.service->name(), *c.path);
  }
};

ServiceSpec charger() {
  ServiceSpec s;
  s.type = "solarcharger";
  s.connection = "ttyUSB0";
  s.device_instance = 288;
  s.mgmt_connection = "VE.Direct";
  s.product_id = std::int64_t{0xA060};
  s.product_name = std::string("SmartSolar MPPT 100/20");
  return s;
}

TEST(Model, NewServiceCarriesTheMandatoryPaths) {
  Model m;
  auto& s = m.add_service(charger());
  EXPECT_EQ(s.name(), "com.victronenergy.solarcharger.ttyUSB0");
  for (auto p :
       {"/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection", "/DeviceInstance",
        "/ProductId", "/ProductName", "/FirmwareVersion", "/HardwareVersion", "/Connected"})
    EXPECT_NE(s.find(p), nullptr) << p;
  EXPECT_EQ(s.device_instance(), 288);
  EXPECT_EQ(s.get("/Connected"), Value{std::int64_t{1}});
}

TEST(Model, ServiceIsAnnouncedAtTheFirstFlushWithItsInitialValues) {
  Model m;
  Recorder r;
  m.add_observer(&r);
  auto& s = m.add_service(charger());
  s.set("/Dc/0/Voltage", 12.5);
  EXPECT_TRUE(r.added.empty());
  m.flush();
  ASSERT_EQ(r.added.size(), 1u);
  EXPECT_TRUE(r.changes.empty());  // the announcement carries the initial values
}

// Issue 13, conformance 1: a driver declares the product's path set before the announcement.
TEST(Model, DeclaredPathsExistInvalidWithUnitsAndKeepWhatIsThere) {
  Model m;
  auto& s = m.add_service(charger());
  s.set("/Dc/0/Voltage", 12.5);
  constexpr PathSpec kPaths[] = {{"/Dc/0/Voltage", "V", 2}, {"/Pv/V", "V", 1}, {"/State"}};
  s.declare(kPaths);
  constexpr PathSpec kPhase[] = {{"/V", "V", 0}, {"/I", "A", 1}};
  s.declare_indexed("/Ac/Out/L", 1, 3, kPhase);
  EXPECT_EQ(s.get("/Dc/0/Voltage"), Value{12.5});  // a value set before is kept
  ASSERT_NE(s.find("/Pv/V"), nullptr);
  EXPECT_FALSE(is_valid(s.get("/Pv/V")));
  EXPECT_EQ(s.find("/Pv/V")->meta.unit, "V");
  EXPECT_EQ(s.find("/Pv/V")->meta.decimals, 1);
  EXPECT_NE(s.find("/State"), nullptr);
  EXPECT_NE(s.find("/Ac/Out/L3/I"), nullptr);
  EXPECT_EQ(s.find("/Ac/Out/L2/V")->meta.unit, "V");
  EXPECT_EQ(s.find("/Ac/Out/L4/V"), nullptr);
  EXPECT_EQ(s.items().size(), 9u + 3 + 6);
}

TEST(Model, PathsCreatedAfterTheAnnouncementAreCounted) {
  Model m;
  auto& s = m.add_service(charger());
  s.declare({{"/Dc/0/Voltage", "V", 2}});
  s.set("/Dc/0/Current", 1.0);  // before the announcement: part of the set
  EXPECT_FALSE(s.announced());
  m.flush();
  EXPECT_TRUE(s.announced());
  s.set("/Dc/0/Voltage", 13.0);
  EXPECT_EQ(s.late_paths(), 0u);
  s.set("/Yield/User", 1.0);  // a path that appears later: what Venus clients miss
  s.declare({{"/Pv/V", "V", 1}});
  EXPECT_EQ(s.late_paths(), 2u);
}

TEST(Model, ChangesAreBatchedOncePerFlushAndDeduplicated) {
  Model m;
  Recorder r;
  m.add_observer(&r);
  int scheduled = 0;
  m.set_flush_scheduler([&] { ++scheduled; });
  auto& s = m.add_service(charger());
  m.flush();
  s.set("/Dc/0/Voltage", 12.5);
  s.set("/Dc/0/Voltage", 12.6);
  s.set("/Dc/0/Current", 1.0);
  s.set("/Dc/0/Current", 1.0);
  EXPECT_EQ(m.pending_changes(), 2u);
  m.flush();
  EXPECT_EQ(r.batches, 1);
  EXPECT_EQ(r.changes.size(), 2u);
  EXPECT_EQ(scheduled, 2);       // once for the add, once for the changes
  s.set("/Dc/0/Voltage", 12.6);  // unchanged: nothing queued
  EXPECT_EQ(m.pending_changes(), 0u);
}

TEST(Model, IntAndDoubleOfTheSameNumberAreDifferentValues) {
  EXPECT_FALSE(same_value(Value{std::int64_t{1}}, Value{1.0}));
  EXPECT_TRUE(same_value(Value{1.0}, Value{1.0}));
  EXPECT_TRUE(same_value(Value{}, Value{}));
}

TEST(Model, InvalidateAllKeepsTheIdentityAndClearsTheData) {
  Model m;
  auto& s = m.add_service(charger());
  s.set("/Dc/0/Voltage", 12.5);
  s.invalidate_all();
  EXPECT_FALSE(is_valid(s.get("/Dc/0/Voltage")));
  EXPECT_EQ(s.get("/Connected"), Value{std::int64_t{0}});
  EXPECT_EQ(s.get("/ProductName"), Value{std::string("SmartSolar MPPT 100/20")});
}

TEST(Model, RemovedServiceDropsItsPendingChangesAndIsReported) {
  Model m;
  Recorder r;
  m.add_observer(&r);
  auto& s = m.add_service(charger());
  m.flush();
  s.set("/Dc/0/Voltage", 12.5);
  m.remove_service("com.victronenergy.solarcharger.ttyUSB0");
  EXPECT_EQ(m.pending_changes(), 0u);
  ASSERT_EQ(r.removed.size(), 1u);
  m.flush();
  EXPECT_TRUE(r.changes.empty());
}

TEST(Model, WritesAreRoutedToTheHandlerAndRangeChecked) {
  Model m;
  auto& s = m.add_service(charger());
  Value got;
  ItemMeta meta;
  meta.writable = true;
  meta.min = 0;
  meta.max = 4;
  s.add("/Mode", meta, std::int64_t{1}, [&](const Value& v) {
    got = v;
    return WriteResult::kOk;
  });
  EXPECT_EQ(m.write(s.name(), "/Mode", Value{std::int64_t{3}}), WriteResult::kOk);
  EXPECT_EQ(got, Value{std::int64_t{3}});
  EXPECT_EQ(m.write(s.name(), "/Mode", Value{std::int64_t{9}}), WriteResult::kOutOfRange);
  EXPECT_EQ(m.write(s.name(), "/Dc/0/Voltage", Value{1.0}), WriteResult::kUnknownPath);
  EXPECT_EQ(m.write(s.name(), "/ProductName", Value{std::string("x")}), WriteResult::kNotWritable);
  EXPECT_EQ(m.write("com.victronenergy.nope", "/Mode", Value{}), WriteResult::kUnknownPath);
}

TEST(Model, ItemTextFollowsUnitAndDecimals) {
  Item i;
  i.meta.unit = "V";
  i.meta.decimals = 2;
  i.value = 12.345;
  EXPECT_EQ(i.text(),
            "12.35V");  // %.2f rounds half away from zero here (12.345 is 12.3450000000000006)
  i.value = Invalid{};
  EXPECT_EQ(i.text(), "---");
}

TEST(Model, ServiceWithoutConnectionHasAShortName) {
  EXPECT_EQ(service_name("system", ""), "com.victronenergy.system");
}

}  // namespace
}  // namespace gxlink::model

namespace gxlink::model {
namespace {

// Issue 13: coercion and validation live in the one write path every output uses. An integer
// written to a double path arrives as a double, a whole double on an integer path as an integer;
// writability and range are checked before the owner's handler runs.
TEST(ModelWrite, CoercesToThePathTypeAndChecksRangeForEveryOutput) {
  Model m;
  ServiceSpec spec;
  spec.type = "solarcharger";
  spec.connection = "w";
  auto& s = m.add_service(spec);
  std::vector<Value> seen;
  ItemMeta meta;
  meta.writable = true;
  meta.min = 0;
  meta.max = 50;
  s.add("/Settings/ChargeCurrentLimit", meta, 35.0, [&](const Value& v) {
    seen.push_back(v);
    return WriteResult::kOk;
  });
  meta.max = 4;
  s.add("/Mode", meta, std::int64_t{1}, [&](const Value& v) {
    seen.push_back(v);
    return WriteResult::kOk;
  });
  s.add("/Yield/Power", {}, 10.0);
  EXPECT_EQ(m.write(s.name(), "/Settings/ChargeCurrentLimit", Value{std::int64_t{20}}),
            WriteResult::kOk);
  EXPECT_EQ(m.write(s.name(), "/Mode", Value{4.0}), WriteResult::kOk);
  EXPECT_EQ(m.write(s.name(), "/Mode", Value{2.5}), WriteResult::kOk);  // the owner decides
  EXPECT_EQ(m.write(s.name(), "/Settings/ChargeCurrentLimit", Value{51.0}),
            WriteResult::kOutOfRange);
  EXPECT_EQ(m.write(s.name(), "/Yield/Power", Value{1.0}), WriteResult::kNotWritable);
  EXPECT_EQ(m.write(s.name(), "/No/Such", Value{1.0}), WriteResult::kUnknownPath);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<double>(seen[0]));
  EXPECT_EQ(std::get<std::int64_t>(seen[1]), 4);
  EXPECT_TRUE(std::holds_alternative<double>(seen[2]));
}

}  // namespace
}  // namespace gxlink::model
