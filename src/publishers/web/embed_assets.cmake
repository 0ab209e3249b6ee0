# SPDX-License-Identifier: MIT
# Writes OUT: one `constexpr unsigned char kAsset_<name>[]` per file of FILES (bytes as hex, so any
# content compiles under -Wpedantic, where long string literals would warn).
set(text "// Generated from src/publishers/web/assets by embed_assets.cmake; do not edit.\n")
foreach(f ${FILES})
  get_filename_component(name ${f} NAME)
  string(MAKE_C_IDENTIFIER ${name} id)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" hex "${hex}")
  string(APPEND text "constexpr unsigned char kAsset_${id}[] = {\n${hex}};\n")
endforeach()
file(WRITE ${OUT}.tmp "${text}")
# Unchanged content keeps its timestamp, so nothing recompiles for nothing.
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
