// SPDX-License-Identifier: MIT
#include "publishers/dbus/dbus_publisher.hpp"

#include <sdbus-c++/Error.h>
#include <spdlog/spdlog.h>
#include <asio/post.hpp>

namespace gxlink::publishers::dbus {

std::optional<SignalMode> parse_signal_mode(std::string_view s) {
  if (s == "both") return SignalMode::kBoth;
  if (s == "items" || s == "ItemsChanged") return SignalMode::kItemsChanged;
  if (s == "properties" || s == "PropertiesChanged") return SignalMode::kPropertiesChanged;
  return std::nullopt;
}

DbusPublisher::DbusPublisher(publishers::PublisherContext& ctx, DbusOptions opts)
    : io_(ctx.io),
      model_(ctx.model),
      opts_(std::move(opts)),
      retry_(opts_.retry_min),
      retry_timer_(ctx.io) {
  write_policy_.enabled = opts_.writes;
}

DbusPublisher::~DbusPublisher() {
  *alive_ = false;
  stop();
}

std::string DbusPublisher::describe() const {
  if (opts_.bus == "system" || opts_.bus == "session") return opts_.bus + " bus";
  return "bus " + opts_.bus;
}

std::unique_ptr<sdbus::IConnection> DbusPublisher::open_connection() const {
  if (opts_.bus == "system")
    return sdbus::createSystemBusConnection();  // honours DBUS_SYSTEM_BUS_ADDRESS
  if (opts_.bus == "session") return sdbus::createSessionBusConnection();
  return sdbus::createSessionBusConnectionWithAddress(opts_.bus);
}

void DbusPublisher::start() {
  if (started_) return;
  started_ = true;
  model_.add_observer(this);
  // Services announced before we started are on the bus too. One that is not announced yet is
  // exported at its announcement (on_service_added), when its driver has declared every path:
  // the name is claimed only then (DESIGN.md, issue 13 conformance 1).
  for (auto& [name, s] : model_.services())
    if (s->announced()) known_.insert(name);
  connect();
}

void DbusPublisher::stop() {
  if (!started_) return;
  started_ = false;
  model_.remove_observer(this);
  retry_timer_.cancel();
  by_service_.clear();
  exports_.clear();  // releases every name
  if (importer_) {
    importer_->remove_all();
    importer_.reset();
  }
  connected_ = false;
}

void DbusPublisher::connect() {
  if (!started_ || connected_) return;
  auto on_error = [this, alive = alive_](const std::string& reason) {
    if (*alive) bus_lost(reason);
  };
  try {
    // The importer's connection doubles as the probe that the bus is there at all.
    auto conn = open_connection();
    importer_ = std::make_unique<Importer>(
        io_, model_, std::move(conn),
        [this](const std::string& name) {
          return known_.contains(name) || exports_.contains(name);
        },
        import_stats_, on_error, opts_.import_limits);
    if (opts_.import) importer_->start();
  } catch (const std::exception& e) {
    importer_.reset();
    if (!warned_)
      spdlog::warn("dbus: {} not available ({}); retrying in the background", describe(), e.what());
    warned_ = true;
    return schedule_reconnect();
  }
  connected_ = true;
  ++connects_;
  retry_ = opts_.retry_min;
  spdlog::info("dbus: connected to the {}{}", describe(),
               connects_ > 1 ? " again, re-registering" : "");
  warned_ = false;
  std::vector<std::string> names(known_.begin(), known_.end());
  for (auto& n : names)
    if (const model::Service* s = model_.find(n)) export_service(*s);
}

void DbusPublisher::export_service(const model::Service& s) {
  if (!connected_ || exports_.contains(s.name())) return;
  try {
    auto e = std::make_unique<ServiceExport>(
        io_, model_, s, open_connection(), opts_.signals, opts_.direct_signals, export_stats_,
        [this, alive = alive_](const std::string& reason) {
          if (*alive) bus_lost(reason);
        },
        write_policy_);
    by_service_[&s] = e.get();
    exports_.emplace(s.name(), std::move(e));
  } catch (const std::exception& e) {
    // Most often: the name is owned by another process (a native Venus driver). Not fatal.
    spdlog::error("dbus: cannot register {}: {}", s.name(), e.what());
  }
}

void DbusPublisher::on_service_added(const model::Service& s) {
  if (importer_ && importer_->is_imported(s.name())) return;
  known_.insert(s.name());
  if (auto it = exports_.find(s.name()); it != exports_.end()) {
    // Exported already (a reconnect raced the announcement): send its state now.
    by_service_[&s] = it->second.get();
    it->second->publish_all(s);
    return;
  }
  export_service(s);
}

void DbusPublisher::on_service_removed(const model::Service& s) {
  known_.erase(s.name());
  by_service_.erase(&s);
  auto it = exports_.find(s.name());
  if (it == exports_.end()) return;
  auto e = std::move(it->second);
  exports_.erase(it);
  e->release();  // the name goes now; the objects when the loop is out of sd-bus callbacks
  bury(std::move(e));
}

void DbusPublisher::bury(std::unique_ptr<ServiceExport> e) {
  // We may be inside a callback of this very connection (a SetValue that removed the service).
  asio::post(io_, [p = std::shared_ptr<ServiceExport>(std::move(e))]() mutable { p.reset(); });
}

void DbusPublisher::on_changes(std::span<const model::Change> changes) {
  if (!connected_) return;  // republished in full on reconnect
  for (const model::Change& c : changes) {
    auto it = by_service_.find(c.service);
    if (it == by_service_.end()) continue;
    if (!it->second->has_queued()) touched_.push_back(it->second);
    it->second->queue(c);
  }
  for (ServiceExport* e : touched_) {
    try {
      e->publish();
    } catch (const std::exception& ex) {
      spdlog::debug("dbus: publishing {}: {}", e->name(), ex.what());
    }
  }
  touched_.clear();
}

void DbusPublisher::bus_lost(const std::string& reason) {
  if (!connected_) return;
  spdlog::warn("dbus: lost the {} ({}); reconnecting", describe(), reason);
  connected_ = false;
  by_service_.clear();
  for (auto& [n, e] : exports_) bury(std::move(e));
  exports_.clear();
  if (importer_) {
    importer_->remove_all();
    // Posted like the exports: the error may come from inside one of its callbacks.
    asio::post(io_, [p = std::shared_ptr<Importer>(std::move(importer_))]() mutable { p.reset(); });
  }
  retry_ = opts_.retry_min;
  warned_ = true;
  schedule_reconnect();
}

void DbusPublisher::schedule_reconnect() {
  retry_timer_.expires_after(retry_);
  retry_ = std::min(retry_ * 2, opts_.retry_max);
  retry_timer_.async_wait([this, alive = alive_](const asio::error_code& ec) {
    if (ec || !*alive) return;
    connect();
  });
}

}  // namespace gxlink::publishers::dbus
