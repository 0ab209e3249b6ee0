// SPDX-License-Identifier: MIT
#include "model/model.hpp"

#include <algorithm>

namespace gxlink::model {

std::string service_name(std::string_view type, std::string_view connection) {
  std::string s(kServicePrefix);
  s += type;
  if (!connection.empty()) {  // com.victronenergy.system and .settings have no connection part
    s += '.';
    s += connection;
  }
  return s;
}

Service& Model::add_service(ServiceSpec spec) {
  const std::string name = service_name(spec.type, spec.connection);
  if (auto it = services_.find(name); it != services_.end()) {
    Service& s = *it->second;
    s.spec_ = std::move(spec);
    s.set("/Mgmt/Connection", s.spec_.mgmt_connection);
    s.set("/DeviceInstance", std::int64_t{s.spec_.device_instance});
    if (is_valid(s.spec_.product_id)) s.set("/ProductId", s.spec_.product_id);
    if (is_valid(s.spec_.product_name)) s.set("/ProductName", s.spec_.product_name);
    if (is_valid(s.spec_.firmware_version)) s.set("/FirmwareVersion", s.spec_.firmware_version);
    return s;
  }
  auto owned = std::make_unique<Service>(*this, std::move(spec));
  Service& s = *owned;
  services_.emplace(name, std::move(owned));
  pending_added_.push_back(&s);
  request_flush();
  return s;
}

void Model::remove_service(std::string_view name) {
  auto it = services_.find(name);
  if (it == services_.end()) return;
  Service* s = it->second.get();
  std::erase_if(pending_, [s](const Change& c) { return c.service == s; });
  std::erase(pending_added_, s);
  if (s->announced_)
    for (auto* o : observers_) o->on_service_removed(*s);
  services_.erase(it);
}

Service* Model::find(std::string_view name) {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.get();
}

const Service* Model::find(std::string_view name) const {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.get();
}

WriteResult Model::write(std::string_view service, std::string_view path, const Value& v) {
  Service* s = find(service);
  if (!s) return WriteResult::kUnknownPath;
  return s->write(path, v);
}

void Model::add_observer(Observer* o) { observers_.push_back(o); }
void Model::remove_observer(Observer* o) { std::erase(observers_, o); }

void Model::queue_change(Service& s, const std::string& path, Item& item) {
  // Changes to a service nobody has been told about yet are carried by its announcement.
  if (!s.announced_) return;
  item.pending = true;
  pending_.push_back({&s, &path, &item});
  request_flush();
}

void Model::request_flush() {
  if (flush_requested_) return;
  flush_requested_ = true;
  if (schedule_flush_) schedule_flush_();
}

void Model::flush() {
  flush_requested_ = false;
  // Swap out first: an observer may change the model (a write handler), which queues a new batch.
  std::vector<Service*> added;
  added.swap(pending_added_);
  delivering_.clear();
  delivering_.swap(pending_);
  for (const Change& c : delivering_) const_cast<Item*>(c.item)->pending = false;
  for (Service* s : added) {
    s->announced_ = true;
    for (auto* o : observers_) o->on_service_added(*s);
  }
  if (!delivering_.empty())
    for (auto* o : observers_) o->on_changes(delivering_);
}

}  // namespace gxlink::model
