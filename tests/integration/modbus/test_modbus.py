#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Modbus-TCP against real peers (issue 14 "Real peers in tests"): Debian's pymodbus and mbpoll
read and write `gxlink run --demo --modbus 127.0.0.1:<free port>`. Expected values come from the
daemon's own GET /api/model, scaled here by an independent encoder that follows
shared/reference/venus_os.md §4.1-§4.2 (round(value × scale), high word first, not-available
codes, clamp to MAX−1). Every wait polls with a generous timeout; nothing asserts on time."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

GXLINK_BINARY = os.environ.get("GXLINK_BINARY", "")

# A missing pymodbus fails the tests (scripts/packages.d/modbus.txt installs it); a skip would
# let every test pass without a peer.
try:
    from pymodbus.client import ModbusTcpClient  # pymodbus 3
except ImportError:  # pymodbus 2
    from pymodbus.client.sync import ModbusTcpClient

NA = {"int16": 0x7FFF, "uint16": 0xFFFF, "int32": 0x7FFFFFFF, "uint32": 0xFFFFFFFF,
      "uint64": 0xFFFFFFFFFFFFFFFF}
RANGE = {"int16": (-0x8000, 0x7FFF), "uint16": (0, 0xFFFF), "int32": (-0x80000000, 0x7FFFFFFF),
         "uint32": (0, 0xFFFFFFFF), "uint64": (0, 0xFFFFFFFFFFFFFFFF)}
WORDS = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "uint64": 4}


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


def unit_kw(client, unit):
    """pymodbus renamed the unit argument twice (unit → slave → device_id)."""
    import inspect
    params = inspect.signature(client.read_holding_registers).parameters
    for name in ("device_id", "slave", "unit"):
        if name in params:
            return {name: unit}
    return {"unit": unit}


def expected_words(row, value):
    """The registers of one map row for a model value (independent of gxlink's encoder)."""
    mtype, scale = row["type"], row["scale"]
    if mtype.startswith("string["):
        n = int(mtype[7:-1])
        raw = (value if isinstance(value, str) else "").encode("latin-1", "replace")[:2 * n]
        raw = raw.ljust(2 * n, b"\0")
        return [raw[2 * i] << 8 | raw[2 * i + 1] for i in range(n)]
    words = WORDS[mtype]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        bits = NA[mtype]
    else:
        lo, hi = RANGE[mtype]
        v = value * scale
        scaled = int(v + 0.5) if v >= 0 else -int(-v + 0.5)  # round half away from zero
        scaled = min(max(scaled, lo), hi - 1)
        bits = scaled & ((1 << (16 * words)) - 1)
    return [(bits >> (16 * (words - 1 - i))) & 0xFFFF for i in range(words)]


