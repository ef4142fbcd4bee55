#!/usr/bin/python3
"""Scriptable SMTP server for the smtpdiag network lab.

Listens on several ADDR:PORT, each with its own behaviour:

    scriptsmtp.py --cert CHAIN --key KEY --log FILE --pidfile FILE \
        --listen 198.51.100.26:25=normal \
        --listen '[2001:db8:2::26]:25=normal' \
        --listen 198.51.100.26:2601=greeting_delay:30 \
        --listen 198.51.100.26:3002=normal,cert=expired \
        --listen 198.51.100.26:3113=implicit_tls,cert=tls10,tls=1.0

Listener options (after the behaviour, comma-separated):
  cert=NAME   serve CERT_DIR/NAME-chain.pem with CERT_DIR/NAME.key instead of
              --cert/--key (CERT_DIR: --cert-dir, default the directory of
              --cert). Such a context runs at OpenSSL security level 0, so
              weak lab certificates (RSA 1024, SHA-1) load; the client decides.
  tls=1.0     accept TLS 1.0 only (min = max = TLSv1, ciphers at SECLEVEL=0)
  tls=1.1     accept TLS 1.0 and 1.1 (min TLSv1, max TLSv1.1)

Behaviours (one coroutine each, registered in BEHAVIOURS at the bottom):
  normal               ESMTP with STARTTLS (real TLS), AUTH PLAIN LOGIN after TLS
  implicit_tls         TLS from the first byte, then as normal (no STARTTLS)
  no_starttls          normal, never offers STARTTLS (502 if asked)
  greeting_delay:SECS  wait SECS (default 10), then as normal
  silent               accept, never send anything (until client closes / limit)
  accept_close         accept, close at once
  greeting_421         421 greeting, then close
  greeting_554         554 greeting, stays open: QUIT -> 221, others -> 503
  starttls_inject      STARTTLS reply carries two extra plaintext 250 lines
  slow[:SECS]          every reply one byte per SECS (default 0.5)
  long_line[:BYTES]    greeting line of BYTES (default 2 MiB, 64 KiB/s, at most 60 s)
                       with no CRLF, then close
  endless_multiline[:SECS]  "220-" lines for SECS (default 60), then close
  binary               greeting with NUL and 0xFF bytes, then as normal
  mixed_codes          greeting "220-a / 250-b / 220 c", then as normal
  bare_lf              normal, but replies end in LF only
  http_aia             not SMTP: a minimal HTTP/1.1 server for GET /NAME, serving
                       CERT_DIR/aia/NAME (a certificate's AIA caIssuers URI);
                       404 for anything else, then close

Log format (one line per event, flushed at once):
  TIMESTAMP cID LISTEN BEHAVIOUR EVENT DETAIL
EVENT is ACCEPT (DETAIL = peer), RECV (a line the client sent, escaped),
DATA (a message line), SEND (a reply line we sent), TLS (handshake result),
NOTE (anything else), CLOSE (DETAIL = reason). A connection whose log has no
RECV line is one where the client sent no command.

Every connection is limited to --max-conn-seconds (default 120); nothing
blocks the event loop (non-blocking sockets, TLS through memory BIOs).
"""

import argparse
import asyncio
import base64
import datetime
import os
import signal
import socket
import ssl
import sys

HOSTNAME = "script.lab.test"
BANNER = f"{HOSTNAME} ESMTP smtpdiag-lab"
MAX_LINE = 65536
MAX_MESSAGE = 10240000
MAX_COMMANDS = 1000
DATA_LOG_LINES = 200


class Closed(Exception):
    """The peer went away (or must be dropped); carries the reason."""


