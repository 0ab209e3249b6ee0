# SPDX-License-Identifier: MIT
gxlink_bench(canopen_sdo SOURCES ${CMAKE_CURRENT_LIST_DIR}/canopen_sdo_bench.cpp DEPS gxlink::canopen)
