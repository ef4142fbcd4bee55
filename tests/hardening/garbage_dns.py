#!/usr/bin/python3
"""A DNS server on loopback that answers badly, for tests/hardening.

    garbage_dns.py --listen 127.0.0.1:PORT [--pidfile FILE] [--max-seconds 600]

UDP and TCP on the same port. The first label of the query name picks the
misbehaviour (anything else gets NXDOMAIN):

  garbage     random bytes of random length (with the query's ID, so the
              client cannot simply drop them as foreign)
  badid       a well-formed answer with the wrong ID
  short       3 bytes
  truncated   UDP: the TC bit and no answer (forces TCP); TCP: a length
              prefix promising 4000 bytes, 40 sent, then close
  oversized   UDP: 4000 bytes of answers (no EDNS asked); TCP: a 65535-byte
              answer (A: 127.0.0.x addresses; TXT: many long strings)
  loop        an answer whose owner name is a compression pointer to itself
  badcount    the header claims 65535 answers, one follows
  silent      no answer at all
  slow        a correct answer (127.0.0.1 / "v=spf1 -all") after 3 s

Names under any of these labels behave the same (garbage.example.test,
_dmarc.garbage.test ...): the label searched is the first one that matches.
Only 127.0.0.0/8 addresses are ever put in answers.
"""

import argparse
import os
import random
import socket
import struct
import threading
import time

MODES = ("garbage", "badid", "short", "truncated", "oversized", "loop", "badcount", "silent", "slow")
T_A, T_AAAA, T_MX, T_TXT, T_PTR = 1, 28, 15, 16, 12


def parse_query(data):
    """(id, flags, qname labels, qtype, question bytes) or None."""
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    if qd < 1:
        return None
    pos, labels = 12, []
    while pos < len(data):
        n = data[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xC0 or pos + 1 + n > len(data):
            return None
        labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace").lower())
        pos += 1 + n
    if pos + 4 > len(data):
        return None
    qtype = struct.unpack(">H", data[pos:pos + 2])[0]
    return qid, flags, labels, qtype, data[12:pos + 4]


def header(qid, flags, an, rcode=0, tc=False):
    f = 0x8000 | (flags & 0x0100) | 0x0080 | rcode  # QR, RD copied, RA
    if tc:
        f |= 0x0200
    return struct.pack(">HHHHHH", qid, f, 1, an, 0, 0)


def rr(qtype, i):
    """One answer RR whose owner is the question (pointer 0xC00C)."""
    if qtype == T_A:
        rdata = bytes([127, 0, 0, 2 + i % 200])
    elif qtype == T_AAAA:
        rdata = b"\0" * 15 + b"\1"
        qtype = T_AAAA
    elif qtype == T_MX:
        rdata = struct.pack(">H", i) + b"\xc0\x0c"
    elif qtype == T_PTR:
        rdata = b"\xc0\x0c"
    else:
        qtype = T_TXT
        text = (b"v=spf1 " if i == 0 else b"") + b"include:x%d.oversized.test " % i
        text = text + b"a" * (250 - len(text))
        rdata = bytes([len(text)]) + text
    return struct.pack(">HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata


def answer(q, limit, count=1):
    """Up to `count` answers, at most `limit` bytes in all."""
    qid, flags, _labels, qtype, question = q
    body, n = [], 0
    size = 12 + len(question)
    while n < count:
        r = rr(qtype, n)
        if size + len(r) > limit:
            break
        body.append(r)
        size += len(r)
        n += 1
    return header(qid, flags, n) + question + b"".join(body)


def respond(q, tcp):
    """The reply bytes for query q (None: say nothing), and a delay."""
    qid, flags, labels, qtype, question = q
    mode = next((l for l in labels if l in MODES), None)
    if mode is None:
        return header(qid, flags, 0, rcode=3) + question, 0
    if mode == "garbage":
        return struct.pack(">H", qid) + os.urandom(random.randint(0, 600)), 0
    if mode == "badid":
        good = answer(q, 512)
        return struct.pack(">H", (qid + 1) & 0xFFFF) + good[2:], 0
    if mode == "short":
        return struct.pack(">H", qid) + b"\x81", 0
    if mode == "truncated":
        if not tcp:
            return header(qid, flags, 0, tc=True) + question, 0
        return "truncate", 0
    if mode == "oversized":
        if tcp:
            return answer(q, 65535, 100000), 0
        return answer(q, 4000, 1000), 0
    if mode == "loop":
        loop_rr = b"\xc0" + bytes([12 + len(question)]) + struct.pack(">HHIH", qtype, 1, 60, 4) + b"\x7f\0\0\1"
        return header(qid, flags, 1) + question + loop_rr, 0
    if mode == "badcount":
        one = answer(q, 512)
        return one[:6] + struct.pack(">H", 65535) + one[8:], 0
    if mode == "silent":
        return None, 0
    if mode == "slow":
        return answer(q, 512), 3.0
    return None, 0


def serve_udp(sock, stop):
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(4096)
        except socket.timeout:
            continue
        except OSError:
            return
        q = parse_query(data)
        if not q:
            continue
        reply, delay = respond(q, tcp=False)
        if reply is None or reply == "truncate":
            continue

        def send(reply=reply, peer=peer, delay=delay):
            time.sleep(delay)
            try:
                sock.sendto(reply, peer)
            except OSError:
                pass
        threading.Thread(target=send, daemon=True).start()


def handle_tcp(conn):
    conn.settimeout(10)
    try:
        while True:
            head = conn.recv(2)
            if len(head) < 2:
                return
            (n,) = struct.unpack(">H", head)
            data = b""
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                if not chunk:
                    return
                data += chunk
            q = parse_query(data)
            if not q:
                return
            reply, delay = respond(q, tcp=True)
            time.sleep(delay)
            if reply is None:
                continue
            if reply == "truncate":
                conn.sendall(struct.pack(">H", 4000) + os.urandom(40))
                return
            conn.sendall(struct.pack(">H", min(len(reply), 65535)) + reply[:65535])
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp(sock, stop):
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=handle_tcp, args=(conn,), daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", required=True, help="127.0.0.1:PORT")
    p.add_argument("--pidfile")
    p.add_argument("--max-seconds", type=float, default=600)
    a = p.parse_args()
    host, _, port = a.listen.rpartition(":")
    if not host.startswith("127."):
        p.error("loopback addresses only")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((host, int(port)))
    udp.settimeout(0.5)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((host, int(port)))
    tcp.listen(64)
    tcp.settimeout(0.5)
    stop = threading.Event()
    threads = [threading.Thread(target=serve_udp, args=(udp, stop), daemon=True),
               threading.Thread(target=serve_tcp, args=(tcp, stop), daemon=True)]
    for t in threads:
        t.start()
    if a.pidfile:
        with open(a.pidfile + ".tmp", "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(a.pidfile + ".tmp", a.pidfile)
    try:
        time.sleep(a.max_seconds)  # a bounded life: it stops by itself
    except KeyboardInterrupt:
        pass
    stop.set()


if __name__ == "__main__":
    main()
