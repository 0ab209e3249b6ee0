#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gxlink's MQTT publisher against real peers: a mosquitto broker started here on a free loopback
port, and python3-paho-mqtt as the client (Debian's /usr/bin/python3).

The gxlink side is either `mqtt_test_host` (the real MqttPublisher over a fixture model with
writable paths, driven through stdin) or the real `gxlink run --demo` binary. Expected behaviour is
dbus-flashmq's (shared/reference/venus_os.md section 3). Every wait polls with a generous timeout.
"""
import json
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

try:
    import paho.mqtt.client as mqtt
except ImportError:  # python3-paho-mqtt missing: every test is skipped (see MqttTest.setUp)
    mqtt = None

PORTAL = "test123"
HOST_BINARY = os.environ.get("MQTT_TEST_HOST", "")
GXLINK_BINARY = os.environ.get("GXLINK_BINARY", "")
BATTERY = "com.victronenergy.battery.ttyTEST0"
SOLAR = "com.victronenergy.solarcharger.ttyTEST1"
MANDATORY = ["/Mgmt/ProcessName", "/Mgmt/ProcessVersion", "/Mgmt/Connection", "/DeviceInstance",
             "/ProductId", "/ProductName", "/FirmwareVersion", "/HardwareVersion", "/Connected"]
BATTERY_PATHS = MANDATORY + ["/Dc/0/Voltage", "/Dc/0/Current", "/Dc/0/Power",
                             "/Dc/0/Temperature", "/Dc/1/Voltage", "/Soc"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout=15.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def n(path):
    return "N/" + PORTAL + "/" + path


def make_certs(d, name):
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl CLI)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-ca.key", "-out",
        name + "-ca.crt", "-days", "2", "-subj", "/CN=gxlink test CA " + name)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-server.key", "-out",
        name + "-server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(d, "san.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", name + "-server.csr", "-CA", name + "-ca.crt", "-CAkey",
        name + "-ca.key", "-CAcreateserial", "-out", name + "-server.crt", "-days", "2",
        "-extfile", "san.cnf")
    files = {k: os.path.join(d, name + "-" + k) for k in ("ca.crt", "server.crt", "server.key")}
    # mosquitto started as root drops to the `mosquitto` user before it loads them.
    os.chmod(d, 0o755)
    for f in files.values():
        os.chmod(f, 0o644)
    return files


class Broker:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="gxlink-mqtt-test-")
        self.proc = None
        self.exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.tls = None  # make_certs() result: the listener then speaks TLS only

    def start(self):
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
            if self.tls:
                f.write("cafile %s\ncertfile %s\nkeyfile %s\n" % (
                    self.tls["ca.crt"], self.tls["server.crt"], self.tls["server.key"]))
        log = open(os.path.join(self.dir, "mosquitto.log"), "ab")
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

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Host:
    """mqtt_test_host (or any command): stdout lines are collected; commands wait for 'ok'."""

    def __init__(self, argv, merge_stderr=False):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1,
                                     stderr=subprocess.STDOUT if merge_stderr else None)
        self.lines = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cv:
                self.lines.append(line.rstrip("\n"))
                self.cv.notify_all()

    def wait_line(self, pred, timeout=15):
        with self.cv:
            return self.cv.wait_for(lambda: any(pred(l) for l in self.lines), timeout)

    def writes(self):
        with self.cv:
            return [l for l in self.lines if l.startswith("write ")]

    def cmd(self, line):
        with self.cv:
            before = len(self.lines)
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        word = "ok " + line.split()[0]
        with self.cv:
            ok = self.cv.wait_for(lambda: word in self.lines[before:], 15)
        if not ok:
            raise RuntimeError("host did not answer " + line)

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.terminate()  # gxlink itself does not read stdin: SIGTERM stops it
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()


class Client:
    """A paho client that records (topic, payload bytes, retain flag) of everything it receives."""

    def __init__(self, port, topics=("N/#",), ca=None):
        self.msgs = []
        self.cv = threading.Condition()
        self.topics = topics
        self.subscribed = threading.Event()
        self.c = mqtt.Client(client_id="", clean_session=True)
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = lambda c, u, mid, q: self.subscribed.set()
        self.c.on_message = self._on_message
        self.c.reconnect_delay_set(min_delay=1, max_delay=2)
        if ca:
            self.c.tls_set(ca_certs=ca)
        self.c.connect("127.0.0.1", port, keepalive=10)
        self.c.loop_start()
        if not self.subscribed.wait(15):
            raise RuntimeError("paho client did not subscribe")

    def _on_connect(self, c, userdata, flags, rc):
        c.subscribe([(t, 0) for t in self.topics])

    def _on_message(self, c, userdata, m):
        with self.cv:
            self.msgs.append((m.topic, bytes(m.payload), bool(m.retain)))
            self.cv.notify_all()

    def wait_for(self, pred, timeout=15):
        with self.cv:
            return self.cv.wait_for(lambda: pred(self.msgs), timeout)

    def wait_topic(self, topic, timeout=15):
        return self.wait_for(lambda ms: any(t == topic for t, _, _ in ms), timeout)

    def snapshot(self, adverts=False):
        """Messages so far; without gxlink's connect-time N/<id>/keepalive advert unless asked."""
        with self.cv:
            return [m for m in self.msgs if adverts or m[0] != n("keepalive")]

    def clear(self):
        with self.cv:
            self.msgs.clear()

    def publish(self, topic, payload, retain=False):
        info = self.c.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish()

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def values(msgs):
    """topic -> last decoded payload (None for zero-byte payloads)."""
    out = {}
    for t, p, _ in msgs:
        out[t] = json.loads(p) if p else None
    return out


def completed(ms):
    return any(t == n("full_publish_completed") for t, _, _ in ms)


class MqttTest(unittest.TestCase):
    def setUp(self):
        if mqtt is None:
            self.skipTest("python3-paho-mqtt is not installed")
        if not (shutil.which("mosquitto") or os.path.exists("/usr/sbin/mosquitto")):
            self.skipTest("mosquitto is not installed")
        self.broker = Broker()
        self.broker.start()
        self.clients = []
        self.host = None

    def tearDown(self):
        for c in self.clients:
            c.close()
        if self.host:
            self.host.stop()
        self.broker.cleanup()

    def client(self, topics=("N/#",)):
        c = Client(self.broker.port, topics, self.broker.tls["ca.crt"] if self.broker.tls else None)
        self.clients.append(c)
        return c

    def start_host(self, *args):
        if not HOST_BINARY:
            self.skipTest("MQTT_TEST_HOST not set")
        self.host = Host([HOST_BINARY, "--port", str(self.broker.port), "--portal-id", PORTAL, *args])
        self.assertTrue(self.host.wait_line(lambda l: l == "ready"))
        return self.host

    def connected_client(self, topics=("N/#",)):
        """A client that has seen gxlink's retained serial (so gxlink is connected)."""
        c = self.client(tuple(topics) + ((n("system/0/Serial"),) if "N/#" not in topics else ()))
        self.assertTrue(c.wait_topic(n("system/0/Serial"), 20), "gxlink never published its serial")
        return c

    def full_republish(self, c, token=None):
        """A keep-alive, then everything up to *our* full_publish_completed (matched by its echo
        token, since another republish, e.g. after a reconnect, may complete meanwhile)."""
        token = token or "t%d" % time.monotonic_ns()
        c.clear()
        c.publish("R/%s/keepalive" % PORTAL,
                  json.dumps({"keepalive-options": [{"full-publish-completed-echo": token}]}))

        def mine(ms):
            return any(t == n("full_publish_completed") and
                       json.loads(p).get("full-publish-completed-echo") == token for t, p, _ in ms)

        self.assertTrue(c.wait_for(mine, 30), "no full_publish_completed")
        msgs = c.snapshot()
        for i, (t, p, _) in enumerate(msgs):
            if t == n("full_publish_completed") and json.loads(p).get("full-publish-completed-echo") == token:
                return msgs[:i + 1]
        return msgs

    # -- tests --------------------------------------------------------------------------------

    def test_SerialIsRetainedAndNothingElseBeforeKeepalive(self):
        early = self.client()  # subscribed before gxlink connects: sees the live adverts
        self.start_host()
        self.assertTrue(early.wait_topic(n("keepalive")))
        self.assertIn((n("keepalive"), b"1", False), early.snapshot(adverts=True))
        late = self.connected_client()
        serial = [m for m in late.snapshot() if m[0] == n("system/0/Serial")][0]
        self.assertEqual(json.loads(serial[1]), {"value": PORTAL})
        self.assertTrue(serial[2], "the serial must be retained")
        # Not alive: a change is mapped but not published (flashmq `if (this->alive ...)`).
        self.host.cmd("set %s /Dc/0/Voltage 13.5" % BATTERY)
        time.sleep(1.5)
        topics = {t for t, _, _ in early.snapshot(True) + late.snapshot(True)}
        self.assertEqual(topics, {n("system/0/Serial"), n("keepalive")})

    def test_KeepaliveRepublishesEverythingThenCompletes(self):
        self.start_host()
        c = self.connected_client()
        t0 = time.time()
        msgs = self.full_republish(c)
        v = values(msgs)
        for p in BATTERY_PATHS:
            self.assertIn(n("battery/279" + p), v, p)
        self.assertEqual(v[n("battery/279/Dc/0/Voltage")], {"value": 13.25})
        self.assertEqual(v[n("battery/279/Soc")], {"value": 87.5, "min": 0, "max": 100})
        self.assertEqual(v[n("battery/279/Dc/0/Temperature")], {"value": None})
        self.assertEqual(v[n("battery/279/ProductName")], {"value": "SmartShunt 500A/50mV"})
        self.assertEqual(v[n("battery/279/ProductId")], {"value": 0xA389})
        self.assertEqual(v[n("battery/279/DeviceInstance")], {"value": 279})
        self.assertEqual(v[n("battery/279/HardwareVersion")], {"value": None})
        self.assertEqual(v[n("solarcharger/280/Yield/Power")], {"value": 120})
        self.assertEqual(v[n("solarcharger/280/Settings/ChargeCurrentLimit")],
                         {"value": 35.0, "min": 0, "max": 50})
        self.assertEqual(v[n("settings/0/Settings/Test/Value")], {"value": 5, "min": 0, "max": 100})
        battery_topics = [t for t in v if t.startswith(n("battery/279/"))]
        self.assertEqual(len(battery_topics), len(BATTERY_PATHS))
        # The completion notice comes after every topic, with the unix time.
        order = [t for t, _, _ in msgs]
        done = order.index(n("full_publish_completed"))
        for t in battery_topics:
            self.assertLess(order.index(t), done)
        stamp = v[n("full_publish_completed")]["value"]
        self.assertIsInstance(stamp, int)
        self.assertLess(abs(stamp - t0), 60)
        # Nothing but the serial is retained on the broker.
        fresh = self.client()
        time.sleep(1.0)
        self.assertEqual([(t, r) for t, _, r in fresh.snapshot()], [(n("system/0/Serial"), True)])

    def test_EchoTokenAndSuppressRepublish(self):
        self.start_host()
        c = self.connected_client()
        msgs = self.full_republish(c, "tok42")
        done = values(msgs)[n("full_publish_completed")]
        self.assertEqual(done["full-publish-completed-echo"], "tok42")
        self.assertIsInstance(done["value"], int)
        c.clear()
        c.publish("R/%s/keepalive" % PORTAL, json.dumps({"keepalive-options": ["suppress-republish"]}))
        time.sleep(1.5)
        topics = {t for t, _, _ in c.snapshot()}
        self.assertFalse(any(t.startswith(n("battery/")) for t in topics), topics)
        self.assertNotIn(n("full_publish_completed"), topics)

    def test_ChangesFlowWhileAliveAndStopAfterTimeout(self):
        self.start_host("--keepalive-timeout", "6")
        c = self.connected_client()
        c.clear()
        t0 = time.monotonic()
        c.publish("R/%s/keepalive" % PORTAL, json.dumps({"keepalive-options": ["suppress-republish"]}))
        self.assertTrue(c.wait_topic(n("heartbeat"), 5), "no heartbeat while alive")
        self.assertIsInstance(values(c.snapshot())[n("heartbeat")]["value"], int)
        self.host.cmd("set %s /Dc/0/Voltage 13.6" % BATTERY)
        self.assertTrue(c.wait_for(lambda ms: (n("battery/279/Dc/0/Voltage"), b'{"value":13.6}', False) in ms, 5))
        self.assertLess(time.monotonic() - t0, 6.0, "test too slow to check the timeout")
        # After the keep-alive timeout nothing is published any more.
        time.sleep(max(0.0, 7.0 - (time.monotonic() - t0)))
        c.clear()
        self.host.cmd("set %s /Dc/0/Voltage 13.7" % BATTERY)
        time.sleep(3.5)  # also longer than the 3 s heartbeat period
        self.assertEqual(c.snapshot(), [])

    def test_ReadsOfALeafAndOfASubtree(self):
        self.start_host()
        c = self.connected_client()
        c.clear()
        c.publish("R/%s/battery/279/Dc/0/Voltage" % PORTAL, "")
        self.assertTrue(c.wait_topic(n("battery/279/Dc/0/Voltage")))
        time.sleep(0.5)
        self.assertEqual(c.snapshot(), [(n("battery/279/Dc/0/Voltage"), b'{"value":13.25}', False)])
        c.clear()
        c.publish("R/%s/battery/279/Dc" % PORTAL, "")
        want = {n("battery/279" + p) for p in
                ["/Dc/0/Voltage", "/Dc/0/Current", "/Dc/0/Power", "/Dc/0/Temperature", "/Dc/1/Voltage"]}
        self.assertTrue(c.wait_for(lambda ms: want <= {t for t, _, _ in ms}))
        c.publish("R/%s/nosuch/1/Dc" % PORTAL, "")  # unknown: ignored
        time.sleep(1.0)
        self.assertEqual({t for t, _, _ in c.snapshot()}, want)

    def test_WritesWhenEnabledOnWritablePathsOnly(self):
        self.start_host("--writes")
        c = self.connected_client()
        c.publish("R/%s/keepalive" % PORTAL, json.dumps({"keepalive-options": ["suppress-republish"]}))
        base = "W/%s/solarcharger/280" % PORTAL
        c.publish(base + "/Settings/ChargeCurrentLimit", json.dumps({"value": 20}))
        self.assertTrue(self.host.wait_line(
            lambda l: l == "write %s /Settings/ChargeCurrentLimit 20.0" % SOLAR))
        self.assertTrue(c.wait_for(lambda ms: values(ms).get(
            n("solarcharger/280/Settings/ChargeCurrentLimit")) == {"value": 20.0, "min": 0, "max": 50}))
        c.publish(base + "/Mode", json.dumps({"value": 2}))
        self.assertTrue(self.host.wait_line(lambda l: l == "write %s /Mode 2" % SOLAR))
        c.publish("W/%s/settings/0/Settings/Test/Value" % PORTAL, json.dumps({"value": 42}))
        self.assertTrue(self.host.wait_line(
            lambda l: l == "write com.victronenergy.settings /Settings/Test/Value 42"))
        writes = len(self.host.writes())
        # Refused: above max, not a whole number, read-only, unknown path, not JSON, no "value".
        c.publish(base + "/Settings/ChargeCurrentLimit", json.dumps({"value": 80}))
        c.publish(base + "/Mode", json.dumps({"value": 2.5}))
        c.publish(base + "/Link/NetworkMode", json.dumps({"value": 1}))
        c.publish(base + "/Yield/Power", json.dumps({"value": 1}))
        c.publish(base + "/No/Such/Path", json.dumps({"value": 1}))
        c.publish(base + "/Mode", "3")
        c.publish(base + "/Mode", "not json")
        c.publish(base + "/Mode", json.dumps({"value": None}))
        time.sleep(1.5)
        self.assertEqual(len(self.host.writes()), writes, self.host.writes())
        c.clear()
        c.publish("R/%s/solarcharger/280" % PORTAL, "")
        self.assertTrue(c.wait_topic(n("solarcharger/280/Mode")))
        self.assertTrue(c.wait_topic(n("solarcharger/280/Link/NetworkMode")))
        self.assertTrue(c.wait_topic(n("solarcharger/280/Settings/ChargeCurrentLimit")))
        v = values(c.snapshot())
        self.assertEqual(v[n("solarcharger/280/Mode")]["value"], 2)
        self.assertEqual(v[n("solarcharger/280/Link/NetworkMode")]["value"], 0)
        self.assertEqual(v[n("solarcharger/280/Settings/ChargeCurrentLimit")]["value"], 20.0)

    def test_WritesRefusedWhenDisabled(self):
        self.start_host()
        c = self.connected_client()
        c.publish("W/%s/solarcharger/280/Settings/ChargeCurrentLimit" % PORTAL, json.dumps({"value": 20}))
        c.publish("W/%s/settings/0/Settings/Test/Value" % PORTAL, json.dumps({"value": 42}))
        time.sleep(1.5)
        self.assertEqual(self.host.writes(), [])
        c.clear()
        c.publish("R/%s/solarcharger/280/Settings/ChargeCurrentLimit" % PORTAL, "")
        self.assertTrue(c.wait_topic(n("solarcharger/280/Settings/ChargeCurrentLimit")))
        self.assertEqual(values(c.snapshot())[n("solarcharger/280/Settings/ChargeCurrentLimit")]["value"], 35.0)

    def test_RemovedServiceGetsZeroBytePayloads(self):
        self.start_host()
        c = self.connected_client()
        c.clear()
        self.host.cmd("remove " + BATTERY)  # not alive: removals are published anyway
        want = {n("battery/279" + p) for p in BATTERY_PATHS}
        self.assertTrue(c.wait_for(lambda ms: want <= {t for t, p, _ in ms if p == b""}))
        self.assertFalse(any(p for t, p, _ in c.snapshot() if t.startswith(n("battery/"))))
        c.clear()
        c.publish("R/%s/battery/279/Dc" % PORTAL, "")
        time.sleep(1.0)
        self.assertEqual(c.snapshot(), [])

    def test_HomeAssistantDiscovery(self):
        self.start_host("--ha")
        c = self.connected_client(("homeassistant/#", "gxlink/#"))
        battery = {"Dc/0/Voltage": ("voltage", "V"), "Dc/0/Current": ("current", "A"),
                   "Dc/0/Power": ("power", "W"), "Dc/0/Temperature": ("temperature", "°C"),
                   "Dc/1/Voltage": ("voltage", "V"), "Soc": ("battery", "%")}
        solar = {"Pv/V": ("voltage", "V"), "Yield/Power": ("power", "W"),
                 "Yield/User": ("energy", "kWh"), "State": (None, None)}

        def configs(ms):
            return {t: json.loads(p) for t, p, _ in ms if t.startswith("homeassistant/") and p}

        self.assertTrue(c.wait_for(lambda ms: len(configs(ms)) >= len(battery) + len(solar)))
        cfgs = configs(c.snapshot())
        self.assertEqual(len(cfgs), len(battery) + len(solar), list(cfgs))
        by_state = {}
        for topic, cfg in cfgs.items():
            self.assertRegex(topic, r"^homeassistant/sensor/gxlink_test123/[A-Za-z0-9_-]+/config$")
            for key in ("name", "unique_id", "state_topic", "value_template", "device",
                        "availability_topic"):
                self.assertIn(key, cfg, topic)
            self.assertTrue(cfg["device"]["identifiers"])
            self.assertTrue(cfg["device"]["name"])
            by_state[cfg["state_topic"]] = cfg
        self.assertEqual(len({c_["unique_id"] for c_ in cfgs.values()}), len(cfgs))
        for path, (dc, unit) in battery.items():
            cfg = by_state["gxlink/%s/battery/279/%s" % (PORTAL, path)]
            self.assertEqual(cfg.get("device_class"), dc)
            self.assertEqual(cfg.get("unit_of_measurement"), unit)
            self.assertEqual(cfg["state_class"], "measurement")
            self.assertEqual(cfg["device"]["name"], "SmartShunt 500A/50mV")
            self.assertEqual(cfg["device"]["sw_version"], "v4.16")
        for path, (dc, unit) in solar.items():
            cfg = by_state["gxlink/%s/solarcharger/280/%s" % (PORTAL, path)]
            self.assertEqual(cfg.get("device_class"), dc)
            self.assertEqual(cfg.get("unit_of_measurement"), unit)
        self.assertEqual(by_state["gxlink/%s/solarcharger/280/Yield/User" % PORTAL]["state_class"],
                         "total_increasing")
        # One HA device per service.
        devs = {tuple(cfg["device"]["identifiers"]) for cfg in cfgs.values()}
        self.assertEqual(len(devs), 2)
        # States are not retained: HA's birth message brings them (no Venus keep-alive needed).
        c.publish("homeassistant/status", "online")
        self.assertTrue(c.wait_for(lambda ms: values(
            [m for m in ms if not m[0].endswith("/status")]).get(
            "gxlink/%s/battery/279/Dc/0/Voltage" % PORTAL) == {"value": 13.25}))
        self.assertTrue(c.wait_topic("gxlink/%s/solarcharger/280/Pv/V" % PORTAL))
        status = self.client(("gxlink/%s/status" % PORTAL,))
        self.assertTrue(status.wait_for(lambda ms: ("gxlink/%s/status" % PORTAL, b"online", True) in ms))
        # Changes flow to the state topics at once.
        self.host.cmd("set %s /Dc/0/Voltage 13.9" % BATTERY)
        self.assertTrue(c.wait_for(lambda ms: ("gxlink/%s/battery/279/Dc/0/Voltage" % PORTAL,
                                               b'{"value":13.9}', False) in ms))
        # The device goes: empty retained configs; a new subscriber sees only the solar charger.
        c.clear()
        self.host.cmd("remove " + BATTERY)
        battery_cfgs = {t for t, cfg in cfgs.items() if "/battery/" in cfg["state_topic"]}
        self.assertTrue(c.wait_for(lambda ms: battery_cfgs <= {t for t, p, _ in ms if p == b""}))
        fresh = self.client(("homeassistant/#",))
        self.assertTrue(fresh.wait_for(lambda ms: len(ms) >= len(solar)))
        time.sleep(1.0)
        left = {t for t, p, r in fresh.snapshot() if p}
        self.assertEqual(left, {t for t, cfg in cfgs.items() if "/solarcharger/" in cfg["state_topic"]})

    def test_HomeAssistantStaleConfigIsCleared(self):
        stale = "homeassistant/sensor/gxlink_%s/battery_300_Soc/config" % PORTAL
        other = "homeassistant/sensor/someone_else/x_Soc/config"
        setup = self.client(("unused/#",))
        setup.publish(stale, json.dumps({"name": "gone", "state_topic": "x"}), retain=True)
        setup.publish(other, json.dumps({"name": "not ours", "state_topic": "y"}), retain=True)
        self.start_host("--ha")
        c = self.connected_client(("homeassistant/#",))
        self.assertTrue(c.wait_for(lambda ms: (stale, b"", False) in ms))
        fresh = self.client(("homeassistant/#",))
        self.assertTrue(fresh.wait_for(lambda ms: len(ms) >= 11))  # 10 live configs + other
        time.sleep(1.0)
        left = {t for t, p, r in fresh.snapshot() if p and r}
        self.assertNotIn(stale, left)
        self.assertIn(other, left)
        self.assertEqual(len(left), 11)

    def test_BrokerRestartReconnectsAndLosesNothing(self):
        self.start_host()
        c = self.connected_client()
        self.full_republish(c)  # alive from now on (60 s)
        c.close()
        self.clients.remove(c)
        self.broker.stop()
        self.host.cmd("set %s /Dc/0/Voltage 14.1" % BATTERY)  # while the broker is away
        time.sleep(1.5)  # gxlink sees the loss and starts backing off
        self.broker.start()
        c2 = self.client()
        # gxlink is back when its serial is (the new broker has no retained messages of its own).
        self.assertTrue(c2.wait_topic(n("system/0/Serial"), 30), "gxlink did not reconnect")
        serial_live = [m for m in c2.snapshot() if m[0] == n("system/0/Serial")][0][2] is False
        if serial_live:
            # c2 was subscribed before gxlink came back: the automatic republish reached it.
            self.assertTrue(c2.wait_for(lambda ms: values(ms).get(
                n("battery/279/Dc/0/Voltage")) == {"value": 14.1}, 15))
        msgs = self.full_republish(c2)
        self.assertEqual(values(msgs)[n("battery/279/Dc/0/Voltage")], {"value": 14.1})
        # Still alive after the reconnect: changes flow without a new keep-alive request.
        c2.clear()
        self.host.cmd("set %s /Dc/0/Voltage 14.2" % BATTERY)
        self.assertTrue(c2.wait_for(lambda ms: (n("battery/279/Dc/0/Voltage"), b'{"value":14.2}', False) in ms))

    def test_BigModelRepublishIsComplete(self):
        self.start_host("--big", "5000", "--chunk", "100")
        c = self.connected_client()
        c.clear()
        c.publish("R/%s/keepalive" % PORTAL, "")
        c.publish("R/%s/battery/279/Soc" % PORTAL, "")  # answered between chunks
        self.assertTrue(c.wait_for(completed, 60))
        msgs = c.snapshot()
        big = {t: json.loads(p) for t, p, _ in msgs if t.startswith(n("bigtest/900/Path/"))}
        self.assertEqual(len(big), 5000)
        for i in (0, 1234, 4999):
            self.assertEqual(big[n("bigtest/900/Path/%05d" % i)], {"value": 1.0 + i})
        order = [t for t, _, _ in msgs]
        self.assertLess(order.index(n("bigtest/900/Path/04999")), order.index(n("full_publish_completed")))
        self.assertTrue(c.wait_topic(n("battery/279/Soc")))

    def restart_broker_with_tls(self):
        self.broker.stop()
        self.broker.tls = make_certs(self.broker.dir, "good")
        self.broker.start()

    def test_TlsWithACaFile(self):
        self.restart_broker_with_tls()
        self.start_host("--tls-ca", self.broker.tls["ca.crt"])
        c = self.connected_client()
        v = values(self.full_republish(c))
        self.assertEqual(v[n("battery/279/Dc/0/Voltage")], {"value": 13.25})

    def test_TlsWithTheWrongCaIsReportedOnceAndRetried(self):
        self.restart_broker_with_tls()
        wrong = make_certs(self.broker.dir, "wrong")["ca.crt"]
        self.start_host("--tls-ca", wrong)
        self.assertTrue(self.host.wait_line(lambda l: "cannot connect" in l))
        time.sleep(3.5)  # several retries (backoff 1 s, 2 s)
        self.assertIsNone(self.host.proc.poll(), "the daemon must keep running")
        with self.host.cv:
            self.assertEqual(sum("cannot connect" in l for l in self.host.lines), 1, self.host.lines)
        c = self.client()
        time.sleep(0.5)
        self.assertEqual(c.snapshot(True), [])
        self.host.cmd("set %s /Dc/0/Voltage 13.5" % BATTERY)  # the loop still runs

    def test_BrokerAbsentAtStartThenAppears(self):
        self.broker.stop()
        self.start_host()
        self.assertTrue(self.host.wait_line(lambda l: "cannot connect" in l))
        time.sleep(2.0)
        self.host.cmd("set %s /Dc/0/Voltage 13.8" % BATTERY)
        self.broker.start()
        c = self.connected_client()
        self.assertEqual(values(self.full_republish(c))[n("battery/279/Dc/0/Voltage")], {"value": 13.8})
        with self.host.cv:
            self.assertEqual(sum("cannot connect" in l for l in self.host.lines), 1, self.host.lines)

    def test_RealBinaryReadsTheMqttConfigSection(self):
        if not GXLINK_BINARY or not os.path.exists(GXLINK_BINARY):
            self.skipTest("GXLINK_BINARY not set")
        conf = os.path.join(self.broker.dir, "gxlink.toml")
        with open(conf, "w") as f:
            f.write('[general]\ndemo = true\n[http]\nlisten = "127.0.0.1:%d"\n[dbus]\nenabled = false\n'
                    '[mqtt]\nhost = "127.0.0.1"\nport = %d\nportal_id = "cfg42"\nhomeassistant = true\n'
                    'homeassistant_prefix = "hatest"\nstate_prefix = "gxl"\nkeepalive_timeout_s = 5\n'
                    % (free_port(), self.broker.port))
        self.host = Host([GXLINK_BINARY, "run", "--config", conf, "--no-tui", "--duration", "60"])
        c = self.client(("N/cfg42/system/0/Serial", "gxl/cfg42/status"))
        self.assertTrue(c.wait_for(lambda ms: ("N/cfg42/system/0/Serial", b'{"value":"cfg42"}', True) in ms
                                   or ("N/cfg42/system/0/Serial", b'{"value":"cfg42"}', False) in ms, 20))
        self.assertTrue(c.wait_for(lambda ms: any(t == "gxl/cfg42/status" and p == b"online"
                                                  for t, p, _ in ms)))
        # A clean stop says "offline" (retained) for Home Assistant.
        self.host.proc.terminate()
        self.host.proc.wait(15)
        fresh = self.client(("gxl/cfg42/status",))
        self.assertTrue(fresh.wait_for(lambda ms: ("gxl/cfg42/status", b"offline", True) in ms))

    def test_RealBinaryDemoMatchesApiModel(self):
        if not GXLINK_BINARY or not os.path.exists(GXLINK_BINARY):
            self.skipTest("GXLINK_BINARY not set")
        http_port = free_port()
        self.host = Host([GXLINK_BINARY, "run", "--demo", "--no-tui", "--http", "127.0.0.1:%d" % http_port,
                          "--dbus", "none", "--mqtt", "127.0.0.1:%d" % self.broker.port,
                          "--portal-id", PORTAL, "--duration", "100"])
        c = self.connected_client()

        def fetch():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/api/model" % http_port, timeout=2) as r:
                    return json.load(r)
            except OSError:
                return None

        self.assertTrue(wait_until(lambda: fetch() is not None, 20), "no /api/model")
        time.sleep(2.0)  # let the demo devices appear

        def topics(model):
            out = {}
            for service, paths in model.items():
                stype = service.split(".")[2]
                inst = paths.get("/DeviceInstance")
                inst = str(inst) if inst is not None else "0"
                for path, value in paths.items():
                    out[n("%s/%s%s" % (stype, inst, path))] = value
            return out

        before = topics(fetch())
        got = values(self.full_republish(c))
        after = topics(fetch())
        special = {n("full_publish_completed"), n("heartbeat"), n("system/0/Serial"), n("keepalive")}
        # Every path of every demo service is published, and nothing else.
        for topic in before:
            if topic in after:
                self.assertIn(topic, got, topic)
        self.assertTrue(set(got) - special <= set(before) | set(after), set(got) - special - set(after))
        for topic, value in before.items():
            if after.get(topic, object()) == value and isinstance(value, (str, int)):
                self.assertEqual(got[topic]["value"], value, topic)

    # -- writes through the real binary to a simulated device (issue 8) ----------------------

    def start_demo_with_config(self, writes):
        """`gxlink run --config` in demo mode with [mqtt] on our broker; its log is collected.
        Returns (http port, portal id)."""
        if not GXLINK_BINARY or not os.path.exists(GXLINK_BINARY):
            self.skipTest("GXLINK_BINARY not set")
        http_port = free_port()
        conf = os.path.join(self.broker.dir, "gxlink.toml")
        with open(conf, "w") as f:
            f.write('[general]\ndemo = true\n[http]\nlisten = "127.0.0.1:%d"\n[dbus]\nenabled = false\n'
                    '[mqtt]\nhost = "127.0.0.1"\nport = %d\nportal_id = "%s"\n'
                    % (http_port, self.broker.port, PORTAL))
            if writes is not None:
                f.write("writes = %s\n" % ("true" if writes else "false"))
        self.host = Host([GXLINK_BINARY, "run", "--config", conf, "--no-tui", "--duration", "110"],
                         merge_stderr=True)
        return http_port

    def demo_vebus(self, http_port):
        """(vebus instance, current limit) once the simulated Multi is connected with a limit."""
        found = {}

        def ready():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/api/model" % http_port, timeout=2) as r:
                    model = json.load(r)
            except (OSError, ValueError):
                return False
            for service, paths in model.items():
                if (service.startswith("com.victronenergy.vebus.") and paths.get("/Connected") == 1
                        and isinstance(paths.get("/Ac/In/1/CurrentLimit"), (int, float))):
                    found["instance"] = paths["/DeviceInstance"]
                    found["limit"] = paths["/Ac/In/1/CurrentLimit"]
                    return True
            return False

        self.assertTrue(wait_until(ready, 30), "the demo's vebus service never connected")
        return found["instance"], found["limit"]

    def log_has(self, needle, timeout=30):
        return self.host.wait_line(lambda l: needle in l, timeout)

    def test_RealBinaryDemoWriteReachesTheMultiAndComesBack(self):
        http_port = self.start_demo_with_config(writes=True)
        c = self.connected_client()
        instance, before = self.demo_vebus(http_port)
        limit = 10.0 if before == 12.5 else 12.5
        base = "vebus/%s/" % instance
        self.full_republish(c)
        c.clear()
        c.publish("W/%s/%sAc/In/1/CurrentLimit" % (PORTAL, base), json.dumps({"value": limit}))

        # Both come from the Multi's config frame; /Ac/ActiveIn/CurrentLimit is never written, so
        # seeing it proves the value was read back from the simulated device.
        def has(ms, path, value):
            return any(t == n(base + path) and p and json.loads(p).get("value") == value
                       for t, p, _ in ms)

        self.assertTrue(c.wait_for(lambda ms: has(ms, "Ac/In/1/CurrentLimit", limit) and
                                   has(ms, "Ac/ActiveIn/CurrentLimit", limit), 30),
                        (values(c.snapshot()).get(n(base + "Ac/In/1/CurrentLimit")), self.host.lines))
        self.assertTrue(self.log_has("confirmed by read-back"), self.host.lines)

        # Out of the Multi's range: refused, nothing changes on the device.
        c.publish("W/%s/%sAc/In/1/CurrentLimit" % (PORTAL, base), json.dumps({"value": 1000}))
        self.assertTrue(self.log_has("Ac/In/1/CurrentLimit refused"), self.host.lines)
        # Mode off then on: each is a full round trip through the Multi after the refused write.
        c.clear()
        c.publish("W/%s/%sMode" % (PORTAL, base), json.dumps({"value": 4}))
        self.assertTrue(c.wait_for(lambda ms: has(ms, "Mode", 4), 30), self.host.lines)
        c.publish("W/%s/%sMode" % (PORTAL, base), json.dumps({"value": 3}))
        self.assertTrue(c.wait_for(lambda ms: has(ms, "Mode", 3), 30), self.host.lines)
        # A read (R/) answers with the Multi's current limit: still the one written before.
        c.clear()
        c.publish("R/%s/%sAc/In/1/CurrentLimit" % (PORTAL, base), "")
        self.assertTrue(c.wait_topic(n(base + "Ac/In/1/CurrentLimit"), 20))
        got = values(c.snapshot())[n(base + "Ac/In/1/CurrentLimit")]
        self.assertEqual(got["value"], limit, got)
        # The Multi's range comes with it (Venus' min/max in the payload of a limit).
        self.assertEqual((got.get("min"), got.get("max")), (3, 50), got)

    def test_RealBinaryDemoWritesAreOffByDefault(self):
        http_port = self.start_demo_with_config(writes=None)
        c = self.connected_client()
        instance, before = self.demo_vebus(http_port)
        base = "vebus/%s/" % instance
        self.full_republish(c)
        c.clear()
        c.publish("W/%s/%sAc/In/1/CurrentLimit" % (PORTAL, base),
                  json.dumps({"value": 10.0 if before == 12.5 else 12.5}))
        self.assertTrue(self.log_has("writes are disabled"), self.host.lines)
        self.assertFalse(self.log_has("current limit write", timeout=3), self.host.lines)
        # The Multi still has its old limit: what a read returns comes from its read-back.
        c.publish("R/%s/%sAc/In/1/CurrentLimit" % (PORTAL, base), "")
        self.assertTrue(c.wait_topic(n(base + "Ac/In/1/CurrentLimit"), 20))
        got = values(c.snapshot())[n(base + "Ac/In/1/CurrentLimit")]
        self.assertEqual(got["value"], before, got)


if __name__ == "__main__":
    unittest.main(verbosity=2)
