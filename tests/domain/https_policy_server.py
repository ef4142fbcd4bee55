#!/usr/bin/python3
"""HTTPS server for MTA-STS policies (RFC 8461 3.3) on 127.0.0.1:PORT.

    https_policy_server.py ZONES.yaml CERTDIR PORT REQUEST_LOG

The certificate is chosen by SNI: CERTDIR/<sni>.pem + .key when present,
else CERTDIR/default.pem + default.key. The answer is chosen by the Host
header from the zone file's "https" section:
    https: {HOST: {status: 200, body: "version: STSv1\n..."}}
(a host not listed answers 404). Prints "ready" once listening, serves
until its standard input closes. Logs "sni<TAB>host<TAB>path<TAB>status".
"""
import os
import socket
import socketserver
import ssl
import sys
import threading

import yaml

zones_path, certdir, port, log_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(zones_path) as f:
    SITES = {str(k).lower(): v for k, v in (yaml.safe_load(f).get("https") or {}).items()}
log_lock = threading.Lock()
log_file = open(log_path, "a", buffering=1)


def context(name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(certdir, name + ".pem"), os.path.join(certdir, name + ".key"))
    return ctx


CONTEXTS = {}
for fn in os.listdir(certdir):
    if fn.endswith(".pem") and os.path.exists(os.path.join(certdir, fn[:-4] + ".key")):
        CONTEXTS[fn[:-4].lower()] = context(fn[:-4])
DEFAULT = CONTEXTS["default"]
SNI = {}


def on_sni(sock, name, _ctx):
    SNI[id(sock)] = name or ""
    if name and name.lower() in CONTEXTS:
        sock.context = CONTEXTS[name.lower()]


DEFAULT.sni_callback = on_sni


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            tls = DEFAULT.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate: expected in some cases
        try:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 16384:
                c = tls.recv(4096)
                if not c:
                    return
                data += c
            lines = data.split(b"\r\n")
            parts = lines[0].decode("latin-1").split(" ")
            path = parts[1] if len(parts) > 1 else ""
            host = ""
            for h in lines[1:]:
                if h.lower().startswith(b"host:"):
                    host = h[5:].decode("latin-1").strip().lower()
            site = SITES.get(host)
            if site and path == "/.well-known/mta-sts.txt":
                status, body = int(site.get("status", 200)), str(site.get("body", ""))
            else:
                status, body = 404, "not found\n"
            with log_lock:
                log_file.write(f"{SNI.pop(id(tls), '')}\t{host}\t{path}\t{status}\n")
            raw = body.encode()
            reason = {200: "OK", 404: "Not Found"}.get(status, "Status")
            head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
                    f"Content-Length: {len(raw)}\r\nConnection: close\r\n\r\n").encode()
            tls.sendall(head + raw)
            try:
                tls.unwrap()
            except (ssl.SSLError, OSError):
                pass
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                tls.close()
            except OSError:
                pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", port), Handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
print("ready", flush=True)
guard = threading.Timer(600, lambda: os._exit(0))
guard.daemon = True
guard.start()
sys.stdin.read()
os._exit(0)
