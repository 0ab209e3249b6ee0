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

#include "app/demo.hpp"
#include "app/registry.hpp"
#include "app/system_phase.hpp"
#include "app/terminal_view.hpp"
#include "core/private_files.hpp"
#include "model/model_json.hpp"
#include "publishers/web/http_server.hpp"

namespace gxlink::app {
namespace {

std::filesystem::path state_dir(const toml::table& cfg, bool demo,
                                const std::filesystem::path& run_dir) {
  if (auto d = cfg["general"]["data_dir"].value<std::string>()) return *d;
  if (demo) return run_dir;  // the demo must not touch a real installation's instance records
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

}  // namespace

int run_daemon(const RunOptions& opts) {
  // Everything, overrides included, is validated before anything starts (issue 11 items 4 and 6).
  auto loaded = load_run_config(opts);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::cerr << e << '\n';
    spdlog::critical("{} config error(s): not starting", loaded.errors.size());
    return 2;
  }
  toml::table& cfg = loaded.table;
  bool demo = loaded.demo;
  if (!loaded.from_file) {
    spdlog::info("no config at {}: running the built-in demo", loaded.file.string());
    demo = true;
  }

  asio::io_context io(1);
  model::Model model;
  model.set_flush_scheduler([&] { asio::post(io, [&] { model.flush(); }); });

  // A fresh private run directory (mkdtemp or systemd's RuntimeDirectory): never a predictable
  // name that another local user could have prepared (issue 11).
  auto made_run_dir = make_run_dir();
  if (!made_run_dir) {
    spdlog::critical("run directory: {}", made_run_dir.error().detail);
    return 2;
  }
  const auto run_dir = *made_run_dir;
  const RemoveOnExit remove_run_dir{run_dir};
  const auto data_dir = state_dir(cfg, demo, run_dir);
  if (auto ok = ensure_state_dir(data_dir); !ok) {
    spdlog::critical("data directory: {}", ok.error().detail);
    return 2;
  }
  model::DeviceInstances instances(data_dir / "device_instances.json");
  drivers::DriverContext dctx{io, model, instances};

  // The demo's buses outlive the drivers and simulators attached to them (declared first).
  std::vector<std::unique_ptr<transport::InProcessCanBus>> demo_buses;
  std::vector<std::unique_ptr<drivers::Driver>> drivers;
  std::vector<std::shared_ptr<void>> simulators;

  const auto& reg = registry();
  // A section the schema let through but its factory refuses is still a config error: the config is
  // honoured or refused, never half-applied (issue 11 item 6).
  bool refused = false;
  for (const auto& entry : reg.drivers) {
    // Named copies, not structured bindings: clang 14 (the fuzz preset) cannot capture those.
    const std::string& kind = entry.first;
    const DriverFactory& make = entry.second.make;
    for_each_section(cfg, kind, [&](const toml::table& t) {
      try {
        drivers.push_back(make(t, dctx));
      } catch (const std::exception& e) {
        spdlog::critical("config [{}] at {}:{}: {}", kind, loaded.file.string(),
                         t.source().begin.line, e.what());
        refused = true;
      }
    });
  }
  if (refused) return 2;
  if (demo) {
    DemoContext dc{dctx, run_dir, drivers, simulators, demo_buses};
    build_demo(dc);
  }
  for (auto& d : drivers) {
    spdlog::info("driver {} on {}", d->kind(), d->describe());
    try {  // one driver that cannot start must not take the others down (DESIGN.md safety rules)
      d->start();
    } catch (const std::exception& e) {
      spdlog::error("driver {} on {} cannot start: {}", d->kind(), d->describe(), e.what());
    }
  }

  // The system layer reads what drivers publish; publishers export its services (issue 12).
  auto system_phase = start_system_phase(cfg, io, model, data_dir);

  publishers::PublisherContext pctx{io, model};
  std::vector<std::unique_ptr<publishers::Publisher>> pubs;
  if (enabled(cfg, "http", true)) {
    publishers::HttpOptions ho;
    if (auto listen = cfg["http"]["listen"].value<std::string>()) {
      auto [h, p] = split_host_port(*listen, 8088);
      ho.host = h;
      ho.port = p;
    }
    // GET /api/health: each driver's own view of its link (issue 13: Driver::health() was never
    // read), and the model's counts; "status" is the worst of the drivers'.
    ho.health_json = [&drivers, &model] {
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
      std::size_t connected = 0;
      for (const auto& [name, svc] : model.services())
        if (model::as_int(svc->get("/Connected")).value_or(0) == 1) ++connected;
      j["status"] = drivers::to_string(worst);
      j["model"] = {{"services", model.services().size()},
                    {"connected", connected},
                    {"repaired_strings", model.repaired_strings()}};
      return model::dump_json(j);
    };
    pubs.push_back(std::make_unique<publishers::HttpServer>(pctx, ho));
  }
  for (auto& [kind, entry] : reg.publishers) {
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
  for (auto& p : pubs) {
    try {
      p->start();
    } catch (const std::exception& e) {
      spdlog::error("{} output {} cannot start: {}", p->kind(), p->describe(), e.what());
    }
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const asio::error_code& ec, int) {
    if (!ec) io.stop();
  });

  asio::steady_timer stop_timer(io);
  if (opts.duration) {
    stop_timer.expires_after(
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*opts.duration)));
    stop_timer.async_wait([&](const asio::error_code& ec) {
      if (!ec) io.stop();
    });
  }

  // The terminal view: redraw once a second on a tty; otherwise a one-line summary every 10 s.
  const bool tty = ::isatty(STDOUT_FILENO) && !opts.no_tui;
  asio::steady_timer view_timer(io);
  std::function<void()> redraw = [&] {
    if (!tty) {
      std::size_t connected = 0;
      for (auto& [name, svc] : model.services())
        if (model::as_int(svc->get("/Connected")).value_or(0) == 1) ++connected;
      spdlog::info("{} services, {} connected", model.services().size(), connected);
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

  if (!refused) io.run();

  for (auto& p : pubs) p->stop();
  if (system_phase) system_phase->stop();
  for (auto& d : drivers) d->stop();
  return refused ? 2 : 0;
}

}  // namespace gxlink::app
