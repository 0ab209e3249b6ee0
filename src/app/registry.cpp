// SPDX-License-Identifier: MIT
// Every protocol, driver, publisher and demo part is listed here, explicitly, once.
#include "app/registry.hpp"

#include <ostream>

#include "drivers/dbus_recording/dbus_recording.hpp"

namespace gxlink::app {
namespace {

DecodeStats snapshot_dbus_recording(std::istream& in, const std::string& source, drivers::DriverContext& ctx,
                                    std::ostream& err) {
  DecodeStats st;
  std::vector<std::string> warnings;
  auto rec = drivers::parse_dbus_recording(in, warnings);
  for (auto& w : warnings) err << source << ": " << w << '\n';
  st.errors = warnings.size();
  if (!rec) {
    err << source << ": " << rec.error().message() << '\n';
    ++st.errors;
    return st;
  }
  st.messages = drivers::apply_dbus_recording(*rec, ctx.model);
  return st;
}

Registry build() {
  Registry r;
  r.snapshots["dbus-recording"] = snapshot_dbus_recording;
  return r;
}

}  // namespace

const Registry& registry() {
  static const Registry kRegistry = build();
  return kRegistry;
}

}  // namespace gxlink::app
