# SPDX-License-Identifier: MIT
gxlink_fuzz(decode_jsonl SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/decode_jsonl_fuzz.cpp DEPS gxlink::app)
