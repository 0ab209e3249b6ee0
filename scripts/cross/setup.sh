#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what a cross build of gxlink for ARCH (arm64 | armhf) needs on a Debian 12 amd64 host:
# Debian's cross toolchain (crossbuild-essential-ARCH), the target's -dev libraries through multiarch
# (dpkg --add-architecture) and qemu-user to run the target's unit tests. Idempotent: apt-get runs
# only for what is missing. `./gx package ARCH` calls it on demand, so `./gx test` never pays for it.
set -euo pipefail
arch=${1:?usage: setup.sh arm64|armhf}
case "$arch" in arm64|armhf) ;; *) echo "setup.sh: unknown architecture '$arch'" >&2; exit 2 ;; esac
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# Libraries that are compiled per architecture (shared objects or arch-specific CMake configs).
# Header-only packages (Asio, nlohmann-json, CLI11, tl-expected) are Architecture: all and the
# native copies serve every target.
target_libs=(libc6-dev libstdc++-12-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libcpp-httplib-dev
             libsdbus-c++-dev libsystemd-dev libmosquitto-dev libmodbus-dev libsqlite3-dev
             libgtest-dev libgmock-dev)
host_tools=("crossbuild-essential-$arch" qemu-user)

if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  $sudo dpkg --add-architecture "$arch"
  need_update=1
fi
missing=()
for p in "${host_tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
for p in "${target_libs[@]}"; do
  dpkg-query -W -f='${Status}' "$p:$arch" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p:$arch")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross setup ($arch): installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if [ -n "${need_update:-}" ] || ! apt-cache show "libc6:$arch" >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null || $sudo apt-get update
  fi
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
