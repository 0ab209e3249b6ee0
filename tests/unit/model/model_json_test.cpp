// SPDX-License-Identifier: MIT
#include "model/model_json.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace gxlink::model {
namespace {

TEST(ModelJson, InvalidIsNullAndNumbersKeepTheirKind) {
  EXPECT_TRUE(to_json(Value{}).is_null());
  EXPECT_TRUE(to_json(Value{std::int64_t{3}}).is_number_integer());
  EXPECT_TRUE(to_json(Value{3.5}).is_number_float());
  EXPECT_TRUE(to_json(Value{std::nan("")}).is_null());
  EXPECT_EQ(to_json(Value{IntArray{1, 2}}), nlohmann::json::parse("[1,2]"));
}

TEST(ModelJson, FromJsonTreatsAnEmptyArrayAsInvalid) {
  EXPECT_FALSE(is_valid(from_json(nlohmann::json::array())));
  EXPECT_EQ(from_json(nlohmann::json(5)), Value{std::int64_t{5}});
  EXPECT_EQ(from_json(nlohmann::json::parse("[1.5, 2]")), (Value{DoubleArray{1.5, 2}}));
}

TEST(ModelJson, ModelIsServiceThenPath) {
  Model m;
  ServiceSpec s;
  s.type = "battery";
  s.connection = "ttyO0";
  m.add_service(s).set("/Soc", 87.5);
  auto j = to_json(m);
  EXPECT_EQ(j["com.victronenergy.battery.ttyO0"]["/Soc"], 87.5);
}

}  // namespace
}  // namespace gxlink::model
