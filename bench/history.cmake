# SPDX-License-Identifier: MIT
gxlink_bench(history SOURCES ${CMAKE_CURRENT_LIST_DIR}/history_bench.cpp DEPS gxlink::publisher_history)
