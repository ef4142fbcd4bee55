#!/usr/bin/python3
"""DNS server for the RFC 7208 conformance suite (openspf's rfc7208-tests.yml).

Serves each YAML document's `zonedata` on its own port of 127.0.0.1 (UDP and
TCP), port BASE+index, because documents reuse names with other records.
Rules of the suite's drivers: a name with SPF records but no TXT records
answers TXT queries with the SPF strings; TIMEOUT means no answer at all;
unknown names are NXDOMAIN; UDP answers over 512 bytes are truncated (TC)
so the client retries over TCP.

    spf_dns_server.py SUITE.yml BASE_PORT   (prints "ready N" when listening)
"""
import os
import socketserver
import sys
import threading

import yaml
from dnslib import AAAA, CNAME, MX, PTR, QTYPE, RCODE, RR, TXT, A, DNSRecord

suite_path, base = sys.argv[1], int(sys.argv[2])
with open(suite_path) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]


def norm(name):
    return str(name).rstrip(".").lower()


def chunks(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]


def build_zone(zonedata):
    zone = {}
    for name, records in (zonedata or {}).items():
        entry = zone.setdefault(norm(name), [])
        for rec in records or []:
            if rec == "TIMEOUT":
                entry.append(("TIMEOUT", None))
            else:
                (rtype, value), = rec.items()
                entry.append((rtype, value))
    return zone


zones = [build_zone(d.get("zonedata")) for d in docs]


def answer(zone, qname, qtype, reply, depth=0):
    """Adds answers for qname/qtype; returns False for NXDOMAIN, None for TIMEOUT."""
    key = norm(qname)
    if key not in zone:
        return False
    recs = zone[key]
    timeout = any(t == "TIMEOUT" for t, _ in recs)
    cnames = [v for t, v in recs if t == "CNAME"]
    if cnames and qtype != "CNAME" and depth < 8:
        target = cnames[0]
        reply.add_answer(RR(qname, QTYPE.CNAME, rdata=CNAME(target), ttl=60))
        return answer(zone, target, qtype, reply, depth + 1) is not None
    # "TXT: NONE" says: no TXT here, and do not copy the SPF records.
    listed = [(t, v) for t, v in recs if t == qtype]
    want = [(t, v) for t, v in listed if v != "NONE"]
    if qtype == "TXT" and not listed:
        want = [("TXT", v) for t, v in recs if t == "SPF"]
    if timeout and not want:
        return None  # TIMEOUT: types with no records never answer
    for t, v in want:
        if t == "A":
            reply.add_answer(RR(qname, QTYPE.A, rdata=A(v), ttl=60))
        elif t == "AAAA":
            reply.add_answer(RR(qname, QTYPE.AAAA, rdata=AAAA(v), ttl=60))
        elif t == "MX":
            pref, host = v
            reply.add_answer(RR(qname, QTYPE.MX, rdata=MX(host if host else ".", pref), ttl=60))
        elif t == "PTR":
            reply.add_answer(RR(qname, QTYPE.PTR, rdata=PTR(v), ttl=60))
        elif t == "TXT":
            parts = v if isinstance(v, list) else [v]
            data = []
            for p in parts:
                data.extend(chunks(p))
            reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT(data), ttl=60))
    return True


def respond(index, data, udp):
    try:
        req = DNSRecord.parse(data)
    except Exception:
        return None
    reply = req.reply()
    q = req.q
    # The raw labels, not str(qname): dnslib escapes spaces as \032.
    qname = ".".join(label.decode("latin-1") for label in q.qname.label)
    result = answer(zones[index], qname, QTYPE[q.qtype], reply)
    if result is None:
        return None  # TIMEOUT: stay silent
    if result is False:
        reply.header.rcode = RCODE.NXDOMAIN
    packed = reply.pack()
    if udp and len(packed) > 512:
        trunc = req.reply()
        trunc.header.tc = 1
        packed = trunc.pack()
    return packed


def make_handlers(index):
    class Udp(socketserver.BaseRequestHandler):
        def handle(self):
            data, sock = self.request
            out = respond(index, data, True)
            if out:
                sock.sendto(out, self.client_address)

    class Tcp(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.settimeout(5)
            try:
                head = self.request.recv(2)
                if len(head) < 2:
                    return
                n = int.from_bytes(head, "big")
                data = b""
                while len(data) < n:
                    chunk = self.request.recv(n - len(data))
                    if not chunk:
                        return
                    data += chunk
                out = respond(index, data, False)
                if out:
                    self.request.sendall(len(out).to_bytes(2, "big") + out)
            except OSError:
                pass

    return Udp, Tcp


class ThreadedUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = True


class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


servers = []
for i in range(len(docs)):
    udp_h, tcp_h = make_handlers(i)
    for cls, h in ((ThreadedUDP, udp_h), (ThreadedTCP, tcp_h)):
        s = cls(("127.0.0.1", base + i), h)
        servers.append(s)
        threading.Thread(target=s.serve_forever, daemon=True).start()
print(f"ready {len(docs)}", flush=True)
# Exit when the test closes our stdin (or after 10 minutes at most).
guard = threading.Timer(600, lambda: os._exit(0))
guard.daemon = True
guard.start()
sys.stdin.read()
os._exit(0)
