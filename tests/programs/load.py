#!/usr/bin/python3
"""Concurrent, checked loads for the tests of tests/programs.

Each load starts CLIENTS threads at once (a barrier), each doing its share
of the work on connections of its own, and checks every answer against
what it must be.  The last line printed is "N ok, M bad" (the first few
failures go to stderr before it); the exit status is 0 only when M is 0.

  http  --port P [--proxy PORT] --clients C --requests R
        GET /bytes/N, R a client, each on a connection of its own
        ("Connection: close"), directly or through an HTTP proxy on
        127.0.0.1:PORT (absolute URI).  The body must be N bytes, byte i
        being 'a' + i % 26: what tests/fixtures/http_server serves, and
        what the test's document root holds for a static server.
  http  --port P --socks PORT ...
        the same GETs through a SOCKS5 proxy on 127.0.0.1:PORT (no
        authentication, the origin given as an IPv4 address).
  memcache --port P --clients C --keys K
        every client sets K keys of its own (values of varied sizes) and
        reads them back one by one; then, once all have written, each
        fetches the keys of another client with one multi-key get and
        increments a shared counter, which must end at C * K.
  redis --port P --clients C --keys K
        memcache's load in RESP: SET, GET, MGET of another client's keys,
        INCR of a shared counter that must end at C * K.
  echo  --port P [--tls] --clients C --rounds R
        R messages of varied sizes a client on one connection (in TLS
        when --tls, certificate not verified), each echoed back whole.
  dns   --port P [--tcp] --clients C --queries Q
        Q queries a client for A records of the names dns-zone lists
        (over UDP, one socket a client, or over TCP, one connection a
        client); every answer must carry the query's id and name and
        exactly the address dns_address() gives.  A lost UDP answer
        counts as bad: the loopback drops none.
  syslog --port P --clients C --lines L --file F
        L syslog lines (RFC 3164, of 1 B to 4 kB of text) a client on one
        TCP connection; then F, where the server writes each message's
        text a line, must come to hold every line sent exactly once and
        nothing else (it is read until it has them all, or stops growing
        for 30 s).
  dns-zone
        prints the NAMES records the dns load asks for, "NAME ADDRESS" a
        line, for the test to write into its server's zone (ZONE).

Each name and its address come from its index (dns_name, dns_address),
so that an answer given to another query is seen.
"""

import argparse
import collections
import os
import random
import socket
import ssl
import sys
import threading
import time

SIZES = [1, 100, 1000, 4096, 10000, 65536, 100000, 300000]
HOST = "127.0.0.1"


