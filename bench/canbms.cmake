# SPDX-License-Identifier: MIT
gxlink_bench(canbms SOURCES ${CMAKE_CURRENT_LIST_DIR}/canbms_bench.cpp
             DEPS gxlink::driver_canbms gxlink::sim_canbms gxlink::transport)
