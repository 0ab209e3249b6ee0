#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Modbus-TCP on loopback (issue 14 "Benchmarks"): N clients poll `gxlink run --demo --modbus`
as fast as they can for D seconds; prints requests/s, latency percentiles and the daemon's CPU.

  bench/modbus_load.py [--gxlink build/release/src/app/gxlink] [--clients 10] [--seconds 10]
                       [--port PORT]   # measure an already running daemon instead (no CPU figure)

Each client is its own process with a raw socket (pymodbus costs far more CPU per request than the
server does, so it would measure itself). Requests alternate between Home Assistant-style reads:
system 840..846 at unit 100, the VE.Direct MPPT 771..776 at unit 239 and the Multi 3..36 at unit
246. CPU: utime + stime of the daemon from /proc during the run, as a share of one core.
"""
import argparse
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

REQUESTS = [(100, 840, 7), (239, 771, 6), (246, 3, 34)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def client(port, seconds, start_at, out):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while time.time() < start_at:
        time.sleep(0.001)
    lat, errors, tid = [], 0, 0
    end = time.perf_counter() + seconds
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        unit, reg, count = REQUESTS[tid % len(REQUESTS)]
        tid = (tid + 1) & 0xFFFF
        s.sendall(struct.pack(">HHHBBHH", tid, 0, 6, unit, 3, reg, count))
        head = recv_exact(s, 7)
        body = recv_exact(s, struct.unpack(">H", head[4:6])[0] - 1)
        lat.append(time.perf_counter() - now)
        if body[0] & 0x80:
            errors += 1
    s.close()
    out.put((lat, errors))


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gxlink", default="build/ci/src/app/gxlink")
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--port", type=int)
    a = ap.parse_args()

    daemon = None
    port = a.port
    if not port:
        port = free_port()
        tmp = tempfile.mkdtemp(prefix="gxlink-modbus-bench-")
        conf = os.path.join(tmp, "gxlink.toml")
        with open(conf, "w") as f:
            f.write('[general]\ndemo = true\ndata_dir = "%s"\n[http]\nenabled = false\n'
                    '[dbus]\nenabled = false\n' % tmp)
        daemon = subprocess.Popen([a.gxlink, "run", "--config", conf, "--no-tui", "--modbus",
                                   "127.0.0.1:%d" % port], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(3)  # let the demo's devices connect, so reads are answered from real values

    q = multiprocessing.Queue()
    start_at = time.time() + 0.5
    procs = [multiprocessing.Process(target=client, args=(port, a.seconds, start_at, q))
             for _ in range(a.clients)]
    for p in procs:
        p.start()
    while time.time() < start_at:
        time.sleep(0.001)
    cpu0 = cpu_seconds(daemon.pid) if daemon else None
    t0 = time.perf_counter()
    results = [q.get() for _ in procs]
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds(daemon.pid) if daemon else None
    for p in procs:
        p.join()
    if daemon:
        daemon.terminate()
        daemon.wait(10)

    lat = sorted(x for r, _ in results for x in r)
    errors = sum(e for _, e in results)
    n = len(lat)

    def pct(p):
        return lat[min(n - 1, int(p / 100.0 * n))] * 1e6

    print("clients %d, %.1f s: %d requests, %.0f requests/s, %d exceptions" %
          (a.clients, wall, n, n / wall, errors))
    print("latency µs: p50 %.0f  p90 %.0f  p99 %.0f  max %.0f" % (pct(50), pct(90), pct(99),
                                                                  lat[-1] * 1e6))
    if cpu0 is not None:
        print("daemon CPU: %.2f s in %.1f s = %.0f %% of one core (%.1f µs per request)" %
              (cpu1 - cpu0, wall, 100 * (cpu1 - cpu0) / wall, 1e6 * (cpu1 - cpu0) / max(n, 1)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
