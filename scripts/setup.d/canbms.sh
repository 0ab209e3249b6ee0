#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The SocketCAN test boots Debian's kernel in QEMU (tests/integration/canbms/qemu_vcan_test.sh).
# Fetch that kernel (with its can, can-raw, can-dev and vcan modules) once into a cache, without
# installing it on the host. Idempotent; a failure only makes that test skip.
set -uo pipefail
cache=${GXLINK_QEMU_CAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gxlink/qemu-can}
if ls "$cache"/root/boot/vmlinuz-* >/dev/null 2>&1; then exit 0; fi
command -v qemu-system-x86_64 >/dev/null || exit 0
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
  echo "setup canbms: no linux-image-amd64 in the apt lists; the QEMU SocketCAN test will skip" >&2
  exit 0
fi
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if (cd "$tmp" && apt-get download -qq "$pkg" >/dev/null 2>&1) && dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"; then
  rm -rf "$cache/root"
  mkdir -p "$cache/root/boot" "$cache/root/lib/modules"
  mv "$tmp"/root/boot/vmlinuz-* "$cache/root/boot/"
  # Keep only the CAN modules: the test needs four files, not 300 MB of drivers.
  for d in "$tmp"/root/lib/modules/*; do
    v=$(basename "$d")
    for m in net/can/can.ko net/can/can-raw.ko drivers/net/can/dev/can-dev.ko drivers/net/can/vcan.ko; do
      mkdir -p "$cache/root/lib/modules/$v/kernel/$(dirname "$m")"
      cp "$d/kernel/$m" "$cache/root/lib/modules/$v/kernel/$m"
    done
  done
  echo "setup canbms: kernel $pkg cached in $cache" >&2
else
  echo "setup canbms: could not fetch $pkg; the QEMU SocketCAN test will skip" >&2
fi
exit 0
