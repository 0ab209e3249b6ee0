// SPDX-License-Identifier: MIT
#pragma once
/// The model as JSON, `{service: {path: value}}` (the `snapshot` and `GET /api/model` contract in
/// DESIGN.md). Invalid values are `null`, as on MQTT.

#include <nlohmann/json.hpp>

#include "model/model.hpp"

namespace gxlink::model {

nlohmann::json to_json(const Value& v);
/// A JSON scalar or array back into a Value (null -> invalid; integral numbers -> int64). Objects
/// and mixed or nested arrays are invalid: writes (MQTT, HTTP, settings files) have no target that
/// takes a structured value.
Value from_json(const nlohmann::json& j);
/// As from_json(), but an object, or an array that from_json() cannot make flat, becomes a Tree
/// (recordings of Venus services, whose system paths hold dicts and lists). A Tree beyond its
/// bounds is the error.
Result<Value> from_json_structured(const nlohmann::json& j);
/// A Tree node as JSON (dict order becomes key order: nlohmann sorts objects; non-finite doubles
/// are null, as JSON has no NaN).
nlohmann::json tree_to_json(const TreeNode& n);
/// JSON as a Tree node (booleans stay booleans), or an error beyond Tree's bounds.
Result<Tree> tree_from_json(const nlohmann::json& j);
nlohmann::json to_json(const Service& s);
nlohmann::json to_json(const Model& m);
/// `{service: {path: text}}`: each value as Venus' GetText shows it ("26.82V", "Bulk", "---"),
/// from the shared table of Venus path formats (issue 13, conformance 9). For the dashboard.
nlohmann::json to_text_json(const Model& m);

/// Every JSON text gxlink writes goes through here. nlohmann's default throws type_error.316 on a
/// string that is not UTF-8, which once took the whole daemon down from one device byte (issue
/// 11); with `replace` a bad byte becomes U+FFFD and serialising cannot fail on a string.
template <class Json>
std::string dump_json(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace gxlink::model
