#!/bin/sh
# SPDX-License-Identifier: MIT
# gxlink as a Venus OS add-on. Run it on the GX, as root, from the unpacked bundle:
#   ./install.sh install     install or upgrade (the config in /data/gxlink is kept), and start
#   ./install.sh uninstall   stop and remove the program; the config and state stay in /data/gxlink
#   ./install.sh purge       uninstall, and remove /data/gxlink entirely
#   ./install.sh status      what is installed and whether it runs
# Every action may be repeated (idempotent). ROOT=/some/dir prefixes every path (tests use a
# temporary directory shaped like a GX).
#
# Why this layout (Venus OS facts):
#  - /data is the only file system a firmware update keeps, so everything lives in /data/gxlink.
#  - Venus supervises its services with daemontools: svscan watches /service, and each service
#    directory has a run script and a log/run (multilog). /service is rebuilt at every boot, so
#    the link /service/gxlink is made again at boot by /data/rc.local, which Venus runs at the
#    end of its start-up when it exists and is executable.
set -eu
ROOT=${ROOT:-}
here=$(cd "$(dirname "$0")" && pwd)
dest="$ROOT/data/gxlink"
link="$ROOT/service/gxlink"
rc_local="$ROOT/data/rc.local"
begin='# >>> gxlink add-on (remove with /data/gxlink/install.sh uninstall) >>>'
end='# <<< gxlink add-on <<<'

say() { echo "gxlink: $*"; }

# svc (daemontools) talks to a running supervise, which keeps its control files in DIR/supervise;
# without one there is nothing to tell. (DIR is the real directory under $ROOT: /service/gxlink
# is an absolute link, as on the GX.)
supervised() { [ -d "$1/supervise" ] && command -v svc >/dev/null 2>&1; }

# Our block in /data/rc.local: only the link, made at boot; nothing else in the file is touched.
rc_local_add() {
  if [ ! -f "$rc_local" ]; then
    printf '#!/bin/sh\n' > "$rc_local"
    : > "$dest/.created-rc-local"
  fi
  rc_local_remove_block
  # Before a final `exit` line if the file has one (a block after it would never run).
  tmp="$rc_local.gxlink-tmp"
  awk -v b="$begin" -v e="$end" '
    { line[NR] = $0; if ($0 !~ /^[ \t]*$/) last = NR }
    END {
      at = (line[last] ~ /^[ \t]*exit([ \t]+[0-9]+)?[ \t]*$/) ? last : NR + 1
      for (i = 1; i <= NR + 1; i++) {
        if (i == at) {
          print b
          print "if [ -x /data/gxlink/boot.sh ]; then /data/gxlink/boot.sh; fi"
          print e
        }
        if (i <= NR) print line[i]
      }
    }' "$rc_local" > "$tmp"
  chmod 0755 "$tmp"
  mv "$tmp" "$rc_local"
}

rc_local_remove_block() {
  [ -f "$rc_local" ] || return 0
  grep -qxF "$begin" "$rc_local" || return 0
  tmp="$rc_local.gxlink-tmp"
  awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' \
    "$rc_local" > "$tmp"
  chmod 0755 "$tmp"
  mv "$tmp" "$rc_local"
}

install_files() {
  if [ ! -x "$here/bin/gxlink" ] || [ ! -f "$here/VERSION" ]; then
    say "run me from the unpacked bundle"
    exit 2
  fi
  if [ "$here" = "$dest" ]; then
    say "already installed from $here; run the new bundle's install.sh to upgrade"
  else
    mkdir -p "$dest" "$dest/state"
    chmod 0700 "$dest/state"
    # bin and lib are replaced as a whole (a new directory renamed over the old), so a crash in the
    # middle leaves the old or the new version, never a mix of libraries.
    for d in bin lib; do
      rm -rf "$dest/$d.new" "$dest/$d.old"
      cp -a "$here/$d" "$dest/$d.new"
      [ ! -e "$dest/$d" ] || mv "$dest/$d" "$dest/$d.old"
      mv "$dest/$d.new" "$dest/$d"
      rm -rf "$dest/$d.old"
    done
    # The service directories stay: a running supervise keeps its state in service/supervise and
    # service/log/supervise. Only the run scripts are replaced, each by a rename.
    mkdir -p "$dest/service/log"
    for f in service/run service/log/run install.sh README.md gxlink.example.toml VERSION; do
      cp -p "$here/$f" "$dest/$f.new"
      mv "$dest/$f.new" "$dest/$f"
    done
    # The user's config is kept; a first install gets the Venus default.
    [ -f "$dest/gxlink.toml" ] || cp "$here/gxlink.toml" "$dest/gxlink.toml"
  fi
  cat > "$dest/boot.sh" <<BOOT
#!/bin/sh
# Made by /data/gxlink/install.sh; run from /data/rc.local at every boot: svscan starts what
# /service links to (supervise in /data/gxlink/service and /data/gxlink/service/log).
ln -sfn /data/gxlink/service "\${ROOT:-}/service/gxlink"
BOOT
  chmod 0755 "$dest/boot.sh"
}

do_install() {
  old_version=$(cat "$dest/VERSION" 2>/dev/null || true)
  install_files
  rc_local_add
  # Start now: the link makes svscan start it within seconds; an upgrade restarts the running one.
  if [ -d "$ROOT/service" ]; then
    ROOT=$ROOT "$dest/boot.sh"
    if [ -n "$old_version" ] && supervised "$dest/service"; then svc -t "$link"; fi
  fi
  if [ "$old_version" = "$(cat "$dest/VERSION")" ]; then
    say "reinstalled $old_version"
  elif [ -n "$old_version" ]; then
    say "upgraded $old_version -> $(cat "$dest/VERSION")"
  else
    say "installed $(cat "$dest/VERSION"); config: /data/gxlink/gxlink.toml, log: /var/log/gxlink/current"
  fi
}

do_uninstall() {
  # Stop the service and its logger, then let supervise exit, then drop the link.
  if [ -L "$link" ] || [ -d "$link" ]; then
    if supervised "$dest/service"; then svc -d "$link"; svc -x "$link"; fi
    if supervised "$dest/service/log"; then svc -d "$link/log"; svc -x "$link/log"; fi
    rm -f "$link"
    if [ -z "$ROOT" ]; then sleep 1; fi  # both supervise processes exit before their directory goes
  fi
  rc_local_remove_block
  if [ -f "$dest/.created-rc-local" ] && [ "$(cat "$rc_local" 2>/dev/null)" = '#!/bin/sh' ]; then
    rm -f "$rc_local"  # we made it and only its first line is left
  fi
  rm -f "$dest/.created-rc-local"
  for f in bin lib service bin.new lib.new bin.old lib.old; do
    rm -rf "${dest:?}/$f"
  done
  rm -f "$dest/boot.sh" "$dest/install.sh" "$dest/README.md" "$dest/gxlink.example.toml" "$dest/VERSION"
}

case "${1:-}" in
  install) do_install ;;
  uninstall)
    do_uninstall
    say "removed; your config and state are still in /data/gxlink (\`$0 purge\` removes them)"
    ;;
  purge)
    do_uninstall
    rm -rf "$dest"
    say "removed, with /data/gxlink"
    ;;
  status)
    if [ -f "$dest/VERSION" ]; then say "installed $(cat "$dest/VERSION")"; else say "not installed"; fi
    if [ -L "$link" ]; then say "linked into /service"; fi
    if supervised "$dest/service" && command -v svstat >/dev/null 2>&1; then svstat "$link"; fi
    ;;
  *)
    sed -n '3,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
