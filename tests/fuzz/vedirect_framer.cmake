# SPDX-License-Identifier: MIT
gxlink_fuzz(vedirect_framer SOURCES ${CMAKE_CURRENT_LIST_DIR}/vedirect_framer_fuzz.cpp DEPS gxlink::vedirect)