class Daemon:
    """`gxlink run` in demo mode with Modbus (and HTTP for the model) on free ports."""

    def __init__(self, writes=None, invalid=None):
        self.dir = tempfile.mkdtemp(prefix="gxlink-modbus-")
        self.http = free_port()
        self.port = free_port()
        conf = os.path.join(self.dir, "gxlink.toml")
        with open(conf, "w") as f:
            f.write('[general]\ndemo = true\ndata_dir = "%s"\n[http]\nlisten = "127.0.0.1:%d"\n'
                    '[dbus]\nenabled = false\n[modbus]\n' % (self.dir, self.http))
            if writes is not None:
                f.write("writes = %s\n" % ("true" if writes else "false"))
            if invalid is not None:
                f.write('invalid = "%s"\n' % invalid)
        self.log = open(os.path.join(self.dir, "log"), "w+")
        # --modbus on the command line gives the listen address (the config keeps the rest).
        self.proc = subprocess.Popen([GXLINK_BINARY, "run", "--config", conf, "--no-tui",
                                      "--modbus", "127.0.0.1:%d" % self.port, "--duration", "110"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        ok = wait_until(self.listening, 30)
        if not ok:
            raise RuntimeError("gxlink did not serve Modbus: " + self.text())

    def listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return self.model() is not None
        except OSError:
            return False

    def model(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/api/model" % self.http, timeout=5) as r:
                return json.load(r)
        except (OSError, ValueError):
            return None

    def text(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def register_map():
    out = subprocess.run([GXLINK_BINARY, "modbus-map", "--format", "csv"], check=True,
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        service, path, dtype, unit, reg, mtype, scale, access = line.split(",")
        rows.append({"type": mtype, "service": service.split(".")[2], "path": path,
                     "reg": int(reg), "scale": float(scale), "access": access})
    return rows


class ModbusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not GXLINK_BINARY or not os.path.exists(GXLINK_BINARY):
            raise RuntimeError("GXLINK_BINARY is not set")
        cls.rows = register_map()

    def setUp(self):
        self.daemon = None
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        if self.daemon:
            self.daemon.close()

    def start(self, **kw):
        self.daemon = Daemon(**kw)
        return self.daemon

    def client(self):
        c = ModbusTcpClient("127.0.0.1", port=self.daemon.port, timeout=10)
        self.assertTrue(c.connect())
        self.clients.append(c)
        return c

    def read(self, c, unit, reg, count, fc=3):
        f = c.read_holding_registers if fc == 3 else c.read_input_registers
        return f(reg, count=count, **unit_kw(c, unit))

    def service(self, model, type_, instance):
        for name, paths in model.items():
            if name.split(".")[2] == type_ and paths.get("/DeviceInstance") == instance:
                return paths
        return None

    def wait_connected(self, type_, instance, path):
        got = {}

        def ready():
            m = self.daemon.model() or {}
            s = self.service(m, type_, instance)
            if s and s.get("/Connected") == 1 and s.get(path) is not None:
                got["s"] = s
                return True
            return False

        self.assertTrue(wait_until(ready, 40), "no %s %d with %s" % (type_, instance, path))
        return got["s"]

    def check_block(self, c, type_, unit, instance, first, last, fc=3):
        """Reads [first, last] at `unit` and compares each row with the model before or after."""
        rows = [r for r in self.rows if r["service"] == type_ and first <= r["reg"] <= last]
        self.assertTrue(rows)
        mismatches = None
        for _ in range(8):  # values move (simulated devices): a retry makes a change harmless
            before = self.service(self.daemon.model(), type_, instance)
            resp = self.read(c, unit, first, last - first + 1, fc)
            after = self.service(self.daemon.model(), type_, instance)
            self.assertFalse(resp.isError(), resp)
            regs = resp.registers
            mismatches = []
            for r in rows:
                n = len(expected_words(r, 0))
                got = regs[r["reg"] - first:r["reg"] - first + n]
                want = [expected_words(r, s.get(r["path"])) for s in (before, after)]
                if got not in want:
                    mismatches.append((r["reg"], r["path"], got, want))
            if not mismatches:
                return rows
            time.sleep(0.2)
        self.fail("registers differ from the model: %s" % mismatches)

    def test_ValuesEqualTheModelAfterScaling(self):
        self.start()
        c = self.client()
        self.wait_connected("system", 0, "/Dc/Battery/Voltage")
        self.wait_connected("solarcharger", 288, "/Dc/0/Voltage")
        self.wait_connected("vebus", 257, "/Dc/0/Voltage")
        self.wait_connected("battery", 512, "/Soc")
        # Home Assistant-style polls: system at unit 100, the VE.Direct MPPT at 239 (→ 288), the
        # Multi at 246 (→ 257), the CANopen battery at 225 (→ 512), with function 3 and 4.
        rows = self.check_block(c, "system", 100, 0, 840, 846)
        rows += self.check_block(c, "system", 100, 0, 800, 805)
        rows += self.check_block(c, "system", 100, 0, 808, 826, fc=4)
        rows += self.check_block(c, "solarcharger", 239, 288, 771, 776)
        rows += self.check_block(c, "solarcharger", 239, 288, 784, 793, fc=4)
        rows += self.check_block(c, "vebus", 246, 257, 3, 36)
        rows += self.check_block(c, "battery", 225, 512, 256, 266)
        rows += self.check_block(c, "battery", 225, 512, 303, 309)
        # Not a vacuous pass: the rows waited for above, and many others, carried real values.
        model = self.daemon.model()
        instance = {"system": 0, "solarcharger": 288, "vebus": 257, "battery": 512}
        valid = {(r["service"], r["path"]) for r in rows
                 if (self.service(model, r["service"], instance[r["service"]]) or {}).get(r["path"])
                 is not None}
        for key in (("system", "/Dc/Battery/Voltage"), ("solarcharger", "/Dc/0/Voltage"),
                    ("vebus", "/Dc/0/Voltage"), ("battery", "/Soc")):
            self.assertIn(key, valid)
        self.assertGreater(len(valid), 20, sorted(valid))

    def test_ThirtyTwoBitValuesAreHighWordFirst(self):
        self.start()
        c = self.client()
        s = self.wait_connected("system", 0, "/Dc/InverterCharger/Power")
        for _ in range(10):
            model = self.service(self.daemon.model(), "system", 0)
            resp = self.read(c, 100, 870, 2)
            self.assertFalse(resp.isError(), resp)
            hi, lo = resp.registers
            value = (hi << 16) | lo
            if value >= 1 << 31:
                value -= 1 << 32
            if value == round(model["/Dc/InverterCharger/Power"]):
                break
            time.sleep(0.2)
        self.assertEqual(value, round(model["/Dc/InverterCharger/Power"]), (hi, lo))
        # Reading only the low word (a read may start inside the value) gives the same word.
        resp = self.read(c, 100, 871, 1)
        self.assertFalse(resp.isError(), resp)
        self.assertIn(resp.registers[0], (lo, expected_words({"type": "int32", "scale": 1}, s.get(
            "/Dc/InverterCharger/Power"))[1]))

    def assertException(self, resp, code):
        self.assertTrue(resp.isError(), resp)
        self.assertEqual(getattr(resp, "exception_code", None), code, resp)

    def test_ExceptionsForBadFunctionUnmappedRegisterMissingUnitAndReadOnlyWrite(self):
        self.start(writes=True)
        c = self.client()
        self.wait_connected("system", 0, "/Dc/Battery/Voltage")
        self.assertException(c.read_coils(0, count=1, **unit_kw(c, 100)), 1)
        self.assertException(self.read(c, 100, 1, 1), 2)       # nothing at register 1
        self.assertException(self.read(c, 100, 846, 5), 2)     # 846 then the gap at 847
        self.assertException(self.read(c, 7, 771, 1), 0x0A)    # no solarcharger at 7
        self.assertException(self.read(c, 246, 840, 1), 0x0A)  # no system at 246
        self.assertException(c.write_register(840, 500, **unit_kw(c, 100)), 2)  # read-only
        self.assertException(c.write_registers(840, [500, 10], **unit_kw(c, 100)), 2)

    def test_WritesAreRefusedUnlessEnabled(self):
        self.start()
        c = self.client()
        self.wait_connected("solarcharger", 288, "/Mode")
        self.assertException(c.write_register(774, 4, **unit_kw(c, 239)), 2)
        self.assertEqual(self.service(self.daemon.model(), "solarcharger", 288)["/Mode"], 1)

    def test_WriteToTheMpptModeReachesTheDeviceAndReadsBack(self):
        self.start(writes=True)
        c = self.client()
        s = self.wait_connected("solarcharger", 288, "/Mode")
        self.assertEqual(s["/Mode"], 1)
        resp = c.write_register(774, 4, **unit_kw(c, 239))
        self.assertFalse(resp.isError(), resp)

        def mode_is(v):
            m = self.service(self.daemon.model(), "solarcharger", 288)
            r = self.read(c, 239, 774, 1)
            return m and m.get("/Mode") == v and not r.isError() and r.registers == [v]

        # The model's /Mode comes from the simulated MPPT's TEXT/HEX frames, so 4 in the model
        # and the register means the HEX SET reached the device and was read back from it.
        self.assertTrue(wait_until(lambda: mode_is(4), 40), self.daemon.text()[-3000:])
        self.assertFalse(c.write_register(774, 1, **unit_kw(c, 239)).isError())
        self.assertTrue(wait_until(lambda: mode_is(1), 40), self.daemon.text()[-3000:])
        # Out of the device's range: refused with an exception, the device keeps its mode.
        self.assertTrue(c.write_register(774, 9, **unit_kw(c, 239)).isError())
        self.assertEqual(self.read(c, 239, 774, 1).registers, [1])

    def test_SettingsWritesIncluding32BitReachTheModel(self):
        self.start(writes=True)
        c = self.client()
        s = self.wait_connected("settings", 0, "/Settings/CGwacs/AcPowerSetPoint")
        # ESS set-point (2700, int16, W) and the 32-bit max discharge power (2720..2721, int32,
        # high word first) in one function-16 write each, at unit 100 (→ instance 0).
        self.assertFalse(c.write_register(2700, (-250) & 0xFFFF, **unit_kw(c, 100)).isError())
        self.assertFalse(c.write_registers(2720, [0x0001, 0x86A0], **unit_kw(c, 100)).isError())

        def written():
            m = self.service(self.daemon.model(), "settings", 0)
            return (m["/Settings/CGwacs/AcPowerSetPoint"] == -250 and
                    m["/Settings/CGwacs/MaxDischargePower"] == 100000)

        self.assertTrue(wait_until(written, 20), self.service(self.daemon.model(), "settings", 0))
        self.assertEqual(self.read(c, 100, 2700, 1).registers, [(-250) & 0xFFFF])
        self.assertEqual(self.read(c, 100, 2720, 2).registers, [0x0001, 0x86A0])
        # The same value through the scaled register 2703 (scale 0.01: register = W / 100).
        self.assertEqual(self.read(c, 100, 2703, 1).registers, [(-3) & 0xFFFF])  # -2.5 → -3
        # Half of a 32-bit value cannot be written.
        self.assertException(c.write_register(2721, 5, **unit_kw(c, 100)), 2)

    def test_ModbusMapPrintsCsvAndMarkdown(self):
        md = subprocess.run([GXLINK_BINARY, "modbus-map", "--format", "md"], check=True,
                            capture_output=True, text=True).stdout
        self.assertIn("## com.victronenergy.system", md)
        self.assertIn("| 840 | `/Dc/Battery/Voltage` | uint16 | 10 | V | R |", md)
        self.assertRegex(md, r"\| 774 \| `/Mode` \| uint16 \| 1 \| +\| W \| .*4=Off")
        self.assertIn("| 239 | 288 |", md)
        self.assertTrue(len(self.rows) > 200)
        bad = subprocess.run([GXLINK_BINARY, "modbus-map", "--format", "xml"], capture_output=True)
        self.assertNotEqual(bad.returncode, 0)

    def test_InvalidReadsAsNotAvailableOrZero(self):
        for policy, want in (("na", [0xFFFF]), ("zero", [0])):
            self.daemon = self.start(invalid=policy if policy == "zero" else None)
            c = self.client()
            s = self.wait_connected("system", 0, "/Dc/Battery/Voltage")
            # The demo has no /Dc/Battery/TimeToGo (the BMS gives none): invalid in the model.
            self.assertIsNone(s.get("/Dc/Battery/TimeToGo"), s.get("/Dc/Battery/TimeToGo"))
            self.assertEqual(self.read(c, 100, 846, 1).registers, want, policy)
            c.close()
            self.clients.remove(c)
            self.daemon.close()
            self.daemon = None

    def test_TenClientsPollWhileOneStalls(self):
        self.start()
        self.wait_connected("system", 0, "/Dc/Battery/Voltage")
        # One client sends half a header and then nothing; another connects and stays silent.
        stalled = socket.create_connection(("127.0.0.1", self.daemon.port))
        stalled.sendall(b"\x00\x01\x00")
        silent = socket.create_connection(("127.0.0.1", self.daemon.port))
        results, errors = [], []

        def poll():
            try:
                c = ModbusTcpClient("127.0.0.1", port=self.daemon.port, timeout=10)
                if not c.connect():
                    errors.append("connect")
                    return
                ok = 0
                for i in range(100):
                    r = self.read(c, 100, 840, 7) if i % 2 else self.read(c, 239, 771, 6)
                    if r.isError() or len(r.registers) not in (6, 7):
                        errors.append(str(r))
                    else:
                        ok += 1
                c.close()
                results.append(ok)
            except Exception as e:  # noqa: BLE001 - any failure in a thread is a test failure
                errors.append(repr(e))

        threads = [threading.Thread(target=poll) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(results, [100] * 10)
        # The stalled client got no answer and is still connected; the drivers kept running.
        stalled.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            stalled.recv(10)
        before = self.daemon.model()
        self.assertTrue(wait_until(lambda: self.daemon.model() != before, 30))
        stalled.close()
        silent.close()

    def test_MbpollReadsAndSeesExceptions(self):
        mbpoll = shutil.which("mbpoll")
        self.assertTrue(mbpoll, "mbpoll is not installed (scripts/packages.d/modbus.txt)")
        self.start(writes=True)
        s = self.wait_connected("system", 0, "/Dc/Battery/Soc")

        def run(*args, values=()):
            # mbpoll [options] host [values to write]; -v prints the bytes of each confirmation.
            p = subprocess.run([mbpoll, "-m", "tcp", "-p", str(self.daemon.port), "-0", "-1", "-v",
                                "-o", "5", *args, "127.0.0.1", *values], capture_output=True,
                               text=True, timeout=60)
            return p.returncode, p.stdout + p.stderr

        # -0: PDU addresses; -t 4: holding registers, -t 3: input registers.
        for _ in range(8):
            rc, out = run("-a", "100", "-r", "843", "-c", "1", "-t", "4")
            soc = self.service(self.daemon.model(), "system", 0)["/Dc/Battery/Soc"]
            got = re.search(r"\[843\]:\s+(-?\d+)", out)
            if rc == 0 and got and int(got.group(1)) == round(soc):
                break
            time.sleep(0.2)
        self.assertEqual(rc, 0, out)
        self.assertEqual(int(got.group(1)), round(soc), out)
        rc, out = run("-a", "239", "-r", "771", "-c", "2", "-t", "3")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"\[771\]:\s+\d+")
        # Exceptions: mbpoll exits 1 and (with -v) shows the exception response it got:
        # unit 0x64, function | 0x80, code.
        rc, out = run("-a", "100", "-r", "1", "-c", "1", "-t", "4")
        self.assertNotEqual(rc, 0)
        self.assertIn("<64><83><02>", out)
        rc, out = run("-a", "7", "-r", "771", "-c", "1", "-t", "4")
        self.assertNotEqual(rc, 0)
        self.assertIn("<07><83><0A>", out)
        rc, out = run("-a", "100", "-r", "840", "-t", "4", values=["500"])
        self.assertNotEqual(rc, 0)
        self.assertIn("<64><86><02>", out)
        # Writing the MPPT's mode with mbpoll, then back.
        rc, out = run("-a", "239", "-r", "774", "-t", "4", values=["4"])
        self.assertEqual(rc, 0, out)
        self.assertTrue(wait_until(lambda: self.service(self.daemon.model(), "solarcharger", 288)
                                   .get("/Mode") == 4, 40))
        rc, out = run("-a", "239", "-r", "774", "-t", "4", values=["1"])
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
