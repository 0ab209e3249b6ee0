# SPDX-License-Identifier: MIT
gxlink_bench(vebus SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vebus_bench.cpp DEPS gxlink::vebus)