def pattern(n):
    alphabet = b"abcdefghijklmnopqrstuvwxyz"
    return (alphabet * (n // 26 + 1))[:n]


def recv_all(s):
    chunks = []
    while True:
        b = s.recv(1 << 16)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def exact(s, n):
    data = b""
    while len(data) < n:
        b = s.recv(n - len(data))
        if not b:
            raise EOFError(f"closed after {len(data)} of {n} bytes")
        data += b
    return data


def socks_connect(s, port):
    s.sendall(b"\x05\x01\x00")
    if exact(s, 2) != b"\x05\x00":
        raise ValueError("SOCKS5 server refused 'no authentication'")
    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(HOST) +
              port.to_bytes(2, "big"))
    reply = exact(s, 10)
    if reply[:2] != b"\x05\x00":
        raise ValueError(f"SOCKS5 CONNECT answered {reply!r}")


def http_one(args, n):
    path = f"/bytes/{n}"
    if args.proxy:
        target, port = f"http://{HOST}:{args.port}{path}", args.proxy
    elif args.socks:
        target, port = path, args.socks
    else:
        target, port = path, args.port
    with socket.create_connection((HOST, port), timeout=60) as s:
        if args.socks:
            socks_connect(s, args.port)
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {HOST}:{args.port}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = recv_all(s)
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 200 " not in status + " ":
        return f"{path}: {status!r}"
    if b"chunked" in head.lower():
        return f"{path}: unexpected chunked body"
    if body != pattern(n):
        return f"{path}: {len(body)} bytes, not the {n} expected"
    return None


def http_client(args, c, barrier):
    barrier.wait()
    errors = []
    for i in range(args.requests):
        n = SIZES[(c * 7 + i) % len(SIZES)] + (c + i) % 26
        try:
            e = http_one(args, n)
        except Exception as ex:
            e = f"/bytes/{n}: {type(ex).__name__}: {ex}"
        errors.append(e)
    return errors


class Memcache:
    def __init__(self, port):
        self.s = socket.create_connection((HOST, port), timeout=60)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            b = self.s.recv(1 << 16)
            if not b:
                raise EOFError("memcached closed the connection")
            self.buf += b
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def exact(self, n):
        while len(self.buf) < n:
            b = self.s.recv(1 << 16)
            if not b:
                raise EOFError("memcached closed the connection")
            self.buf += b
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def cmd(self, text, data=None):
        out = text.encode() + b"\r\n"
        if data is not None:
            out += data + b"\r\n"
        self.s.sendall(out)
        return self.line()

    def get(self, keys):
        self.s.sendall(("get " + " ".join(keys) + "\r\n").encode())
        found = {}
        while True:
            line = self.line()
            if line == b"END":
                return found
            _, key, _, size = line.split()
            found[key.decode()] = self.exact(int(size))
            self.exact(2)


def mc_value(c, i):
    n = SIZES[(c + i) % 6] + i
    return (f"{c}:{i}:".encode() + pattern(n))[:n + 8]


def memcache_client(args, c, barrier):
    errors = []
    m = Memcache(args.port)
    keys = [f"k{c}_{i}" for i in range(args.keys)]
    barrier.wait()
    for i, k in enumerate(keys):
        v = mc_value(c, i)
        r = m.cmd(f"set {k} {c} 0 {len(v)}", v)
        errors.append(None if r == b"STORED" else f"set {k}: {r!r}")
    for i, k in enumerate(keys):
        got = m.get([k]).get(k)
        errors.append(None if got == mc_value(c, i) else
                      f"get {k}: {None if got is None else len(got)} bytes")
    barrier.wait()
    other = (c + 1) % args.clients
    okeys = [f"k{other}_{i}" for i in range(args.keys)]
    got = m.get(okeys)
    for i, k in enumerate(okeys):
        errors.append(None if got.get(k) == mc_value(other, i) else
                      f"multi-get {k} (client {other}) wrong")
    for i in range(args.keys):
        r = m.cmd("incr counter 1")
        errors.append(None if r.isdigit() else f"incr: {r!r}")
    barrier.wait()
    if c == 0:
        got = m.get(["counter"]).get("counter")
        want = str(args.clients * args.keys).encode()
        errors.append(None if got == want else
                      f"counter is {got!r}, not {want.decode()}")
    m.s.close()
    return errors


class Redis(Memcache):
    def call(self, *words):
        out = f"*{len(words)}\r\n".encode()
        for w in words:
            w = w if isinstance(w, bytes) else str(w).encode()
            out += f"${len(w)}\r\n".encode() + w + b"\r\n"
        self.s.sendall(out)
        return self.reply()

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.exact(n)
            self.exact(2)
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ValueError(f"redis answered {line!r}")


def redis_client(args, c, barrier):
    errors = []
    r = Redis(args.port)
    keys = [f"k{c}_{i}" for i in range(args.keys)]
    barrier.wait()
    for i, k in enumerate(keys):
        got = r.call("SET", k, mc_value(c, i))
        errors.append(None if got == b"OK" else f"SET {k}: {got!r}")
    for i, k in enumerate(keys):
        got = r.call("GET", k)
        errors.append(None if got == mc_value(c, i) else
                      f"GET {k}: {None if got is None else len(got)} bytes")
    barrier.wait()
    other = (c + 1) % args.clients
    okeys = [f"k{other}_{i}" for i in range(args.keys)]
    got = r.call("MGET", *okeys)
    for i, k in enumerate(okeys):
        errors.append(None if got[i] == mc_value(other, i) else
                      f"MGET {k} (client {other}) wrong")
    for i in range(args.keys):
        got = r.call("INCR", "counter")
        errors.append(None if got.isdigit() else f"INCR: {got!r}")
    barrier.wait()
    if c == 0:
        got = r.call("GET", "counter")
        want = str(args.clients * args.keys).encode()
        errors.append(None if got == want else
                      f"counter is {got!r}, not {want.decode()}")
    r.s.close()
    return errors


def echo_client(args, c, barrier):
    errors = []
    s = socket.create_connection((HOST, args.port), timeout=60)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    barrier.wait()
    for i in range(args.rounds):
        n = SIZES[(c + i) % 6]
        msg = (f"{c}/{i}:".encode() + pattern(n))[:n + 8]
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            b = s.recv(1 << 16)
            if not b:
                break
            got += b
        errors.append(None if got == msg else
                      f"client {c} message {i}: {len(got)} of "
                      f"{len(msg)} bytes echoed, equal: {got == msg}")
    s.close()
    return errors


ZONE = "greenrun.test"
NAMES = 1000


def dns_name(i):
    return f"host{i}.{ZONE}"


def dns_address(i):
    return f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"


def dns_query(qid, name):
    q = qid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00\x00\x01\x00\x01"


def dns_skip_name(m, i):
    while True:
        n = m[i]
        if n >= 0xC0:
            return i + 2
        if n == 0:
            return i + 1
        i += 1 + n


def dns_answer(m, qid, query):
    """The addresses of the A records of message m, the answer to query;
    raises ValueError for an answer to something else or an error."""
    if int.from_bytes(m[:2], "big") != qid:
        raise ValueError(f"answer with id {int.from_bytes(m[:2], 'big')}, "
                         f"not {qid}")
    rcode, qd, an = m[3] & 15, int.from_bytes(m[4:6], "big"), \
        int.from_bytes(m[6:8], "big")
    question = query[12:]
    if qd != 1 or m[12:12 + len(question)].lower() != question.lower():
        raise ValueError("answer to another question")
    if rcode:
        raise ValueError(f"rcode {rcode}")
    i, addrs = 12 + len(question), []
    for _ in range(an):
        i = dns_skip_name(m, i)
        rtype = int.from_bytes(m[i:i + 2], "big")
        length = int.from_bytes(m[i + 8:i + 10], "big")
        if rtype == 1:
            addrs.append(socket.inet_ntoa(m[i + 10:i + 10 + length]))
        i += 10 + length
    return addrs


def dns_client(args, c, barrier):
    errors = []
    rng = random.Random(c)
    if args.tcp:
        s = socket.create_connection((HOST, args.port), timeout=60)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(30)
        s.connect((HOST, args.port))
    barrier.wait()
    for i in range(args.queries):
        n = (c * args.queries + i) % NAMES
        qid = rng.randrange(1 << 16)
        query = dns_query(qid, dns_name(n))
        try:
            if args.tcp:
                s.sendall(len(query).to_bytes(2, "big") + query)
                m = exact(s, int.from_bytes(exact(s, 2), "big"))
            else:
                s.send(query)
                m = s.recv(4096)
            addrs = dns_answer(m, qid, query)
            errors.append(None if addrs == [dns_address(n)] else
                          f"{dns_name(n)}: {addrs}, not {dns_address(n)}")
        except Exception as ex:
            errors.append(f"{dns_name(n)}: {type(ex).__name__}: {ex}")
    s.close()
    return errors


def syslog_text(c, i):
    return f"client {c} line {i} " + \
        pattern(SIZES[(c * 7 + i) % 4] + i % 26).decode()


def syslog_client(args, c, barrier):
    s = socket.create_connection((HOST, args.port), timeout=60)
    barrier.wait()
    for i in range(args.lines):
        s.sendall(f"<13>Nov 26 09:00:00 localhost greenrun: "
                  f"{syslog_text(c, i)}\n".encode())
    s.close()
    return []


def syslog_check(args):
    """One result for each line sent, and one error for each line of the
    file that is none of them."""
    want = args.clients * args.lines
    lines, size, last_growth = [], -1, time.monotonic()
    while len(lines) < want and time.monotonic() - last_growth < 30:
        time.sleep(0.1)
        now = os.path.getsize(args.file) if os.path.exists(args.file) else 0
        if now and now != size:
            size, last_growth = now, time.monotonic()
            with open(args.file, encoding="ascii", errors="replace") as f:
                lines = f.read().splitlines()
    found = collections.Counter(line.strip() for line in lines)
    results = []
    for c in range(args.clients):
        for i in range(args.lines):
            n = found.pop(syslog_text(c, i), 0)
            results.append(None if n == 1 else
                           f"client {c} line {i}: written {n} times")
    results += [f"unexpected line {line[:60]!r}" for line in found]
    return results


def main():
    if sys.argv[1:2] == ["dns-zone"]:
        for i in range(NAMES):
            print(dns_name(i), dns_address(i))
        return 0
    p = argparse.ArgumentParser()
    p.add_argument("load", choices=["http", "memcache", "redis", "echo", "dns",
                                     "syslog"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--proxy", type=int)
    p.add_argument("--socks", type=int)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--keys", type=int, default=100)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--lines", type=int, default=100)
    p.add_argument("--file")
    args = p.parse_args()
    work = {"http": http_client, "memcache": memcache_client,
            "redis": redis_client, "echo": echo_client,
            "dns": dns_client, "syslog": syslog_client}[args.load]
    barrier = threading.Barrier(args.clients, timeout=120)
    results = [None] * args.clients

    def run(c):
        try:
            results[c] = work(args, c, barrier)
        except Exception as ex:
            barrier.abort()
            results[c] = [f"client {c}: {type(ex).__name__}: {ex}"]

    threads = [threading.Thread(target=run, args=(c,))
               for c in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [e for r in results for e in r]
    if args.load == "syslog" and not [e for e in flat if e is not None]:
        flat = syslog_check(args)
    bad = [e for e in flat if e is not None]
    for e in bad[:5]:
        print(e, file=sys.stderr)
    print(f"{len(flat) - len(bad)} ok, {len(bad)} bad")
    return 0 if flat and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
