#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks on the Debian package built from the test build's gxlink (packaging/deb/build-deb.sh).
# Usage: deb_checks.sh CHECK DIST_DIR      (CHECK: contents, control, depends, conffile, systemd,
#        manpage, maintainer-scripts, start-as-user)
# Exit 77 = skipped (ctest SKIP_RETURN_CODE).
# shellcheck disable=SC2015,SC2016  # `[ a ] && [ b ] || fail` is meant; stubs are single-quoted sh
set -euo pipefail
check=${1:?check}
dist=${2:?dist dir}
debs=("$dist"/gxlink_*_"$(dpkg --print-architecture)".deb)
deb=$(realpath "${debs[0]}")
[ -f "$deb" ] || { echo "no package in $dist (the packaging.build fixture failed?)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gxlink-debcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
field() { dpkg-deb --field "$deb" "$1"; }

case "$check" in
  contents)
    # Every file the package must ship, with its mode; and nothing that is not listed.
    want=$(cat <<'LIST'
-rw-r--r-- ./etc/gxlink/gxlink.toml
-rw-r--r-- ./lib/systemd/system/gxlink.service
-rwxr-xr-x ./usr/bin/gxlink
-rw-r--r-- ./usr/lib/sysusers.d/gxlink.conf
-rw-r--r-- ./usr/share/dbus-1/system.d/gxlink.conf
-rw-r--r-- ./usr/share/doc/gxlink/copyright
-rw-r--r-- ./usr/share/doc/gxlink/gxlink.example.toml
-rw-r--r-- ./usr/share/man/man1/gxlink.1.gz
LIST
)
    want=$(echo "$want" | LC_ALL=C sort)
    got=$(dpkg-deb --contents "$deb" | awk '$1 !~ /^d/ {print $1, $6}' | LC_ALL=C sort)
    [ "$got" = "$want" ] || fail "contents differ:"$'\n'"$(diff <(echo "$want") <(echo "$got"))"
    owners=$(dpkg-deb --contents "$deb" | awk '{print $2}' | sort -u)
    [ "$owners" = "root/root" ] || fail "files not owned by root: $owners"
    dpkg-deb -x "$deb" "$tmp/root"
    readelf -S "$tmp/root/usr/bin/gxlink" | grep -q '\.symtab' && fail "binary not stripped"
    # The policy and config are the repository's own files, unchanged.
    top=$(cd "$(dirname "$0")/../../.." && pwd)
    cmp "$tmp/root/usr/share/dbus-1/system.d/gxlink.conf" "$top/config/dbus/gxlink-dbus.conf"
    cmp "$tmp/root/etc/gxlink/gxlink.toml" "$top/config/gxlink.example.toml"
    # dpkg-deb verifies the md5sums on install; check them here too.
    (cd "$tmp/root" && dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./md5sums | md5sum --quiet -c -) \
      || fail "md5sums do not match the files"
    ;;
  control)
    [ "$(field Package)" = gxlink ] || fail "Package"
    [ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture"
    v=$(field Version)
    dpkg --compare-versions "$v" ge 0.1.0 || fail "Version $v"
    [[ "$(basename "$deb")" == "gxlink_${v}_$(field Architecture).deb" ]] || fail "file name vs version"
    [ "$(field Maintainer)" != "" ] && [ "$(field Description)" != "" ] || fail "Maintainer/Description"
    size=$(field Installed-Size)
    [ "$size" -gt 100 ] || fail "Installed-Size $size"
    ;;
  depends)
    # Depends must name exactly the packages that own the libraries the binary links (NEEDED), or
    # a name such a package Provides (Debian's ABI transitions: libspdlog1.10 provides
    # libspdlog1.10-fmt9 and its shlibs file names that): what dpkg-shlibdeps computes, checked
    # here against dpkg -S.
    dpkg-deb -x "$deb" "$tmp/root"
    depends=$(field Depends)
    echo "Depends: $depends"
    got=$(printf '%s\n' "$depends" | tr ',' '\n' | sed -E 's/^ *//; s/ .*//' | LC_ALL=C sort -u)
    needed=$(objdump -p "$tmp/root/usr/bin/gxlink" | awk '$1 == "NEEDED" {print $2}')
    covered=""
    for lib in $needed; do
      # Readers take all their input (no early exit, no head): under `set -o pipefail` a writer
      # killed by SIGPIPE would fail the check at random.
      path=$(ldconfig -p | awk -v l="$lib" '$1 == l && !found {print $NF; found = 1}')
      [ -n "$path" ] || fail "cannot resolve $lib"
      owner=$(dpkg -S "$path" 2>/dev/null | awk -F: 'NR == 1 {print $1}') \
        || owner=$(dpkg -S "$(readlink -f "$path")" | awk -F: 'NR == 1 {print $1}')
      names=$( (echo "$owner"; dpkg-query -W -f='${Provides}\n' "$owner:$(field Architecture)" | tr ',' '\n' | sed -E 's/^ *//; s/ .*//') | grep -v '^$')
      match=$(LC_ALL=C comm -12 <(echo "$names" | LC_ALL=C sort -u) <(echo "$got"))
      [ "$(echo "$match" | grep -c .)" = 1 ] || fail "$lib ($owner) is not named once in Depends"
      covered+="$match"$'\n'
    done
    extra=$(LC_ALL=C comm -13 <(printf '%s' "$covered" | LC_ALL=C sort -u) <(echo "$got"))
    [ -z "$extra" ] || fail "Depends names what the binary does not link: $extra"
    # libc6 and libstdc++6 must carry a minimum version (from the symbols files).
    printf '%s\n' "$depends" | grep -Eq 'libc6 \(>= [0-9.]+\)' || fail "libc6 without a version"
    printf '%s\n' "$depends" | grep -Eq 'libstdc\+\+6 \(>= [0-9.]+\)' || fail "libstdc++6 without a version"
    ;;
  conffile)
    ctrl=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
    printf '%s\n' "$ctrl" | grep -qx './conffiles' || fail "no conffiles"
    conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
    [ "$conffiles" = /etc/gxlink/gxlink.toml ] || fail "conffiles: $conffiles"
    # The default config is valid for the packaged binary.
    dpkg-deb -x "$deb" "$tmp/root"
    "$tmp/root/usr/bin/gxlink" run --check-config --config "$tmp/root/etc/gxlink/gxlink.toml"
    ;;
  systemd)
    command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: skipped"; exit 77; }
    dpkg-deb -x "$deb" "$tmp/root"
    # verify resolves the unit's dependencies (sysinit.target, ...) in the root: give it systemd's
    # own units beside the package's, as on an installed system.
    cp -an /lib/systemd/system/. "$tmp/root/lib/systemd/system/" 2>/dev/null || true
    # verify returns 0 with mere warnings (an unknown key, a bad value): any output is a failure.
    out=$(systemd-analyze verify --root="$tmp/root" --man=no gxlink.service 2>&1) || fail "$out"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
    unit="$tmp/root/lib/systemd/system/gxlink.service"
    prop() { grep -E "^$1=" "$unit" | tail -n1 | cut -d= -f2-; }
    [ "$(prop User)" = gxlink ] || fail "User"
    [ "$(prop SupplementaryGroups)" = dialout ] || fail "dialout"
    [ "$(prop ProtectSystem)" = strict ] || fail "ProtectSystem"
    [ "$(prop StateDirectory)" = gxlink ] || fail "StateDirectory"
    [ "$(prop Restart)" = on-failure ] || fail "Restart"
    [ "$(prop NoNewPrivileges)" = yes ] || fail "NoNewPrivileges"
    [ -z "$(prop CapabilityBoundingSet)" ] && [ -z "$(prop AmbientCapabilities)" ] || fail "capabilities"
    grep -q '^DynamicUser=yes' "$unit" && fail "DynamicUser: the D-Bus policy names a static user"
    # The user the unit names is the one sysusers.d creates.
    grep -Eq '^u gxlink ' "$tmp/root/usr/lib/sysusers.d/gxlink.conf" || fail "sysusers: no user gxlink"
    grep -Eq '^m gxlink dialout' "$tmp/root/usr/lib/sysusers.d/gxlink.conf" || fail "sysusers: not in dialout"
    # systemd's own exposure score: "OK" or better (exposure below 4.0 of 10).
    score=$(systemd-analyze security --offline=yes --root="$tmp/root" gxlink.service 2>/dev/null \
      | sed -nE 's/.*Overall exposure level for gxlink.service: ([0-9.]+).*/\1/p')
    echo "systemd-analyze security: exposure $score"
    [ -n "$score" ] && awk -v s="$score" 'BEGIN {exit !(s < 4.0)}' || fail "exposure $score"
    ;;
  manpage)
    dpkg-deb -x "$deb" "$tmp/root"
    page="$tmp/root/usr/share/man/man1/gxlink.1.gz"
    warnings=$(zcat "$page" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1)
    [ -z "$warnings" ] || fail "groff: $warnings"
    text=$(zcat "$page" | LC_ALL=C.UTF-8 MANWIDTH=120 groff -man -Tutf8 -P-cbou 2>/dev/null)
    # One section per subcommand the binary lists, each with that subcommand's own options.
    subs=$("$tmp/root/usr/bin/gxlink" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF {print $1}')
    [ -n "$subs" ] || fail "no subcommands in --help"
    # Here-strings, not `printf | grep -q`: grep -q exits at the first match, and under pipefail the
    # printf that is still writing the rest of the page dies of SIGPIPE and fails the check.
    for s in $subs; do
      upper=$(printf '%s' "$s" | tr '[:lower:]' '[:upper:]')
      grep -q "GXLINK $upper" <<<"$text" || fail "no section for $s"
      grep -q "Usage: gxlink $s" <<<"$text" || fail "no usage for $s"
    done
    grep -q -- '--check-config' <<<"$text" || fail "run's options missing"
    grep -q "gxlink $("$tmp/root/usr/bin/gxlink" --version)" <<<"$text" || fail "version"
    ;;
  maintainer-scripts)
    # The scripts' logic with the system tools replaced by stubs that log their arguments.
    dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$tmp" ./postinst ./prerm ./postrm
    for s in postinst prerm postrm; do sh -n "$tmp/$s" || fail "$s: syntax"; done
    stubs="$tmp/stubs"
    mkdir -p "$stubs"
    log="$tmp/calls"
    # rm too: postrm purge must not delete this machine's /var/lib/gxlink.
    for tool in systemd-sysusers deb-systemd-helper deb-systemd-invoke systemctl groupadd useradd usermod rm; do
      printf '#!/bin/sh\necho "%s $*" >> "%s"\n[ "$1 $2" != "--quiet was-enabled" ] || exit "${WAS_ENABLED:-0}"\n' \
        "$tool" "$log" > "$stubs/$tool"
      chmod +x "$stubs/$tool"
    done
    # getent: nothing exists yet but the dialout group. id: the new user is in no group yet.
    printf '#!/bin/sh\n[ "$1 $2" = "group dialout" ] && echo dialout:x:20: && exit 0\nexit 2\n' > "$stubs/getent"
    printf '#!/bin/sh\necho gxlink\n' > "$stubs/id"
    chmod +x "$stubs/getent" "$stubs/id"
    for tool in sh tr grep cat; do ln -s "$(command -v "$tool")" "$stubs/$tool"; done
    run() { : > "$log"; env -i PATH="$stubs" WAS_ENABLED="${WAS_ENABLED:-0}" sh -e "$tmp/$1" "${@:2}" || fail "$1 $*"; }
    # Fresh install with systemd-sysusers: the user from sysusers.d, then the unit enabled.
    run postinst configure
    grep -qx 'systemd-sysusers gxlink.conf' "$log" || fail "postinst did not run sysusers: $(cat "$log")"
    grep -qx 'deb-systemd-helper enable gxlink.service' "$log" || fail "postinst did not enable the unit"
    # An admin who disabled the service keeps it disabled on upgrade.
    WAS_ENABLED=1 run postinst configure 0.1.0
    grep -q 'deb-systemd-helper enable' "$log" && fail "upgrade re-enabled a disabled unit"
    grep -qx 'deb-systemd-helper update-state gxlink.service' "$log" || fail "no update-state"
    # Without systemd-sysusers (a chroot, a container): the shadow tools, user in dialout.
    rm "$stubs/systemd-sysusers"
    run postinst configure
    grep -qx 'groupadd --system gxlink' "$log" || fail "no groupadd: $(cat "$log")"
    grep -q '^useradd --system --gid gxlink --home-dir /var/lib/gxlink .* gxlink$' "$log" || fail "no useradd"
    grep -qx 'usermod -a -G dialout gxlink' "$log" || fail "not added to dialout"
    # remove masks the unit; purge forgets it.
    run postrm remove
    grep -qx 'deb-systemd-helper mask gxlink.service' "$log" || fail "remove did not mask"
    run postrm purge
    grep -qx 'deb-systemd-helper purge gxlink.service' "$log" || fail "purge did not purge"
    grep -q '^rm -rf /var/lib/gxlink' "$log" || fail "purge keeps the state"
    ;;
  start-as-user)
    # The unit's ExecStart as an unprivileged user with the environment systemd gives it
    # (StateDirectory=, RuntimeDirectory=): it runs, and keeps its state in $STATE_DIRECTORY.
    [ "$(id -u)" -eq 0 ] || { echo "needs root to switch user: skipped"; exit 77; }
    command -v setpriv >/dev/null || { echo "setpriv missing: skipped"; exit 77; }
    dpkg-deb -x "$deb" "$tmp/root"
    unit="$tmp/root/lib/systemd/system/gxlink.service"
    exec_start=$(sed -nE 's/^ExecStart=//p' "$unit")
    # shellcheck disable=SC2206  # the unit's command line is split on spaces, as systemd does here
    argv=($exec_start)
    [ "${argv[0]}" = /usr/bin/gxlink ] || fail "ExecStart runs ${argv[0]}"
    argv[0]="$tmp/root/usr/bin/gxlink"
    argv=("${argv[@]/\/etc\/gxlink\/gxlink.toml/$tmp/root/etc/gxlink/gxlink.toml}")
    # systemd makes /var/lib/gxlink for the user; here the user may create it in $tmp/var.
    install -d -m 0755 -o nobody "$tmp/var"
    install -d -m 0700 -o nobody "$tmp/run"
    chmod 0755 "$tmp" "$tmp/root" "$tmp/root/etc" "$tmp/root/etc/gxlink"
    # A test must not claim the system bus or a fixed port.
    env -i PATH=/usr/bin:/bin STATE_DIRECTORY="$tmp/var/gxlink" RUNTIME_DIRECTORY="$tmp/run" \
      setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups --no-new-privs \
      "${argv[@]}" --duration 2 --dbus none --http 127.0.0.1:0 > "$tmp/out" 2>&1 \
      || fail "the daemon failed: $(cat "$tmp/out")"
    [ -d "$tmp/var/gxlink" ] || fail "no state directory at \$STATE_DIRECTORY: $(cat "$tmp/out")"
    [ "$(stat -c '%U %a' "$tmp/var/gxlink")" = "nobody 700" ] || fail "state dir: $(stat -c '%U %a' "$tmp/var/gxlink")"
    ;;
  *) echo "unknown check $check"; exit 2 ;;
esac
echo "ok: $check"
