#!/usr/bin/python3
"""Raw network probes for the smtpdiag lab selftest (run inside sd-client).

    probe.py [--timeout S] CHECK...

Each CHECK is KIND:ARGS=EXPECT; all checks run in parallel, one PASS/FAIL
line each, exit status 1 if any failed. ADDR may be IPv4 or [IPv6].

  tcp:ADDR:PORT=RESULT [icmp=TYPE/CODE] [from=ADDR]
      TCP connect. RESULT: open | timeout | ECONNREFUSED | EHOSTUNREACH | EACCES ...
      icmp/from are checked against the ICMP error queue (IP_RECVERR).
  hop:ADDR:PORT:TTL=FROM        SYN with that TTL/hop limit; FROM answered with
                                time-exceeded, or "open" (reached the server)
  dns:SERVER:NAME:TYPE=EXPECT   UDP query; EXPECT: a comma list of answers,
                                "empty" (NOERROR, no answer), NXDOMAIN, REFUSED, timeout
  dnstcp:SERVER:NAME:TYPE=EXPECT  same over TCP
  banner:ADDR:PORT=CODE         first reply line starts with CODE
  tls:ADDR:PORT:MODE:NAME=ok    MODE starttls|implicit; verifies the chain
                                against --ca and the host NAME
  auth:ADDR:PORT:MODE[:NAME]=CODE  EHLO, TLS (MODE; NAME default mail.lab.test),
                                AUTH PLAIN user@lab.test/labpass
  send:ADDR:PORT:RCPT=GLOB      send a message, then wait for a new file
                                matching GLOB (the Maildir read-back)
"""

import errno
import glob
import select
import smtplib
import socket
import ssl
import struct
import sys
import threading
import time
import uuid

TIMEOUT = 3.0
CA = None

SO_EE_ORIGIN_ICMP = 2
SO_EE_ORIGIN_ICMP6 = 3
IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)


def split_addr(s):
    """'[2001:db8::1]:25:x' -> ('2001:db8::1', ['25', 'x']); '1.2.3.4:25' likewise."""
    if s.startswith("["):
        host, _, rest = s[1:].partition("]")
        return host, rest.lstrip(":").split(":") if rest else []
    parts = s.split(":")
    return parts[0], parts[1:]


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def read_errqueue(s, fam):
    """[(icmp_type, icmp_code, offender_addr, ee_errno)] from MSG_ERRQUEUE."""
    out = []
    for _ in range(8):
        try:
            _, anc, _, _ = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            break
        for level, ctype, data in anc:
            if len(data) < 16:
                continue
            ee_errno, origin, itype, icode = struct.unpack("=IBBB", data[:7])
            if origin not in (SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6):
                continue
            off = data[16:]
            addr = "?"
            if len(off) >= 8:
                sfam = struct.unpack("=H", off[:2])[0]
                if sfam == socket.AF_INET:
                    addr = socket.inet_ntop(socket.AF_INET, off[4:8])
                elif sfam == socket.AF_INET6 and len(off) >= 24:
                    addr = socket.inet_ntop(socket.AF_INET6, off[8:24])
            out.append((itype, icode, addr, ee_errno))
    return out


def tcp_connect(host, port, timeout, ttl=None):
    """(result, icmp list). result: 'open', 'timeout' or an errno name."""
    fam = family(host)
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        if fam == socket.AF_INET:
            s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
            if ttl:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
            if ttl:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            return errno.errorcode.get(rc, str(rc)), read_errqueue(s, fam)
        p = select.poll()
        p.register(s, select.POLLOUT | select.POLLERR)
        end = time.monotonic() + timeout
        icmp = []
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return "timeout", icmp
            ev = p.poll(left * 1000)
            if not ev:
                continue
            # SO_ERROR before the error queue: dequeuing the last ICMP error
            # resets the socket's pending error, and a connect that an ICMP
            # host-unreachable ended would then read as open.
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            icmp += read_errqueue(s, fam)
            if err:
                return errno.errorcode.get(err, str(err)), icmp
            if ev[0][1] & select.POLLOUT:
                return "open", icmp
            if ttl and icmp:
                return "icmp", icmp
            # A soft ICMP error only: keep waiting for the real outcome.
            time.sleep(0.05)
    finally:
        s.close()


def check_tcp(args, expect):
    host, rest = split_addr(args)
    port = int(rest[0])
    want = expect.split()
    result, icmp = tcp_connect(host, port, TIMEOUT)
    got = result
    if icmp:
        t, c, a, _ = icmp[-1]
        got += f" icmp={t}/{c} from={a}"
    ok = want[0] == result
    for w in want[1:]:
        ok = ok and w in got.split()
    return ok, got


def check_hop(args, expect):
    host, rest = split_addr(args)
    port, ttl = int(rest[0]), int(rest[1])
    result, icmp = tcp_connect(host, port, TIMEOUT, ttl=ttl)
    if result == "open":
        return expect == "open", "open"
    exceeded = [a for (t, c, a, _) in icmp if (t, family(host)) in ((11, socket.AF_INET), (3, socket.AF_INET6))]
    got = f"time-exceeded from {exceeded[0]}" if exceeded else f"{result} {icmp}"
    return bool(exceeded) and exceeded[0] == expect, got


