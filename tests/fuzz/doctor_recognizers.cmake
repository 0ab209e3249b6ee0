# SPDX-License-Identifier: MIT
gxlink_fuzz(doctor_recognizers SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/doctor_recognizers_fuzz.cpp
            DEPS gxlink::doctor)
