# SPDX-License-Identifier: MIT
# Cross build for Debian armhf with Debian's cross toolchain (crossbuild-essential-armhf) and the target's
# libraries installed through multiarch (libfoo-dev:armhf in /usr/lib/arm-linux-gnueabihf).
# scripts/cross/setup.sh installs both; the preset release-armhf uses this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
# Debian multiarch: find_package/find_library search /usr/lib/<triplet> (no sysroot needed).
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
# pkg-config must see only the target's .pc files (plus the architecture-independent ones).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
# gtest_discover_tests runs each test binary after linking to list its tests, and ctest runs them:
# both go through qemu-user. The multiarch libc6:armhf provides the loader the binary names, so no -L.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
