// SPDX-License-Identifier: MIT
#include "publishers/modbus/map_text.hpp"

#include <sstream>

#include "model/venus_formats.hpp"

namespace gxlink::publishers::modbus {

namespace {

std::string scale_text(double s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

/// "0=Off; 3=Bulk; ..." from the shared table of Venus path formats.
std::string enum_text(const gxlink::modbus::RegisterEntry& e) {
  const auto* f = model::find_path_format(e.service_type, e.path);
  if (!f || f->kind != model::TextKind::kEnum) return {};
  std::string out;
  for (const auto& v : f->enums) {
    if (!out.empty()) out += "; ";
    out += std::to_string(v.value) + "=" + std::string(v.text);
  }
  return out;
}

}  // namespace

bool print_register_map(std::ostream& out, std::string_view format,
                        const gxlink::modbus::RegisterMap& map) {
  if (format == "csv") {
    for (const auto& e : map.entries()) {
      out << "com.victronenergy." << e.service_type << ',' << e.path << ',' << e.dbus_type << ','
          << e.unit << ',' << e.address << ',' << e.type_name() << ',' << scale_text(e.scale) << ','
          << (e.writable ? 'W' : 'R') << '\n';
    }
    return true;
  }
  if (format != "md") return false;
  out << "# gxlink Modbus-TCP registers\n\n"
         "Register = round(value × scale); 32- and 64-bit values high word first; strings "
         "Latin-1, two characters per register. An invalid value reads as the type's "
         "not-available code (0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF) unless `[modbus] invalid = "
         "\"zero\"`.\n";
  std::string_view type;
  for (const auto& e : map.entries()) {
    if (e.service_type != type) {
      type = e.service_type;
      out << "\n## com.victronenergy." << type << "\n\n"
          << "| register | path | type | scale | unit | access | values |\n"
          << "|---|---|---|---|---|---|---|\n";
    }
    std::string values = enum_text(e);
    out << "| " << e.address << " | `" << e.path << "` | " << e.type_name() << " | "
        << scale_text(e.scale) << " | " << (e.unit == "enum" ? "" : e.unit) << " | "
        << (e.writable ? "W" : "R") << " | " << values << " |\n";
  }
  out << "\n## Unit ids\n\n"
         "A device whose /DeviceInstance equals the unit id answers at that unit id; otherwise "
         "this table gives the instance; otherwise the instance is the unit id.\n\n"
         "| unit id | device instance |\n|---|---|\n";
  for (const auto& u : gxlink::modbus::documented_unit_ids())
    out << "| " << int{u.unit} << " | " << u.instance << " |\n";
  return true;
}

}  // namespace gxlink::publishers::modbus
