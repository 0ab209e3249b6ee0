#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# packaging/deb/version.sh: a valid Debian version, the project version first, and a later commit
# sorts higher (checked in a throwaway clone with one more commit).
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
fail() { echo "FAIL: $*"; exit 1; }
v=$(bash "$top/packaging/deb/version.sh")
project=$(sed -nE 's/^project\(gxlink VERSION ([0-9.]+).*/\1/p' "$top/CMakeLists.txt")
echo "version: $v"
[[ "$v" == "$project" || "$v" =~ ^$project\+git[0-9]{8}\.[0-9]+\.[0-9a-f]{7}$ ]] || fail "shape of $v"
dpkg --validate-version "$v" || fail "not a Debian version: $v"
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || { echo "not a git checkout: done"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gxlink-version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
git clone -q "$top" "$tmp/clone"
mkdir -p "$tmp/clone/packaging/deb" && cp "$top/packaging/deb/version.sh" "$tmp/clone/packaging/deb/"
cp "$top/CMakeLists.txt" "$tmp/clone/CMakeLists.txt"
before=$(bash "$tmp/clone/packaging/deb/version.sh")
git -C "$tmp/clone" -c user.name=t -c user.email=t@t commit -q --allow-empty -m later
after=$(bash "$tmp/clone/packaging/deb/version.sh")
dpkg --compare-versions "$after" gt "$before" || fail "$after does not sort after $before"
# A release tag gives the plain project version.
git -C "$tmp/clone" tag "v$project"
[ "$(bash "$tmp/clone/packaging/deb/version.sh")" = "$project" ] || fail "tagged release"
echo "ok: version"
