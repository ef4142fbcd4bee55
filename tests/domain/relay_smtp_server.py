#!/usr/bin/python3
"""A relay that tells the client which address it sees, as Exim, Postfix
and most providers do in the first line of their EHLO reply:

    250-relay.test Hello [SEEN_IP]

    relay_smtp_server.py SEEN_IP COMMAND_LOG   (prints "ready PORT")

Listens on 127.0.0.1 (an ephemeral port), logs each command line it gets,
serves until its standard input closes.
"""
import os
import socketserver
import sys
import threading

seen_ip, log_path = sys.argv[1], sys.argv[2]
log_lock = threading.Lock()
log_file = open(log_path, "a", buffering=1)


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            self.wfile.write(b"220 relay.test ESMTP ready\r\n")
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    return
                cmd = line.decode("latin-1").rstrip("\r\n")
                with log_lock:
                    log_file.write(cmd + "\n")
                verb = cmd.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.wfile.write(f"250-relay.test Hello [{seen_ip}]\r\n"
                                     "250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n".encode())
                elif verb == "QUIT":
                    self.wfile.write(b"221 relay.test bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")
        except OSError:
            pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
print(f"ready {srv.server_address[1]}", flush=True)
guard = threading.Timer(600, lambda: os._exit(0))
guard.daemon = True
guard.start()
sys.stdin.read()
os._exit(0)
