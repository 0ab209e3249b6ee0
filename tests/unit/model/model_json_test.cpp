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
  // Above INT64_MAX an unsigned JSON number is its (too large) value, not wrapped: it once became
  // -1 and passed a "-1 .. 10000" range check, removing a charge current limit.
  EXPECT_EQ(from_json(nlohmann::json::parse("18446744073709551615")),
            Value{18446744073709551615.0});
  EXPECT_EQ(from_json(nlohmann::json::parse("9223372036854775807")),
            Value{std::int64_t{INT64_MAX}});
  EXPECT_EQ(from_json(nlohmann::json::parse("[1, 18446744073709551615]")),
            (Value{DoubleArray{1, 18446744073709551615.0}}));
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