def esc(data):
    """Printable, single-line rendering of received/sent bytes."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        elif b == 0x0D:
            out.append("\\r")
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


class Log:
    def __init__(self, path):
        if path == "-":
            self.f = sys.stderr
        else:
            self.f = open(path, "a", buffering=1, encoding="utf-8")

    def write(self, text):
        ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self.f.write(f"{ts} {text}\n")
        self.f.flush()


class Conn:
    """One client connection: raw socket, optional TLS via memory BIOs,
    a receive buffer, line reading with timeouts and logging."""

    def __init__(self, server, sock, peer, listen, behaviour, cid, tls_ctx=None):
        self.server = server
        self.tls_ctx = tls_ctx or server.tls_ctx  # this listener's certificate
        self.loop = asyncio.get_running_loop()
        self.sock = sock
        self.peer = peer
        self.listen = listen
        self.behaviour = behaviour
        self.cid = cid
        self.buf = bytearray()  # received (decrypted) bytes not yet consumed
        self.tls = None
        self.bio_in = None
        self.bio_out = None
        self.eof = False
        self._pending = None  # outstanding raw recv task (kept across timeouts)
        self.eol = b"\r\n"
        self.slow = 0.0  # seconds per byte for replies, 0 = normal

    # -- logging ---------------------------------------------------------
    def log(self, event, detail=""):
        self.server.log.write(f"c{self.cid} {self.listen} {self.behaviour} {event} {detail}".rstrip())

    # -- raw socket ------------------------------------------------------
    async def _recv_raw(self, timeout=None):
        """bytes, b'' on EOF, None on timeout. A timed-out read stays
        pending and is picked up by the next call, so nothing is lost."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(self.loop.sock_recv(self.sock, 65536))
        done, _ = await asyncio.wait({self._pending}, timeout=timeout)
        if not done:
            return None
        task, self._pending = self._pending, None
        try:
            return task.result()
        except (ConnectionResetError, BrokenPipeError) as e:
            raise Closed(f"connection reset by peer ({e.__class__.__name__})") from None

    async def _send_raw(self, data):
        try:
            await self.loop.sock_sendall(self.sock, data)
        except (ConnectionResetError, BrokenPipeError) as e:
            raise Closed(f"send failed: {e.__class__.__name__}") from None

    async def _flush_tls(self):
        pending = self.bio_out.read()
        if pending:
            await self._send_raw(pending)

    # -- plaintext or TLS ------------------------------------------------
    async def fill(self, timeout=None):
        """Read more application data into self.buf.
        Returns True (got data), False (EOF) or None (timeout)."""
        if self.eof:
            return False
        if self.tls is None:
            data = await self._recv_raw(timeout)
            if data is None:
                return None
            if not data:
                self.eof = True
                return False
            self.buf += data
            return True
        while True:
            try:
                data = self.tls.read(65536)
            except ssl.SSLWantReadError:
                await self._flush_tls()
                raw = await self._recv_raw(timeout)
                if raw is None:
                    return None
                if raw:
                    self.bio_in.write(raw)
                else:
                    self.bio_in.write_eof()
                continue
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                self.eof = True
                return False
            except ssl.SSLError as e:
                raise Closed(f"TLS error while reading: {e}") from None
            if not data:
                self.eof = True
                return False
            self.buf += data
            return True

    async def send(self, data):
        if self.tls is None:
            await self._send_raw(data)
        else:
            self.tls.write(data)
            await self._flush_tls()

    async def start_tls(self, ctx, why):
        """TLS handshake as server. Bytes already in self.buf are taken as
        the start of the TLS stream (callers discard plaintext first)."""
        self.bio_in = ssl.MemoryBIO()
        self.bio_out = ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.bio_in, self.bio_out, server_side=True)
        if self.buf:
            self.bio_in.write(bytes(self.buf))
            self.buf.clear()
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                await self._flush_tls()
                raw = await self._recv_raw()
                if not raw:
                    self.log("TLS", f"{why}: client closed during handshake")
                    raise Closed("EOF during TLS handshake")
                self.bio_in.write(raw)
            except ssl.SSLError as e:
                # Send any alert OpenSSL produced before giving up.
                try:
                    await self._flush_tls()
                except Closed:
                    pass
                self.log("TLS", f"{why}: handshake failed: {e}")
                raise Closed("TLS handshake failed") from None
        await self._flush_tls()
        self.log("TLS", f"{why}: established {self.tls.version()} {self.tls.cipher()[0]}")

    async def readline(self, timeout=None):
        """One line without its line ending; None on EOF or timeout."""
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 1]
                if line.endswith(b"\r"):
                    line = line[:-1]
                return line
            if len(self.buf) > MAX_LINE:
                raise Closed("line too long")
            got = await self.fill(timeout)
            if not got:
                return None

    # -- replies ---------------------------------------------------------
    async def reply_raw(self, data, log_lines=True):
        if log_lines:
            for part in data.split(b"\n"):
                if part:
                    self.log("SEND", esc(part.rstrip(b"\r")))
        if self.slow > 0:
            for i in range(len(data)):
                await self.send(data[i : i + 1])
                await asyncio.sleep(self.slow)
        else:
            await self.send(data)

    async def reply(self, code, *texts):
        """reply(250, 'a', 'b') -> '250-a' '250 b'."""
        texts = texts or ("",)
        out = b""
        for n, t in enumerate(texts):
            sep = " " if n == len(texts) - 1 else "-"
            out += f"{code}{sep}{t}".encode() + self.eol
        await self.reply_raw(out)

    def close(self):
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# The SMTP command loop shared by the behaviours that talk SMTP.
# ---------------------------------------------------------------------------


