#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Venus OS add-on installer (contrib/venus/install.sh) in a temporary root laid out like a GX:
# /data with someone's rc.local, /service with Venus' own services, /var/log. A bundle is made
# from this build's gxlink (the build machine's architecture: the bundled loader and libraries
# run here). Install twice, upgrade (config kept), boot (the /service link made again from
# rc.local), uninstall (config kept), purge (the tree is as before). svc is a stub that logs.
set -euo pipefail
binary=${1:?usage: venus_install_test.sh GXLINK_BINARY}
top=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gxlink-venus-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
root="$tmp/gx"

# The GX: Venus' services under /service (a tmpfs there), someone else's line in /data/rc.local.
mkdir -p "$root/data/log" "$root/var/log" "$root/opt/victronenergy/dbus-systemcalc-py/service/log" \
  "$root/service"
printf '#!/bin/sh\nexec 2>&1\nexec /opt/victronenergy/dbus-systemcalc-py/dbus_systemcalc.py\n' \
  > "$root/opt/victronenergy/dbus-systemcalc-py/service/run"
ln -s /opt/victronenergy/dbus-systemcalc-py/service "$root/service/dbus-systemcalc-py"
printf '#!/bin/sh\n/data/bms/start_bms.sh\nexit 0\n' > "$root/data/rc.local"
chmod 0755 "$root/data/rc.local"
# Every file with its type, mode, link target and content hash: "the tree is as before".
snapshot() {
  (cd "$root" && find . -printf '%y %m %p -> %l\n' | LC_ALL=C sort
   find . -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum)
}
before=$(snapshot)

# svc stub: logs what the installer asks supervise to do.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "svc $*" >> "%s/svc.log"\n' "$tmp" > "$tmp/bin/svc"
chmod +x "$tmp/bin/svc"
export PATH="$tmp/bin:$PATH"
: > "$tmp/svc.log"

bash "$top/contrib/venus/make-bundle.sh" "$binary" "$tmp/dist" 1.0.0 >/dev/null
bash "$top/contrib/venus/make-bundle.sh" "$binary" "$tmp/dist" 1.1.0 >/dev/null
mkdir -p "$tmp/v1" "$tmp/v2"
tar -C "$tmp/v1" -xzf "$tmp/dist/"gxlink-venus_1.0.0_*.tar.gz
tar -C "$tmp/v2" -xzf "$tmp/dist/"gxlink-venus_1.1.0_*.tar.gz
installer() { ROOT="$root" sh "$1/gxlink-venus/install.sh" "${@:2}"; }
block_count() { grep -c '^# >>> gxlink add-on' "$root/data/rc.local" || true; }

# 1. Install.
installer "$tmp/v1" install
d="$root/data/gxlink"
for f in bin/gxlink bin/gxlink-venus service/run service/log/run boot.sh install.sh; do
  [ -x "$d/$f" ] || fail "$f missing or not executable"
done
[ "$(cat "$d/VERSION")" = 1.0.0 ] || fail "VERSION"
[ "$(readlink "$root/service/gxlink")" = /data/gxlink/service ] || fail "no /service link"
[ "$(block_count)" = 1 ] || fail "rc.local block count $(block_count)"
grep -qx '/data/bms/start_bms.sh' "$root/data/rc.local" || fail "someone else's rc.local line lost"
[ -x "$root/data/rc.local" ] || fail "rc.local not executable"
[ "$(tail -n1 "$root/data/rc.local")" = "exit 0" ] || fail "the block is not before rc.local's exit"
[ "$(stat -c %a "$d/state")" = 700 ] || fail "state dir mode"
grep -q 'exec multilog t s25000 n4 /var/log/gxlink' "$d/service/log/run" || fail "log/run"
grep -q '/data/gxlink/bin/gxlink-venus run --config /data/gxlink/gxlink.toml' "$d/service/run" || fail "run"
# The bundled loader and libraries start the binary, and the Venus config is valid for it.
"$d/bin/gxlink-venus" --version | grep -qx '[0-9.]*' || fail "the launcher does not run gxlink"
"$d/bin/gxlink-venus" run --check-config --config "$d/gxlink.toml" || fail "the Venus config is refused"
grep -Eq '^enabled = false' "$d/gxlink.toml" || fail "[system] not off beside Venus' systemcalc"
# The bundle holds every library the binary needs: nothing resolves outside lib/.
if command -v ldd >/dev/null && [ "$(readelf -h "$binary" | sed -nE 's/^ *Machine: *//p')" = "$(readelf -h /bin/sh | sed -nE 's/^ *Machine: *//p')" ]; then
  missing=$(LD_LIBRARY_PATH="$d/lib" ldd "$d/bin/gxlink" | grep -v "$d/lib" | grep -Ev 'linux-vdso|ld-linux' || true)
  [ -z "$missing" ] || fail "libraries from outside the bundle: $missing"
