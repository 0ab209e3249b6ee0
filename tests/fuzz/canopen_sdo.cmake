# SPDX-License-Identifier: MIT
gxlink_fuzz(canopen_sdo SOURCES ${CMAKE_CURRENT_LIST_DIR}/canopen_sdo_fuzz.cpp DEPS gxlink::canopen)
