// SPDX-License-Identifier: MIT
#include "publishers/mqtt/venus_topics.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "fake_sink.hpp"
#include "model/model.hpp"

namespace gxlink::publishers::mqtt {
namespace {

TEST(VenusTopics, ServiceTypeIsThePartAfterThePrefix) {
  // venus_os.md §3: com.victronenergy.solarcharger.ttyO2 → solarcharger
  EXPECT_EQ(service_type_of("com.victronenergy.solarcharger.ttyO2"), "solarcharger");
  EXPECT_EQ(service_type_of("com.victronenergy.system"), "system");
  EXPECT_EQ(service_type_of("com.victronenergy.battery.socketcan_can0"), "battery");
}

TEST(VenusTopics, NotificationTopicKeepsThePath) {
  EXPECT_EQ(notification_topic("48e7da87942f", "solarcharger", "258", "/Link/ChargeVoltage"),
            "N/48e7da87942f/solarcharger/258/Link/ChargeVoltage");
}

TEST(VenusTopics, InstanceIsDeviceInstanceElseIdentifierElseZero) {
  model::Model m;
  auto& s = m.add_service(test::spec("tank", "x", 20));
  EXPECT_EQ(instance_of(s), "20");
  s.set("/DeviceInstance", model::Invalid{});
  EXPECT_EQ(instance_of(s), "0");
  s.set("/Identifier", std::string("abc"));
  EXPECT_EQ(instance_of(s), "abc");
}

TEST(VenusTopics, PayloadHasValueAndLimitsAndNullForInvalid) {
  model::Item item;
  item.value = 1.5;
  EXPECT_EQ(value_payload(item), R"({"value":1.5})");
  item.meta.min = 0;
  item.meta.max = 1;
  item.value = std::int64_t{1};
  // flashmq README: {"max":1,"min":0,"value":1} (key order is not significant)
  EXPECT_EQ(value_payload(item), R"({"max":1,"min":0,"value":1})");
  item.meta = {};
  item.value = model::Invalid{};
  EXPECT_EQ(value_payload(item), R"({"value":null})");
  item.value = std::nan("");
  EXPECT_EQ(value_payload(item), R"({"value":null})");
  item.value = std::string("MultiPlus 48/5000");
  EXPECT_EQ(value_payload(item), R"({"value":"MultiPlus 48/5000"})");
  item.value = model::IntArray{1, 2};
  EXPECT_EQ(value_payload(item), R"({"value":[1,2]})");
  // A structured value (issue 12): JSON inside "value"; a bool stays a bool, None is null.
  item.value = *model::Tree::make(model::TreeList{
      model::TreeDict{{"id", "b"}, {"active_battery_service", false}, {"timetogo", nullptr}}});
  EXPECT_EQ(value_payload(item),
            R"({"value":[{"active_battery_service":false,"id":"b","timetogo":null}]})");
}

TEST(VenusTopics, BlockedAndMaskedPathsAsFlashmq) {
  EXPECT_TRUE(is_blocked("vebus", "/Interfaces/Mk2/Tunnel"));
  EXPECT_TRUE(is_blocked("paygo", "/LVD/Threshold"));
  EXPECT_FALSE(is_blocked("vebus", "/Ac/Out/L1/P"));
  EXPECT_TRUE(is_masked("settings", "/Settings/Ble/Service/Pincode"));
  EXPECT_FALSE(is_masked("battery", "/Settings/Ble/Service/Pincode"));
  model::Item pin;
  pin.value = std::string("123456");
  EXPECT_EQ(value_payload(pin, true), R"({"value":"******"})");
  pin.value = model::Invalid{};
  EXPECT_EQ(value_payload(pin, true), R"({"value":null})");
}

TEST(VenusTopics, OnlyTheSystemSerialIsRetained) {
  EXPECT_TRUE(should_be_retained("system", "/Serial"));
  EXPECT_FALSE(should_be_retained("battery", "/Serial"));
  EXPECT_FALSE(should_be_retained("system", "/Dc/Battery/Soc"));
}

TEST(VenusTopics, RequestTopicsParse) {
  auto k = parse_request_topic("R/abc/keepalive");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->keepalive);
  EXPECT_TRUE(k->type.empty());

  auto legacy = parse_request_topic("R/abc/system/0/Serial");
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(legacy->keepalive);  // and also a read
  EXPECT_EQ(legacy->path, "/Serial");

