#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gxlink's D-Bus publisher beside Victron's velib_python VeDbusService, same workload, same
machine, one run: a private dbus-daemon per case, a subscriber so that the daemon routes every
signal (as with a GUI attached), N paths changing at HZ. Prints a markdown table for
bench/README.md.

  /usr/bin/python3 bench/dbus_side_by_side.py [--bench build/release/bench/dbus_bench]
      [--velib /tmp/velib] [--gxlink build/release/src/app/gxlink] [--paths 500] [--hz 10] [--seconds 20]

CPU comes from /proc/<pid>/task/*/schedstat (nanoseconds of run time), RSS from /proc/<pid>/status.
"""
import argparse
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time


def cpu_ns(pid):
    total = 0
    for f in glob.glob('/proc/%d/task/*/schedstat' % pid):
        try:
            total += int(open(f).read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def status_kb(pid, key):
    for line in open('/proc/%d/status' % pid):
        if line.startswith(key + ':'):
            return int(line.split()[1])
    return 0


def read_line(p, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([p.stdout], [], [], max(0.0, end - time.time()))
        if r:
            return p.stdout.readline().decode().strip()
    raise RuntimeError('timeout waiting for output')


class Bus:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='gxlink-dbus-bench-')
        self.address = 'unix:path=%s/bus' % self.dir
        self.p = subprocess.Popen(['/usr/bin/dbus-daemon', '--session', '--nofork', '--print-address',
                                   '--address=' + self.address], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        read_line(self.p)

    def close(self):
        self.p.terminate()
        self.p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_case(args, who, mode):
    bus = Bus()
    listener = subprocess.Popen([args.bench, '--listen', bus.address], stdout=subprocess.PIPE)
    assert read_line(listener) == 'ready'
    if who == 'gxlink':
        cmd = [args.bench, '--load', bus.address, str(args.paths), str(args.hz), mode]
    else:
        cmd = ['/usr/bin/python3', os.path.join(os.path.dirname(__file__), 'velib_load.py'), args.velib,
               bus.address, str(args.paths), str(args.hz), mode]
    pub = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert read_line(pub, 60) == 'ready'
    t_ready = time.time()
    time.sleep(1.0)  # settle: first ticks, allocations
    t0, p0, d0 = time.time(), cpu_ns(pub.pid), cpu_ns(bus.p.pid)
    time.sleep(args.seconds)
    t1, p1, d1 = time.time(), cpu_ns(pub.pid), cpu_ns(bus.p.pid)
    rss, hwm = status_kb(pub.pid, 'VmRSS'), status_kb(pub.pid, 'VmHWM')
    t_term = time.time()
    pub.send_signal(signal.SIGTERM)
    out = pub.communicate(timeout=30)[0].decode().strip().splitlines()
    ticks = json.loads(out[-1])['ticks']
    listener.send_signal(signal.SIGTERM)
    got = json.loads(listener.communicate(timeout=30)[0].decode().strip().splitlines()[-1])
    bus.close()
    wall = t1 - t0
    # Changed paths in the window: every path changes each tick, and the ticks actually done from
    # "ready" to SIGTERM give the real rate (GLib's timeout_add drifts below the nominal HZ).
    paths = args.paths * ticks / (t_term - t_ready) * wall
    return {
        'who': who, 'mode': mode, 'wall_s': wall, 'pub_cpu_s': (p1 - p0) / 1e9, 'daemon_cpu_s': (d1 - d0) / 1e9,
        'paths': paths, 'rss_kb': rss, 'hwm_kb': hwm, 'signals_seen': got['signals'], 'exit': out[-1] if out else '',
    }


def daemon_rss(args):
    """RSS of the real gxlink daemon (`run --demo` on a private bus) after a few seconds."""
    if not os.path.exists(args.gxlink):
        return None
    bus = Bus()
    p = subprocess.Popen([args.gxlink, 'run', '--demo', '--dbus', bus.address, '--no-tui', '--http', '127.0.0.1:0'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(5)
    rss = status_kb(p.pid, 'VmRSS')
    names = subprocess.run(['/usr/bin/dbus-send', '--bus=' + bus.address, '--print-reply', '--dest=org.freedesktop.DBus',
                            '/org/freedesktop/DBus', 'org.freedesktop.DBus.ListNames'], capture_output=True, text=True)
    services = len(re.findall(r'"com\.victronenergy\.', names.stdout))
    p.terminate()
    p.wait()
    bus.close()
    return rss, services


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--bench', default=os.path.join(here, '..', 'build', 'release', 'bench', 'dbus_bench'))
    ap.add_argument('--gxlink', default=os.path.join(here, '..', 'build', 'release', 'src', 'app', 'gxlink'))
    ap.add_argument('--velib', default='/tmp/velib')
    ap.add_argument('--paths', type=int, default=500)
    ap.add_argument('--hz', type=float, default=10)
    ap.add_argument('--seconds', type=float, default=20)
    ap.add_argument('--cases', default='gxlink:items,velib:items,gxlink:properties,velib:properties,gxlink:both')
    args = ap.parse_args()
    rows = []
    for case in args.cases.split(','):
        who, mode = case.split(':')
        r = run_case(args, who, mode)
        rows.append(r)
        print(json.dumps(r), flush=True)
    print()
    print('| publisher | signals | µs CPU per changed path | changed paths/s per 1 % core | publisher CPU | '
          'dbus-daemon CPU | publisher RSS | signals routed |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        us = r['pub_cpu_s'] / r['paths'] * 1e6
        per_pct = (r['paths'] / r['wall_s']) / (100 * r['pub_cpu_s'] / r['wall_s']) if r['pub_cpu_s'] else float('inf')
        print('| %s | %s | %.2f | %.0f | %.2f %% | %.2f %% | %.1f MB | %d |' % (
            r['who'], r['mode'], us, per_pct, 100 * r['pub_cpu_s'] / r['wall_s'],
            100 * r['daemon_cpu_s'] / r['wall_s'], r['rss_kb'] / 1024, r['signals_seen']))
    by = {(r['who'], r['mode']): r for r in rows}
    for mode in ('items', 'properties'):
        g, v = by.get(('gxlink', mode)), by.get(('velib', mode))
        if g and v:
            print('\n%s: gxlink is %.1f× cheaper per changed path; dbus-daemon %.2f %% vs %.2f %%; RSS %.1f vs %.1f MB'
                  % (mode, (v['pub_cpu_s'] / v['paths']) / (g['pub_cpu_s'] / g['paths']),
                     100 * g['daemon_cpu_s'] / g['wall_s'], 100 * v['daemon_cpu_s'] / v['wall_s'],
                     g['rss_kb'] / 1024, v['rss_kb'] / 1024))
    d = daemon_rss(args)
    if d:
        print('\ngxlink run --demo on a private bus: RSS %.1f MB with %d services on the bus' % (d[0] / 1024, d[1]))


if __name__ == '__main__':
    main()
