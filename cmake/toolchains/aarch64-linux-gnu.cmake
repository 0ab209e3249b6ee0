# SPDX-License-Identifier: MIT
# Cross build for Debian arm64 with Debian's cross toolchain (crossbuild-essential-arm64) and the target's
# libraries installed through multiarch (libfoo-dev:arm64 in /usr/lib/aarch64-linux-gnu).
# scripts/cross/setup.sh installs both; the preset release-arm64 uses this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Debian multiarch: find_package/find_library search /usr/lib/<triplet> (no sysroot needed).
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# pkg-config must see only the target's .pc files (plus the architecture-independent ones).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
# gtest_discover_tests runs each test binary after linking to list its tests, and ctest runs them:
# both go through qemu-user. The multiarch libc6:arm64 provides the loader the binary names, so no -L.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