class Session:
    def __init__(self, conn, starttls=True):
        self.c = conn
        self.allow_starttls = starttls
        self.reset_all()
        self.msgno = 0

    def reset_all(self):
        self.helo = None
        self.esmtp = False
        self.authed = None
        self.reset_tx()

    def reset_tx(self):
        self.mail_from = None
        self.rcpts = []

    @property
    def ctx(self):
        return self.c.tls_ctx

    async def greet(self):
        await self.c.reply(220, BANNER)

    async def run(self):
        c = self.c
        for _ in range(MAX_COMMANDS):
            line = await c.readline()
            if line is None:
                c.log("NOTE", "client closed the connection" if c.eof else "read ended")
                return
            c.log("RECV", esc(line))
            verb, _, arg = line.decode("latin-1").strip().partition(" ")
            verb = verb.upper()
            handler = getattr(self, "cmd_" + verb, None) if verb.isalpha() else None
            if handler is None:
                await c.reply(500, "5.5.2 Error: command not recognized")
                continue
            if await handler(arg.strip()) == "quit":
                return
        await c.reply(421, f"4.7.0 {HOSTNAME} Error: too many commands")

    def ehlo_lines(self):
        lines = [f"{HOSTNAME} Hello {self.helo}", "PIPELINING", f"SIZE {MAX_MESSAGE}"]
        if self.c.tls is None and self.allow_starttls:
            lines.append("STARTTLS")
        if self.c.tls is not None:
            lines.append("AUTH PLAIN LOGIN")
        lines += ["8BITMIME", "ENHANCEDSTATUSCODES"]
        return lines

    async def cmd_EHLO(self, arg):
        if not arg:
            return await self.c.reply(501, "5.5.4 Syntax: EHLO hostname")
        self.reset_tx()
        self.helo, self.esmtp = arg, True
        await self.c.reply(250, *self.ehlo_lines())

    async def cmd_HELO(self, arg):
        if not arg:
            return await self.c.reply(501, "5.5.4 Syntax: HELO hostname")
        self.reset_tx()
        self.helo, self.esmtp = arg, False
        await self.c.reply(250, HOSTNAME)

    async def cmd_NOOP(self, arg):
        await self.c.reply(250, "2.0.0 Ok")

    async def cmd_RSET(self, arg):
        self.reset_tx()
        await self.c.reply(250, "2.0.0 Ok")

    async def cmd_VRFY(self, arg):
        await self.c.reply(252, "2.0.0 Cannot VRFY user")

    async def cmd_HELP(self, arg):
        await self.c.reply(214, "2.0.0 smtpdiag lab script server")

    async def cmd_QUIT(self, arg):
        await self.c.reply(221, "2.0.0 Bye")
        return "quit"

    async def cmd_MAIL(self, arg):
        if self.helo is None:
            return await self.c.reply(503, "5.5.1 Error: send HELO/EHLO first")
        if self.mail_from is not None:
            return await self.c.reply(503, "5.5.1 Error: nested MAIL command")
        if not arg.upper().startswith("FROM:"):
            return await self.c.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
        self.mail_from = arg[5:].strip()
        await self.c.reply(250, "2.1.0 Ok")

    async def cmd_RCPT(self, arg):
        if self.mail_from is None:
            return await self.c.reply(503, "5.5.1 Error: need MAIL command")
        if not arg.upper().startswith("TO:"):
            return await self.c.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
        self.rcpts.append(arg[3:].strip())
        await self.c.reply(250, "2.1.5 Ok")

    async def cmd_DATA(self, arg):
        c = self.c
        if not self.rcpts:
            return await c.reply(503, "5.5.1 Error: need RCPT command")
        await c.reply(354, "End data with <CR><LF>.<CR><LF>")
        body, size, n = [], 0, 0
        while True:
            line = await c.readline()
            if line is None:
                raise Closed("EOF during DATA")
            if line == b".":
                break
            if line.startswith(b"."):
                line = line[1:]
            n += 1
            if n <= DATA_LOG_LINES:
                c.log("DATA", esc(line))
            size += len(line) + 2
            if size <= MAX_MESSAGE:
                body.append(line)
        if n > DATA_LOG_LINES:
            c.log("NOTE", f"{n - DATA_LOG_LINES} more DATA lines not logged")
        self.msgno += 1
        qid = f"C{c.cid}M{self.msgno}"
        if size > MAX_MESSAGE:
            self.reset_tx()
            return await c.reply(552, "5.3.4 Error: message file too big")
        c.server.spool_message(qid, self.mail_from, self.rcpts, body)
        c.log("NOTE", f"message {qid} accepted, {size} bytes, {len(self.rcpts)} recipient(s)")
        self.reset_tx()
        await c.reply(250, f"2.0.0 Ok: queued as {qid}")

    async def cmd_STARTTLS(self, arg):
        c = self.c
        if not self.allow_starttls:
            return await c.reply(502, "5.5.1 Error: command not implemented")
        if c.tls is not None:
            return await c.reply(503, "5.5.1 Error: TLS already active")
        if arg:
            return await c.reply(501, "5.5.4 Syntax: STARTTLS")
        if c.buf:
            c.log("NOTE", f"discarding {len(c.buf)} plaintext bytes pipelined after STARTTLS: {esc(bytes(c.buf[:200]))}")
            c.buf.clear()
        await self.starttls_reply()
        await c.start_tls(self.ctx, "STARTTLS")
        self.reset_all()

    async def starttls_reply(self):
        await self.c.reply(220, "2.0.0 Ready to start TLS")

    async def cmd_AUTH(self, arg):
        c = self.c
        if c.tls is None:
            return await c.reply(530, "5.7.0 Must issue a STARTTLS command first")
        if self.helo is None or not self.esmtp:
            return await c.reply(503, "5.5.1 Error: send EHLO first")
        if self.authed is not None:
            return await c.reply(503, "5.5.1 Error: already authenticated")
        if self.mail_from is not None:
            return await c.reply(503, "5.5.1 Error: MAIL transaction in progress")
        mech, _, initial = arg.partition(" ")
        mech, initial = mech.upper(), initial.strip()

        async def ask(prompt):
            await c.reply(334, prompt)
            line = await c.readline()
            if line is None:
                raise Closed("EOF during AUTH")
            c.log("RECV", esc(line))
            return line.decode("latin-1").strip()

        try:
            if mech == "PLAIN":
                resp = initial if initial else await ask("")
                if resp == "*":
                    return await c.reply(501, "5.7.0 Authentication aborted")
                parts = base64.b64decode(resp, validate=True).split(b"\0")
                if len(parts) != 3:
                    return await c.reply(501, "5.5.2 Error: malformed PLAIN response")
                user, password = parts[1], parts[2]
            elif mech == "LOGIN":
                u = initial if initial else await ask("VXNlcm5hbWU6")
                if u == "*":
                    return await c.reply(501, "5.7.0 Authentication aborted")
                p = await ask("UGFzc3dvcmQ6")
                if p == "*":
                    return await c.reply(501, "5.7.0 Authentication aborted")
                user = base64.b64decode(u, validate=True)
                password = base64.b64decode(p, validate=True)
            else:
                return await c.reply(504, "5.5.4 Unrecognized authentication type")
        except ValueError:
            return await c.reply(501, "5.5.2 Error: invalid base64 data")
        srv = c.server
        if user == srv.auth_user.encode() and password == srv.auth_pass.encode():
            self.authed = user.decode("latin-1")
            c.log("NOTE", f"authenticated as {self.authed} via {mech}")
            return await c.reply(235, "2.7.0 Authentication successful")
        c.log("NOTE", f"authentication failed for {esc(user)} via {mech}")
        await c.reply(535, "5.7.8 Error: authentication failed")


