// SPDX-License-Identifier: MIT
// Issue 13, conformance 9: D-Bus GetText gives Venus' text for every driver's paths: "26.82V",
// "Bulk", and TimeToGo as h:mm, from the shared table of Venus path formats.
#include <gtest/gtest.h>

#include "model/model.hpp"
#include "publishers/dbus/value_codec.hpp"

namespace gxlink::publishers::dbus {
namespace {

model::Service& declared(model::Model& m, const std::string& type,
                         std::initializer_list<model::PathSpec> paths) {
  model::ServiceSpec spec;
  spec.type = type;
  spec.connection = "socketcan_can0_di0_uc1";
  auto& s = m.add_service(spec);
  s.declare(paths);
  return s;
}

TEST(DbusGetText, SolarChargerStateAndVoltage) {
  model::Model m;
  auto& s = declared(m, "solarcharger", {{"/State"}, {"/Dc/0/Voltage"}, {"/Yield/Power"}});
  s.set("/State", std::int64_t{3});
  s.set("/Dc/0/Voltage", 26.82);
  s.set("/Yield/Power", 512.4);
  EXPECT_EQ(item_text("/State", *s.find("/State")), "Bulk");
  EXPECT_EQ(item_text("/Dc/0/Voltage", *s.find("/Dc/0/Voltage")), "26.82V");
  EXPECT_EQ(item_text("/Yield/Power", *s.find("/Yield/Power")), "512W");
  // The allocation-free path gives the same text, and declines enum texts.
  char buf[64];
  EXPECT_EQ(fast_item_text(*s.find("/Dc/0/Voltage"), buf), "26.82V");
  EXPECT_EQ(fast_item_text(*s.find("/State"), buf), "");
}

TEST(DbusGetText, TimeToGoAsTheGuiShowsIt) {
  model::Model m;
  auto& s = declared(m, "battery", {{"/TimeToGo"}});
  s.set("/TimeToGo", std::int64_t{286980});
  EXPECT_EQ(item_text("/TimeToGo", *s.find("/TimeToGo")), "79:43");
  s.set("/TimeToGo", model::Invalid{});
  EXPECT_EQ(item_text("/TimeToGo", *s.find("/TimeToGo")), "---");
}

TEST(DbusGetText, ProductIdStaysHex) {
  model::Model m;
  auto& s = declared(m, "solarcharger", {});
  s.set("/ProductId", std::int64_t{0xA060});
  EXPECT_EQ(item_text("/ProductId", *s.find("/ProductId")), "0xA060");
}

}  // namespace
}  // namespace gxlink::publishers::dbus
