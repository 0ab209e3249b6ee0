# SPDX-License-Identifier: MIT
gxlink_fuzz(nmea2000_fastpacket SOURCES ${CMAKE_CURRENT_LIST_DIR}/nmea2000_fastpacket_fuzz.cpp DEPS gxlink::nmea2000)
