# SPDX-License-Identifier: MIT
gxlink_bench(vedirect SOURCES ${CMAKE_CURRENT_LIST_DIR}/vedirect_bench.cpp
  DEPS gxlink::vedirect gxlink::driver_vedirect)
target_compile_definitions(vedirect_bench PRIVATE
  GXLINK_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data"
  GXLINK_SHARED_DATA="${PROJECT_SOURCE_DIR}/../shared/data")
