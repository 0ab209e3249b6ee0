// SPDX-License-Identifier: MIT
#include "app/config.hpp"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace gxlink::app {

std::filesystem::path default_config_path() {
  if (const char* env = std::getenv("GXLINK_CONFIG")) return env;
  return "/etc/gxlink/gxlink.toml";
}

toml::table load_config(const std::filesystem::path& file) {
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw std::runtime_error(msg.str());
  }
}

std::pair<std::string, int> split_host_port(const std::string& s, int default_port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return {s, default_port};
  const std::string host = s.substr(0, colon);
  const std::string port = s.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    throw std::runtime_error("bad port in '" + s + "'");
  return {host.empty() ? "127.0.0.1" : host, static_cast<int>(p)};
}

namespace {
toml::table& section(toml::table& cfg, const char* name) {
  if (!cfg.contains(name) || !cfg[name].is_table()) cfg.insert_or_assign(name, toml::table{});
  return *cfg[name].as_table();
}
}  // namespace

void apply_overrides(toml::table& cfg, const RunOptions& opts) {
  if (opts.mqtt) {
    auto [host, port] = split_host_port(*opts.mqtt, 1883);
    auto& t = section(cfg, "mqtt");
    t.insert_or_assign("host", host);
    t.insert_or_assign("port", port);
    t.insert_or_assign("enabled", true);
  }
  if (opts.portal_id) section(cfg, "mqtt").insert_or_assign("portal_id", *opts.portal_id);
  if (opts.http) section(cfg, "http").insert_or_assign("listen", *opts.http);
  if (opts.dbus) {
    auto& t = section(cfg, "dbus");
    t.insert_or_assign("bus", *opts.dbus);
    t.insert_or_assign("enabled", *opts.dbus != "none");
  }
}

}  // namespace gxlink::app
