# SPDX-License-Identifier: MIT
gxlink_fuzz(canbms_codec SOURCES ${CMAKE_CURRENT_LIST_DIR}/canbms_codec_fuzz.cpp DEPS gxlink::canbms)
gxlink_fuzz(slcan_codec SOURCES ${CMAKE_CURRENT_LIST_DIR}/slcan_codec_fuzz.cpp DEPS gxlink::can_bus)
gxlink_fuzz(candump_line SOURCES ${CMAKE_CURRENT_LIST_DIR}/candump_line_fuzz.cpp DEPS gxlink::can_bus)
