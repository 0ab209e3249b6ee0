// SPDX-License-Identifier: MIT
// Every protocol, driver, publisher and demo part is listed here, explicitly, once. Each area
// registers its entries in its own src/app/register_<area>.cpp.
#include "app/registry.hpp"

namespace gxlink::app {

void register_dbus_recording(Registry& r);
void register_canopen(Registry& r);
void register_vebus(Registry& r);
void register_vedirect(Registry& r);
void register_canbms(Registry& r);
void register_nmea2000(Registry& r);
void register_mqtt(Registry& r);
void register_modbus(Registry& r);
void register_upstream(Registry& r);
void register_dbus(Registry& r);
void register_system(Registry& r);

namespace {

Registry build() {
  Registry r;
  register_dbus_recording(r);
  register_canopen(r);
  register_vebus(r);
  register_vedirect(r);
  register_canbms(r);
  register_nmea2000(r);
  register_mqtt(r);
  register_modbus(r);
  register_upstream(r);
  register_dbus(r);
  register_system(r);
  return r;
}

}  // namespace

const Registry& registry() {
  static const Registry kRegistry = build();
  return kRegistry;
}

}  // namespace gxlink::app
