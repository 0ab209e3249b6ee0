#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages gxlink needs (scripts/packages.txt), only those that are missing.
# Idempotent; uses sudo when not root. Extra package lists may be named as arguments.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lists=("$here/packages.txt" "$@")
want=$(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null || $sudo apt-get update
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
