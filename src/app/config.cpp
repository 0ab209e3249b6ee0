// SPDX-License-Identifier: MIT
#include "app/config.hpp"

#include <cstdlib>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "app/history_phase.hpp"
#include "app/system_phase.hpp"
#include "registry/registry.hpp"

namespace gxlink::app {

std::filesystem::path default_config_path() {
  if (const char* env = std::getenv("GXLINK_CONFIG")) return env;
  return "/etc/gxlink/gxlink.toml";
}

toml::table load_config(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw std::runtime_error(file.string() + ": no such config file");
  if (std::filesystem::is_directory(file, ec))
    throw std::runtime_error(file.string() + ": is a directory, not a config file");
  try {
    return toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    throw std::runtime_error(msg.str());
  }
}

namespace {

// The section an override goes into. A section of the wrong form (`[[mqtt]]`, `mqtt = 1`) is left
// alone for validation to report, rather than silently replaced.
toml::table* section(toml::table& cfg, const char* name) {
  if (!cfg.contains(name)) cfg.insert(name, toml::table{});
  return cfg[name].as_table();
}

// [general] and [http] are read by daemon.cpp itself.
registry::SectionSchema general_schema() {
  return {.name = "general",
          .form = registry::SectionForm::kTable,
          .description = "the daemon itself",
          .keys = {
              {.name = "data_dir",
               .type = registry::ValueType::kString,
               .description = "where device-instance records are kept",
               .check = registry::check_not_empty},
              {.name = "demo",
               .type = registry::ValueType::kBool,
               .description = "also start the simulated devices (as --demo)"},
          }};
}

registry::SectionSchema http_schema() {
  return {.name = "http",
          .form = registry::SectionForm::kTable,
          .description = "the dashboard and GET /api/model",
          .keys = {
              {.name = "enabled",
               .type = registry::ValueType::kBool,
               .description = "false: no HTTP server"},
              {.name = "listen",
               .type = registry::ValueType::kString,
               .description = "HOST:PORT to listen on (default 127.0.0.1:8088; port 0: any free)",
               .check = registry::check_listen_address},
              {.name = "writes",
               .type = registry::ValueType::kBool,
               .description = "the dashboard may change settings (POST /api/write); default false"},
              {.name = "token",
               .type = registry::ValueType::kString,
               .description = "every POST needs Authorization: Bearer <token> (unset: none)",
               .check = registry::check_not_empty},
          }};
}

}  // namespace

void apply_overrides(toml::table& cfg, const RunOptions& opts) {
  if (opts.mqtt) {
    std::pair<std::string, int> hp;
    try {
      hp = registry::split_host_port(*opts.mqtt, 1883);
    } catch (const std::exception& e) {
      throw std::runtime_error("--mqtt " + *opts.mqtt + ": " + e.what());
    }
    if (auto* t = section(cfg, "mqtt")) {
      t->insert_or_assign("host", hp.first);
      t->insert_or_assign("port", hp.second);
      t->insert_or_assign("enabled", true);
    }
  }
  if (opts.portal_id)
    if (auto* t = section(cfg, "mqtt")) t->insert_or_assign("portal_id", *opts.portal_id);
  if (opts.http)
    if (auto* t = section(cfg, "http")) t->insert_or_assign("listen", *opts.http);
  if (opts.modbus) {
    if (auto* t = section(cfg, "modbus")) {
      t->insert_or_assign("listen", *opts.modbus);
      t->insert_or_assign("enabled", true);
    }
  }
  if (opts.data_dir)
    if (auto* t = section(cfg, "general")) t->insert_or_assign("data_dir", *opts.data_dir);
  if (opts.dbus) {
    if (auto* t = section(cfg, "dbus")) {
      t->insert_or_assign("bus", *opts.dbus);
      t->insert_or_assign("enabled", *opts.dbus != "none");
    }
  }
}

std::vector<registry::SectionSchema> config_schema() {
  std::vector<registry::SectionSchema> all{general_schema(), http_schema(), system_schema(),
                                           history_schema()};
  const auto& reg = registry::all();
  for (const auto& [kind, entry] : reg.drivers) all.push_back(entry.schema);
  for (const auto& [kind, entry] : reg.publishers) all.push_back(entry.schema);
  return all;
}

RunConfig load_run_config(const RunOptions& opts) {
  RunConfig rc;
  rc.demo = opts.demo;
  rc.file = opts.config_file.value_or(default_config_path());
  std::error_code ec;
  if (opts.config_file || std::filesystem::exists(rc.file, ec)) {
    rc.from_file = true;
    try {
      rc.table = load_config(rc.file);
    } catch (const std::exception& e) {
      rc.errors.push_back(e.what());
      return rc;
    }
  }
  registry::ValidateOptions vo;
  vo.file = rc.file.string();
  // Values from the command line have no line in the file: errors name the option instead.
  if (opts.mqtt) vo.origins["mqtt.host"] = vo.origins["mqtt.port"] = "--mqtt " + *opts.mqtt;
  if (opts.portal_id) vo.origins["mqtt.portal_id"] = "--portal-id " + *opts.portal_id;
  if (opts.http) vo.origins["http.listen"] = "--http " + *opts.http;
  if (opts.data_dir) vo.origins["general.data_dir"] = "--data-dir " + *opts.data_dir;
  if (opts.dbus) vo.origins["dbus.bus"] = "--dbus " + *opts.dbus;
  if (opts.modbus) vo.origins["modbus.listen"] = "--modbus " + *opts.modbus;
  try {
    apply_overrides(rc.table, opts);
  } catch (const std::exception& e) {
    rc.errors.push_back(e.what());
  }
  for (auto& e : registry::validate_config(rc.table, config_schema(), vo))
    rc.errors.push_back(std::move(e));
  if (rc.table["general"]["demo"].value_or(false)) rc.demo = true;
  return rc;
}

int check_config(const RunOptions& opts, std::ostream& out, std::ostream& err) {
  const auto rc = load_run_config(opts);
  for (const auto& e : rc.errors) err << e << '\n';
  if (!rc.errors.empty()) {
    err << "config has " << rc.errors.size() << (rc.errors.size() == 1 ? " error" : " errors")
        << '\n';
    return 2;
  }
  if (rc.from_file)
    out << "config OK: " << rc.file.string() << '\n';
  else
    out << "config OK: no config file at " << rc.file.string()
        << ", so `gxlink run` starts the built-in demo\n";
  return 0;
}

}  // namespace gxlink::app
