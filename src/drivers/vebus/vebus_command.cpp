// SPDX-License-Identifier: MIT
#include "drivers/vebus/vebus_command.hpp"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>

#include "protocols/vebus/codec.hpp"
#include "protocols/vebus/session.hpp"
#include "registry/registry.hpp"
#include "transport/serial_port.hpp"

namespace gxlink::drivers::vebus {

namespace vb = gxlink::vebus;

namespace {

std::string fmt(double v, int decimals, const char* unit) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f %s", decimals, v, unit);
  return b;
}

std::optional<double> parse_number(const std::string& s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

/// A live MK2 session on a serial port, driven by hand from the command.
class Link {
 public:
  Link(const VebusCommandOptions& o) : port_(io_, transport::SerialOptions{o.port, o.baud}) {
    vb::SessionOptions so;
    so.address = static_cast<std::uint8_t>(o.address);
    session_ = vb::Session(so);
    session_.set_tx([this](ByteView b) { port_.write(b); });
    port_.set_data_handler([this](ByteView b, TimePoint now) { session_.on_bytes(b, now); });
    port_.set_state_handler([this](bool open, const std::string& reason) {
      if (open)
        session_.start(Clock::now());
      else {
        error_ = reason;
        session_.stop();
      }
    });
    port_.start();
  }

  /// Runs the loop until `done()` or the deadline; false on timeout.
  template <class Done>
  bool run_until(Done done, double seconds) {
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
    while (Clock::now() < deadline) {
      io_.restart();
      io_.run_for(milliseconds(20));
      session_.on_tick(Clock::now());
      for (auto& c : session_.take_completions()) completions_.push_back(c);
      session_.take_events();
      if (done()) return true;
    }
    return false;
  }

  vb::Session& session() { return session_; }
  const std::string& error() const { return error_; }
  std::optional<vb::WriteCompletion> completion(std::uint32_t id) const {
    for (auto& c : completions_)
      if (c.id == id) return c;
    return std::nullopt;
  }

 private:
  asio::io_context io_;
  transport::SerialPort port_;
  vb::Session session_;
  std::string error_;
  std::vector<vb::WriteCompletion> completions_;
};

void print_setting(const vb::UnitState& st, const vb::SettingDescriptor& d) {
  auto v = st.setting_value(d.id);
  auto info = st.setting_info.find(d.id);
  if (!v || info == st.setting_info.end()) {
    std::cout << d.cli_name << " = --- (not supported by this unit)\n";
    return;
  }
  const int dec = d.unit == "V" ? 2 : 1;
  const char* unit = d.unit.data();
  std::cout << d.cli_name << " = " << fmt(*v, dec, unit) << "  (unit range "
            << fmt(info->second.min_value(), dec, unit) << " .. "
            << fmt(info->second.max_value(), dec, unit) << ", default "
            << fmt(info->second.default_value(), dec, unit) << ")\n";
}

void print_switch(const vb::UnitState& st, const std::string& what) {
  if (!st.config) return;
  if (what == "mode" || what == "all")
    std::cout << "mode = " << vb::to_string(st.config->switch_state()) << '\n';
  if (what == "input-current-limit" || what == "all")
    std::cout << "input-current-limit = " << fmt(st.config->actual_limit / 10.0, 1, "A")
              << "  (unit range " << fmt(st.config->min_limit / 10.0, 1, "A") << " .. "
              << fmt(st.config->max_limit / 10.0, 1, "A") << ")\n";
}

}  // namespace

CLI::App* add_vebus_command(CLI::App& app, VebusCommandOptions& o) {
  auto* cmd = app.add_subcommand("vebus", "Read or change a VE.Bus unit's settings via an MK2/MK3");
  cmd->add_option("--port", o.port, "serial port of the MK2/MK3")->required();
  cmd->add_option("--baud", o.baud, "baud rate")->capture_default_str();
  cmd->add_option("--address", o.address, "VE.Bus address")->capture_default_str();
  cmd->add_option("--timeout", o.timeout, "seconds to wait for the unit")->capture_default_str();
  cmd->require_subcommand(1);
  auto* get = cmd->add_subcommand(
      "get", "print a setting: absorption, float, input-current-limit, mode, all");
  get->add_option("setting", o.name)->required();
  get->callback([&o] { o.action = "get"; });
  auto* set = cmd->add_subcommand("set",
                                  "change a setting: absorption V, float V, input-current-limit A, "
                                  "mode on|off|charger-only|inverter-only");
  set->add_option("setting", o.name)->required();
  set->add_option("value", o.value)->required();
  set->add_flag("--persist", o.persist,
                "write to EEPROM too (survives a restart; default: RAM only)");
  set->add_flag("--dry-run", o.dry_run, "show what would be sent, send nothing");
  set->callback([&o] { o.action = "set"; });
  return cmd;
}

namespace {

void report_unknown_setting(const std::string& name) {
  std::cerr << "gxlink vebus: unknown setting '" << name
            << "' (absorption, float, input-current-limit, mode, all";
  for (const auto& d : vb::kSettings)
    if (d.cli_name != "absorption" && d.cli_name != "float") std::cerr << ", " << d.cli_name;
  std::cerr << ")\n";
}

void print_unit(const vb::UnitState& st) {
  std::cout << "unit: "
            << (st.nominal_voltage ? std::to_string(*st.nominal_voltage) + " V"
                                   : std::string("unknown nominal voltage"))
            << " battery, via " << vb::to_string(st.interface_kind) << '\n';
}

/// `get`: the switch values come with the config frame; a setting is read first if not yet known.
int run_get(Link& link, const VebusCommandOptions& o, bool is_switch,
            const vb::SettingDescriptor* desc) {
  auto& s = link.session();
  const auto& st = s.state();
  if (is_switch || o.name == "all") print_switch(st, o.name);
  if (desc && !st.setting_info.count(desc->id)) {
    auto id = s.read_setting(desc->id);
    if (id) link.run_until([&] { return link.completion(*id).has_value(); }, o.timeout);
  }
  if (desc) print_setting(st, *desc);
  if (o.name == "all") {
    for (auto id : {vb::setting::kUBatAbsorption, vb::setting::kUBatFloat})
      print_setting(st, *vb::find_setting(id));
  }
  return 0;
}

/// Where starting a write ended: sent (the id to wait for), or here with an exit code (2 refused,
/// 0 dry run).
struct WriteStart {
  std::optional<std::uint32_t> id{};
  int exit_code = 0;
};

/// `set mode` / `set input-current-limit`: checked, shown with its frame, then sent.
WriteStart start_switch_write(vb::Session& s, const VebusCommandOptions& o) {
  std::optional<vb::SwitchState> mode;
  std::optional<double> limit;
  if (o.name == "mode") {
    mode = vb::parse_switch_state(o.value);
    if (!mode) {
      std::cerr << "gxlink vebus: mode must be on, off, charger-only or inverter-only\n";
      return {.exit_code = 2};
    }
  } else {
    limit = parse_number(o.value);
    if (!limit) {
      std::cerr << "gxlink vebus: input-current-limit needs a number of amps\n";
      return {.exit_code = 2};
    }
  }
  auto ok = s.check_switch_write(mode, limit);
  if (!ok) {
    std::cerr << "refused: " << ok.error().detail << '\n';
    return {.exit_code = 2};
  }
  const auto& c = *s.state().config;
  if (mode)
    std::cout << "mode: " << vb::to_string(c.switch_state()) << " -> " << vb::to_string(*mode)
              << '\n';
  if (limit)
    std::cout << "input-current-limit: " << fmt(c.actual_limit / 10.0, 1, "A") << " -> "
              << fmt(*limit, 1, "A") << '\n';
  std::cout << "frame: " << to_hex(vb::encode_switch(*ok, limit).view()) << '\n';
  if (o.dry_run) {
    std::cout << "dry run: nothing sent\n";
    return {.exit_code = 0};
  }
  auto id = s.write_switch(mode, limit);
  if (!id) {
    std::cerr << "refused: " << id.error().detail << '\n';
    return {.exit_code = 2};
  }
  return {.id = *id};
}

/// `set <setting> <value>`: range-checked by the unit's own limits, shown with its frame and where
/// it goes (RAM, or EEPROM too with --persist), then sent.
WriteStart start_setting_write(vb::Session& s, const VebusCommandOptions& o,
                               const vb::SettingDescriptor& desc) {
  auto value = parse_number(o.value);
  if (!value) {
    std::cerr << "gxlink vebus: " << o.name << " needs a number\n";
    return {.exit_code = 2};
  }
  if (!desc.cli_writable) {
    std::cerr << "refused: " << o.name << " is read-only here\n";
    return {.exit_code = 2};
  }
  auto raw = s.check_setting_write(desc.id, *value);
  if (!raw) {
    std::cerr << "refused: " << raw.error().detail << '\n';
    return {.exit_code = 2};
  }
  const int dec = desc.unit == "V" ? 2 : 1;
  auto cur = s.state().setting_value(desc.id);
  std::cout << o.name << ": " << (cur ? fmt(*cur, dec, desc.unit.data()) : std::string("---"))
            << " -> " << fmt(*value, dec, desc.unit.data()) << " (setting " << desc.id << ", raw "
            << *raw << "), " << (o.persist ? "RAM and EEPROM" : "RAM only") << '\n';
  std::cout << "frame: "
            << to_hex(vb::encode_write_via_id('X', true, !o.persist,
                                              static_cast<std::uint8_t>(desc.id), *raw)
                          .view())
            << '\n';
  if (o.persist)
    std::cerr << "warning: --persist writes the unit's EEPROM: the value survives a restart, and "
                 "EEPROM wears with every write; do not script it\n";
  else
    std::cout << "RAM only: the unit returns to its stored value when it restarts\n";
  if (o.dry_run) {
    std::cout << "dry run: nothing sent\n";
    return {.exit_code = 0};
  }
  auto id = s.write_setting(desc.id, *value, o.persist);
  if (!id) {
    std::cerr << "refused: " << id.error().detail << '\n';
    return {.exit_code = 2};
  }
  return {.id = *id};
}

/// Waits for the session's read-back of write `id` and shows the value the unit now has.
int confirm_write(Link& link, const VebusCommandOptions& o, std::uint32_t id, bool is_switch,
                  const vb::SettingDescriptor* desc) {
  if (!link.run_until([&] { return link.completion(id).has_value(); }, o.timeout)) {
    std::cerr << "gxlink vebus: no read-back from the unit\n";
    return 1;
  }
  auto c = *link.completion(id);
  if (!c.ok) {
    std::cerr << "NOT confirmed: " << c.error.message() << '\n';
    return 1;
  }
  std::cout << "confirmed by read-back"
            << (c.acknowledged ? "" : " (the unit sent no acknowledgement)") << '\n';
  if (is_switch)
    print_switch(link.session().state(), o.name);
  else
    print_setting(link.session().state(), *desc);
  return 0;
}

}  // namespace

int run_vebus_command(VebusCommandOptions& o) {
  const bool is_switch = o.name == "mode" || o.name == "input-current-limit";
  const vb::SettingDescriptor* desc =
      is_switch || o.name == "all" ? nullptr : vb::find_setting(o.name);
  if (!is_switch && o.name != "all" && !desc) {
    report_unknown_setting(o.name);
    return 2;
  }
  if (o.action == "set" && o.name == "all") {
    std::cerr << "gxlink vebus: set needs one setting\n";
    return 2;
  }

  Link link(o);
  auto& s = link.session();
  // Ready, and one poll cycle done so the config frame (switch, limit range) is known.
  if (!link.run_until([&] { return s.ready() && s.state().config.has_value(); }, o.timeout)) {
    std::cerr << "gxlink vebus: no VE.Bus unit answered on " << o.port
              << (link.error().empty() ? "" : " (" + link.error() + ")") << '\n';
    return 3;
  }
  print_unit(s.state());
  if (o.action == "get") return run_get(link, o, is_switch, desc);

  const WriteStart write = is_switch ? start_switch_write(s, o) : start_setting_write(s, o, *desc);
  if (!write.id) return write.exit_code;
  return confirm_write(link, o, *write.id, is_switch, desc);
}

}  // namespace gxlink::drivers::vebus

namespace gxlink::registry {

// `gxlink vebus ...` as a registered subcommand, so that the command line names no protocol.
void register_vebus_command(Registry& r) {
  r.commands.emplace_back("vebus", [](CLI::App& app) {
    auto opts = std::make_shared<drivers::vebus::VebusCommandOptions>();
    auto* sub = drivers::vebus::add_vebus_command(app, *opts);
    return Command{sub, [opts] { return drivers::vebus::run_vebus_command(*opts); }};
  });
}

}  // namespace gxlink::registry
