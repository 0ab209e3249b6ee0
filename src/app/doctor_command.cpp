// SPDX-License-Identifier: MIT
#include "app/doctor_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "core/private_files.hpp"
#include "doctor/probe.hpp"
#include "doctor/report.hpp"

namespace gxlink::app {
namespace {

// Writes the config; without --force an existing file is never replaced: the new content goes to
// a temporary name first and is then hard-linked into place, which fails if the name exists
// (link(2) never overwrites), so no check-then-write race.
bool write_config(const std::string& file, const std::string& text, bool force, std::ostream& err) {
  if (force) {
    if (auto ok = write_file_atomically(file, text, 0644); !ok) {
      err << "gxlink doctor: " << ok.error().message() << '\n';
      return false;
    }
    return true;
  }
  const std::string tmp = file + ".doctor-" + std::to_string(::getpid());
  if (auto ok = write_file_atomically(tmp, text, 0644); !ok) {
    err << "gxlink doctor: " << ok.error().message() << '\n';
    return false;
  }
  const int rc = ::link(tmp.c_str(), file.c_str());
  const int e = errno;
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (e == EEXIST) {
      err << "gxlink doctor: " << file << " exists; not overwritten (use --force)\n";
    } else {
      err << "gxlink doctor: cannot write " << file << ": " << std::strerror(e) << '\n';
    }
    return false;
  }
  return true;
}

}  // namespace

CLI::App* add_doctor_command(CLI::App& app, DoctorOptions& o) {
  auto* cmd = app.add_subcommand(
      "doctor", "Find serial ports and CAN interfaces, listen for known devices, suggest a config");
  cmd->footer(
      "Probing only listens unless --allow-writes: then a serial port where nothing answered is "
      "asked for an slcan version (C, V) and slcan adapters are opened (C, S<n>, O). Exit code: 0 "
      "found something, 1 found nothing, 2 bad arguments or the config was not written.");
  cmd->add_option("--port", o.ports, "probe this serial port (repeatable); default: all found");
  cmd->add_option("--can", o.cans,
                  "probe this CAN source (repeatable): slcan:PATH[@bitrate], socketcan:IFACE, "
                  "file:CAPTURE; default: every SocketCAN interface");
  cmd->add_option("--seconds", o.seconds, "listening time per port (ports are probed at once)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 120.0));
  cmd->add_flag("--allow-writes", o.allow_writes,
                "also ask ports where nothing answered whether they are slcan adapters, and open "
                "slcan buses (writes to the adapter)");
  cmd->add_flag("--json", o.json, "print the report as JSON (with the config in \"config\")");
  cmd->add_option("--write-config", o.write_config, "write the suggested config to this file");
  cmd->add_flag("--force", o.force, "let --write-config replace an existing file");
  return cmd;
}

int run_doctor(const DoctorOptions& o, std::ostream& out, std::ostream& err) {
  doctor::Report report;
  try {
    report = doctor::probe({o.ports, o.cans, o.seconds, o.allow_writes});
  } catch (const std::invalid_argument& e) {
    err << "gxlink doctor: " << e.what() << '\n';
    return 2;
  }
  const std::string config = doctor::make_config(report);
  if (o.json) {
    out << doctor::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
  } else {
    out << doctor::format_table(report) << '\n';
    out << (o.allow_writes
                ? "--allow-writes: ports where nothing answered were asked for an slcan version "
                  "(C, V); slcan adapters were opened (C, S<n>, O). Nothing was sent on a bus.\n"
                : "Only listened: nothing was written to any device.\n");
  }
  if (!o.write_config.empty()) {
    if (!write_config(o.write_config, config, o.force, err)) return 2;
    if (!o.json) out << "Config written to " << o.write_config << '\n';
  } else if (!o.json) {
    out << "\nSuggested config (--write-config FILE writes it):\n\n" << config;
  }
  return report.found_any() ? 0 : 1;
}

}  // namespace gxlink::app
