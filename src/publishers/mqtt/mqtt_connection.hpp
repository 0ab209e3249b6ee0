// SPDX-License-Identifier: MIT
#pragma once
/// The broker credentials and TLS keys that every MQTT output reads the same way: the local
/// Venus-format `[mqtt]` and the fleet `[[upstream.mqtt]]` (their schemas and their reading).

#include <vector>

#include <toml++/toml.h>

#include "publishers/mqtt/mqtt_client.hpp"
#include "registry/config_schema.hpp"

namespace gxlink::registry {

/// username, password, tls, ca_file, ca_path, cert_file, key_file, tls_insecure.
std::vector<KeySchema> mqtt_credential_keys();
/// Reads those keys of `t` into `c` (absent keys: no credentials, no TLS).
void read_mqtt_credentials(const toml::table& t, publishers::mqtt::ClientOptions& c);

}  // namespace gxlink::registry
