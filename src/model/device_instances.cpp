// SPDX-License-Identifier: MIT
#include "model/device_instances.hpp"

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/private_files.hpp"
#include "model/model_json.hpp"

namespace gxlink::model {
namespace {

std::optional<std::pair<std::string, int>> split(std::string_view rec) {
  auto colon = rec.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  try {
    return std::pair{std::string(rec.substr(0, colon)),
                     std::stoi(std::string(rec.substr(colon + 1)))};
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

DeviceInstances::DeviceInstances(std::filesystem::path file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  for (auto& [k, v] : j.items())
    if (v.is_string() && split(v.get<std::string>())) records_[k] = v.get<std::string>();
}

int DeviceInstances::allocate(std::string_view unique_id, std::string_view device_class,
                              int default_instance) {
  if (auto it = records_.find(unique_id); it != records_.end()) {
    auto rec = split(it->second);
    if (rec && rec->first == device_class) return rec->second;
  }
  std::set<int> taken;
  for (auto& [id, rec] : records_) {
    if (id == unique_id) continue;
    auto r = split(rec);
    if (r && r->first == device_class) taken.insert(r->second);
  }
  int instance = default_instance;
  while (taken.count(instance)) ++instance;
  records_[std::string(unique_id)] = std::string(device_class) + ":" + std::to_string(instance);
  save();
  return instance;
}

std::optional<std::string> DeviceInstances::class_and_instance(std::string_view unique_id) const {
  auto it = records_.find(unique_id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

void DeviceInstances::save() {
  if (file_.empty()) return;
  nlohmann::json j = nlohmann::json::object();
  for (auto& [k, v] : records_) j[k] = v;
  std::error_code ec;
  if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
  // Atomic (a power cut leaves old or new, not half) and never through a planted symlink.
  if (auto r = write_file_atomically(file_, model::dump_json(j, 2) + '\n'); !r)
    last_error_ = r.error().detail;
  else
    last_error_.clear();
}

}  // namespace gxlink::model
