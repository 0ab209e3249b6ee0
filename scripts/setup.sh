#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what gxlink needs to build, run and test on Debian 12. Idempotent: apt-get runs only for
# missing packages; uses sudo when not root.
#  - scripts/packages.txt and scripts/packages.d/*.txt list Debian packages (one per line, # comments)
#  - scripts/setup.d/*.sh are further steps (e.g. npm peers for conformance tests), each idempotent
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

shopt -s nullglob
want=$(cat "$here/packages.txt" "$here"/packages.d/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null || $sudo apt-get update
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for step in "$here"/setup.d/*.sh; do
  bash "$step"
done
