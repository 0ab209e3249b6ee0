#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package on a fresh Debian 12 root (../shared/tools/fresh-machine.sh: a minimal
# debootstrap root, chroot): apt installs it with exactly what Depends pulls, the service user and
# the boot-time enable exist, the unit's command starts as that user, and purge leaves nothing.
# Not in ./gx test: it needs the network for apt and a few minutes. Run from the repository:
#   bash packaging/deb/fresh-install-test.sh dist/gxlink_<version>_amd64.deb
# systemd is installed first, as on any Debian 12 system; it does not run inside the chroot, so
# the service is started by hand with the unit's own command and environment.
set -euo pipefail
deb=${1:?usage: fresh-install-test.sh dist/gxlink_VERSION_ARCH.deb}
name=$(basename "$deb")
shared=${GXLINK_SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/../shared}
GXFRESH_COPY="$deb" exec bash "$shared/tools/fresh-machine.sh" "set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends systemd >/dev/null
before=\$(dpkg-query -W -f='\${Package}\n' | sort)
apt-get install -y --no-install-recommends ./$name
after=\$(dpkg-query -W -f='\${Package}\n' | sort)
echo \"== pulled in by gxlink: \$(comm -13 <(echo \"\$before\") <(echo \"\$after\") | tr '\n' ' ')\"
id gxlink
id -nG gxlink | tr ' ' '\n' | grep -qx dialout
test -L /etc/systemd/system/multi-user.target.wants/gxlink.service
echo '== enabled at boot: multi-user.target.wants/gxlink.service'
systemd-analyze verify --man=no gxlink.service
echo '== systemd-analyze verify: ok'
install -d -o gxlink -g gxlink -m 0700 /var/lib/gxlink /run/gxlink
cmd=\$(sed -nE 's/^ExecStart=//p' /lib/systemd/system/gxlink.service)
env -i PATH=/usr/bin:/bin STATE_DIRECTORY=/var/lib/gxlink RUNTIME_DIRECTORY=/run/gxlink \
  setpriv --reuid=gxlink --regid=gxlink --init-groups --no-new-privs \$cmd --duration 3 --dbus none --http 127.0.0.1:0
echo '== started as user gxlink and stopped cleanly'
man -w gxlink 2>/dev/null || test -f /usr/share/man/man1/gxlink.1.gz
apt-get purge -y -qq gxlink >/dev/null
test ! -e /var/lib/gxlink && test ! -e /etc/gxlink && test ! -e /usr/bin/gxlink
test ! -L /etc/systemd/system/multi-user.target.wants/gxlink.service
echo '== purged: no state, no config, no enable link left'
echo 'fresh install test: 1 passed, 0 failed'"
