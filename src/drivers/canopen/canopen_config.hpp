// SPDX-License-Identifier: MIT
#pragma once
/// Configuration of a CANopen battery bank: `[[canopen]]` tables with `[[canopen.object]]` object
/// maps (config/gxlink.example.toml shows every key). Parsing errors are start-up errors.

#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "protocols/canopen/object_map.hpp"
#include "protocols/canopen/sdo_client.hpp"

namespace gxlink::drivers::canopen {

struct NodeConfig {
  std::uint8_t id = 1;
  double capacity_ah = 150.0;  ///< seed 004 config: "capacity = 150 # Per-battery capacity in Ah"
};

struct CanopenConfig {
  std::string interface = "can1";
  std::vector<NodeConfig> nodes;  ///< empty: nodes are found from their heartbeats/answers
  double default_capacity_ah = 150.0;
  bool aggregate = true;
  std::string aggregate_connection = "canopen_bank";
  std::string node_connection_prefix = "canopen_node";  ///< "canopen_node<N>"
  std::string product_name = "SuperB Epsilon V2";
  std::vector<gxlink::canopen::ObjectSpec> objects = gxlink::canopen::superb_epsilon_v2_map();
  gxlink::canopen::SdoClientOptions sdo;
  Duration node_timeout = seconds(5);                 ///< nothing heard for this long: /Connected 0
  Duration missing_retry = std::chrono::minutes(10);  ///< objects that do not exist
  Duration heartbeat_period = seconds(1);  ///< expected 0x1017 of the nodes (duplicate-id check)
  bool listen_only = false;                ///< never send; decode another client's SDO traffic
};

/// Reads one `[[canopen]]` table. Keys: interface, nodes (ids or {id, capacity_ah} tables),
/// capacity_ah, aggregate, aggregate_name, product_name, sdo_timeout_ms, sdo_retries,
/// sdo_retry_delay_ms, node_timeout_s, missing_retry_s, heartbeat_ms, listen_only,
/// default_objects (true: start from the SuperB map), object = [{index, sub, type, path, scale,
/// unit, decimals, poll_ms, name}] (an entry with the index/sub of a default replaces it;
/// `poll_ms = 0` removes it). Throws std::runtime_error naming the bad key.
CanopenConfig parse_canopen_config(const toml::table& t);

}  // namespace gxlink::drivers::canopen