fi
first=$(snapshot)

# 2. Install again: nothing changes, the rc.local block is still there once.
installer "$tmp/v1" install
[ "$(snapshot)" = "$first" ] || fail "a second install changed files:"$'\n'"$(diff <(echo "$first") <(snapshot))"

# 3. Upgrade while supervise runs it: the user's config is kept, the binary replaced, a restart.
echo '# my change' >> "$d/gxlink.toml"
mkdir -p "$d/service/supervise" "$d/service/log/supervise"  # as a running supervise has them
echo state > "$d/service/supervise/status"
installer "$tmp/v2" install
[ "$(cat "$d/VERSION")" = 1.1.0 ] || fail "not upgraded"
grep -qx '# my change' "$d/gxlink.toml" || fail "upgrade replaced the user's config"
[ "$(cat "$d/service/supervise/status")" = state ] || fail "upgrade removed supervise's state"
grep -qx "svc -t $root/service/gxlink" "$tmp/svc.log" || fail "no restart on upgrade: $(cat "$tmp/svc.log")"
[ "$(block_count)" = 1 ] || fail "rc.local block count after upgrade $(block_count)"
[ -z "$(find "$d" -maxdepth 1 -name '*.new' -o -maxdepth 1 -name '*.old')" ] || fail "leftovers of the swap"

# 4. Boot: /service is a fresh tmpfs; rc.local makes the link again.
rm "$root/service/gxlink"
sed -e "s#/data/gxlink/boot.sh#$root/data/gxlink/boot.sh#g" -e '/start_bms/d' "$root/data/rc.local" > "$tmp/rc.local"
grep -q "$root/data/gxlink/boot.sh" "$tmp/rc.local" || fail "no boot line in rc.local"
ROOT="$root" sh "$tmp/rc.local"
[ "$(readlink "$root/service/gxlink")" = /data/gxlink/service ] || fail "boot did not link the service"

# 5. Uninstall: stopped, unlinked, rc.local as it was; config and state stay.
: > "$tmp/svc.log"
installer "$tmp/v2" uninstall
grep -qx "svc -d $root/service/gxlink" "$tmp/svc.log" || fail "not stopped"
grep -qx "svc -x $root/service/gxlink" "$tmp/svc.log" || fail "supervise not told to exit"
grep -qx "svc -d $root/service/gxlink/log" "$tmp/svc.log" || fail "logger not stopped"
if [ -e "$root/service/gxlink" ] || [ -L "$root/service/gxlink" ]; then fail "link left"; fi
[ "$(printf '#!/bin/sh\n/data/bms/start_bms.sh\nexit 0')" = "$(cat "$root/data/rc.local")" ] || fail "rc.local: $(cat "$root/data/rc.local")"
left=$(find "$d" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')
[ "$left" = "gxlink.toml state " ] || fail "uninstall left: $left"
installer "$tmp/v2" uninstall  # again: nothing to do, no error

# 6. Reinstall keeps the config; purge leaves the GX as it was.
installer "$tmp/v1" install
grep -qx '# my change' "$d/gxlink.toml" || fail "reinstall replaced the kept config"
installer "$tmp/v1" purge
[ "$(snapshot)" = "$before" ] || fail "purge did not restore the tree:"$'\n'"$(diff <(echo "$before") <(snapshot))"

# 7. A GX without /data/rc.local: the installer makes one, and purge removes it again.
rm "$root/data/rc.local"
before=$(snapshot)
installer "$tmp/v1" install
[ "$(head -n1 "$root/data/rc.local")" = '#!/bin/sh' ] || fail "new rc.local: no #!/bin/sh"
[ -x "$root/data/rc.local" ] || fail "new rc.local not executable"
installer "$tmp/v1" purge
[ "$(snapshot)" = "$before" ] || fail "purge left:"$'\n'"$(diff <(echo "$before") <(snapshot))"
echo "ok: venus installer"
