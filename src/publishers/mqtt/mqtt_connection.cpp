// SPDX-License-Identifier: MIT
#include "publishers/mqtt/mqtt_connection.hpp"

#include <string>

namespace gxlink::registry {

std::vector<KeySchema> mqtt_credential_keys() {
  return {
      string_key("username", "broker user name"),
      string_key("password", "broker password"),
      bool_key("tls", "connect with TLS"),
      string_key("ca_file", "CA certificates (PEM) for TLS"),
      string_key("ca_path", "directory of CA certificates for TLS"),
      string_key("cert_file", "client certificate (PEM)"),
      string_key("key_file", "client key (PEM)"),
      bool_key("tls_insecure", "skip the broker host-name check (testing only)"),
  };
}

void read_mqtt_credentials(const toml::table& t, publishers::mqtt::ClientOptions& c) {
  c.username = t["username"].value_or(std::string());
  c.password = t["password"].value_or(std::string());
  c.tls.enabled = t["tls"].value_or(false);
  c.tls.ca_file = t["ca_file"].value_or(std::string());
  c.tls.ca_path = t["ca_path"].value_or(std::string());
  c.tls.cert_file = t["cert_file"].value_or(std::string());
  c.tls.key_file = t["key_file"].value_or(std::string());
  c.tls.insecure = t["tls_insecure"].value_or(false);
}

}  // namespace gxlink::registry
