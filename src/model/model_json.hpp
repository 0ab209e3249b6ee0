// SPDX-License-Identifier: MIT
#pragma once
/// The model as JSON, `{service: {path: value}}` (the `snapshot` and `GET /api/model` contract in
/// DESIGN.md). Invalid values are `null`, as on MQTT.

#include <nlohmann/json.hpp>

#include "model/model.hpp"

namespace gxlink::model {

nlohmann::json to_json(const Value& v);
/// A JSON scalar or array back into a Value (null -> invalid; integral numbers -> int64).
Value from_json(const nlohmann::json& j);
nlohmann::json to_json(const Service& s);
nlohmann::json to_json(const Model& m);

}  // namespace gxlink::model
