// SPDX-License-Identifier: MIT
#include "registry/config_schema.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>
#include <asio/io_context.hpp>

#include "transport/can_transport_spec.hpp"
#include "transport/slcan_codec.hpp"

namespace gxlink::registry {

const KeySchema* SectionSchema::find(std::string_view key) const {
  for (const auto& k : keys)
    if (k.name == key) return &k;
  return nullptr;
}

namespace {

std::string got(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string expected(ValueType t) {
  switch (t) {
    case ValueType::kString: return "a string";
    case ValueType::kInteger: return "an integer";
    case ValueType::kFloat: return "a number";
    case ValueType::kBool: return "a boolean (true or false)";
    case ValueType::kArray: return "an array";
    case ValueType::kTable: return "a table";
    case ValueType::kArrayOfTables: return "an array of tables";
  }
  return "?";
}

bool type_ok(ValueType t, const toml::node& n) {
  switch (t) {
    case ValueType::kString: return n.is_string();
    case ValueType::kInteger: return n.is_integer();
    case ValueType::kFloat: return n.is_number();
    case ValueType::kBool: return n.is_boolean();
    case ValueType::kArray: return n.is_array();
    case ValueType::kTable: return n.is_table();
    case ValueType::kArrayOfTables: {
      const auto* a = n.as_array();
      return a &&
             std::all_of(a->begin(), a->end(), [](const toml::node& e) { return e.is_table(); });
    }
  }
  return false;
}

std::string range_text(const KeySchema& k) {
  if (k.min && k.max) {
    if (k.min_exclusive) return fmt::format("> {} and <= {}", *k.min, *k.max);
    return fmt::format("{}..{}", *k.min, *k.max);
  }
  if (k.min) return fmt::format("{} {}", k.min_exclusive ? ">" : ">=", *k.min);
  if (k.max) return fmt::format("<= {}", *k.max);
  return {};
}

std::string names(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  std::string s;
  for (const auto& n : v) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string canonical_device(const std::string& path) {
  std::error_code ec;
  auto c = std::filesystem::canonical(path, ec);  // by-id links and the tty they name are one port
  return ec ? std::filesystem::path(path).lexically_normal().string() : c.string();
}

class Validator {
 public:
  Validator(const std::vector<SectionSchema>& sections, const ValidateOptions& opts)
      : sections_(sections), opts_(opts) {}

  std::vector<std::string> run(const toml::table& cfg) {
    for (auto&& [key, node] : cfg) {
      const std::string name(key.str());
      const auto it = std::find_if(sections_.begin(), sections_.end(),
                                   [&](const SectionSchema& s) { return s.name == name; });
      if (it == sections_.end()) {
        std::vector<std::string> known;
        for (const auto& s : sections_) known.push_back(s.name);
        // A bare `lisen = 1` above every section is a key, not a section: say which it is.
        const bool is_section = node.is_table() || node.is_array_of_tables();
        error(key.source(), name,
              is_section
                  ? "unknown section [" + name + "] (known: " + names(known) + ")"
                  : "unknown top-level key '" + name +
                        "': every setting belongs in a section (known: " + names(known) + ")");
        continue;
      }
      section(*it, node, key.source());
    }
    report_shared_ports();
    // In file order (tables iterate by key), command-line values first.
    std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
      return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    std::vector<std::string> out;
    for (auto& e : errors_) out.push_back(std::move(e.text));
    return out;
  }

 private:
  void section(const SectionSchema& s, const toml::node& node, const toml::source_region& at) {
    if (const auto* t = node.as_table()) {
      if (s.form == SectionForm::kArrayOfTables)
        return error(at, s.name,
                     "[" + s.name + "] must be written [[" + s.name + "]] (one table per device)");
      return table(s, *t, "[" + s.name + "]", s.name + ".");
    }
    if (const auto* a = node.as_array()) {
      if (s.form == SectionForm::kTable)
        return error(at, s.name, "[[" + s.name + "]] must be a single table [" + s.name + "]");
      for (const auto& e : *a) {
        if (const auto* t = e.as_table())
          table(s, *t, "[[" + s.name + "]]", s.name + ".");
        else
          error(e.source(), s.name, "expected a table in [[" + s.name + "]], got " + got(e) + "");
      }
      return;
    }
    error(at, s.name, "expected a table [" + s.name + "], got " + got(node));
  }

  void table(const SectionSchema& s, const toml::table& t, const std::string& label,
             const std::string& prefix) {
    for (auto&& [key, value] : t) {
      const std::string name(key.str());
      const KeySchema* k = s.find(name);
      if (!k) {
        std::vector<std::string> known;
        for (const auto& e : s.keys) known.push_back(e.name);
        error(key.source(), prefix + name,
              "unknown key '" + name + "' in " + label + " (known: " + names(known) + ")");
        continue;
      }
      this->value(*k, value, label, prefix + name);
    }
    for (const auto& k : s.keys)
      if (k.required && !t.contains(k.name))
        error(t.source(), prefix + k.name,
              "missing key '" + k.name + "' in " + label + ": " + k.description);
  }

  void value(const KeySchema& k, const toml::node& v, const std::string& label,
             const std::string& dotted) {
    const auto& at = v.source();
    const std::string what = "'" + k.name + "' in " + label;
    if (!type_ok(k.type, v))
      return error(at, dotted, "expected " + expected(k.type) + " for " + what + ", got " + got(v));
    if (k.type == ValueType::kInteger || k.type == ValueType::kFloat) {
      const double d =
          v.is_integer() ? static_cast<double>(*v.value<std::int64_t>()) : *v.value<double>();
      const std::string shown =
          v.is_integer() ? std::to_string(*v.value<std::int64_t>()) : fmt::format("{}", d);
      if (!std::isfinite(d)) return error(at, dotted, what + " must be a finite number");
      const bool low = k.min && (k.min_exclusive ? !(d > *k.min) : !(d >= *k.min));
      const bool high = k.max && !(d <= *k.max);
      if (low || high)
        return error(at, dotted,
                     what + " is " + shown + ", out of range: it must be " + range_text(k));
    }
    if (k.type == ValueType::kString && !k.choices.empty()) {
      const auto s = *v.value<std::string>();
      if (std::find(k.choices.begin(), k.choices.end(), s) == k.choices.end()) {
        std::string list;
        for (const auto& c : k.choices) list += (list.empty() ? "\"" : ", \"") + c + "\"";
        return error(at, dotted, what + " is \"" + s + "\"; it must be one of " + list);
      }
    }
    // A table's own keys first: its check (what its keys mean together) runs only on keys that
    // are each well formed, so a bad key is reported once, where it is.
    const std::size_t errors_before = errors_.size();
    if (k.fields) {
      const std::string sub = label.starts_with("[[") ? label.substr(2, label.size() - 4)
                                                      : label.substr(1, label.size() - 2);
      if (const auto* t = v.as_table())
        table(*k.fields, *t, "[" + sub + "." + k.name + "]", dotted + ".");
      if (const auto* a = v.as_array())
        for (const auto& e : *a)
          if (const auto* t = e.as_table())
            table(*k.fields, *t, "[[" + sub + "." + k.name + "]]", dotted + ".");
    }
    if (k.check && errors_.size() == errors_before) {
      std::string problem;
      try {
        problem = k.check(v);
      } catch (const std::exception& e) {  // a check must not take validation down
        problem = e.what();
      }
      if (!problem.empty()) return error(at, dotted, what + ": " + problem);
    }
    if (k.device != DeviceRole::kNone) device(k, v, label, dotted);
  }

  // One serial port, one section: two drivers on one tty would steal each other's bytes. A
  // SocketCAN interface is shared by the kernel, so only slcan ttys count for CAN specs.
  void device(const KeySchema& k, const toml::node& v, const std::string& label,
              const std::string& dotted) {
    const auto s = v.value<std::string>();
    if (!s) return;
    const std::string path = k.device == DeviceRole::kSerialPort ? *s : slcan_device(*s);
    if (path.empty()) return;
    devices_[canonical_device(path)].push_back({path, label, dotted, v.source()});
  }

  // The first section in the file keeps a port; each later one on it is an error.
  void report_shared_ports() {
    for (auto& [id, uses] : devices_) {
      std::stable_sort(uses.begin(), uses.end(), [](const DeviceUse& a, const DeviceUse& b) {
        return std::pair(a.at.begin.line, a.at.begin.column) <
               std::pair(b.at.begin.line, b.at.begin.column);
      });
      for (std::size_t i = 1; i < uses.size(); ++i)
        error(uses[i].at, uses[i].dotted,
              "serial port '" + uses[i].path + "' of " + uses[i].label + " is already used by " +
                  uses[0].label + " at " + where(uses[0].at, uses[0].dotted) +
                  "; one serial port can serve only one section");
    }
  }

  std::string where(const toml::source_region& at, const std::string& dotted) const {
    if (at.begin.line > 0)
      return fmt::format("{}:{}:{}", opts_.file, at.begin.line, at.begin.column);
    if (auto it = opts_.origins.find(dotted); it != opts_.origins.end()) return it->second;
    return opts_.file;
  }

  void error(const toml::source_region& at, const std::string& dotted, const std::string& msg) {
    errors_.push_back({at.begin.line, at.begin.column, where(at, dotted) + ": " + msg});
  }

  struct Error {
    toml::source_index line;
    toml::source_index column;
    std::string text;
  };

  const std::vector<SectionSchema>& sections_;
  const ValidateOptions& opts_;
  std::vector<Error> errors_;
  struct DeviceUse {
    std::string path;
    std::string label;
    std::string dotted;
    toml::source_region at;
  };
  std::map<std::string, std::vector<DeviceUse>> devices_;  ///< by canonical tty path
};

}  // namespace

std::vector<std::string> validate_config(const toml::table& cfg,
                                         const std::vector<SectionSchema>& sections,
                                         const ValidateOptions& opts) {
  return Validator(sections, opts).run(cfg);
}

std::optional<int> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int p = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    p = p * 10 + (c - '0');
  }
  if (p > 65535) return std::nullopt;
  return p;
}

std::pair<std::string, int> split_host_port(const std::string& s, int default_port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return {s, default_port};
  const std::string host = s.substr(0, colon);
  const auto port = parse_port(std::string_view(s).substr(colon + 1));
  if (!port) throw std::runtime_error("bad port in '" + s + "' (0..65535)");
  return {host.empty() ? "127.0.0.1" : host, *port};
}

std::string check_listen_address(const toml::node& n) {
  const auto s = n.value<std::string>().value_or("");
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return "\"" + s + "\" is not HOST:PORT, e.g. \"127.0.0.1:8088\"";
  if (!parse_port(std::string_view(s).substr(colon + 1)))
    return "bad port in \"" + s + "\" (HOST:PORT with a port of 0..65535; 0 picks a free one)";
  return {};
}

std::string check_not_empty(const toml::node& n) {
  return n.value<std::string>().value_or("").empty() ? "must not be empty" : "";
}

std::function<std::string(const toml::node&)> check_excludes(std::string chars, bool non_empty) {
  return [chars = std::move(chars), non_empty](const toml::node& n) -> std::string {
    const std::string s = n.value<std::string>().value_or("");
    if (non_empty && s.empty()) return "must not be empty";
    if (s.find_first_of(chars) == std::string::npos) return "";
    std::string listed;
    for (std::size_t i = 0; i < chars.size(); ++i) {
      if (i > 0) listed += i + 1 == chars.size() ? " or " : ", ";
      listed += '\'';
      listed += chars[i];
      listed += '\'';
    }
    return "must not contain " + listed;
  };
}

std::string check_can_bitrate(const toml::node& n) {
  const auto v = n.value<std::int64_t>().value_or(0);
  if (v > 0 && v <= 1'000'000 && transport::slcan::encode_bitrate(static_cast<unsigned>(v)))
    return {};
  return "unsupported CAN bit rate " + std::to_string(v) +
         " (10000, 20000, 50000, 100000, 125000, 250000, 500000, 800000, 1000000)";
}

std::function<std::string(const toml::node&)> check_can_spec(unsigned default_bitrate) {
  return [default_bitrate](const toml::node& n) -> std::string {
    const auto spec = n.value<std::string>().value_or("");
    // Built exactly as the driver builds it, so the two cannot disagree; building opens nothing
    // (can_transport_spec.hpp).
    asio::io_context io;
    try {
      transport::make_can_transport(io, spec, default_bitrate);
    } catch (const std::exception& e) {
      return e.what();
    }
    return {};
  };
}

std::string slcan_device(std::string_view spec) {
  if (!spec.starts_with("slcan:")) return {};
  spec.remove_prefix(6);
  return std::string(spec.substr(0, spec.rfind('@')));
}

}  // namespace gxlink::registry
