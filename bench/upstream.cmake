# SPDX-License-Identifier: MIT
gxlink_bench(upstream SOURCES ${CMAKE_CURRENT_LIST_DIR}/upstream_bench.cpp DEPS gxlink::publisher_upstream)
