# SPDX-License-Identifier: MIT
gxlink_fuzz(vebus_framer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vebus_framer_fuzz.cpp DEPS gxlink::vebus)
