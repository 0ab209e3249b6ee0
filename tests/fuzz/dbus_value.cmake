# SPDX-License-Identifier: MIT
gxlink_fuzz(dbus_value SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/dbus_value_fuzz.cpp DEPS gxlink::publisher_dbus)
