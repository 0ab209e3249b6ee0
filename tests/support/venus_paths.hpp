// SPDX-License-Identifier: MIT
#pragma once
// Issue 13, structure 2 and conformance 9: every path a driver publishes exists in Venus' own path
// list (seed 003, the venus wiki `dbus` page) for its service type, with the unit Venus uses.
// The list is a checked-in extract (tests/data/venus_paths/venus_paths_seed003.txt, made by
// extract_seed003.py); the paths gxlink publishes that Venus does not list are in
// gxlink_extras.txt, each with its reason.

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace gxlink::testing {

struct VenusPath {
  std::string type;  ///< service type, or "*" for every type
  std::string path;  ///< '#' = digits; a trailing "/*" = any rest
  std::string unit;  ///< "-" = none, "?" = the seed leaves it open
  std::string note;  ///< seed line, or the reason of an extra
};

/// "/Ac/Out/L2/V" → "/Ac/Out/L#/V", "/Voltages/Cell12" → "/Voltages/Cell#".
inline std::string digits_to_hash(std::string_view path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] >= '0' && path[i] <= '9') {
      out += '#';
      while (i + 1 < path.size() && path[i + 1] >= '0' && path[i + 1] <= '9') ++i;
    } else {
      out += path[i];
    }
  }
  return out;
}

/// Reads "type path unit note..." lines; '#' at the start of a line is a comment.
inline std::vector<VenusPath> load_venus_paths(const std::string& file) {
  std::vector<VenusPath> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    VenusPath p;
    ls >> p.type >> p.path >> p.unit;
    p.path = digits_to_hash(p.path);  // "/Interfaces/Mk2/Version" as the paths are compared
    std::getline(ls >> std::ws, p.note);
    if (!p.unit.empty()) out.push_back(std::move(p));
  }
  return out;
}

inline std::string venus_paths_dir() { return std::string(GXLINK_TEST_DATA) + "/venus_paths"; }

inline const std::vector<VenusPath>& seed003_paths() {
  static const auto paths = load_venus_paths(venus_paths_dir() + "/venus_paths_seed003.txt");
  return paths;
}
inline const std::vector<VenusPath>& gxlink_extra_paths() {
  static const auto paths = load_venus_paths(venus_paths_dir() + "/gxlink_extras.txt");
  return paths;
}

inline const VenusPath* find_venus_path(const std::vector<VenusPath>& list, std::string_view type,
                                        std::string_view path) {
  const std::string norm = digits_to_hash(path);
  const VenusPath* any = nullptr;
  for (const VenusPath& p : list) {
    const bool wild = p.path.size() > 2 && p.path.ends_with("/*");
    const bool hit = wild ? norm.starts_with(p.path.substr(0, p.path.size() - 1)) : norm == p.path;
    if (!hit) continue;
    if (p.type == type) return &p;
    if (p.type == "*" && !any) any = &p;
  }
  return any;
}

/// "service path: problem; ..." for every path of every service in `m` that is neither in seed
/// 003's list for its type nor an allowed extra, or whose unit differs; "" when all agree.
inline std::string venus_path_problems(const model::Model& m) {
  std::set<std::string> problems;  // once per type and path, however many services have it
  for (const auto& [name, s] : m.services()) {
    for (const auto& [path, item] : s->items()) {
      const VenusPath* p = find_venus_path(seed003_paths(), s->type(), path);
      if (!p) p = find_venus_path(gxlink_extra_paths(), s->type(), path);
      if (!p) {
        problems.insert(s->type() + " " + path + ": not in seed 003");
        continue;
      }
      const std::string want = p->unit == "-" ? "" : p->unit;
      if (p->unit != "?" && item.meta.unit != want)
        problems.insert(s->type() + " " + path + ": unit '" + item.meta.unit + "', Venus '" + want +
                        "'");
    }
  }
  std::string out;
  for (const auto& p : problems) out += p + "; ";
  return out;
}

}  // namespace gxlink::testing
