#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the Venus OS add-on bundle, OUT/gxlink-venus_<version>_<arch>.tar.gz, from a gxlink binary
# built for the GX (armhf: Cerbo GX, Ekrano, Venus on a Raspberry Pi are 32-bit ARM hard-float).
# The bundle holds the binary, every shared library it needs (found recursively in the target's
# Debian multiarch directories) with the dynamic loader, the launcher, the daemontools service,
# the default config and install.sh. `./gx package armhf` calls this.
# Usage: make-bundle.sh GXLINK_BINARY OUT_DIR [VERSION]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
binary=${1:?usage: make-bundle.sh GXLINK_BINARY OUT_DIR [VERSION]}
out=${2:?usage: make-bundle.sh GXLINK_BINARY OUT_DIR [VERSION]}
version=${3:-$("$top/packaging/deb/version.sh")}

machine=$(readelf -h "$binary" | sed -nE 's/^ *Machine: *//p')
case "$machine" in
  ARM) arch=armhf ;;
  AArch64) arch=arm64 ;;
  *X86-64*) arch=amd64 ;;  # not for a GX; the installer's tests use it on the build machine
  *) echo "make-bundle.sh: unsupported machine '$machine'" >&2; exit 2 ;;
esac
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
search=("/usr/lib/$triplet" "/lib/$triplet")

work=$(mktemp -d "${TMPDIR:-/tmp}/gxlink-venus.XXXXXX")
trap 'rm -rf "$work"' EXIT
b="$work/gxlink-venus"
install -d "$b/bin" "$b/lib" "$b/service/log"
install -m 0755 "$binary" "$b/bin/gxlink"
strip_tool="strip"
[ "$arch" = "$(dpkg --print-architecture)" ] || strip_tool="$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_TYPE 2>/dev/null)-strip"
"$strip_tool" --strip-unneeded "$b/bin/gxlink"

# The loader named in the binary's PT_INTERP, then the NEEDED closure.
interp=$(readelf -l "$binary" | sed -nE 's/.*Requesting program interpreter: (.*)\]/\1/p')
cp -L "$interp" "$b/lib/"
queue=("$b/bin/gxlink")
while [ ${#queue[@]} -gt 0 ]; do
  obj=${queue[0]}
  queue=("${queue[@]:1}")
  for lib in $(readelf -d "$obj" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
    [ -e "$b/lib/$lib" ] && continue
    found=""
    for d in "${search[@]}"; do
      if [ -e "$d/$lib" ]; then found="$d/$lib"; break; fi
    done
    [ -n "$found" ] || { echo "make-bundle.sh: $lib not found for $arch in ${search[*]}" >&2; exit 1; }
    cp -L "$found" "$b/lib/$lib"
    chmod 0644 "$b/lib/$lib"
    queue+=("$b/lib/$lib")
  done
done
chmod 0755 "$b"/lib/ld-linux*

install -m 0755 "$here/gxlink-venus" "$b/bin/gxlink-venus"
install -m 0755 "$here/service/run" "$b/service/run"
install -m 0755 "$here/service/log/run" "$b/service/log/run"
install -m 0755 "$here/install.sh" "$b/install.sh"
install -m 0644 "$here/gxlink.toml" "$b/gxlink.toml"
install -m 0644 "$top/config/gxlink.example.toml" "$b/gxlink.example.toml"
install -m 0644 "$here/README.md" "$b/README.md"
echo "$version" > "$b/VERSION"

mkdir -p "$out"
tarball="$out/gxlink-venus_${version}_${arch}.tar.gz"
tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name -czf "$tarball" gxlink-venus
echo "$tarball"
