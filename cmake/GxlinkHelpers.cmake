# SPDX-License-Identifier: MIT
# Helpers that keep every layer and protocol folder declared the same way.

set(GXLINK_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wno-sign-conversion)

# gxlink_library(<name> SOURCES ... [DEPS ...])
#   A static library gxlink_<name> with alias gxlink::<name>; includes are rooted at src/.
function(gxlink_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(gxlink_${name} STATIC ${ARG_SOURCES})
  add_library(gxlink::${name} ALIAS gxlink_${name})
  target_include_directories(gxlink_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(gxlink_${name} PUBLIC cxx_std_20)
  target_compile_options(gxlink_${name} PRIVATE ${GXLINK_WARNINGS} $<$<BOOL:${GXLINK_WERROR}>:-Werror>)
  target_compile_definitions(gxlink_${name} PUBLIC GXLINK_VERSION="${PROJECT_VERSION}")
  target_link_libraries(gxlink_${name} PUBLIC ${ARG_DEPS})
endfunction()

# gxlink_test(<name> SOURCES ... DEPS ...)
#   A GoogleTest binary whose tests ctest discovers one by one.
function(gxlink_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${GXLINK_WARNINGS} $<$<BOOL:${GXLINK_WERROR}>:-Werror>)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  # In a cross build a test that runs gxlink through the shell (popen) must start it under the
  # same emulator ctest uses: the kernel here has no binfmt handler for the target.
  set(gxlink_command "$<TARGET_FILE:gxlink>")
  if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
    list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " emulator)
    set(gxlink_command "${emulator} $<TARGET_FILE:gxlink>")
  endif()
  target_compile_definitions(${name} PRIVATE
    GXLINK_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data"
    GXLINK_SHARED_DATA="${PROJECT_SOURCE_DIR}/../shared/data"
    GXLINK_BINARY="${gxlink_command}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  # Label unit or integration from the folder, so a cross build can run only its unit tests under
  # qemu-user (ctest --preset unit-arm64).
  string(FIND "${CMAKE_CURRENT_SOURCE_DIR}/" "${PROJECT_SOURCE_DIR}/tests/unit/" unit_pos)
  if(unit_pos EQUAL 0)
    set(label unit)
  else()
    set(label integration)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300 LABELS ${label})
endfunction()

# gxlink_fuzz(<name> SOURCES ... DEPS ...)
#   With GXLINK_FUZZ (clang): a libFuzzer binary. Otherwise the same entry point linked with a replay
#   main() that runs every file of tests/fuzz/corpus/<name>/ as a ctest (Beast's seeds approach).
function(gxlink_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name}_fuzz ${ARG_SOURCES})
  target_include_directories(${name}_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name}_fuzz PRIVATE ${ARG_DEPS})
  if(GXLINK_FUZZ)
    target_compile_options(${name}_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  else()
    target_sources(${name}_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    add_test(NAME fuzz_replay.${name}
             COMMAND ${name}_fuzz ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  endif()
endfunction()

# Adds every <dir>/*/CMakeLists.txt below `dir` (one folder per protocol, driver, simulator...).
function(gxlink_add_subdirectories dir)
  file(GLOB children LIST_DIRECTORIES true ${dir}/*)
  foreach(child ${children})
    if(EXISTS ${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

# gxlink_registration(<area> [ORDER n] [FUNCTIONS fn...] SOURCES ... DEPS ...)
#   The area's registration, beside its code: a library gxlink_<area>_registration whose
#   `void gxlink::registry::register_<area>(Registry&)` (or each of FUNCTIONS) adds the area's
#   decoders, snapshot sources, config sections, demo parts and subcommands (registry/registry.hpp).
#   gxlink_registrations() calls them all in ORDER (default 100; ties by area name). The order
#   matters for the demo only: its parts start in it, and device instances are handed out in it.
function(gxlink_registration area)
  cmake_parse_arguments(ARG "" "ORDER" "SOURCES;DEPS;FUNCTIONS" ${ARGN})
  if(NOT DEFINED ARG_ORDER)
    set(ARG_ORDER 100)
  endif()
  if(NOT ARG_FUNCTIONS)
    set(ARG_FUNCTIONS register_${area})
  endif()
  gxlink_library(${area}_registration SOURCES ${ARG_SOURCES} DEPS gxlink::registry ${ARG_DEPS})
  math(EXPR sort_key "10000 + ${ARG_ORDER}")  # fixed width, so that the list sorts by number
  set(index 0)
  foreach(fn ${ARG_FUNCTIONS})
    set_property(GLOBAL APPEND PROPERTY GXLINK_REGISTRATIONS "${sort_key}|${area}|${index}|${fn}")
    math(EXPR index "${index} + 1")
  endforeach()
endfunction()

# gxlink_registrations()
#   After every folder that calls gxlink_registration(), before src/app: generates registrations.cpp
#   (registry::all(), which calls every registration function) into the library
#   gxlink::registrations, which links every registration library. The app links only that, so a new
#   protocol, output or system component touches no file in src/app.
function(gxlink_registrations)
  get_property(entries GLOBAL PROPERTY GXLINK_REGISTRATIONS)
  list(SORT entries)
  set(declarations "")
  set(calls "")
  set(libraries "")
  foreach(entry ${entries})
    string(REPLACE "|" ";" fields "${entry}")
    list(GET fields 1 area)
    list(GET fields 3 fn)
    string(APPEND declarations "void ${fn}(Registry& r);\n")
    string(APPEND calls "    ${fn}(r);\n")
    list(APPEND libraries gxlink::${area}_registration)
  endforeach()
  list(REMOVE_DUPLICATES libraries)
  set(source ${CMAKE_CURRENT_BINARY_DIR}/registrations.cpp)
  file(CONFIGURE OUTPUT ${source} @ONLY CONTENT [=[
// Generated by gxlink_registrations() (cmake/GxlinkHelpers.cmake) from every gxlink_registration()
// call: do not edit.
#include "registry/registry.hpp"

namespace gxlink::registry {

@declarations@
const Registry& all() {
  static const Registry kRegistry = [] {
    Registry r;
@calls@    return r;
  }();
  return kRegistry;
}

}  // namespace gxlink::registry
]=])
  gxlink_library(registrations SOURCES ${source} DEPS gxlink::registry ${libraries})
endfunction()
