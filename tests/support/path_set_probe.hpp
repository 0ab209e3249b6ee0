// SPDX-License-Identifier: MIT
#pragma once
// Issue 13, conformance 1: a service's path set must be complete when it is first announced
// (when the D-Bus publisher claims its name), because Venus clients scan a service once. The probe
// records each service's paths at its announcement; late_paths() lists every path that exists
// now but did not then. Drive the model as the event loop does: model.flush() after each input.

#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "model/model.hpp"

namespace gxlink::testing {

class PathSetProbe final : public model::Observer {
 public:
  explicit PathSetProbe(model::Model& m) : model_(m) { model_.add_observer(this); }
  ~PathSetProbe() override { model_.remove_observer(this); }
  PathSetProbe(const PathSetProbe&) = delete;
  PathSetProbe& operator=(const PathSetProbe&) = delete;

  void on_service_added(const model::Service& s) override {
    auto& paths = at_announce_[s.name()];
    paths.clear();
    for (const auto& [path, item] : s.items()) paths.insert(path);
  }

  /// "service: /A /B; ..." for the paths that appeared after their service's announcement.
  std::string late_paths() const {
    std::string out;
    for (const auto& [name, s] : model_.services()) {
      auto it = at_announce_.find(name);
      if (it == at_announce_.end()) continue;  // never announced (no flush yet)
      std::string late;
      for (const auto& [path, item] : s->items())
        if (!it->second.contains(path)) late += " " + path;
      if (!late.empty()) out += name + ":" + late + "; ";
    }
    return out;
  }

  /// How many paths the service had when it was announced (0 if it never was).
  std::size_t paths_at_announce(const std::string& service) const {
    auto it = at_announce_.find(service);
    return it == at_announce_.end() ? 0 : it->second.size();
  }
  std::size_t announced() const { return at_announce_.size(); }

 private:
  model::Model& model_;
  std::map<std::string, std::set<std::string>> at_announce_;
};

/// The shared real-device captures (../shared/data), or $GXLINK_SHARED_DATA when set.
inline std::string shared_data_dir() {
  if (const char* env = std::getenv("GXLINK_SHARED_DATA")) return env;
  return GXLINK_SHARED_DATA;
}

}  // namespace gxlink::testing
