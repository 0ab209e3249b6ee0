// SPDX-License-Identifier: MIT
// Config files are written by people and by tools, and the daemon must refuse what it does not
// understand without crashing (issue 11 item 6): any bytes → TOML parser → schema validation of
// every section the registry knows. A config that validates must also survive the overrides
// step; every error must name a place.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "app/config.hpp"
#include "registry/config_schema.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gxlink::app;
  using namespace gxlink::registry;
  static const std::vector<SectionSchema> schema = config_schema();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  toml::table cfg;
  try {
    cfg = toml::parse(text, std::string_view("fuzz.toml"));
  } catch (const toml::parse_error&) {
    return 0;  // refused with a position: what load_config reports as file:line:column
  }
  ValidateOptions o;
  o.file = "fuzz.toml";
  const auto errors = validate_config(cfg, schema, o);
  for (const auto& e : errors)
    if (e.empty()) std::abort();  // an error must say something
  if (errors.empty()) {
    RunOptions ro;
    ro.http = "127.0.0.1:8088";
    try {
      apply_overrides(cfg, ro);
    } catch (const std::exception&) {
      // a documented refusal of a bad override; never anything else
    }
  }
  return 0;
}
