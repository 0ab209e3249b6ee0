// SPDX-License-Identifier: MIT
#include "app/daemon.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "app/history_phase.hpp"
#include "app/system_phase.hpp"
#include "app/terminal_view.hpp"
#include "core/private_files.hpp"
#include "model/model_json.hpp"
#include "publishers/web/http_server.hpp"
#include "registry/demo.hpp"
#include "registry/registry.hpp"

namespace gxlink::app {
namespace {

// Builds every registered demo part.
void build_demo(registry::DemoContext& demo) {
  for (auto& [name, fn] : registry::all().demos) {
    // One part that cannot start (no pty, say) must not take the others down.
    try {
      fn(demo);
      spdlog::info("demo: {} started", name);
    } catch (const std::exception& e) {
      spdlog::error("demo: {} could not start: {}", name, e.what());
    }
  }
}

std::filesystem::path state_dir(const toml::table& cfg, bool demo,
                                const std::filesystem::path& run_dir) {
  if (auto d = cfg["general"]["data_dir"].value<std::string>()) return *d;
  if (demo) return run_dir;  // the demo must not touch a real installation's instance records
  // systemd's StateDirectory= (the packaged gxlink.service runs as user gxlink): the first of a
  // ':' separated list, as for $RUNTIME_DIRECTORY (core/private_files.cpp).
  if (const char* sd = std::getenv("STATE_DIRECTORY"); sd && *sd) {
    const std::string dirs(sd);
    return dirs.substr(0, dirs.find(':'));
  }
  if (::geteuid() == 0) return "/var/lib/gxlink";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home ? home : "/tmp") / ".local/state/gxlink";
}

bool enabled(const toml::table& cfg, const std::string& kind, bool on_by_default) {
  auto t = cfg[kind];
  if (!t) return on_by_default;
  return t["enabled"].value_or(true);
}

// Driver sections are `[[kind]]` arrays of tables (several ports) or a single `[kind]` table.
template <class Fn>
void for_each_section(const toml::table& cfg, const std::string& kind, Fn fn) {
  auto node = cfg[kind];
  if (auto* arr = node.as_array()) {
    for (auto& e : *arr)
      if (auto* t = e.as_table()) fn(*t);
  } else if (auto* t = node.as_table()) {
    fn(*t);
  }
}

// Removes the run directory on every way out of run_daemon, an exception included (issue 11 item 4:
// it was left behind).
struct RemoveOnExit {
  explicit RemoveOnExit(std::filesystem::path d) : dir(std::move(d)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;  // exactly one owner removes the directory
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  std::filesystem::path dir;
  ~RemoveOnExit() {
    std::error_code ec;
    if (std::getenv("RUNTIME_DIRECTORY")) {
      // systemd owns that directory and removes it; we only clear what we put there.
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        std::filesystem::remove_all(e.path(), ec);
    } else {
      std::filesystem::remove_all(dir, ec);
    }
  }
};

/// The daemon's parts, in the order they are built and the reverse of the order they go: members
/// are declared so that everything outlives what refers to it (the demo's buses outlive the
/// drivers attached to them; the model outlives every driver and publisher).
class Daemon {
 public:
  explicit Daemon(RunConfig loaded) : config(std::move(loaded)) {
    model.set_flush_scheduler([this] { asio::post(io, [this] { model.flush(); }); });
  }

  RunConfig config;
  bool demo = false;
  asio::io_context io{1};
  /// Caught from construction on, before the run directory exists: a SIGTERM during start-up
  /// (systemd stopping a unit that is still starting) is kept and ends the loop as soon as it
  /// runs, so the daemon still stops cleanly and removes its run directory instead of dying with
  /// the default action and leaving files behind.
  asio::signal_set signals{io, SIGINT, SIGTERM};
  model::Model model;
  std::filesystem::path run_dir;
  std::filesystem::path data_dir;
  std::optional<RemoveOnExit> remove_run_dir;
  std::optional<model::DeviceInstances> instances;
  std::vector<std::unique_ptr<transport::InProcessCanBus>> demo_buses;
  std::vector<std::unique_ptr<drivers::Driver>> drivers;
  std::vector<std::shared_ptr<void>> simulators;
  std::unique_ptr<SystemPhase> system_phase;
  std::unique_ptr<publishers::history::HistoryRecorder>
      history;  ///< outlives the HTTP server that reads it
  std::vector<std::unique_ptr<publishers::Publisher>> pubs;
  publishers::web::HttpServer* http = nullptr;  ///< in pubs; for GET /metrics

