// SPDX-License-Identifier: MIT
#pragma once
/// The D-Bus publisher: every model service as a native Venus service (service_export.hpp), and
/// the other Venus services on the bus mirrored into the model (importer.hpp).
///
/// Bus: the system bus unless configured (`[dbus] bus = "system" | "session" | "<address>"`);
/// sd-bus honours DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS for the first two.
/// When the bus is missing or goes away (dbus-daemon restart), this is logged once, every
/// connection is dropped, imported services leave the model, and a reconnect is tried with
/// backoff (1 s doubling to 30 s). When it succeeds, every service is registered again and its
/// current state republished (DESIGN.md "Safety rules"). Nothing here ever stops the daemon.

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio/steady_timer.hpp>

#include "publishers/dbus/importer.hpp"
#include "publishers/dbus/service_export.hpp"
#include "publishers/publisher.hpp"

namespace gxlink::publishers::dbus {

struct DbusOptions {
  std::string bus = "system";  ///< "system", "session" or a D-Bus address ("unix:path=/run/x")
  SignalMode signals = SignalMode::kBoth;
  bool import = true;  ///< mirror other com.victronenergy services into the model
  bool direct_signals =
      true;  ///< marshal change signals ourselves (wire.hpp); false: all via sd-bus
  /// `[dbus] writes`: SetValue may change device settings (default: on, because on a GX Venus'
  /// systemcalc writes DVCC limits this way; the bus policy decides who may call it).
  bool writes = true;
  ImportLimits import_limits;  ///< `[dbus] import_max_paths` sets max_paths
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{30000};
};

class DbusPublisher final : public publishers::Publisher, public model::Observer {
 public:
  DbusPublisher(publishers::PublisherContext& ctx, DbusOptions opts);
  ~DbusPublisher() override;

  std::string_view kind() const override { return "dbus"; }
  std::string describe() const override;
  void start() override;
  void stop() override;

  void on_service_added(const model::Service& s) override;
  void on_service_removed(const model::Service& s) override;
  void on_changes(std::span<const model::Change> changes) override;

  bool connected() const noexcept { return connected_; }
  /// How many times the bus was (re)connected: 1 after the first success.
  std::uint64_t connects() const noexcept { return connects_; }
  std::size_t exported() const noexcept { return exports_.size(); }
  /// True while some service still has signals queued for its socket (the daemon is slow).
  bool output_pending() const {
    for (auto& [n, e] : exports_)
      if (e->output_pending()) return true;
    return false;
  }
  const ExportStats& export_stats() const noexcept { return export_stats_; }
  const ImportStats& import_stats() const noexcept { return import_stats_; }
  /// Entries the importer keeps about other services (0 once all have left).
  std::size_t import_tracked() const noexcept { return importer_ ? importer_->tracked() : 0; }

 private:
  std::unique_ptr<sdbus::IConnection> open_connection() const;
  void connect();
  void export_service(const model::Service& s);
  void bus_lost(const std::string& reason);
  void schedule_reconnect();
  void bury(std::unique_ptr<ServiceExport> e);

  asio::io_context& io_;
  model::Model& model_;
  DbusOptions opts_;
  bool started_ = false;
  bool connected_ = false;
  bool warned_ = false;
  std::uint64_t connects_ = 0;
  std::chrono::milliseconds retry_;
  asio::steady_timer retry_timer_;
  std::set<std::string, std::less<>> known_;  ///< native services that should be on the bus
  std::map<std::string, std::unique_ptr<ServiceExport>, std::less<>> exports_;
  std::unordered_map<const model::Service*, ServiceExport*> by_service_;
  std::vector<ServiceExport*> touched_;
  std::unique_ptr<Importer> importer_;
  ExportStats export_stats_;
  ImportStats import_stats_;
  WritePolicy write_policy_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// Parses `[dbus] signals`: "both", "items" (ItemsChanged only) or "properties".
std::optional<SignalMode> parse_signal_mode(std::string_view s);

}  // namespace gxlink::publishers::dbus