# ---------------------------------------------------------------------------
# Behaviours: async def b_NAME(conn, arg). Add one and register it below.
# ---------------------------------------------------------------------------


async def b_normal(conn, arg):
    s = Session(conn)
    await s.greet()
    await s.run()


async def b_implicit_tls(conn, arg):
    await conn.start_tls(conn.tls_ctx, "implicit TLS")
    s = Session(conn, starttls=False)
    await s.greet()
    await s.run()


async def b_no_starttls(conn, arg):
    s = Session(conn, starttls=False)
    await s.greet()
    await s.run()


async def wait_quietly(conn, seconds, what):
    """Wait `seconds` while noticing (not consuming) early data or EOF.
    Returns False if the client closed meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return True
        before = len(conn.buf)
        got = await conn.fill(timeout=left)
        if got is False:
            conn.log("NOTE", f"client closed during {what}")
            return False
        if got:
            conn.log("NOTE", f"client sent data during {what}: {esc(bytes(conn.buf[before:before + 200]))}")


async def b_greeting_delay(conn, arg):
    secs = float(arg) if arg else 10.0
    if not await wait_quietly(conn, secs, f"{secs:g}s greeting delay"):
        return
    await b_normal(conn, "")


async def b_silent(conn, arg):
    while True:
        line = await conn.readline()
        if line is None:
            conn.log("NOTE", "client closed the connection")
            return
        conn.log("RECV", esc(line))


async def b_accept_close(conn, arg):
    conn.log("NOTE", "closing right after accept")


async def b_greeting_421(conn, arg):
    await conn.reply(421, f"4.3.2 {HOSTNAME} Service not available, closing")


async def b_greeting_554(conn, arg):
    await conn.reply(554, "5.7.1 No SMTP service here")
    for _ in range(MAX_COMMANDS):
        line = await conn.readline()
        if line is None:
            conn.log("NOTE", "client closed the connection")
            return
        conn.log("RECV", esc(line))
        if line.strip().upper() == b"QUIT":
            await conn.reply(221, "2.0.0 Bye")
            return
        await conn.reply(503, "5.5.1 Error: no SMTP service here, only QUIT")


class InjectSession(Session):
    async def starttls_reply(self):
        c = self.c
        # The 220 and two forged lines in ONE write (one TCP segment).
        await c.reply_raw(b"220 2.0.0 Ready to start TLS\r\n250-injected\r\n250 injected\r\n")
        got = await c.fill(timeout=30)
        if got is None:
            c.log("NOTE", "after injected STARTTLS reply: client sent nothing for 30s")
            raise Closed("client idle after injected STARTTLS reply")
        if got is False:
            c.log("NOTE", "after injected STARTTLS reply: client closed without sending anything")
            raise Closed("client closed after injected STARTTLS reply")
        first = bytes(c.buf[:200])
        if first[:1] == b"\x16":
            c.log("NOTE", f"after injected STARTTLS reply: client sent a TLS handshake ({len(c.buf)} bytes), proceeding with TLS")
            return
        c.log("NOTE", f"after injected STARTTLS reply: client sent plaintext: {esc(first)}")
        raise Closed("client sent plaintext after STARTTLS")


async def b_starttls_inject(conn, arg):
    s = InjectSession(conn)
    await s.greet()
    await s.run()


async def b_slow(conn, arg):
    conn.slow = float(arg) if arg else 0.5
    await b_normal(conn, "")


async def b_long_line(conn, arg):
    total = int(arg) if arg else 2 * 1024 * 1024
    chunk = 16384
    loop = asyncio.get_running_loop()
    end = loop.time() + 60
    conn.log("SEND", f"220 {HOSTNAME} followed by {total} bytes without CRLF")
    data = b"220 " + HOSTNAME.encode() + b" "
    sent = 0
    while sent < total and loop.time() < end:
        n = min(chunk, total - sent)
        await conn.send(data + b"x" * (n - len(data)) if data else b"x" * n)
        data = b""
        sent += n
        await asyncio.sleep(0.25)
    conn.log("NOTE", f"long line finished after {sent} bytes, closing")


async def b_endless_multiline(conn, arg):
    secs = float(arg) if arg else 60.0
    loop = asyncio.get_running_loop()
    end = loop.time() + secs
    n = 0
    conn.log("SEND", "220-... lines without end")
    while loop.time() < end:
        batch = b"".join(f"220-{HOSTNAME} endless line {n + i}\r\n".encode() for i in range(20))
        n += 20
        await conn.send(batch)
        await asyncio.sleep(0.02)
    conn.log("NOTE", f"endless multiline stopped after {n} lines, closing")


async def b_binary(conn, arg):
    await conn.reply_raw(b"220 " + HOSTNAME.encode() + b" \x00\xff\xfe\x01binary\x00 greeting\xff\r\n")
    s = Session(conn)
    await s.run()


async def b_mixed_codes(conn, arg):
    await conn.reply_raw(b"220-a\r\n250-b\r\n220 c\r\n")
    s = Session(conn)
    await s.run()


async def b_bare_lf(conn, arg):
    conn.eol = b"\n"
    await b_normal(conn, "")


# -- hostile servers for tests/hardening (one function each) ----------------


async def b_tls_alert(conn, arg):
    """STARTTLS answered 220, then the TLS handshake is broken off: the
    server's first TLS 1.2 flight (ServerHello ... ServerHelloDone) goes
    out; when the client answers, a fatal handshake_failure alert comes
    instead of the server's Finished, and the connection closes."""
    s = Session(conn)
    await s.greet()
    while True:
        line = await conn.readline()
        if line is None:
            return
        conn.log("RECV", esc(line))
        verb = line.strip().upper()
        if verb.startswith(b"EHLO"):
            await conn.reply(250, HOSTNAME, "STARTTLS")
        elif verb == b"STARTTLS":
            await conn.reply(220, "2.0.0 Ready to start TLS")
            break
        else:
            await conn.reply(250, "2.0.0 Ok")
    # TLS 1.2: its handshake needs a second server flight to finish, so
    # the alert lands in the middle (with 1.3 the first flight completes it).
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(conn.server.args.cert, conn.server.args.key)
    conn.bio_in, conn.bio_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(conn.bio_in, conn.bio_out, server_side=True)
    raw = await conn._recv_raw(timeout=10)
    if raw:
        conn.bio_in.write(raw)
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as e:
            conn.log("NOTE", f"handshake error before the alert: {e}")
        first = conn.bio_out.read()
        await conn._send_raw(first)
        conn.log("NOTE", f"sent {len(first)} handshake bytes; the alert follows the client's answer")
        await conn._recv_raw(timeout=10)
    await conn._send_raw(b"\x15\x03\x03\x00\x02\x02\x28")
    await asyncio.sleep(0.2)


