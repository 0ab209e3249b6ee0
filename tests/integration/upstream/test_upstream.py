#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Upstream outputs (issue 18) against real peers, with the real `gxlink run` in demo mode.

- MQTT: a mosquitto started here is the central broker; a subscriber with a persistent session
  (the broker keeps its QoS 1 messages while it is away) records everything. The broker is stopped
  for 30 s and started again; every sample gxlink queued meanwhile (read from its queue file, and
  checked to cover the whole outage) must arrive with its original time, in time order per topic,
  duplicated at most where QoS 1 allows it (what was in flight when the link went).
- A restart of gxlink with a non-empty queue: what it queued before arrives after.
- InfluxDB line protocol, v1 and v2, checked by a strict parser in an HTTP receiver here; the
  receiver is absent at first, so the first samples go through the queue.
Every wait polls with a generous timeout (no timed assertions).
"""
import base64
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import paho.mqtt.client as mqtt
except ImportError:  # python3-paho-mqtt missing: the MQTT tests are skipped
    mqtt = None

GXLINK_BINARY = os.environ.get("GXLINK_BINARY", "")
PORTAL = "site42"
PREFIX = "fleet"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=30.0, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def now_ms():
    return int(time.time() * 1000)


class Broker:
    """mosquitto on a free loopback port, with persistence so that a subscriber's session and its
    queued QoS 1 messages survive a stop and start (a central broker is run that way)."""

    def __init__(self, d):
        self.port = free_port()
        self.dir = d
        self.proc = None
        self.exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

    def start(self):
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    "persistence_location %s/\nmax_queued_messages 0\nmax_inflight_messages 0\n"
                    % (self.port, self.dir))
        # mosquitto started as root drops to its own user, which must reach and write this
        # directory to save its persistence file on a stop (else the recorder's session is lost).
        os.chmod(os.path.dirname(self.dir), 0o755)
        os.chmod(self.dir, 0o777)
        with open(os.path.join(self.dir, "mosquitto.log"), "ab") as log:
            self.proc = subprocess.Popen([self.exe, "-c", conf], stdout=log, stderr=subprocess.STDOUT)

        def accepting():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                return False

        if not wait_until(accepting, 15):
            raise RuntimeError("mosquitto did not start on port %d" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Recorder:
    """Subscribes to <PREFIX>/# with QoS 1 in a persistent session; keeps every sample as
    (topic, t, value) in arrival order."""

    def __init__(self, port):
        self.samples = []
        self.messages = 0
        self.bad = []
        self.lock = threading.Lock()
        self.connected = threading.Event()
        try:
            self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="recorder",
                                 clean_session=False)
        except AttributeError:  # paho < 2
            self.c = mqtt.Client(client_id="recorder", clean_session=False)
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.reconnect_delay_set(0.2, 1)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        if not self.connected.wait(10):
            raise RuntimeError("recorder did not connect")

    def _on_connect(self, client, userdata, flags, rc):
        client.subscribe(PREFIX + "/#", qos=1)
        self.connected.set()

    def _on_message(self, client, userdata, msg):
        try:
            p = json.loads(msg.payload)
        except ValueError:
            p = None
        items = p if isinstance(p, list) else [p]
        with self.lock:
            self.messages += 1
            for s in items:
                # The contract: {"t": unix_ms, "value": v}, nothing else required.
                if not isinstance(s, dict) or not isinstance(s.get("t"), int) or "value" not in s:
                    self.bad.append((msg.topic, msg.payload))
                    continue
                self.samples.append((msg.topic, s["t"], json.dumps(s["value"])))

    def snapshot(self):
        with self.lock:
            return list(self.samples)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def topic_of(prefix, portal, stype, instance, path):
    return "%s/%s/%s/%d%s" % (prefix, portal, stype, instance, path)


def read_queue(path):
    """Every sample in a queue file: [(type, instance, path, t_ms, value_json)], oldest first."""
    if not os.path.exists(path):
        return []
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        return db.execute("SELECT s.type, s.instance, s.path, q.t_ms, q.value FROM sample q "
                          "JOIN series s ON s.id = q.series ORDER BY q.id").fetchall()
    except sqlite3.OperationalError:  # created but not migrated yet
        return []
    finally:
        db.close()


def canonical(value_json):
    return json.dumps(json.loads(value_json))


class Gxlink:
    def __init__(self, conf, log):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([GXLINK_BINARY, "run", "--config", conf, "--no-tui",
                                      "--duration", "600"], stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


# --- a strict InfluxDB line-protocol receiver ------------------------------------------------
# Grammar from the InfluxDB line protocol reference: measurement[,tag=value...] field=value[,...]
# [timestamp]; measurement escapes ',' and ' '; tag keys/values and field keys escape ',', '='
# and ' '; string field values are double-quoted and escape '"' and '\'; floats are plain
# decimal or scientific numbers, integers end in 'i'. Anything else is an error.
_NAME = r'(?:[^,= \\\n"]|\\[,= ])+'
_MEAS = r'(?:[^, \\\n]|\\[, ])+'
_FLOAT = r'-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?'
_STR = r'"(?:[^"\\\n]|\\["\\])*"'
_FIELD = r'(%s)=(%s|-?\d+i|%s|true|false)' % (_NAME, _FLOAT, _STR)
_LINE = re.compile(r'^(%s)((?:,%s=%s)*) (%s(?:,%s)*) (\d+)$' % (_MEAS, _NAME, _NAME, _FIELD, _FIELD))
_TAG = re.compile(r',(%s)=(%s)' % (_NAME, _NAME))


def unescape(s):
    return re.sub(r'\\(.)', r'\1', s)


def parse_line(line):
    m = _LINE.match(line)
    if not m:
        raise ValueError("not line protocol: %r" % line)
    tags = [(unescape(k), unescape(v)) for k, v in _TAG.findall(m.group(2))]
    keys = [k for k, _ in tags]
    if keys != sorted(keys):
        raise ValueError("tags not sorted: %r" % line)
    field = re.match(_FIELD, m.group(3))
    name, raw = unescape(field.group(1)), field.group(2)
    if raw.startswith('"'):
        value = re.sub(r'\\(["\\])', r'\1', raw[1:-1])
    else:
        value = float(raw.rstrip("i"))
    ts = m.group(m.lastindex)
    if len(ts) != 13:  # precision=ms: unix milliseconds of this century
        raise ValueError("timestamp is not in ms: %r" % line)
    return unescape(m.group(1)), dict(tags), name, value, int(ts)


class InfluxReceiver:
    def __init__(self):
        self.port = free_port()
        self.points = []  # (endpoint, measurement, tags, field, value, t)
        self.errors = []
        self.requests = 0
        self.lock = threading.Lock()
        self.server = None

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                url = urllib.parse.urlparse(self.path)
                q = urllib.parse.parse_qs(url.query)
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n).decode("utf-8")
                err = None
                if q.get("precision") != ["ms"]:
                    err = "precision must be ms"
                elif url.path == "/api/v2/write":
                    if q.get("org") != ["my org"] or q.get("bucket") != ["site data"]:
                        err = "org/bucket: %r" % q
                    elif self.headers.get("Authorization") != "Token s3cret":
                        err = "token: %r" % self.headers.get("Authorization")
                elif url.path == "/write":
                    basic = "Basic " + base64.b64encode(b"gx:pw").decode()
                    if q.get("db") != ["fleet"]:
                        err = "db: %r" % q
                    elif self.headers.get("Authorization") != basic:
                        err = "basic auth: %r" % self.headers.get("Authorization")
                else:
                    err = "path " + url.path
                points = []
                if err is None:
                    if not body.endswith("\n"):
                        err = "body does not end with a newline"
                    for line in body.split("\n")[:-1]:
                        try:
                            points.append((url.path,) + parse_line(line))
                        except ValueError as e:
                            err = str(e)
                            break
                with outer.lock:
                    outer.requests += 1
                    if err:
                        outer.errors.append(err)
                    else:
                        outer.points.extend(points)
                self.send_response(400 if err else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@unittest.skipUnless(GXLINK_BINARY and os.path.exists(GXLINK_BINARY), "GXLINK_BINARY not set")
class UpstreamTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="gxlink-upstream-test-")
        self.data = os.path.join(self.dir, "data")
        os.mkdir(self.data)
        self.broker = None
        self.recorder = None
        self.gx = None
        self.influx = None

    def tearDown(self):
        if self.gx:
            self.gx.stop()
        if self.recorder:
            self.recorder.close()
        if self.broker:
            self.broker.stop()
        if self.influx:
            self.influx.stop()
        # ctest shows this only for a failing test (--output-on-failure).
        for name in ("gxlink.log", os.path.join("broker", "mosquitto.log")):
            p = os.path.join(self.dir, name)
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    print("---- %s (tail)\n%s" % (name, "".join(f.readlines()[-30:])))
        shutil.rmtree(self.dir, ignore_errors=True)

    def config(self, upstream):
        conf = os.path.join(self.dir, "gxlink.toml")
        with open(conf, "w") as f:
            f.write('[general]\ndemo = true\ndata_dir = "%s"\n[http]\nlisten = "127.0.0.1:%d"\n'
                    '[dbus]\nenabled = false\n[upstream]\nportal_id = "%s"\n%s'
                    % (self.data, free_port(), PORTAL, upstream))
        return conf

    def mqtt_config(self, port):
        return self.config('[[upstream.mqtt]]\nname = "central"\nhost = "127.0.0.1"\nport = %d\n'
                           'prefix = "%s"\nmin_interval_s = 0.2\nreconnect_max_s = 1\n'
                           'catchup_rate = 20000\n' % (port, PREFIX))

    def start_gxlink(self, conf):
        self.gx = Gxlink(conf, os.path.join(self.dir, "gxlink.log"))

    def assert_arrived(self, expected, timeout=90):
        """Every (topic, t, value) of `expected` reaches the recorder."""
        want = {(t, ts, canonical(v)) for t, ts, v in expected}

        def missing():
            got = {(t, ts, canonical(v)) for t, ts, v in self.recorder.snapshot()}
            return want - got

        ok = wait_until(lambda: not missing(), timeout, 0.5)
        left = missing()
        self.assertTrue(ok, "%d of %d samples never arrived, e.g. %r"
                        % (len(left), len(want), sorted(left)[:5]))

    def test_BrokerOutageOf30sLosesNothing(self):
        if mqtt is None:
            self.skipTest("python3-paho-mqtt is missing")
        self.broker = Broker(os.path.join(self.dir, "broker"))
        os.mkdir(self.broker.dir)
        self.broker.start()
        self.recorder = Recorder(self.broker.port)
        self.start_gxlink(self.mqtt_config(self.broker.port))
        power = topic_of(PREFIX, PORTAL, "system", 0, "/Dc/Battery/Power")
        self.assertTrue(wait_until(lambda: sum(1 for s in self.recorder.snapshot() if s[0] == power) >= 5,
                                   40), "no live samples on " + power)

        outage_start = now_ms()
        self.broker.stop()
        self.assertTrue(os.path.exists(os.path.join(self.broker.dir, "mosquitto.db")),
                        "the broker did not save its sessions: the recorder would miss the backlog")
        time.sleep(30)
        outage_end = now_ms()
        # Ground truth for the outage: what gxlink holds in its queue now (nothing can leave it
        # while the broker is away). It must cover the whole outage, for the fast paths too.
        queued = read_queue(os.path.join(self.data, "upstream-central.sqlite"))
        expected = [(topic_of(PREFIX, PORTAL, ty, i, p), t, v) for ty, i, p, t, v in queued]
        during = [e for e in expected if outage_start + 1000 < e[1] < outage_end]
        power_times = sorted(t for tp, t, _ in during if tp == power)
        self.assertGreater(len(power_times), 20, "the outage was not sampled")
        gaps = [b - a for a, b in zip([outage_start] + power_times, power_times + [outage_end])]
        self.assertLess(max(gaps), 5000, "a hole in the queued samples of the outage")

        self.broker.start()
        self.assert_arrived(expected)
        got = self.recorder.snapshot()
        self.assertEqual(self.recorder.bad, [])

        # In time order per topic (first arrivals; a QoS 1 duplicate may repeat an earlier one).
        seen = set()
        duplicates = []
        per_topic = {}
        for topic, t, v in got:
            key = (topic, t, canonical(v))
            if key in seen:
                duplicates.append(key)
                continue
            seen.add(key)
            if outage_start < t < outage_end:
                per_topic.setdefault(topic, []).append(t)
        self.assertIn(power, per_topic)
        for topic, times in per_topic.items():
            self.assertEqual(times, sorted(times), "%s: the outage's samples out of order" % topic)
        # Duplicates only for what was in flight when the broker went away: nothing sampled
        # well inside the outage arrives twice.
        late_dups = [d for d in duplicates if d[1] > outage_start + 3000]
        self.assertEqual(late_dups, [], "samples of the outage arrived twice")

        # Live data flows again after the catch-up.
        after = now_ms()
        self.assertTrue(wait_until(lambda: any(tp == power and t > after
                                               for tp, t, _ in self.recorder.snapshot()), 20))

    def test_QueueSurvivesARestartOfGxlink(self):
        if mqtt is None:
            self.skipTest("python3-paho-mqtt is missing")
        self.broker = Broker(os.path.join(self.dir, "broker"))
        os.mkdir(self.broker.dir)
        conf = self.mqtt_config(self.broker.port)  # nothing listens there yet
        self.start_gxlink(conf)
        qfile = os.path.join(self.data, "upstream-central.sqlite")
        self.assertTrue(wait_until(lambda: len(read_queue(qfile)) > 200, 40), "nothing queued")
        time.sleep(2)
        self.assertEqual(self.gx.stop(), 0)
        queued = read_queue(qfile)
        expected = [(topic_of(PREFIX, PORTAL, ty, i, p), t, v) for ty, i, p, t, v in queued]
        self.assertGreater(len(expected), 200)

        self.broker.start()
        self.recorder = Recorder(self.broker.port)
        self.start_gxlink(conf)
        self.assert_arrived(expected)
        self.assertEqual(self.recorder.bad, [])
        # Acknowledged samples leave the queue: it drains to (about) the live rate.
        self.assertTrue(wait_until(lambda: len(read_queue(qfile)) < len(queued) / 2, 30))

    def test_InfluxLineProtocolV1AndV2WithAnOutage(self):
        self.influx = InfluxReceiver()  # not started yet: the first samples are queued
        conf = self.config(
            '[[upstream.influx]]\nname = "v2"\nurl = "http://127.0.0.1:%d"\nversion = 2\n'
            'org = "my org"\nbucket = "site data"\ntoken = "s3cret"\nmeasurement = "gx link"\n'
            'min_interval_s = 0.2\nretry_max_s = 1\n'
            '[[upstream.influx]]\nname = "v1"\nurl = "http://127.0.0.1:%d/"\nversion = 1\n'
            'database = "fleet"\nusername = "gx"\npassword = "pw"\nmin_interval_s = 0.5\n'
            'retry_max_s = 1\n' % (self.influx.port, self.influx.port))
        self.start_gxlink(conf)
        q2 = os.path.join(self.data, "upstream-v2.sqlite")
        self.assertTrue(wait_until(lambda: len(read_queue(q2)) > 200, 40), "nothing queued")
        time.sleep(3)
        queued = [r for r in read_queue(q2) if r[4] != "null"]
        self.influx.start()

        def have_all():
            with self.influx.lock:
                got = {(tags.get("service"), int(tags.get("instance", -1)), tags.get("path"), t)
                       for ep, meas, tags, f, v, t in self.influx.points if ep == "/api/v2/write"}
            return all((ty, i, p, t) in got for ty, i, p, t, v in queued)

        self.assertTrue(wait_until(have_all, 60), "queued samples did not reach the v2 endpoint")
        self.assertTrue(wait_until(lambda: any(p[0] == "/write" for p in self.influx.points), 30))
        with self.influx.lock:
            self.assertEqual(self.influx.errors, [])
            points = list(self.influx.points)
        by_key = {}
        for ep, meas, tags, field, value, t in points:
            self.assertEqual(tags.get("portal"), PORTAL)
            self.assertEqual(meas, "gx link" if ep == "/api/v2/write" else "gxlink")
            self.assertIn(field, ("value", "text"))
            by_key[(ep, tags["service"], int(tags["instance"]), tags["path"], t)] = (field, value)
        # Values as queued: numbers as floats, strings as text.
        for ty, i, p, t, v in queued:
            field, value = by_key[("/api/v2/write", ty, i, p, t)]
            j = json.loads(v)
            if isinstance(j, (int, float)) and not isinstance(j, bool):
                self.assertEqual((field, value), ("value", float(j)))
            elif isinstance(j, str):
                self.assertEqual((field, value), ("text", j))
        self.assertTrue(any(k[1] == "system" and k[3] == "/Dc/Battery/Power" for k in by_key))


if __name__ == "__main__":
    unittest.main()
