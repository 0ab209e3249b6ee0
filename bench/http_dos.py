#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Issue 11 item 5 probes against a running dashboard (e.g. `gxlink run --demo --dbus none
--no-tui --http 127.0.0.1:18088`):

  http_dos.py slowloris PORT [N_SLOW=40] [N_GET=38] [N_ADDR=1] [WAIT_S=0.3]
      N_SLOW connections from N_ADDR source addresses (127.0.2.x; all of 127/8 is loopback on
      Linux) send a partial request head and then nothing; then N_GET sequential GETs of `/` and
      `/api/model` from 127.0.0.1. Prints the replies by status.
  http_dos.py burst PORT [N=1000]
      N concurrent `GET /api/model` (Connection: close) from this one process. Prints the replies
      by status; "empty" means the connection ended without a response.
Requests/s: `wrk -t1 -c8 -d5s http://127.0.0.1:PORT/api/model` (8: the per-address limit).
"""
import resource
import selectors
import socket
import sys
import time


def status_of(data):
    return data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "empty"


def get(port, path):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        return status_of(data)
    except OSError as e:
        return type(e).__name__


def slowloris(port, n_slow=40, n_get=38, n_addr=1, wait_s=0.3):
    slow = []
    for i in range(n_slow):
        s = socket.socket()
        s.bind((f"127.0.2.{1 + i % n_addr}", 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: slow")
        slow.append(s)
    time.sleep(wait_s)
    res = {}
    for i in range(n_get):
        r = get(port, "/" if i % 2 == 0 else "/api/model")
        res[r] = res.get(r, 0) + 1
    print(f"{n_slow} slow clients from {n_addr} addresses; {n_get} GETs: {res}")


def burst(port, n=1000):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 100)), hard))
    sel = selectors.DefaultSelector()
    req = b"GET /api/model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    state = {}
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        state[s] = [b"", False]
        sel.register(s, selectors.EVENT_WRITE)
    done, t0 = 0, time.time()
    while done < n and time.time() - t0 < 30:
        for key, ev in sel.select(timeout=1):
            s, st = key.fileobj, state[key.fileobj]
            if ev & selectors.EVENT_WRITE and not st[1]:
                try:
                    s.send(req)
                except OSError:
                    pass
                st[1] = True
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                chunk = s.recv(65536)
            except OSError:
                chunk = b""
            if chunk:
                st[0] += chunk
            else:
                sel.unregister(s)
                s.close()
                done += 1
    res = {}
    for data, _ in state.values():
        k = status_of(data)
        res[k] = res.get(k, 0) + 1
    print(f"{n} concurrent GETs: {res} in {time.time() - t0:.2f} s")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("slowloris", "burst"):
        sys.exit(__doc__)
    if sys.argv[1] == "slowloris":
        args = [int(a) for a in sys.argv[2:6]] + [float(a) for a in sys.argv[6:7]]
        slowloris(*args)
    else:
        burst(*[int(a) for a in sys.argv[2:4]])
