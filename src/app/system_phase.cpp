// SPDX-License-Identifier: MIT
#include "app/system_phase.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>

#include "registry/registry.hpp"

namespace gxlink::app {

bool system_enabled(const toml::table& cfg) { return cfg["system"]["enabled"].value_or(true); }

registry::SectionSchema system_schema() {
  registry::SectionSchema s{
      .name = "system",
      .form = registry::SectionForm::kTable,
      .description = "gxlink's own com.victronenergy.system and settings (issue 12)",
      .keys = {{.name = "enabled",
                .type = registry::ValueType::kBool,
                .description = "false beside Venus' own systemcalc on a GX"}}};
  for (const auto& [name, e] : registry::all().systems)
    s.keys.insert(s.keys.end(), e.keys.begin(), e.keys.end());
  return s;
}

std::unique_ptr<system::SystemLayer> make_system_layer(const toml::table& cfg, asio::io_context& io,
                                                       model::Model& model,
                                                       std::function<TimePoint()> now,
                                                       std::filesystem::path settings_file) {
  auto layer =
      std::make_unique<system::SystemLayer>(io, model, std::move(now), std::move(settings_file));
  std::vector<std::pair<std::string, const registry::SystemEntry*>> entries;
  for (auto& [name, e] : registry::all().systems) entries.emplace_back(name, &e);
  std::stable_sort(entries.begin(), entries.end(),
                   [](auto& a, auto& b) { return a.second->order < b.second->order; });
  toml::table empty;
  const toml::table* t = cfg["system"].as_table();
  for (auto& [name, e] : entries) {
    try {
      layer->add(e->make(t ? *t : empty, layer->context()));
    } catch (const std::exception& ex) {
      spdlog::error("system {}: {}", name, ex.what());
    }
  }
  return layer;
}

SystemPhase::SystemPhase(const toml::table& cfg, asio::io_context& io, model::Model& model,
                         std::filesystem::path settings_file)
    : layer_(make_system_layer(
          cfg, io, model, [] { return Clock::now(); }, std::move(settings_file))),
      timer_(io) {
  layer_->start([](std::string_view name, const std::exception& e) {
    spdlog::error("system {}: {}", name, e.what());
  });
  if (!layer_->settings().load_error().empty())
    spdlog::error("settings: {}", layer_->settings().load_error());
  if (!layer_->settings().save_error().empty())
    spdlog::error("settings: {}", layer_->settings().save_error());
  schedule();
}

void SystemPhase::schedule() {
  timer_.expires_after(seconds(1));  // systemcalc's 1 s timer (venus_os.md §5.1)
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    layer_->tick(Clock::now());
    schedule();
  });
}

void SystemPhase::stop() {
  timer_.cancel();
  if (layer_) layer_->stop();
}

std::unique_ptr<SystemPhase> start_system_phase(const toml::table& cfg, asio::io_context& io,
                                                model::Model& model,
                                                const std::filesystem::path& data_dir) {
  if (!system_enabled(cfg)) {
    spdlog::info("[system] enabled = false: no com.victronenergy.system or settings of our own");
    return nullptr;
  }
  return std::make_unique<SystemPhase>(cfg, io, model, data_dir / "settings.json");
}

}  // namespace gxlink::app