async def b_rst_mid_reply(conn, arg):
    """Half a multiline greeting, then a TCP reset (SO_LINGER 0)."""
    await conn.reply_raw(b"220-" + HOSTNAME.encode() + b" first line\r\n220-second li")
    await asyncio.sleep(0.1)
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, (1).to_bytes(4, sys.byteorder) + (0).to_bytes(4, sys.byteorder))
    conn.log("NOTE", "resetting the connection mid-reply")
    raise Closed("reset mid-reply")


async def b_ehlo_flood(conn, arg):
    """EHLO answered with ARG (default 100000) keyword lines, sent fast."""
    n = int(arg) if arg else 100000
    s = Session(conn)
    await s.greet()
    line = await conn.readline()
    if line is None:
        return
    conn.log("RECV", esc(line))
    conn.log("SEND", f"250-... {n} EHLO keyword lines")
    batch = []
    for i in range(n):
        batch.append(b"250-X-KEYWORD-%d ARG\r\n" % i)
        if len(batch) == 1000:
            await conn.send(b"".join(batch))
            batch = []
    await conn.send(b"".join(batch) + b"250 END\r\n")
    await s.run()


async def b_truncated(conn, arg):
    """A greeting cut off in the middle of its line, then a clean close."""
    await conn.reply_raw(b"220 " + HOSTNAME.encode()[:6])


