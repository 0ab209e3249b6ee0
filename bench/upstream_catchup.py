#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Upstream store-and-forward figures with the real daemon (issue 18 "Benchmarks"):

1. live:    `gxlink run --demo` with [[upstream.mqtt]] to a mosquitto started here for LIVE_S
            seconds; a subscriber counts messages, samples and bytes (topic + payload) per second;
2. offline: the same with no broker for OFFLINE_S seconds; the queue's rows and file size give
            samples/s and bytes per hour offline;
3. catch-up after one hour offline: the offline queue is replicated 3600/OFFLINE_S times with its
            times shifted back (a pre-filled queue in gxlink's own schema, so the hour does not
            have to be waited for); gxlink starts with it and a broker, and the time until the
            subscriber has every queued sample is measured, at the default catchup_rate and at an
            unlimited one.
Usage: bench/upstream_catchup.py [path/to/gxlink]   (default build/release/src/app/gxlink)
Environment: LIVE_S, OFFLINE_S (durations), MIN_INTERVAL (min_interval_s), ONLY_LIVE=1 (step 1).
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

GXLINK = sys.argv[1] if len(sys.argv) > 1 else "build/release/src/app/gxlink"
LIVE_S = int(os.environ.get("LIVE_S", "60"))
OFFLINE_S = int(os.environ.get("OFFLINE_S", "120"))
MIN_INTERVAL = float(os.environ.get("MIN_INTERVAL", "1"))  # [[upstream.mqtt]] min_interval_s
ONLY_LIVE = os.environ.get("ONLY_LIVE") == "1"  # step 1 only


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def broker(d, port):
    conf = os.path.join(d, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n" % port)
    p = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("no broker")


class Counter:
    def __init__(self, port):
        self.messages = self.samples = self.bytes = 0
        self.cutoff = None  # count samples stamped at or before this unix ms in .old
        self.old = 0
        self.lock = threading.Lock()
        try:
            self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1)
        except AttributeError:
            self.c = mqtt.Client()
        self.c.on_connect = lambda c, u, f, rc: c.subscribe("bench/#", qos=1)
        self.c.on_message = self.on_message
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def on_message(self, c, u, m):
        p = json.loads(m.payload)
        with self.lock:
            self.messages += 1
            items = p if isinstance(p, list) else [p]
            self.samples += len(items)
            if self.cutoff is not None:
                self.old += sum(1 for x in items if x["t"] <= self.cutoff)
            self.bytes += len(m.topic) + len(m.payload)

    def read(self):
        with self.lock:
            return self.messages, self.samples, self.bytes


def gxlink(d, port, catchup=2000, http=None):
    conf = os.path.join(d, "gxlink.toml")
    with open(conf, "w") as f:
        f.write('[general]\ndemo = true\ndata_dir = "%s"\n[http]\nlisten = "127.0.0.1:%d"\n'
                '[dbus]\nenabled = false\n[upstream]\nportal_id = "bench"\n[[upstream.mqtt]]\n'
                'name = "q"\nhost = "127.0.0.1"\nport = %d\nprefix = "bench"\ncatchup_rate = %d\n'
                'reconnect_max_s = 1\nmin_interval_s = %g\n'
                % (d, http or free_port(), port, catchup, MIN_INTERVAL))
    log = open(os.path.join(d, "gxlink.log"), "ab")
    return subprocess.Popen([GXLINK, "run", "--config", conf, "--no-tui"], stdout=log,
                            stderr=subprocess.STDOUT)


def stop(p):
    p.terminate()
    p.wait(30)


def main():
    d = tempfile.mkdtemp(prefix="gxlink-upbench-")
    try:
        # 1. live
        port = free_port()
        b = broker(d, port)
        c = Counter(port)
        g = gxlink(d, port)
        time.sleep(15)  # demo devices up, first snapshot sent
        m0, s0, b0 = c.read()
        time.sleep(LIVE_S)
        m1, s1, b1 = c.read()
        stop(g)
        stop(b)
        live = {"messages_per_s": (m1 - m0) / LIVE_S, "samples_per_s": (s1 - s0) / LIVE_S,
                "topic_payload_bytes_per_s": (b1 - b0) / LIVE_S}
        print("live:", json.dumps(live))
        if ONLY_LIVE:
            return
        os.remove(os.path.join(d, "upstream-q.sqlite"))

        # 2. offline
        g = gxlink(d, free_port())  # nothing listens there
        time.sleep(15)
        q = os.path.join(d, "upstream-q.sqlite")
        db = sqlite3.connect(q)
        r0 = db.execute("SELECT count(*) FROM sample").fetchone()[0]
        time.sleep(OFFLINE_S)
        r1 = db.execute("SELECT count(*) FROM sample").fetchone()[0]
        db.close()
        stop(g)
        db = sqlite3.connect(q)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = db.execute("SELECT count(*) FROM sample").fetchone()[0]
        size = os.path.getsize(q)
        span = db.execute("SELECT max(t_ms) - min(t_ms) FROM sample").fetchone()[0] / 1000
        offline = {"samples_per_s": (r1 - r0) / OFFLINE_S, "rows": rows, "file_bytes": size,
                   "bytes_per_row": size / rows, "span_s": span,
                   "bytes_per_hour": size / span * 3600}
        print("offline:", json.dumps(offline))

        # 3. one hour of queue: copies of the offline rows, shifted back by the span each time
        copies = int(3600 // span)
        base = db.execute("SELECT series, t_ms, value FROM sample ORDER BY id").fetchall()
        db.execute("DELETE FROM sample")
        for k in range(copies, 0, -1):
            db.executemany("INSERT INTO sample (series, t_ms, value) VALUES (?, ?, ?)",
                           [(s, t - int(k * span * 1000), v) for s, t, v in base])
        db.executemany("INSERT INTO sample (series, t_ms, value) VALUES (?, ?, ?)", base)
        db.commit()
        db.execute("VACUUM")
        hour_rows = db.execute("SELECT count(*) FROM sample").fetchone()[0]
        hour_span = db.execute("SELECT max(t_ms) - min(t_ms) FROM sample").fetchone()[0] / 1000
        hour_end = db.execute("SELECT max(t_ms) FROM sample").fetchone()[0]
        db.close()
        hour_bytes = os.path.getsize(q)
        shutil.copy(q, q + ".hour")
        print("hour queue:", json.dumps({"rows": hour_rows, "span_s": hour_span,
                                         "file_bytes": hour_bytes}))
        for rate in (2000, 1000000):
            shutil.copy(q + ".hour", q)
            for ext in ("-wal", "-shm"):
                if os.path.exists(q + ext):
                    os.remove(q + ext)
            port = free_port()
            b = broker(d, port)
            c = Counter(port)
            c.cutoff = hour_end
            t0 = time.monotonic()
            g = gxlink(d, port, rate)
            while c.old < hour_rows and time.monotonic() - t0 < 1800:
                time.sleep(0.2)
            took = time.monotonic() - t0
            m, s, by = c.read()
            stop(g)
            stop(b)
            c.c.loop_stop()
            print("catch-up:", json.dumps({"catchup_rate": rate, "seconds": round(took, 1),
                                           "hour_samples_received": c.old, "messages": m,
                                           "samples_per_message": round(s / max(m, 1), 1)}))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
