#!/usr/bin/python3
"""DNS server for the smtpdiag_check_domain() tests: serves the zone sets of
a YAML file on 127.0.0.1 only, UDP and TCP, one port per zone set (BASE,
BASE+1, ... in the file's order), because sets reuse names with other data.

    domain_dns_server.py ZONES.yaml VARS.json BASE_PORT QUERY_LOG

Prints one line `ready {"set": port, ...}` (JSON) once every port listens,
then serves until its standard input closes (or 10 minutes at most).

Zone file: {"zones": {SET: {NAME: [ENTRY, ...]}}}. An ENTRY is
  {A: "192.0.2.1"}  {AAAA: "2001:db8::1"}  {PTR: name}  {CNAME: name}
  {MX: [preference, host]}          (host "." : a null MX, RFC 7505)
  {TXT: "text"}                     one string, split into 255-byte chunks
  {TXT: ["s1", "s2"]}               one record of several strings
or a fault, for every type at NAME ("SERVFAIL") or for one type
({TXT: SERVFAIL}):
  SERVFAIL   answer rcode SERVFAIL
  REFUSED    answer rcode REFUSED
  NXDOMAIN   answer rcode NXDOMAIN
  TIMEOUT    never answer (UDP or TCP)
  TRUNCATE   over UDP answer with no records and TC set, so the client must
             retry over TCP; only TCP serves the records
A NAME of "*" matches any name the set lacks; "*.suffix" any name under it.
Names the set does not hold are NXDOMAIN; a held name without records of
the asked type answers NOERROR with no records (NODATA). "{{VAR}}" in any
string is replaced by VARS.json's VAR (generated keys, long records).
UDP answers larger than the client's EDNS buffer (512 without EDNS) are
truncated (TC) as a real server does.

Every query is logged to QUERY_LOG as "port<TAB>udp|tcp<TAB>name<TAB>TYPE<TAB>id"
(a retransmission or a TCP retry keeps its id; a new lookup has a new one).
"""
import json
import os
import re
import socketserver
import sys
import threading

import yaml
from dnslib import AAAA, CNAME, MX, PTR, QTYPE, RCODE, RR, TXT, A, DNSRecord

FAULTS = {"SERVFAIL", "REFUSED", "NXDOMAIN", "TIMEOUT", "TRUNCATE"}

zones_path, vars_path, base, log_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(vars_path) as f:
    VARS = json.load(f)
with open(zones_path) as f:
    doc = yaml.safe_load(f)


def subst(v):
    if isinstance(v, str):
        return re.sub(r"\{\{(\w+)\}\}", lambda m: str(VARS[m.group(1)]), v)
    if isinstance(v, list):
        return [subst(x) for x in v]
    return v


def norm(name):
    return str(name).rstrip(".").lower()


def build(zonedata):
    zone = {}
    for name, entries in (zonedata or {}).items():
        recs = zone.setdefault(norm(name), [])
        for e in entries or []:
            if isinstance(e, str):
                if e not in FAULTS:
                    raise SystemExit(f"zone entry {e!r} at {name}: not a fault keyword")
                recs.append(("*", e))
            else:
                (rtype, value), = e.items()
                recs.append((str(rtype).upper(), subst(value)))
    return zone


SETS = list((doc.get("zones") or {}).items())
ZONES = [build(z) for _, z in SETS]
log_lock = threading.Lock()
log_file = open(log_path, "a", buffering=1)


def lookup(zone, key):
    if key in zone:
        return zone[key]
    parts = key.split(".")
    for i in range(1, len(parts)):
        wild = "*." + ".".join(parts[i:])
        if wild in zone:
            return zone[wild]
    return zone.get("*")


def chunks(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]


def add(reply, qname, t, v):
    if t == "A":
        reply.add_answer(RR(qname, QTYPE.A, rdata=A(v), ttl=60))
    elif t == "AAAA":
        reply.add_answer(RR(qname, QTYPE.AAAA, rdata=AAAA(v), ttl=60))
    elif t == "MX":
        pref, host = v
        reply.add_answer(RR(qname, QTYPE.MX, rdata=MX(host or ".", int(pref)), ttl=60))
    elif t == "PTR":
        reply.add_answer(RR(qname, QTYPE.PTR, rdata=PTR(v), ttl=60))
    elif t == "CNAME":
        reply.add_answer(RR(qname, QTYPE.CNAME, rdata=CNAME(v), ttl=60))
    elif t == "TXT":
        data = []
        for p in (v if isinstance(v, list) else [v]):
            data.extend(chunks(p))
        reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT(data), ttl=60))


def respond(index, data, udp):
    try:
        req = DNSRecord.parse(data)
    except Exception:
        return None
    q = req.q
    qname = ".".join(label.decode("latin-1") for label in q.qname.label)
    qtype = QTYPE.get(q.qtype, str(q.qtype))
    with log_lock:
        log_file.write(f"{base + index}\t{'udp' if udp else 'tcp'}\t{qname.lower()}\t{qtype}\t{req.header.id}\n")
    reply = req.reply()
    reply.ar = []  # no EDNS echo: keep answers plain
    zone = ZONES[index]
    name, depth = qname, 0
    while True:
        recs = lookup(zone, norm(name))
        if recs is None:
            reply.header.rcode = RCODE.NXDOMAIN
            break
        faults = {v for t, v in recs if t in ("*", qtype) and isinstance(v, str) and v in FAULTS}
        if "TIMEOUT" in faults:
            return None
        for rc in ("SERVFAIL", "REFUSED", "NXDOMAIN"):
            if rc in faults:
                reply.header.rcode = getattr(RCODE, rc)
                return reply.pack()
        if "TRUNCATE" in faults and udp:
            trunc = req.reply()
            trunc.ar = []
            trunc.header.tc = 1
            return trunc.pack()
        cname = [v for t, v in recs if t == "CNAME"]
        if cname and qtype != "CNAME" and depth < 8:
            add(reply, name, "CNAME", cname[0])
            name, depth = cname[0], depth + 1
            continue
        for t, v in recs:
            if t == qtype and not (isinstance(v, str) and v in FAULTS):
                add(reply, name, t, v)
        break
    packed = reply.pack()
    if udp:
        limit = 512
        for rr in req.ar:
            if rr.rtype == QTYPE.OPT:
                limit = max(512, int(rr.rclass))
        if len(packed) > limit:
            trunc = req.reply()
            trunc.ar = []
            trunc.header.tc = 1
            packed = trunc.pack()
    return packed


def handlers(index):
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
                while True:  # a client may send several queries on one connection
                    head = b""
                    while len(head) < 2:
                        c = self.request.recv(2 - len(head))
                        if not c:
                            return
                        head += c
                    n = int.from_bytes(head, "big")
                    data = b""
                    while len(data) < n:
                        c = self.request.recv(n - len(data))
                        if not c:
                            return
                        data += c
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


ports = {}
for i, (set_name, _) in enumerate(SETS):
    udp_h, tcp_h = handlers(i)
    for cls, h in ((ThreadedUDP, udp_h), (ThreadedTCP, tcp_h)):
        s = cls(("127.0.0.1", base + i), h)
        threading.Thread(target=s.serve_forever, daemon=True).start()
    ports[set_name] = base + i
print("ready " + json.dumps(ports), flush=True)
guard = threading.Timer(600, lambda: os._exit(0))
guard.daemon = True
guard.start()
sys.stdin.read()
os._exit(0)
