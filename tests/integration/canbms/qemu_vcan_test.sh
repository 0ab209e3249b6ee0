#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SocketCAN for real: boots Debian's kernel under qemu-system-x86_64 (TCG; no KVM needed) with an
# initramfs of busybox-static, the can/can-raw/can-dev/vcan modules and canbms_vcan_check with its
# shared libraries, creates vcan0 and runs the check there (issue 3, "Real peers in tests").
# usage: qemu_vcan_test.sh <canbms_vcan_check binary>
# Exit 77 (ctest SKIP) when qemu, busybox-static or the kernel (scripts/setup.d/canbms.sh) is missing.
set -euo pipefail
bin=${1:?canbms_vcan_check}
cache=${GXLINK_QEMU_CAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gxlink/qemu-can}
skip() { echo "SKIP: $*"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
busybox=$(command -v busybox || true)
# The guest has no libc: busybox must be the static build (Debian busybox-static).
{ [ -n "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1; } || skip "busybox-static not installed"
vmlinuz=$(ls "$cache"/root/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || skip "no kernel in $cache (run scripts/setup.sh)"
kver=$(basename "$vmlinuz" | sed 's/^vmlinuz-//')
mods="$cache/root/lib/modules/$kver/kernel"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,proc,sys,dev,tmp,mods}
cp "$busybox" "$root/bin/busybox"
for a in sh mount insmod ip poweroff echo cat sleep; do ln -s busybox "$root/bin/$a"; done
for m in net/can/can.ko net/can/can-raw.ko drivers/net/can/dev/can-dev.ko drivers/net/can/vcan.ko; do
  cp "$mods/$m" "$root/mods/"
done
cp "$bin" "$root/vcan_check"
# The check is dynamically linked: copy every library and the loader at their paths.
ldd "$bin" | awk '/=> \//{print $3} /^\t\//{print $1}' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in can can-raw can-dev vcan; do insmod /mods/$m.ko || echo "insmod $m failed"; done
ip link add dev vcan0 type vcan && ip link set vcan0 up
/vcan_check vcan0
echo "VCAN_RC=$?"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$work/initrd.gz"

timeout 280 qemu-system-x86_64 -m 512 -smp 1 -nographic -no-reboot -accel tcg \
  -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 panic=-1 rdinit=/init loglevel=3" </dev/null >"$work/console.log" 2>&1 || true
grep -E "^(ok|FAIL) |VCAN_|insmod|RTNETLINK|ip: " "$work/console.log" || { tail -40 "$work/console.log"; }
grep -q "VCAN_RC=0" "$work/console.log"
