// SPDX-License-Identifier: MIT
#pragma once
/// The live data model: every service and path, owned by one event loop (single-threaded by design;
/// publishers with threads post into the loop). Changes are batched and delivered once per loop
/// tick through flush(), which the app schedules on the first change of a tick.

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/service.hpp"

namespace gxlink::model {

struct Change {
  const Service* service;
  const std::string* path;
  const Item* item;
};

/// Receives the model's events. A new service is announced (with all its paths already set) at the
/// flush after it was added; its changes are only delivered after that.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_service_added(const Service&) {}
  virtual void on_service_removed(const Service&) {}
  /// One batch per flush, grouped by nothing in particular; each path appears at most once.
  virtual void on_changes(std::span<const Change>) {}
};

class Model {
 public:
  using Services = std::map<std::string, std::unique_ptr<Service>, std::less<>>;

  Model() = default;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// Creates a service with its mandatory paths. If the name exists, the existing one is returned
  /// (its spec fields are updated).
  Service& add_service(ServiceSpec spec);
  /// Removes a service now; observers hear of it at once (if they had been told it exists).
  void remove_service(std::string_view name);

  Service* find(std::string_view name);
  const Service* find(std::string_view name) const;
  const Services& services() const noexcept { return services_; }

  /// Routes a publisher's write to the owning service and path.
  WriteResult write(std::string_view service, std::string_view path, const Value& v);

  void add_observer(Observer* o);
  void remove_observer(Observer* o);

  /// Delivers queued announcements and changes to the observers.
  void flush();
  /// Called once when the first change of a batch is queued (the app posts flush() to its loop).
  void set_flush_scheduler(std::function<void()> schedule) {
    schedule_flush_ = std::move(schedule);
  }
  std::size_t pending_changes() const noexcept { return pending_.size(); }
  /// Strings that reached the model without being valid UTF-8 and were repaired (Service::set).
  std::uint64_t repaired_strings() const noexcept { return repaired_strings_; }

 private:
  friend class Service;
  void queue_change(Service& s, const std::string& path, Item& item);
  void request_flush();
  void note_repaired_string() noexcept { ++repaired_strings_; }

  Services services_;
  std::vector<Observer*> observers_;
  std::vector<Change> pending_;
  std::vector<Service*> pending_added_;
  std::vector<Change> delivering_;
  bool flush_requested_ = false;
  std::uint64_t repaired_strings_ = 0;
  std::function<void()> schedule_flush_;
};

/// "com.victronenergy.<type>.<connection>"
std::string service_name(std::string_view type, std::string_view connection);

}  // namespace gxlink::model
