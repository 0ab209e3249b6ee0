// SPDX-License-Identifier: MIT
#include "doctor/report.hpp"

#include <cstdio>
#include <sstream>

#include "core/text.hpp"

namespace gxlink::doctor {
namespace {

std::string hex_id(std::uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*X", width, v);
  return buf;
}

std::string number(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The protocols of a CAN source that may get a config section, in the order a shared slcan tty
// gives them its one section: the BMS decides whether an inverter may run, so it comes first.
enum class CanUse { kBms, kCanopen, kNmea2000 };

std::vector<CanUse> uses_of(const CanFinding& f) {
  std::vector<CanUse> u;
  if (f.bms.found()) u.push_back(CanUse::kBms);
  if (f.canopen.found()) u.push_back(CanUse::kCanopen);
  if (f.nmea2000.found()) u.push_back(CanUse::kNmea2000);
  return u;
}

std::string describe_vedirect(const VeDirectFinding& v) {
  std::string s = "VE.Direct";
  if (!v.product.empty()) {
    s += ": " + v.product;
  } else if (v.pid) {
    s += ": unknown product";
  }
  if (v.pid) s += " (PID " + hex_id(*v.pid, 4) + ")";
  if (!v.service_type.empty()) s += " → " + v.service_type;
  if (!v.serial.empty()) s += ", serial " + v.serial;
  if (!v.firmware.empty()) s += ", firmware " + v.firmware;
  s += "; " + std::to_string(v.text_blocks) + " TEXT block(s), " + std::to_string(v.hex_frames) +
       " HEX frame(s)";
  return s;
}

std::string describe_mk2(const Mk2Finding& m) {
  std::string s = "MK2/MK3 VE.Bus interface, firmware " + std::to_string(m.version);
  s += "; " + std::to_string(m.version_frames) + " version frame(s)";
  if (m.other_frames)
    s += ", " + std::to_string(m.other_frames) + " other frame(s): a host is using it";
  return s;
}

std::string describe_bms(const CanBmsFinding& b) {
  std::string s = "CAN-bus BMS: \"" + b.name + "\"";
  if (b.voltage) s += " " + number(*b.voltage, 2) + " V";
  if (b.soc) s += " " + number(*b.soc, 0) + " %";
  s += " (ids";
  for (auto id : b.ids) s += " " + hex_id(id, 3);
  s += ")";
  if (!b.limits) s += "; no 0x351 limits seen yet";
  if (b.inverter_frames) s += "; 0x305/0x307 seen: a GX or inverter already talks to it";
  return s;
}

std::string describe_n2k(const Nmea2000Finding& n) {
  std::string s = "NMEA 2000: " + std::to_string(n.nodes.size()) + " node(s)";
  std::string sep = " [";
  for (const auto& [addr, node] : n.nodes) {
    s += sep + std::to_string(addr);
    sep = ", ";
    if (!node.manufacturer_name.empty()) {
      s += " " + node.manufacturer_name;
    } else if (node.manufacturer) {
      s += " manufacturer " + std::to_string(*node.manufacturer);
    }
    if (!node.model.empty()) s += " " + node.model;
  }
  if (!n.nodes.empty()) s += "]";
  s += "; PGNs";
  for (auto p : n.pgns) s += " " + std::to_string(p);
  return s;
}

std::string describe_canopen(const CanopenFinding& c) {
  std::string s = "CANopen heartbeats from node(s)";
  for (const auto& [node, state] : c.nodes) s += " " + std::to_string(node) + " (" + state + ")";
  if (c.sdo_frames) s += "; SDO traffic of another master seen";
  return s;
}

// Text from devices and paths for a `## ` comment line: valid UTF-8 (TOML requires it of the whole
// file) and no control character, so that nothing in a name can end the comment and start a key.
std::string comment(std::string_view text) {
  std::string s = is_valid_utf8(text) ? std::string(text) : latin1_to_utf8(text);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return s;
}

std::string bus_label(const CanReport& b) {
  std::string s = b.spec;
  if (b.bitrate) s += " @" + std::to_string(*b.bitrate / 1000) + " kbit/s";
  return s;
}

}  // namespace

bool Report::found_any() const noexcept {
  for (const auto& p : ports)
    if (p.vedirect.found() || p.mk2.found()) return true;
  for (const auto& b : buses)
    if (b.finding.found()) return true;
  return false;
}

std::optional<std::string> toml_string(std::string_view s) {
  if (!is_valid_utf8(s)) return std::nullopt;
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7F) {  // TOML 1.0 §String: control characters must be escaped
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string format_table(const Report& r) {
  std::ostringstream o;
  constexpr int kWidth = 44;
  auto line = [&](const std::string& left, const std::string& right) {
    o << left;
    for (std::size_t i = left.size(); i < kWidth; ++i) o << ' ';
    o << ' ' << right << '\n';
  };
  line("SERIAL PORT", "FOUND");
  if (r.ports.empty()) o << "(no serial ports)\n";
  for (const auto& p : r.ports) {
    if (!p.error.empty()) {
      line(p.path, "could not open: " + p.error);
    } else if (p.vedirect.found()) {
      line(p.path, describe_vedirect(p.vedirect));
    } else if (p.mk2.found()) {
      line(p.path, describe_mk2(p.mk2));
    } else if (p.slcan && p.slcan->found()) {
      std::string s = "slcan adapter";
      if (!p.slcan->version.empty()) s += " (" + p.slcan->version + ")";
      line(p.path, s + "; its bus is listed below");
    } else {
      std::string s = "nothing recognised (VE.Direct at 19200, MK2 at 2400";
      if (p.slcan) s += ", slcan query";
      s += ")";
      if (p.slcan_needs_writes)
        s += "; an slcan adapter cannot be probed listen-only: --allow-writes asks it";
      line(p.path, s);
    }
  }
  o << '\n';
  line("CAN", "FOUND");
  if (r.buses.empty()) o << "(no CAN interfaces)\n";
  for (const auto& b : r.buses) {
    if (b.needs_writes) {
      line(bus_label(b),
           "not probed: an slcan adapter opens its bus only on O (a write); use --allow-writes");
      continue;
    }
    if (!b.error.empty()) {
      line(bus_label(b), "could not open: " + b.error);
      continue;
    }
    const auto& f = b.finding;
    std::vector<std::string> found;
    if (f.bms.found()) found.push_back(describe_bms(f.bms));
    if (f.nmea2000.found()) found.push_back(describe_n2k(f.nmea2000));
    if (f.canopen.found()) found.push_back(describe_canopen(f.canopen));
    if (found.empty()) {
      line(bus_label(b), std::to_string(f.frames) + " frame(s), nothing recognised");
      continue;
    }
    for (std::size_t i = 0; i < found.size(); ++i) line(i == 0 ? bus_label(b) : "", found[i]);
  }
  return o.str();
}

std::string make_config(const Report& r) {
  std::ostringstream o;
  o << "## gxlink configuration written by `gxlink doctor` from what answered during a "
    << number(r.seconds, 1) << " s probe.\n"
    << "## Check it with `gxlink run --check-config --config FILE`; every key is documented in\n"
    << "## config/gxlink.example.toml.\n\n"
    << "[http]\n"
    << "listen = \"127.0.0.1:8088\"   # the dashboard and GET /api/model, loopback only\n";
  auto skip = [&](const std::string& what, const std::string& why) {
    o << "\n## " << comment(what) << ": left out, " << why << '\n';
  };
  for (const auto& p : r.ports) {
    const auto port = toml_string(p.path);
    const auto device = toml_string(p.device);
    if (p.vedirect.found()) {
      if (!port || !device) {
        skip(p.path, "its path is not valid UTF-8, which TOML cannot hold");
        continue;
      }
      o << "\n## " << comment(describe_vedirect(p.vedirect)) << '\n'
        << "[[vedirect]]\nport = " << *port << "\nname = " << *device << '\n';
    } else if (p.mk2.found()) {
      if (!port || !device) {
        skip(p.path, "its path is not valid UTF-8, which TOML cannot hold");
        continue;
      }
      o << "\n## " << comment(describe_mk2(p.mk2)) << '\n';
      if (p.mk2.other_frames)
        o << "## Another host already talks to this interface: run only one of them.\n";
      o << "[[vebus]]\nport = " << *port << "\nconnection = " << *device << '\n';
    }
  }
  for (const auto& b : r.buses) {
    if (!b.error.empty() || b.needs_writes) continue;
    const auto uses = uses_of(b.finding);
    if (uses.empty()) continue;
    const auto iface = toml_string(b.config_spec);
    if (!iface) {
      skip(b.spec, "its name is not valid UTF-8, which TOML cannot hold");
      continue;
    }
    bool first = true;
    for (const auto use : uses) {
      // An slcan tty serves one section (the daemon refuses two on one port); the rest as comments.
      const bool commented = b.slcan && !first;
      const std::string c = commented ? "# " : "";
      first = false;
      o << '\n';
      if (commented)
        o << "## Also on " << comment(b.spec)
          << ", but an slcan adapter serves one section only:\n";
      switch (use) {
        case CanUse::kBms:
          o << "## " << comment(describe_bms(b.finding.bms)) << '\n'
            << c << "[[canbms]]\n"
            << c << "interface = " << *iface << '\n';
          // The service name from the tty's short name, not from a long by-id path.
          if (b.slcan && !b.device.empty())
            if (const auto conn = toml_string("socketcan_" + b.device))
              o << c << "connection = " << *conn << '\n';
          o << "## As a GX does: 0x305/0x307 every second (some batteries stop without them);\n"
            << "## false only listens.\n"
            << c << "keepalive = true\n";
          break;
        case CanUse::kCanopen: {
          o << "## " << comment(describe_canopen(b.finding.canopen)) << '\n'
            << "## gxlink reads each node with SDO requests (listen_only = true sends nothing).\n"
            << c << "[[canopen]]\n"
            << c << "interface = " << *iface << '\n'
            << c << "nodes = [";
          bool sep = false;
          for (const auto& [node, state] : b.finding.canopen.nodes) {
            o << (sep ? ", " : "") << static_cast<int>(node);
            sep = true;
          }
          o << "]\n";
          break;
        }
        case CanUse::kNmea2000:
          o << "## " << comment(describe_n2k(b.finding.nmea2000)) << '\n';
          if (!b.file)
            o << "## active = true claims an address and answers requests; false only listens.\n";
          o << c << "[[nmea2000]]\n";
          if (b.file) {  // a recording cannot answer: the section's replay key reads it
            o << c << "replay = " << *toml_string(b.config_spec.substr(5)) << '\n';
          } else {
            o << c << "interface = " << *iface << '\n' << c << "active = true\n";
          }
          break;
      }
    }
  }
  if (!r.found_any()) o << "\n## No device answered: nothing to run yet.\n";
  return o.str();
}

nlohmann::json to_json(const Report& r) {
  using nlohmann::json;
  json j;
  j["seconds"] = r.seconds;
  j["allow_writes"] = r.allow_writes;
  j["found"] = r.found_any();
  j["ports"] = json::array();
  for (const auto& p : r.ports) {
    json e{{"path", p.path}, {"device", p.device}};
    if (!p.error.empty()) e["error"] = p.error;
    std::string kind = "none";
    if (p.vedirect.found()) {
      kind = "vedirect";
    } else if (p.mk2.found()) {
      kind = "mk2";
    } else if (p.slcan && p.slcan->found()) {
      kind = "slcan";
    }
    e["found"] = kind;
    const auto& v = p.vedirect;
    e["vedirect"] = {
        {"text_blocks", v.text_blocks},  {"bad_blocks", v.bad_blocks}, {"hex_frames", v.hex_frames},
        {"product", v.product},          {"serial", v.serial},         {"firmware", v.firmware},
        {"service_type", v.service_type}};
    e["vedirect"]["pid"] = v.pid ? json(hex_id(*v.pid, 4)) : json(nullptr);
    e["mk2"] = {{"version_frames", p.mk2.version_frames},
                {"other_frames", p.mk2.other_frames},
                {"version", p.mk2.version}};
    if (p.slcan)
      e["slcan"] = {{"version", p.slcan->version},
                    {"oks", p.slcan->oks},
                    {"errors", p.slcan->errors},
                    {"frames", p.slcan->frames}};
    e["slcan_needs_writes"] = p.slcan_needs_writes;
    j["ports"].push_back(std::move(e));
  }
  j["can"] = json::array();
  for (const auto& b : r.buses) {
    json e{{"spec", b.spec}, {"interface", b.config_spec}};
    e["bitrate"] = b.bitrate ? json(*b.bitrate) : json(nullptr);
    if (!b.error.empty()) e["error"] = b.error;
    e["needs_writes"] = b.needs_writes;
    const auto& f = b.finding;
    e["frames"] = f.frames;
    e["standard"] = f.standard;
    e["extended"] = f.extended;
    json ids = json::array();
    for (auto id : f.bms.ids) ids.push_back(hex_id(id, 3));
    e["canbms"] = {{"found", f.bms.found()},
                   {"frames", f.bms.frames},
                   {"ids", ids},
                   {"name", f.bms.name},
                   {"manufacturer", f.bms.manufacturer},
                   {"inverter_frames", f.bms.inverter_frames}};
    e["canbms"]["voltage"] = f.bms.voltage ? json(*f.bms.voltage) : json(nullptr);
    e["canbms"]["soc"] = f.bms.soc ? json(*f.bms.soc) : json(nullptr);
    json nodes = json::array();
    for (const auto& [addr, n] : f.nmea2000.nodes) {
      json node{{"address", addr},
                {"messages", n.messages},
                {"model", n.model},
                {"manufacturer_name", n.manufacturer_name}};
      node["manufacturer"] = n.manufacturer ? json(*n.manufacturer) : json(nullptr);
      node["device_function"] = n.device_function ? json(*n.device_function) : json(nullptr);
      node["device_class"] = n.device_class ? json(*n.device_class) : json(nullptr);
      node["device_instance"] = n.device_instance ? json(*n.device_instance) : json(nullptr);
      nodes.push_back(std::move(node));
    }
    e["nmea2000"] = {{"found", f.nmea2000.found()},
                     {"messages", f.nmea2000.messages},
                     {"address_claims", f.nmea2000.address_claims},
                     {"pgns", f.nmea2000.pgns},
                     {"nodes", nodes}};
    json co = json::array();
    for (const auto& [node, state] : f.canopen.nodes)
      co.push_back({{"node", node}, {"state", state}});
    e["canopen"] = {{"found", f.canopen.found()},
                    {"heartbeats", f.canopen.heartbeats},
                    {"sdo_frames", f.canopen.sdo_frames},
                    {"nodes", co}};
    j["can"].push_back(std::move(e));
  }
  j["config"] = make_config(r);
  return j;
}

}  // namespace gxlink::doctor