  auto w = parse_request_topic("W/abc/vebus/257/Hub4/L1/AcPowerSetpoint");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->action, 'W');
  EXPECT_EQ(w->portal_id, "abc");
  EXPECT_EQ(w->type, "vebus");
  EXPECT_EQ(w->instance, "257");
  EXPECT_EQ(w->path, "/Hub4/L1/AcPowerSetpoint");
  EXPECT_FALSE(w->keepalive);

  auto whole = parse_request_topic("R/abc/solarcharger/279");
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->path.empty());
}

TEST(VenusTopics, BadRequestTopicsAreRefused) {
  EXPECT_FALSE(parse_request_topic("N/abc/battery/1/Soc"));
  EXPECT_FALSE(parse_request_topic("R/abc"));
  EXPECT_FALSE(parse_request_topic("W/abc/keepalive"));
  EXPECT_FALSE(parse_request_topic("R/abc/+/1/Soc"));  // wildcards are not supported
  EXPECT_FALSE(parse_request_topic("R/abc/battery//Soc"));
  EXPECT_FALSE(parse_request_topic(""));
}

TEST(VenusTopics, KeepaliveOptions) {
  EXPECT_FALSE(parse_keepalive_options("").suppress_republish);
  EXPECT_TRUE(parse_keepalive_options(R"({ "keepalive-options" : ["suppress-republish"] })")
                  .suppress_republish);
  auto e = parse_keepalive_options(
      R"({ "keepalive-options" : [ {"full-publish-completed-echo": "B9FMlGWoCcfMKc" } ] })");
  EXPECT_FALSE(e.suppress_republish);
  ASSERT_TRUE(e.echo);
  EXPECT_EQ(*e.echo, "B9FMlGWoCcfMKc");
  EXPECT_FALSE(parse_keepalive_options("garbage{").suppress_republish);
  EXPECT_FALSE(parse_keepalive_options(R"(["N/+/battery/#"])").suppress_republish);  // old style
}

TEST(VenusTopics, WritePayloadFitsThePathType) {
  model::Item dbl;
  dbl.value = 1.5;
  auto d = parse_write_payload(R"({"value": 20})", dbl);
  ASSERT_TRUE(d);
  EXPECT_EQ(std::get<double>(*d), 20.0);

  model::Item integer;
  integer.value = std::int64_t{1};
  auto i = parse_write_payload(R"({"value": 3.0})", integer);
  ASSERT_TRUE(i);
  EXPECT_EQ(std::get<std::int64_t>(*i), 3);
  EXPECT_FALSE(parse_write_payload(R"({"value": 2.5})", integer));
  EXPECT_FALSE(parse_write_payload(R"({"value": "2"})", integer));

  model::Item text;
  text.value = std::string("a");
  EXPECT_TRUE(parse_write_payload(R"({"value": "b"})", text));
  EXPECT_FALSE(parse_write_payload(R"({"value": 1})", text));

  model::Item unknown;  // invalid now, no default: taken as given
  EXPECT_TRUE(parse_write_payload(R"({"value": 1})", unknown));
  unknown.meta.default_value = std::int64_t{0};
  EXPECT_FALSE(parse_write_payload(R"({"value": 0.5})", unknown));
}

TEST(VenusTopics, BadWritePayloadsAreRefused) {
  model::Item item;
  item.value = 1.0;
  EXPECT_FALSE(parse_write_payload("", item));
  EXPECT_FALSE(parse_write_payload("3", item));
  EXPECT_FALSE(parse_write_payload("{\"value\": null}", item));
  EXPECT_FALSE(parse_write_payload("{\"val\": 1}", item));
  EXPECT_FALSE(parse_write_payload("{\"value\": {\"a\": 1}}", item));
  EXPECT_FALSE(parse_write_payload("{\"value\": 1", item));
}

TEST(VenusTopics, TimePayload) {
  EXPECT_EQ(time_payload(1702459522), R"({"value":1702459522})");
  EXPECT_EQ(time_payload(1718860914, std::string("Ucq2YLVt6ZWdgUNf")),
            R"({"full-publish-completed-echo":"Ucq2YLVt6ZWdgUNf","value":1718860914})");
}

}  // namespace
}  // namespace gxlink::publishers::mqtt
