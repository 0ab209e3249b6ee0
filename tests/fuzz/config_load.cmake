# SPDX-License-Identifier: MIT
gxlink_fuzz(config_load SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/config_load_fuzz.cpp DEPS gxlink::app)
