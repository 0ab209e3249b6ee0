# SPDX-License-Identifier: MIT
gxlink_bench(nmea2000 SOURCES ${CMAKE_CURRENT_LIST_DIR}/nmea2000_bench.cpp DEPS gxlink::nmea2000)
