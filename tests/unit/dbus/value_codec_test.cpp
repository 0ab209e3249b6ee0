// SPDX-License-Identifier: MIT
// D-Bus variants → model values for structured values (issue 12): velib wraps a Python dict as
// a{sv} and a list as av; both become a bounded model::Tree.
#include "publishers/dbus/value_codec.hpp"

#include <map>

#include <gtest/gtest.h>

namespace gxlink::publishers::dbus {
namespace {

using model::TreeDict;
using model::TreeList;

model::Tree tree(model::TreeNode n) { return *model::Tree::make(std::move(n)); }

TEST(DbusValueCodec, DictsAndListsBecomeTrees) {
  const std::map<std::string, sdbus::Variant> battery = {
      {"id", sdbus::Variant(std::string("com.victronenergy.battery.ttyO1"))},
      {"instance", sdbus::Variant(std::int32_t{0})},
      {"active_battery_service", sdbus::Variant(true)},
      {"timetogo", sdbus::Variant(std::vector<std::int32_t>{})},  // None: the invalid `ai`
      {"history", sdbus::Variant(std::vector<double>{1.5, 2.5})}};
  auto dict = value_from_variant(sdbus::Variant(battery));
  ASSERT_TRUE(dict.has_value()) << dict.error().message();
  EXPECT_EQ(std::get<model::Tree>(*dict), tree(TreeDict{{"active_battery_service", true},
                                                        {"history", TreeList{1.5, 2.5}},
                                                        {"id", "com.victronenergy.battery.ttyO1"},
                                                        {"instance", 0},
                                                        {"timetogo", nullptr}}));
  auto list = value_from_variant(sdbus::Variant(
      std::vector<sdbus::Variant>{sdbus::Variant(battery), sdbus::Variant(std::string("x"))}));
  ASSERT_TRUE(list.has_value()) << list.error().message();
  ASSERT_EQ(std::get<model::Tree>(*list).root().list()->size(), 2u);
  auto aasv = value_from_variant(
      sdbus::Variant(std::vector<std::map<std::string, sdbus::Variant>>{battery, battery}));
  ASSERT_TRUE(aasv.has_value()) << aasv.error().message();
  EXPECT_EQ(std::get<model::Tree>(*aasv).root().list()->size(), 2u);
  // An empty av is still Venus' invalid; other containers are still refused.
  EXPECT_FALSE(model::is_valid(*value_from_variant(sdbus::Variant(std::vector<sdbus::Variant>{}))));
  EXPECT_FALSE(value_from_variant(sdbus::Variant(std::map<std::string, std::string>{{"a", "b"}}))
                   .has_value());
}

TEST(DbusValueCodec, DeepOrHugeStructuresAreRefused) {
  sdbus::Variant v(std::int32_t{1});
  for (std::size_t i = 0; i < model::Tree::kMaxDepth + 1; ++i)
    v = sdbus::Variant(std::vector<sdbus::Variant>{v});
  auto deep = value_from_variant(v);
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, Errc::kOutOfRange);
  std::vector<sdbus::Variant> wide(model::Tree::kMaxNodes, sdbus::Variant(std::int32_t{1}));
  auto huge = value_from_variant(sdbus::Variant(wide));
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().code, Errc::kOutOfRange);
}

}  // namespace
}  // namespace gxlink::publishers::dbus