async def b_oversized(conn, arg):
    """One multiline greeting of ARG bytes (default 1 MiB) in 2000-byte lines."""
    total = int(arg) if arg else 1 << 20
    line = b"220-" + b"o" * 1994 + b"\r\n"
    sent = 0
    conn.log("SEND", f"220-... {total} bytes in one reply")
    while sent < total:
        await conn.send(line * 16)
        sent += len(line) * 16
    await conn.send(b"220 end\r\n")
    s = Session(conn)
    await s.run()


async def b_http_aia(conn, arg):
    head = bytearray()
    while b"\r\n\r\n" not in head and len(head) < 8192:
        if not await conn.fill(10):
            return
        head += conn.buf
        conn.buf.clear()
    request_line = bytes(head.split(b"\r\n", 1)[0])
    conn.log("RECV", esc(request_line))
    parts = request_line.split(b" ")
    name = parts[1].decode("ascii", "replace").lstrip("/") if len(parts) == 3 and parts[0] == b"GET" else ""
    path = os.path.join(conn.server.cert_dir, "aia", name)
    body = None
    if name and "/" not in name and not name.startswith(".") and os.path.isfile(path):
        with open(path, "rb") as f:
            body = f.read()
    if body is None:
        status, ctype, body = b"404 Not Found", b"text/plain", b"not found\n"
    else:
        status, ctype = b"200 OK", b"application/pkix-cert"
    conn.log("SEND", esc(b"HTTP/1.1 " + status))
    await conn.send(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\nContent-Length: " +
                    str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


BEHAVIOURS = {
    "http_aia": b_http_aia,
    "normal": b_normal,
    "implicit_tls": b_implicit_tls,
    "no_starttls": b_no_starttls,
    "greeting_delay": b_greeting_delay,
    "silent": b_silent,
    "accept_close": b_accept_close,
    "greeting_421": b_greeting_421,
    "greeting_554": b_greeting_554,
    "starttls_inject": b_starttls_inject,
    "slow": b_slow,
    "long_line": b_long_line,
    "endless_multiline": b_endless_multiline,
    "binary": b_binary,
    "mixed_codes": b_mixed_codes,
    "bare_lf": b_bare_lf,
    "tls_alert": b_tls_alert,
    "rst_mid_reply": b_rst_mid_reply,
    "ehlo_flood": b_ehlo_flood,
    "truncated": b_truncated,
    "oversized": b_oversized,
}


# ---------------------------------------------------------------------------
# Server plumbing
# ---------------------------------------------------------------------------


LISTEN_OPTIONS = {"cert", "tls"}


def parse_listen(spec):
    """'198.51.100.26:25=normal' / '[2001:db8:2::26]:2601=greeting_delay:3'
    / '198.51.100.26:3101=implicit_tls,cert=valid' / '...,tls=1.0'"""
    addr_part, eq, rest = spec.partition("=")
    if not eq or not rest:
        raise ValueError(f"--listen {spec!r}: expected ADDR:PORT=BEHAVIOUR[:ARG][,cert=NAME][,tls=1.0]")
    beh, *optparts = rest.split(",")
    opts = {}
    for o in optparts:
        k, eq2, v = o.partition("=")
        if not eq2 or k not in LISTEN_OPTIONS or not v:
            raise ValueError(f"--listen {spec!r}: bad option {o!r} (known: cert=NAME, tls=1.0|1.1)")
        opts[k] = v
    if opts.get("tls", "1.0") not in ("1.0", "1.1"):
        raise ValueError(f"--listen {spec!r}: only tls=1.0 and tls=1.1 are supported")
    if "cert" in opts and not opts["cert"].replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"--listen {spec!r}: bad certificate name {opts['cert']!r}")
    if addr_part.startswith("["):
        host, sep, port = addr_part[1:].partition("]:")
        family = socket.AF_INET6
    else:
        host, sep, port = addr_part.rpartition(":")
        family = socket.AF_INET
    if not sep or not port.isdigit():
        raise ValueError(f"--listen {spec!r}: bad address")
    name, _, arg = beh.partition(":")
    if name not in BEHAVIOURS:
        raise ValueError(f"--listen {spec!r}: unknown behaviour {name!r} (known: {', '.join(sorted(BEHAVIOURS))})")
    label = f"[{host}]:{port}" if family == socket.AF_INET6 else f"{host}:{port}"
    return family, host, int(port), name, arg, label, opts


