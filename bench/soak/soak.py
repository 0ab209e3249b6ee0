#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Soak test (issue 11): the demo daemon with real MQTT, D-Bus and HTTP clients polling it, for a
long stretch of real time. Once a minute it samples the daemon's RSS, open fds and CPU time, and
at the end writes a CSV and an SVG plot. Memory and fds must stay flat; CPU must not creep up.

    bench/soak/soak.py --minutes 60 --out bench/soak/results     # the documented hour-long run
    bench/soak/soak.py --minutes 2 --interval 10                 # a quick look

Exit status 0 when RSS grew by less than --max-rss-growth-kib and the fd count did not grow
between the first sample after warm-up and the last; 1 otherwise. Needs mosquitto, dbus-daemon,
dbus-send and a built gxlink (default build/release/src/app/gxlink, else build/ci/...).
"""
import argparse
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_gxlink():
    for preset in ("release", "ci", "debug"):
        p = os.path.join(ROOT, "build", preset, "src", "app", "gxlink")
        if os.path.exists(p):
            return p
    sys.exit("no gxlink binary: run ./gx build release first")


def proc_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    rss_kib = int(status["VmRSS"].split()[0])
    # Anonymous memory is what a leak grows; file-backed pages grow as code paths run the first
    # time (a rare log line, a 10-minute retry) and are not a leak.
    anon_kib = int(status["RssAnon"].split()[0])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of stat(5))
    return rss_kib, anon_kib, fds, ticks / os.sysconf("SC_CLK_TCK")


class Clients:
    """Polls the daemon the way dashboards, Venus MQTT clients and D-Bus tools do."""

    def __init__(self, http_port, mqtt_port, bus, portal):
        self.stop = threading.Event()
        self.counts = {"http": 0, "http_fail": 0, "dbus": 0, "dbus_fail": 0, "mqtt_keepalive": 0}
        self.http_port, self.mqtt_port, self.bus, self.portal = http_port, mqtt_port, bus, portal
        self.sub = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(mqtt_port), "-t", f"N/{portal}/#"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.threads = [threading.Thread(target=t, daemon=True)
                        for t in (self.http_loop, self.dbus_loop, self.mqtt_loop)]
        for t in self.threads:
            t.start()

    def http_loop(self):
        while not self.stop.wait(0.5):
            for path in ("/api/model", "/"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}",
                                                timeout=5) as r:
                        r.read()
                    self.counts["http"] += 1
                except Exception:
                    self.counts["http_fail"] += 1

    def dbus_loop(self):
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus)
        while not self.stop.wait(2.0):
            r = subprocess.run(["dbus-send", "--session", "--print-reply",
                                "--dest=com.victronenergy.battery.socketcan_can0", "/",
                                "com.victronenergy.BusItem.GetItems"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.counts["dbus" if r.returncode == 0 else "dbus_fail"] += 1

    def mqtt_loop(self):
        while True:  # a keep-alive every 30 s keeps the full publication going, as VRM does
            subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.mqtt_port),
                            "-t", f"R/{self.portal}/keepalive", "-m", ""],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.counts["mqtt_keepalive"] += 1
            if self.stop.wait(30):
                return

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)
        self.sub.terminate()
        self.sub.wait()


def svg_plot(rows, path, title):
    """Three stacked panels (RSS MiB, fds, CPU %) as a self-contained SVG: no plotting library."""
    t = [r["minute"] for r in rows]
    series = [("RSS (MiB); anonymous part dashed", [r["rss_kib"] / 1024 for r in rows], "#1f77b4"),
              ("open fds", [r["fds"] for r in rows], "#2ca02c"),
              ("CPU (% of one core, last minute)", [r["cpu_pct"] for r in rows], "#d62728")]
    W, H, pad, ph = 760, 560, 60, 150
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="20" text-anchor="middle" font-size="15">{title}</text>']
    tmax = max(t) if t and max(t) > 0 else 1
    for i, (name, ys, colour) in enumerate(series):
        top = 40 + i * (ph + 25)
        ymax = max(ys) * 1.25 if ys and max(ys) > 0 else 1
        out.append(f'<rect x="{pad}" y="{top}" width="{W-2*pad}" height="{ph}" fill="none" '
                   f'stroke="#999"/>')
        out.append(f'<text x="{pad}" y="{top-4}">{name}</text>')
        for frac in (0, 0.5, 1):
            y = top + ph - frac * ph
            out.append(f'<text x="{pad-6}" y="{y+4}" text-anchor="end">{ymax*frac:.1f}</text>')
        pts = " ".join(f"{pad + (x/tmax)*(W-2*pad):.1f},{top + ph - (y/ymax)*ph:.1f}"
                       for x, y in zip(t, ys))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        if i == 0 and all("anon_kib" in r for r in rows):
            pts = " ".join(f"{pad + (x/tmax)*(W-2*pad):.1f},{top + ph - (r['anon_kib']/1024/ymax)*ph:.1f}"
                           for x, r in zip(t, rows))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                       f'stroke-width="2" stroke-dasharray="6,4"/>')
    out.append(f'<text x="{W/2}" y="{H-8}" text-anchor="middle">minutes</text>')
    for frac in (0, 0.5, 1):
        out.append(f'<text x="{pad + frac*(W-2*pad)}" y="{H-24}" text-anchor="middle">'
                   f'{tmax*frac:.0f}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--interval", type=float, default=60, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=60, help="seconds before the baseline sample")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "soak", "results"))
    ap.add_argument("--gxlink", default=None)
    ap.add_argument("--max-rss-growth-kib", type=int, default=512,
                    help="allowed growth of anonymous RSS after warm-up")
    args = ap.parse_args()
    gx = args.gxlink or find_gxlink()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="gxlink-soak-")
    procs = []
    try:
        bus_sock = os.path.join(work, "bus")
        dbusd = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile",
                                  f"--address=unix:path={bus_sock}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(dbusd)
        mqtt_port = free_port()
        conf = os.path.join(work, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\n")
        procs.append(subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        http_port = free_port()
        bus = f"unix:path={bus_sock}"
        time.sleep(1)
        log = open(os.path.join(work, "gxlink.log"), "w")
        daemon = subprocess.Popen([gx, "run", "--demo", "--no-tui", "--dbus", bus,
                                   "--mqtt", f"127.0.0.1:{mqtt_port}", "--portal-id", "soak",
                                   "--http", f"127.0.0.1:{http_port}"],
                                  stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, TMPDIR=work))
        procs.append(daemon)
        time.sleep(3)
        clients = Clients(http_port, mqtt_port, bus, "soak")
        rows = []
        start = time.monotonic()
        prev_cpu, prev_t = proc_sample(daemon.pid)[3], start
        end = start + args.minutes * 60
        next_sample = start
        while True:
            now = time.monotonic()
            if daemon.poll() is not None:
                print("gxlink exited during the soak; log:", open(log.name).read()[-3000:])
                return 1
            if now >= next_sample:
                rss, anon, fds, cpu = proc_sample(daemon.pid)
                cpu_pct = 100.0 * (cpu - prev_cpu) / max(now - prev_t, 1e-6) if rows else 0.0
                prev_cpu, prev_t = cpu, now
                row = {"minute": round((now - start) / 60, 2), "rss_kib": rss, "anon_kib": anon, "fds": fds,
                       "cpu_s": round(cpu, 2), "cpu_pct": round(cpu_pct, 2), **clients.counts}
                rows.append(row)
                print(row, flush=True)
                next_sample += args.interval
            if now >= end:
                break
            time.sleep(min(1.0, max(0.0, next_sample - now)))
        clients.close()
        csv_path = os.path.join(args.out, "soak.csv")
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
        svg_plot(rows, os.path.join(args.out, "soak.svg"),
                 f"gxlink run --demo with MQTT, D-Bus and HTTP clients, {args.minutes:g} min")
        base = next((r for r in rows if r["minute"] * 60 >= args.warmup), rows[0])
        last = rows[-1]
        growth = last["rss_kib"] - base["rss_kib"]
        anon_growth = last["anon_kib"] - base["anon_kib"]
        ok = anon_growth < args.max_rss_growth_kib and last["fds"] <= base["fds"]
        print(f"RSS {base['rss_kib']} -> {last['rss_kib']} KiB ({growth:+d}; anonymous "
              f"{base['anon_kib']} -> {last['anon_kib']}, {anon_growth:+d}), fds {base['fds']} -> "
              f"{last['fds']}, HTTP {last['http']} ok / {last['http_fail']} failed, D-Bus "
              f"{last['dbus']} ok / {last['dbus_fail']} failed: {'FLAT' if ok else 'GREW'}")
        print(f"wrote {csv_path} and soak.svg")
        return 0 if ok else 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
