// SPDX-License-Identifier: MIT
#include "app/system_replay.hpp"

#include <cmath>
#include <fstream>
#include <ostream>

#include <asio/io_context.hpp>

#include "app/cli_input.hpp"
#include "app/system_phase.hpp"
#include "drivers/dbus_recording/dbus_recording.hpp"
#include "model/model_json.hpp"
#include "system/notifications.hpp"
#include "system/settings.hpp"
#include "system/systemcalc.hpp"

namespace gxlink::app {
namespace {

nlohmann::json time_json(double t) {
  if (t == std::floor(t) && std::fabs(t) < 1e15) return static_cast<std::int64_t>(t);
  return t;
}

}  // namespace

int run_system_replay(const SystemReplayOptions& opts, std::ostream& out, std::ostream& err) {
  if (opts.every && !(*opts.every > 0 && std::isfinite(*opts.every))) {
    err << "gxlink snapshot: --every needs a positive number of seconds\n";
    return 2;
  }
  drivers::dbus_recording::RecordingTimeline timeline(/*skip_gx_written=*/true);
  std::vector<drivers::dbus_recording::SetupLine> settings_recorded;
  std::size_t problems = 0;
  for (const auto& src : opts.sources) {
    const std::string prefix = "dbus-recording:";
    if (!src.starts_with(prefix)) {
      err << "gxlink snapshot --system: '" << src << "' is not dbus-recording:FILE\n";
      return 2;
    }
    const std::string file = src.substr(prefix.size());
    auto input = CliInput::open(file, nullptr);
    if (!input) {
      err << "gxlink snapshot: " << input.error().detail << '\n';
      return 2;
    }
    std::vector<std::string> warnings;
    auto rec = drivers::dbus_recording::parse_dbus_recording((*input)->stream(), warnings);
    if (!(*input)->read_error().empty()) {
      err << "gxlink snapshot: reading " << file << " failed: " << (*input)->read_error() << '\n';
      return 2;
    }
    for (auto& w : warnings) err << file << ": " << w << '\n';
    problems += warnings.size();
    if (!rec) {
      err << file << ": " << rec.error().message() << '\n';
      ++problems;
      continue;
    }
    // Our own system layer publishes these: a recorded system (or platform) is skipped, and a
    // recorded settings service only gives its values (as venus_oracle.sh runs Venus' own there).
    if (rec->service == system::kSystemService || rec->service == system::kPlatformService) {
      err << file << ": " << rec->service << " is computed here, recording skipped\n";
      continue;
    }
    if (rec->service == system::kSettingsService) {
      for (auto& rv : rec->initial) settings_recorded.push_back({rec->service, rv.path, rv.value});
      continue;
    }
    bool dup = false;
    for (auto& r : timeline.recordings()) dup = dup || r.service == rec->service;
    if (dup) {
      err << file << ": " << rec->service << " already replayed from another file, skipped\n";
      continue;
    }
    timeline.add(std::move(*rec));
  }
  std::vector<drivers::dbus_recording::SetupLine> setup;
  if (opts.setup) {
    std::ifstream in(*opts.setup);
    if (!in) {
      err << "gxlink snapshot: cannot read " << *opts.setup << '\n';
      return 2;
    }
    setup = drivers::dbus_recording::parse_setup(in);
  }

  asio::io_context io;
  model::Model model;
  double now_s = 0;
  auto layer = make_system_layer({}, io, model, [&] { return time_from_seconds(now_s); }, {});
  // Notification times in recording seconds, not the wall clock: the same output on every run.
  if (auto* n = dynamic_cast<system::Notifications*>(layer->find("notifications")))
    n->set_unix_clock([](TimePoint t) {
      return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
    });
  // Settings before playback: a recorded settings service, then the setup file's lines.
  for (const auto* lines : {&settings_recorded, &setup})
    for (const auto& l : *lines) {
      if (l.service != system::kSettingsService) continue;
      if (auto r = layer->settings().add_or_set(l.path, l.value); r != model::WriteResult::kOk) {
        err << "setup: " << l.path << ": " << model::to_string(r) << '\n';
        ++problems;
      }
    }
  timeline.start(model, setup);
  // The paths the original GX wrote into the devices (/Link/*, /BatteryOperationalLimits/*, …)
  // are not replayed; they take gxlink's own writes instead (issue 12 item 6), so DVCC's values
  // show where the GX's stood. The recorded device accepts any value, as a device's /Link would.
  for (auto& [name, svc] : model.services()) {
    std::vector<std::string> written;
    for (auto& [path, item] : svc->items())
      if (drivers::dbus_recording::takes_gx_writes(name, path)) written.push_back(path);
    for (auto& path : written) {
      model::Item* item = svc->find(path);
      model::ItemMeta meta = item->meta;
      meta.writable = true;
      svc->add(path, std::move(meta), item->value,
               [&model, service = name, path](const model::Value& v) {
                 if (auto* s = model.find(service)) s->set(path, v);
                 return model::WriteResult::kOk;
               });
    }
  }
  model.flush();
  layer->start([&](std::string_view name, const std::exception& e) {
    err << "system " << name << ": " << e.what() << '\n';
    ++problems;
  });

  auto print = [&](double t) {
    model.flush();
    nlohmann::json line = {{"t", time_json(t)}, {"model", model::to_json(model)}};
    out << model::dump_json(line) << '\n';
  };
  // The system layer ticks every recording second (systemcalc's 1 s timer); the recording's
  // changes up to a time are applied before the tick at that time.
  const double end = timeline.end_time();
  const double step = opts.every.value_or(1.0);
  std::int64_t tick = 0, printed = 0;
  while (true) {
    const double next_tick = static_cast<double>(tick);
    const double next_print = opts.every ? static_cast<double>(printed) * step : 1e300;
    const double t = std::min(next_tick, next_print);
    if (t > end + 1e-9) break;
    now_s = t;
    timeline.advance(model, t);
    model.flush();
    if (t == next_tick) {
      layer->tick(time_from_seconds(t));
      ++tick;
    }
    if (t == next_print) {
      print(t);
      ++printed;
    }
  }
  if (!opts.every) {
    model.flush();
    out << model::dump_json(model::to_json(model), 2) << '\n';
  }
  out.flush();
  if (problems) err << "snapshot: " << problems << " problems reported\n";
  return 0;
}

}  // namespace gxlink::app