def check_dns(args, expect, tcp=False):
    from dnslib import DNSRecord, RCODE

    server, rest = split_addr(args)
    name, qtype = rest[0], rest[1]
    q = DNSRecord.question(name, qtype)
    try:
        raw = q.send(server, 53, tcp=tcp, timeout=TIMEOUT, ipv6=":" in server)
    except (socket.timeout, TimeoutError):
        return expect == "timeout", "timeout"
    except OSError as e:
        return False, f"error {e}"
    r = DNSRecord.parse(raw)
    rcode = RCODE.get(r.header.rcode)
    answers = sorted(str(a.rdata).strip('"') for a in r.rr if a.rtype == q.q.qtype)
    if rcode != "NOERROR":
        return expect == rcode, rcode
    if not answers:
        return expect == "empty", "empty"
    return sorted(expect.split(",")) == answers, ",".join(answers)


def tls_context():
    ctx = ssl.create_default_context(cafile=CA)
    return ctx


def check_banner(args, expect):
    host, rest = split_addr(args)
    s = socket.create_connection((host, int(rest[0])), timeout=TIMEOUT)
    try:
        data = b""
        while b"\n" not in data and len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, TimeoutError):
        return expect == "timeout", f"timeout after {data[:60]!r}"
    finally:
        s.close()
    line = data.split(b"\n")[0][:80]
    return line.startswith(expect.encode()), repr(line)


def smtp_session(host, port, mode, name):
    """Connected, EHLO'd (and for starttls: TLS'd) smtplib client. `name`
    is the TLS server name (SNI and hostname check)."""
    ctx = tls_context()
    cls = smtplib.SMTP_SSL if mode == "implicit" else smtplib.SMTP
    kw = {"context": ctx} if mode == "implicit" else {}
    c = cls(local_hostname="client.lab.test", timeout=TIMEOUT + 5, **kw)
    c._host = name  # smtplib takes the TLS server name from here
    c.connect(host, port)
    c.ehlo()
    if mode == "starttls":
        c.starttls(context=ctx)
        c.ehlo()
    return c


def check_tls(args, expect):
    host, rest = split_addr(args)
    port, mode, name = int(rest[0]), rest[1], rest[2]
    try:
        c = smtp_session(host, port, mode, name)
    except ssl.SSLError as e:
        return expect != "ok" and expect in str(e), f"TLS error: {e}"
    try:
        sock = c.sock
        cert = sock.getpeercert()
        subj = dict(x[0] for x in cert["subject"])
        got = f"ok {sock.version()} CN={subj.get('commonName')}"
    finally:
        c.close()
    return expect == "ok", got


def check_auth(args, expect):
    host, rest = split_addr(args)
    port, mode = int(rest[0]), rest[1]
    name = rest[2] if len(rest) > 2 else "mail.lab.test"
    c = smtp_session(host, port, mode, name)
    try:
        c.user, c.password = "user@lab.test", "labpass"
        code, resp = c.auth("PLAIN", c.auth_plain, initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as e:
        code, resp = e.smtp_code, e.smtp_error
    finally:
        try:
            c.quit()
        except Exception:
            c.close()
    return str(code) == expect, f"{code} {resp.decode(errors='replace')[:60]}"


def check_send(args, expect):
    host, rest = split_addr(args)
    port, rcpt = int(rest[0]), rest[1]
    before = set(glob.glob(expect))
    tag = uuid.uuid4().hex
    msg = f"From: probe@lab.test\r\nTo: {rcpt}\r\nSubject: lab probe {tag}\r\n\r\nprobe {tag}\r\n"
    c = smtplib.SMTP(host, port, local_hostname="client.lab.test", timeout=TIMEOUT + 5)
    try:
        c.ehlo()
        c.sendmail("probe@lab.test", [rcpt], msg)
    finally:
        c.quit()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        for f in set(glob.glob(expect)) - before:
            try:
                with open(f, "rb") as fh:
                    if tag.encode() in fh.read():
                        return True, f"delivered to {f}"
            except OSError:
                pass
        time.sleep(0.1)
    return False, "no new message matching the glob within 10s"


KINDS = {
    "tcp": check_tcp,
    "hop": check_hop,
    "dns": check_dns,
    "dnstcp": lambda a, e: check_dns(a, e, tcp=True),
    "banner": check_banner,
    "tls": check_tls,
    "auth": check_auth,
    "send": check_send,
}


def run(check, results, i):
    kind, _, rest = check.partition(":")
    args, _, expect = rest.partition("=")
    try:
        ok, got = KINDS[kind](args, expect)
    except Exception as e:
        ok, got = False, f"exception {e.__class__.__name__}: {e}"
    results[i] = (ok, f"{check} -> {got}")


def main():
    global TIMEOUT, CA
    argv = sys.argv[1:]
    label = ""
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--timeout":
            TIMEOUT = float(argv.pop(0))
        elif opt == "--ca":
            CA = argv.pop(0)
        elif opt == "--label":
            label = argv.pop(0) + ": "
        else:
            sys.exit(f"unknown option {opt}")
    for c in argv:
        if c.partition(":")[0] not in KINDS or "=" not in c:
            sys.exit(f"bad check {c!r}")
    results = [None] * len(argv)
    threads = [threading.Thread(target=run, args=(c, results, i), daemon=True) for i, c in enumerate(argv)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + TIMEOUT + 30
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    failed = 0
    for i, r in enumerate(results):
        if r is None:
            r = (False, f"{argv[i]} -> probe did not finish")
        ok, text = r
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {label}{text}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