  /// The run and data directories; false (reported) when either cannot be used.
  bool prepare_directories() {
    // A fresh private run directory (mkdtemp or systemd's RuntimeDirectory): never a predictable
    // name that another local user could have prepared (issue 11).
    auto made = make_run_dir();
    if (!made) {
      spdlog::critical("run directory: {}", made.error().detail);
      return false;
    }
    run_dir = *made;
    remove_run_dir.emplace(run_dir);
    data_dir = state_dir(config.table, demo, run_dir);
    if (auto ok = ensure_state_dir(data_dir); !ok) {
      spdlog::critical("data directory: {}", ok.error().detail);
      return false;
    }
    instances.emplace(data_dir / "device_instances.json");
    return true;
  }

  /// Every configured driver (and the demo's); false when a factory refuses its section: a section
  /// the schema let through but its factory refuses is still a config error, so the config is
  /// honoured or refused, never half-applied (issue 11 item 6).
  bool build_drivers() {
    bool refused = false;
    for (const auto& entry : registry::all().drivers) {
      // Named copies, not structured bindings: clang 14 (the fuzz preset) cannot capture those.
      const std::string& kind = entry.first;
      const registry::DriverFactory& make = entry.second.make;
      for_each_section(config.table, kind, [&](const toml::table& t) {
        try {
          drivers.push_back(make(t, driver_context()));
        } catch (const std::exception& e) {
          spdlog::critical("config [{}] at {}:{}: {}", kind, config.file.string(),
                           t.source().begin.line, e.what());
          refused = true;
        }
      });
    }
    if (refused) return false;
    if (demo) {
      registry::DemoContext dc{driver_context(), run_dir, drivers, simulators, demo_buses};
      build_demo(dc);
    }
    return true;
  }

  void start_drivers() {
    for (auto& d : drivers) {
      spdlog::info("driver {} on {}", d->kind(), d->describe());
      try {  // one driver that cannot start must not take the others down (DESIGN.md safety rules)
        d->start();
      } catch (const std::exception& e) {
        spdlog::error("driver {} on {} cannot start: {}", d->kind(), d->describe(), e.what());
      }
    }
  }

  /// The HTTP server and every enabled publisher; false when a factory refuses its section.
  bool build_publishers() {
    bool refused = false;
    publishers::PublisherContext pctx{io, model, data_dir};
    const auto& cfg = config.table;
    // History first, so that the HTTP routes below can read it (issue 15).
    history = make_history_recorder(cfg, pctx, data_dir);
    if (history) history->start();
    if (enabled(cfg, "http", true)) {
      publishers::web::HttpOptions ho;
      if (auto listen = cfg["http"]["listen"].value<std::string>()) {
        auto [h, p] = registry::split_host_port(*listen, 8088);
        ho.host = h;
        ho.port = p;
      }
      ho.health_json = [this] { return health_json(); };
      ho.writes = cfg["http"]["writes"].value_or(false);
      ho.token = cfg["http"]["token"].value_or(std::string{});
      if (history) ho.routes.push_back(publishers::history::history_routes(*history));
      ho.routes.push_back(publishers::metrics::metrics_route(
          model, [this] { return daemon_metric_families(drivers, model, http, history.get()); }));
      auto server = std::make_unique<publishers::web::HttpServer>(pctx, ho);
      http = server.get();
      pubs.push_back(std::move(server));
    }
    for (auto& [kind, entry] : registry::all().publishers) {
      if (!enabled(cfg, kind, entry.on_by_default)) continue;
      toml::table empty;
      const toml::table* t = cfg[kind].as_table();
      try {
        pubs.push_back(entry.make(t ? *t : empty, pctx));
      } catch (const std::exception& e) {
        spdlog::critical("config [{}]: {}", kind, e.what());
        refused = true;
      }
    }
    return !refused;
  }

  void start_publishers() {
    for (auto& p : pubs) {
      try {
        p->start();
      } catch (const std::exception& e) {
        spdlog::error("{} output {} cannot start: {}", p->kind(), p->describe(), e.what());
      }
    }
  }

