# SPDX-License-Identifier: MIT
gxlink_fuzz(modbus_request SOURCES ${CMAKE_CURRENT_LIST_DIR}/modbus_request_fuzz.cpp
  DEPS gxlink::publisher_modbus)
