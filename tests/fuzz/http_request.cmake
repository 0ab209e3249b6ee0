# SPDX-License-Identifier: MIT
gxlink_fuzz(http_request SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_request_fuzz.cpp
  DEPS gxlink::publisher_web)