  /// GET /api/health: each driver's own view of its link (issue 13: Driver::health() was never
  /// read), and the model's counts; "status" is the worst of the drivers'.
  std::string health_json() const {
    nlohmann::json j;
    auto worst = drivers::HealthState::kOk;
    j["drivers"] = nlohmann::json::array();
    for (const auto& d : drivers) {
      const auto h = d->health();
      worst = std::max(worst, h.state);
      j["drivers"].push_back({{"kind", std::string(d->kind())},
                              {"describe", d->describe()},
                              {"state", drivers::to_string(h.state)},
                              {"reason", h.reason}});
    }
    j["status"] = drivers::to_string(worst);
    j["model"] = {{"services", model.services().size()},
                  {"connected", connected_services()},
                  {"repaired_strings", model.repaired_strings()}};
    return model::dump_json(j);
  }

  std::size_t connected_services() const {
    std::size_t n = 0;
    for (const auto& [name, svc] : model.services())
      if (model::as_int(svc->get("/Connected")).value_or(0) == 1) ++n;
    return n;
  }

  /// Runs the loop until SIGINT/SIGTERM or `duration`, with the terminal view: redrawn once a
  /// second on a tty, otherwise a one-line summary every 10 s.
  void run(const RunOptions& opts) {
    signals.async_wait([this](const asio::error_code& ec, int) {
      if (!ec) io.stop();
    });
    asio::steady_timer stop_timer(io);
    if (opts.duration) {
      stop_timer.expires_after(
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*opts.duration)));
      stop_timer.async_wait([this](const asio::error_code& ec) {
        if (!ec) io.stop();
      });
    }
    const bool tty = ::isatty(STDOUT_FILENO) && !opts.no_tui;
    asio::steady_timer view_timer(io);
    std::function<void()> redraw = [&] {
      if (!tty) {
        spdlog::info("{} services, {} connected", model.services().size(), connected_services());
      } else {
        std::string text = "\x1b[H\x1b[2J" + render_terminal_view(model) + "\n(dashboard: ";
        for (auto& p : pubs) text += p->describe() + "  ";
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputs(")  Ctrl-C to stop\n", stdout);
        std::fflush(stdout);
      }
      view_timer.expires_after(tty ? seconds(1) : seconds(10));
      view_timer.async_wait([&](const asio::error_code& ec) {
        if (!ec) redraw();
      });
    };
    redraw();
    io.run();
  }

  void stop() {
    for (auto& p : pubs) p->stop();
    if (history) history->stop();
    if (system_phase) system_phase->stop();
    for (auto& d : drivers) d->stop();
  }

 private:
  drivers::DriverContext& driver_context() {
    if (!dctx) dctx.emplace(drivers::DriverContext{io, model, *instances});
    return *dctx;
  }
  std::optional<drivers::DriverContext> dctx;
};

}  // namespace

// Load config → build parts → start phases (drivers, system, publishers) → run (issue 13 item 6).
int run_daemon(const RunOptions& opts) {
  // Everything, overrides included, is validated before anything starts (issue 11 items 4 and 6).
  auto loaded = load_run_config(opts);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << e << '\n';
    spdlog::critical("{} config error(s): not starting", loaded.errors.size());
    return 2;
  }
  if (!loaded.from_file)
    spdlog::info("no config at {}: running the built-in demo", loaded.file.string());
  Daemon d(std::move(loaded));
  d.demo = d.config.demo || !d.config.from_file;

  if (!d.prepare_directories() || !d.build_drivers()) return 2;
  d.start_drivers();
  // The system layer reads what drivers publish; publishers export its services (issue 12).
  d.system_phase = start_system_phase(d.config.table, d.io, d.model, d.data_dir);
  // The demo is one system whose chargers obey its BMS (issue 12 item 7): DVCC on. On the loop,
  // so the settings file is written after the signal handlers are in place.
  if (d.demo && d.system_phase)
    asio::post(d.io, [&d] {
      if (d.system_phase)
        (void)d.system_phase->settings().set("/Settings/Services/Bol", std::int64_t{1});
    });
  const bool publishers_ok = d.build_publishers();
  d.start_publishers();
  if (publishers_ok) d.run(opts);
  d.stop();
  return publishers_ok ? 0 : 2;
}

}  // namespace gxlink::app
