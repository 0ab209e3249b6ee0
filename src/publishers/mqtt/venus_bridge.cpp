// SPDX-License-Identifier: MIT
#include "publishers/mqtt/venus_bridge.hpp"

#include <chrono>

namespace gxlink::publishers::mqtt {

VenusBridge::VenusBridge(model::Model& model, Sink& sink, VenusOptions options)
    : model_(model), sink_(sink), options_(std::move(options)) {
  tokens_ = options_.republish_tokens_per_second;
  // Services that exist before the publisher starts were announced to nobody: index them now.
  for (const auto& [name, s] : model_.services()) on_service_added(*s);
}

std::vector<std::string> VenusBridge::subscriptions() const {
  return {"R/" + options_.portal_id + "/#", "W/" + options_.portal_id + "/#"};
}

std::int64_t VenusBridge::unix_now() const {
  if (options_.unix_time) return options_.unix_time();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool VenusBridge::send(const std::string& topic, std::string_view payload, bool retain) {
  if (sink_.publish(topic, payload, retain)) {
    ++stats_.published;
    return true;
  }
  ++stats_.dropped;
  return false;
}

void VenusBridge::publish_item(const model::Service& s, const std::string& path,
                               const model::Item& item) {
  auto k = keys_.find(s.name());
  if (k == keys_.end()) return;
  const auto& key = k->second;
  if (is_blocked(key.type, path)) return;
  send(notification_topic(options_.portal_id, key.type, key.instance, path),
       value_payload(item, is_masked(key.type, path)), should_be_retained(key.type, path));
}

void VenusBridge::on_connected(TimePoint now) {
  // The serial is the portal id (Venus' com.victronenergy.system /Serial), retained so that a
  // client can find the portal id by subscribing to N/+/system/0/Serial.
  send(notification_topic(options_.portal_id, "system", "0", "/Serial"),
       "{\"value\":\"" + options_.portal_id + "\"}", true);
  // flashmq advertises the keep-alive mechanism with a bare "1".
  send("N/" + options_.portal_id + "/keepalive", "1", false);
  if (alive_ && now < alive_until_) {
    // Messages published while the broker was away are lost: publish the current state again.
    jobs_.clear();
    queue_full_republish(std::nullopt);
  }
}

void VenusBridge::on_message(std::string_view topic, std::string_view payload, bool retained,
                             TimePoint now) {
  auto req = parse_request_topic(topic);
  if (!req) {
    ++stats_.bad_requests;
    return;
  }
  if (req->portal_id != options_.portal_id) return;  // another portal's request: not ours
  if (retained) {
    // A retained request is a stale one replayed by the broker; acting on it again (a write!) at
    // every reconnect would be wrong.
    ++stats_.bad_requests;
    return;
  }
  if (req->action == 'W') {
    handle_write(*req, topic, payload);
    return;
  }
  if (req->keepalive) handle_keepalive(payload, now);
  if (!req->type.empty()) handle_read(*req);
}

void VenusBridge::handle_keepalive(std::string_view payload, TimePoint now) {
  const auto opts = parse_keepalive_options(payload);
  refill_tokens(now);
  if (!opts.suppress_republish) {
    if (tokens_ > 0) {
      --tokens_;
      queue_full_republish(opts.echo);
    }
  }
  const bool was_alive = alive_;
  alive_ = true;
  alive_until_ = now + options_.keepalive_timeout;
  if (!was_alive) {
    next_heartbeat_ = now;  // flashmq sends the first heartbeat at once
    on_tick(now);
  }
}

void VenusBridge::refill_tokens(TimePoint now) {
  if (now >= tokens_refill_) {
    tokens_ = options_.republish_tokens_per_second;
    tokens_refill_ = now + seconds(1);
  }
}

void VenusBridge::on_tick(TimePoint now) {
  refill_tokens(now);
  if (alive_ && now >= alive_until_) alive_ = false;
  if (alive_ && now >= next_heartbeat_) {
    send("N/" + options_.portal_id + "/heartbeat", time_payload(unix_now()), false);
    next_heartbeat_ = now + options_.heartbeat_interval;
  }
}

std::optional<TimePoint> VenusBridge::next_deadline() const {
  TimePoint t = tokens_refill_;
  if (alive_) t = std::min({t, alive_until_, next_heartbeat_});
  return t;
}

const model::Service* VenusBridge::lookup(const std::string& type,
                                          const std::string& instance) const {
  auto it = by_key_.find(ServiceKey{type, instance});
  if (it == by_key_.end()) return nullptr;
  return model_.find(it->second);
}

void VenusBridge::handle_read(const Request& r) {
  const model::Service* s = lookup(r.type, r.instance);
  if (!s && r.type == "system" && r.instance == "0" && r.path == "/Serial") {
    // No system service in the model: the serial we announce at connect answers the (legacy
    // keep-alive) read, as Venus' com.victronenergy.system would.
    ++stats_.reads;
    send(notification_topic(options_.portal_id, "system", "0", "/Serial"),
         "{\"value\":\"" + options_.portal_id + "\"}", true);
    return;
  }
  if (!s) {
    ++stats_.bad_requests;
    return;
  }
  ++stats_.reads;
  if (const auto* item = s->find(r.path); item && !r.path.empty()) {
    publish_item(*s, r.path, *item);
    return;
  }
  // A subtree: every leaf below it (flashmq publishes each leaf; old dbus-mqtt sent one blob).
  // The same subtree already waiting answers this read too.
  for (const auto& j : jobs_)
    if (!j.started && !j.full && j.service == s->name() && j.prefix == r.path) return;
  if (jobs_.size() >= kMaxJobs) {
    ++stats_.reads_dropped;
    return;
  }
  Job job;
  job.service = s->name();
  job.prefix = r.path;
  queue_job(std::move(job));
}

void VenusBridge::handle_write(const Request& r, std::string_view topic, std::string_view payload) {
  auto refuse = [&](std::string_view why) {
    ++stats_.writes_refused;
    if (write_log_) write_log_(topic, why, false);
  };
  if (!options_.writes) return refuse("writes are disabled ([mqtt] writes = false)");
  const model::Service* s = lookup(r.type, r.instance);
  if (!s) return refuse("no such service");
  const model::Item* item = s->find(r.path);
  if (!item) return refuse("no such path");
  auto v = parse_write_payload(payload, *item);
  if (!v) return refuse(v.error().message());
  // Copy the name: a write handler may change the model.
  const std::string service = s->name();
  const auto result = model_.write(service, r.path, *v);
  if (result != model::WriteResult::kOk) return refuse(model::to_string(result));
  ++stats_.writes_ok;
  if (write_log_) write_log_(topic, "ok", true);
}

void VenusBridge::queue_full_republish(std::optional<std::string> echo) {
  ++stats_.full_republishes;
  if (echo && echo->size() > kMaxEchoBytes) echo.reset();  // a token, not a payload
  // Requests that arrive before a queued republish has started are answered by that one.
  for (auto& j : jobs_) {
    if (j.full && !j.started) {
      if (j.echoes.size() < kMaxEchoes) j.echoes.push_back(std::move(echo));
      return;
    }
  }
  Job job;
  job.full = true;
  job.echoes.push_back(std::move(echo));
  queue_job(std::move(job));
}

void VenusBridge::queue_job(Job job) {
  const bool idle = jobs_.empty();
  jobs_.push_back(std::move(job));
  if (idle && schedule_work_) schedule_work_();
}

bool VenusBridge::pump(std::size_t budget) {
  while (budget > 0 && !jobs_.empty()) {
    Job& job = jobs_.front();
    if (!job.started) {
      job.started = true;
      job.cursor_service = job.service;
      job.cursor_path.clear();
    }
    const auto& services = model_.services();
    bool done = false;
    while (budget > 0) {
      // Resume by name, so that services removed between chunks are simply skipped.
      auto sit = services.lower_bound(job.cursor_service);
      if (sit == services.end() || (!job.service.empty() && sit->first != job.service)) {
        done = true;
        break;
      }
      if (sit->first != job.cursor_service) {
        job.cursor_service = sit->first;
        job.cursor_path.clear();
      }
      const model::Service& s = *sit->second;
      const auto& items = s.items();
      auto iit = !job.cursor_path.empty() ? items.upper_bound(job.cursor_path)
                 : job.prefix.empty()     ? items.begin()
                                          : items.lower_bound(job.prefix);
      bool service_done = true;
      for (; iit != items.end(); ++iit) {
        const std::string& path = iit->first;
        if (!job.prefix.empty()) {
          // "/Dc" selects "/Dc/0/Voltage" (and "/Dc" itself), not "/DcX".
          if (!path.starts_with(job.prefix)) break;
          if (path.size() > job.prefix.size() && path[job.prefix.size()] != '/') continue;
        }
        if (budget == 0) {
          service_done = false;
          break;
        }
        publish_item(s, path, iit->second);
        job.cursor_path = path;
        --budget;
      }
      if (!service_done) break;
      if (!job.service.empty()) {
        done = true;
        break;
      }
      job.cursor_service = sit->first + '\0';  // lower_bound of this: the next name
      job.cursor_path.clear();
    }
    if (!done) break;
    if (job.full) {
      for (const auto& echo : job.echoes)
        send("N/" + options_.portal_id + "/full_publish_completed", time_payload(unix_now(), echo),
             false);
    }
    jobs_.pop_front();
  }
  return !jobs_.empty();
}

void VenusBridge::on_service_added(const model::Service& s) {
  ServiceKey key{service_type_of(s.name()), instance_of(s)};
  if (auto it = by_key_.find(key); it != by_key_.end() && it->second != s.name()) {
    // Two services with the same type and instance: the first keeps the topics.
    return;
  }
  by_key_[key] = s.name();
  keys_[s.name()] = key;
  if (alive_) {
    Job job;
    job.service = s.name();
    queue_job(std::move(job));
  }
}

void VenusBridge::on_service_removed(const model::Service& s) {
  auto k = keys_.find(s.name());
  if (k == keys_.end()) return;
  const ServiceKey key = k->second;
  // Zero-byte payloads on every topic, alive or not (flashmq remove_dbus_service); the retained
  // serial is never unpublished.
  for (const auto& [path, item] : s.items()) {
    if (should_be_retained(key.type, path) || is_blocked(key.type, path)) continue;
    send(notification_topic(options_.portal_id, key.type, key.instance, path), {}, false);
  }
  by_key_.erase(key);
  keys_.erase(k);
}

void VenusBridge::rekey(const model::Service& s) {
  auto k = keys_.find(s.name());
  if (k == keys_.end()) return;
  const ServiceKey now{k->second.type, instance_of(s)};
  if (now == k->second) return;
  // A new instance is a new set of topics: the old ones go as on a removal, the new ones come as
  // for a new service (flashmq sees this as the service re-registering).
  on_service_removed(s);
  on_service_added(s);
}

void VenusBridge::on_changes(std::span<const model::Change> changes) {
  for (const auto& c : changes) {
    if (*c.path == "/DeviceInstance" || *c.path == "/Identifier") rekey(*c.service);
    if (alive_ || should_be_retained(service_type_of(c.service->name()), *c.path))
      publish_item(*c.service, *c.path, *c.item);
  }
}

}  // namespace gxlink::publishers::mqtt