class Server:
    def __init__(self, args):
        self.args = args
        self.log = Log(args.log)
        self.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls_ctx.load_cert_chain(args.cert, args.key)
        self.cert_dir = args.cert_dir or os.path.dirname(os.path.abspath(args.cert))
        self.contexts = {}  # (cert NAME, tls) -> SSLContext
        self.auth_user = args.auth_user
        self.auth_pass = args.auth_pass
        self.spool = args.spool
        self.next_id = 0
        self.tasks = set()
        self.listeners = []

    def spool_message(self, qid, mail_from, rcpts, body):
        if not self.spool:
            return
        path = os.path.join(self.spool, f"{qid}.eml")
        with open(path, "wb") as f:
            f.write(f"X-Lab-Mail-From: {mail_from}\r\n".encode("latin-1", "replace"))
            for r in rcpts:
                f.write(f"X-Lab-Rcpt-To: {r}\r\n".encode("latin-1", "replace"))
            f.write(b"\r\n".join(body) + b"\r\n")

    def context_for(self, opts):
        """The TLS context of a listener with options (None: the default)."""
        if not opts:
            return None
        key = (opts.get("cert"), opts.get("tls"))
        if key not in self.contexts:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            if opts.get("tls") == "1.0":
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1
            elif opts.get("tls") == "1.1":
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            if "cert" in opts:
                base = os.path.join(self.cert_dir, opts["cert"])
                ctx.load_cert_chain(base + "-chain.pem", base + ".key")
            else:
                ctx.load_cert_chain(self.args.cert, self.args.key)
            self.contexts[key] = ctx
        return self.contexts[key]

    def open_listeners(self):
        for spec in self.args.listen:
            family, host, port, name, arg, label, opts = parse_listen(spec)
            ctx = self.context_for(opts)
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((host, port))
            s.listen(128)
            s.setblocking(False)
            self.listeners.append((s, name, arg, label, ctx))
            detail = " ".join([arg] * bool(arg) + [f"{k}={v}" for k, v in sorted(opts.items())])
            self.log.write(f"- {label} {name} LISTEN {detail}".rstrip())

    async def accept_loop(self, lsock, name, arg, label, ctx):
        loop = asyncio.get_running_loop()
        while True:
            try:
                csock, peer = await loop.sock_accept(lsock)
            except OSError as e:
                self.log.write(f"- {label} {name} NOTE accept failed: {e}")
                await asyncio.sleep(0.1)
                continue
            csock.setblocking(False)
            self.next_id += 1
            beh = f"{name}:{arg}" if arg else name
            conn = Conn(self, csock, peer, label, beh, self.next_id, ctx)
            if len(self.tasks) >= self.args.max_conns:
                conn.log("ACCEPT", f"from {peer[0]}:{peer[1]}")
                conn.log("CLOSE", "too many connections")
                conn.close()
                continue
            t = asyncio.ensure_future(self.handle(conn, name, arg))
            self.tasks.add(t)
            t.add_done_callback(self.tasks.discard)

    async def handle(self, conn, name, arg):
        conn.log("ACCEPT", f"from {conn.peer[0]}:{conn.peer[1]}")
        reason = "done"
        try:
            await asyncio.wait_for(BEHAVIOURS[name](conn, arg), self.args.max_conn_seconds)
        except asyncio.TimeoutError:
            reason = f"time limit ({self.args.max_conn_seconds:g}s) reached"
        except Closed as e:
            reason = str(e)
        except ssl.SSLError as e:
            reason = f"TLS error: {e}"
        except OSError as e:
            reason = f"socket error: {e}"
        except asyncio.CancelledError:
            reason = "server shutting down"
            conn.log("CLOSE", reason)
            conn.close()
            raise
        except Exception as e:  # keep serving other connections
            reason = f"internal error: {e.__class__.__name__}: {e}"
        conn.log("CLOSE", reason)
        conn.close()

    async def main(self):
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        self.open_listeners()
        acceptors = [asyncio.ensure_future(self.accept_loop(*l)) for l in self.listeners]
        if self.args.pidfile:
            tmp = self.args.pidfile + ".tmp"
            with open(tmp, "w") as f:
                f.write(f"{os.getpid()}\n")
            os.replace(tmp, self.args.pidfile)
        self.log.write(f"- - - READY pid {os.getpid()}, {len(self.listeners)} listener(s)")
        try:
            await stop.wait()
        finally:
            self.log.write("- - - STOP")
            for t in acceptors + list(self.tasks):
                t.cancel()
            await asyncio.gather(*acceptors, *self.tasks, return_exceptions=True)
            for s, *_ in self.listeners:
                s.close()
            if self.args.pidfile:
                try:
                    os.unlink(self.args.pidfile)
                except FileNotFoundError:
                    pass


def main():
    p = argparse.ArgumentParser(description="smtpdiag lab scriptable SMTP server")
    p.add_argument("--cert", required=True, help="certificate chain (leaf first), PEM")
    p.add_argument("--key", required=True, help="private key, PEM")
    p.add_argument("--cert-dir", help="where cert=NAME listeners find NAME-chain.pem and NAME.key (default: --cert's directory)")
    p.add_argument("--listen", action="append", required=True, metavar="ADDR:PORT=BEHAVIOUR[:ARG]")
    p.add_argument("--log", default="-", help="log file ('-' = stderr)")
    p.add_argument("--pidfile", help="written once all listeners are bound")
    p.add_argument("--spool", help="directory for accepted messages (QID.eml)")
    p.add_argument("--auth-user", default="user@lab.test")
    p.add_argument("--auth-pass", default="labpass")
    p.add_argument("--max-conn-seconds", type=float, default=120.0)
    p.add_argument("--max-conns", type=int, default=200)
    args = p.parse_args()
    try:
        for spec in args.listen:
            parse_listen(spec)
    except ValueError as e:
        p.error(str(e))
    if args.spool:
        os.makedirs(args.spool, exist_ok=True)
    asyncio.run(Server(args).main())


if __name__ == "__main__":
    main()
