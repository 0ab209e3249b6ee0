#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prints the Debian version of this checkout: the project version from CMakeLists.txt, and, unless
# HEAD is tagged v<version>, "+git<commit date>.<commit count>.<short hash>" so that every later
# commit sorts higher for apt (dpkg --compare-versions) and the same commit always gives the same
# version. Outside a git checkout: the project version alone.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -nE 's/^project\(gxlink VERSION ([0-9.]+).*/\1/p' "$top/CMakeLists.txt")
[ -n "$version" ] || { echo "version.sh: no project version in CMakeLists.txt" >&2; exit 1; }
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
  if [ "$(git -C "$top" describe --tags --exact-match 2>/dev/null)" != "v$version" ]; then
    date=$(TZ=UTC git -C "$top" log -1 --date=format-local:%Y%m%d --format=%cd)
    count=$(git -C "$top" rev-list --count HEAD)
    hash=$(git -C "$top" rev-parse --short=7 HEAD)
    version="$version+git$date.$count.$hash"
  fi
fi
echo "$version"
