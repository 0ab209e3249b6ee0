# SPDX-License-Identifier: MIT
gxlink_fuzz(mqtt_request SOURCES ${CMAKE_CURRENT_LIST_DIR}/mqtt_request_fuzz.cpp
  DEPS gxlink::publisher_mqtt)
