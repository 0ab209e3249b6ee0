// SPDX-License-Identifier: MIT
// `gxlink snapshot dbus-recording:FILE`: Venus dbus-recorder recordings replayed into the model.
#include <ostream>

#include "drivers/dbus_recording/dbus_recording.hpp"
#include "registry/registry.hpp"

namespace gxlink::registry {
namespace {

DecodeStats snapshot_dbus_recording(std::istream& in, const std::string& source,
                                    drivers::DriverContext& ctx, std::ostream& err) {
  DecodeStats st;
  std::vector<std::string> warnings;
  auto rec = drivers::dbus_recording::parse_dbus_recording(in, warnings);
  for (auto& w : warnings) err << source << ": " << w << '\n';
  st.errors = warnings.size();
  if (!rec) {
    err << source << ": " << rec.error().message() << '\n';
    ++st.errors;
    return st;
  }
  st.messages = drivers::dbus_recording::apply_dbus_recording(*rec, ctx.model);
  return st;
}

}  // namespace

void register_dbus_recording(Registry& r) {
  r.snapshots["dbus-recording"] = snapshot_dbus_recording;
}

}  // namespace gxlink::registry
