#!/usr/bin/python3
"""Drives worker.php under php-fpm: REQUESTS requests, CONCURRENCY at a time,
over FastCGI on a unix socket (a small client written here from the
FastCGI 1.0 specification). Judges every worker process on its own: its
open descriptors after its last request equal those before its first, and
its RSS grows by less than 1 MiB once warm (WARMUP requests, and each of the
five kinds of call at least twice).

    fpm_load.py SOCKET SCRIPT SMTP_PORT DNS_PORT [REQUESTS] [CONCURRENCY]

Ends with "fpm: N passed, N failed".
"""
import json
import socket
import struct
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1
WARMUP = 20
KINDS = 5  # worker.php cycles through five calls (i % 5)
RSS_BUDGET = 1 << 20


def record(rtype, body, rid=1):
    pad = (8 - len(body) % 8) % 8
    return struct.pack(">BBHHBB", 1, rtype, rid, len(body), pad, 0) + body + b"\0" * pad


def nv(name, value):
    def length(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


def request(sock_path, script, query, timeout=60):
    params = {
        "SCRIPT_FILENAME": script, "SCRIPT_NAME": "/worker.php", "REQUEST_METHOD": "GET",
        "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_NAME": "localhost", "SERVER_PORT": "80", "REQUEST_URI": "/worker.php?" + query,
    }
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    body = b"".join(nv(k, v) for k, v in params.items())
    s.sendall(record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0)) + record(FCGI_PARAMS, body)
              + record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b""))
    buf, out, err = b"", b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 8:
            _v, rtype, _rid, clen, plen, _r = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_STDERR:
                err += content
            elif rtype == FCGI_END_REQUEST:
                s.close()
                _hdr, _, payload = out.partition(b"\r\n\r\n")
                return payload, err
    s.close()
    raise RuntimeError("connection closed before END_REQUEST")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    sock_path, script, smtp, dns = sys.argv[1:5]
    total = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    conc = int(sys.argv[6]) if len(sys.argv) > 6 else 10
    results, errors, lock = [], [], threading.Lock()

    def one(i):
        try:
            payload, err = request(sock_path, script, f"i={i}&smtp={smtp}&dns={dns}")
            r = json.loads(payload)
        except Exception as e:  # report, never hang
            with lock:
                errors.append(f"request {i}: {e}")
            return
        with lock:
            results.append(r)
            if r.get("error"):
                errors.append(f"request {i} (pid {r['pid']}): {r['error']}")

    with ThreadPoolExecutor(max_workers=conc) as pool:
        list(pool.map(one, range(total)))

    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(("ok" if ok else "not ok") + " - " + what)

    by_pid = {}
    for r in results:
        by_pid.setdefault(r["pid"], []).append(r)
    print(f"# {len(results)} answers from {len(by_pid)} workers, {len(errors)} errors")
    check(len(results) == total and not errors,
          f"all {total} requests answered" + (": " + "; ".join(errors[:3]) if errors else ""))
    check(len(by_pid) >= min(conc, 2), f"requests spread over {len(by_pid)} workers (pm.max_children {conc})")
    for pid, rs in sorted(by_pid.items()):
        rs.sort(key=lambda r: r["i"])
        fd_ok = rs[-1]["fds_after"] == rs[0]["fds_before"]
        # Warm: past its first WARMUP requests and each kind of call twice
        # (the first diagnose of a process allocates its tables once).
        seen, w = {}, len(rs) - 1
        for n, r in enumerate(rs):
            seen[r["i"] % KINDS] = seen.get(r["i"] % KINDS, 0) + 1
            if n + 1 >= WARMUP and len(seen) == KINDS and min(seen.values()) >= 2:
                w = n
                break
        warm = rs[w]["rss"]
        grown = rs[-1]["rss"] - warm
        check(fd_ok and grown < RSS_BUDGET,
              f"worker {pid}: {len(rs)} requests, descriptors {rs[0]['fds_before']} -> {rs[-1]['fds_after']}, "
              f"RSS after warm-up {grown / 1024:+.0f} KiB")
        if grown >= RSS_BUDGET:
            print("#   RSS (KiB) by request: " + " ".join(f"{r['i']}:{r['rss'] // 1024}" for r in rs))
    print(f"fpm: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
