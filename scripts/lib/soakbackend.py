#!/usr/bin/env python3
"""The soak's non-JVM service: a plain Python HTTP server (standard library only) that knows
nothing of the mesh; scripts/soak puts mesh-proxy in front of it.

    soakbackend.py BIND_HOST PORT

Every GET answers 200 with the lines mesh-servers-app writes for the same request (so the soak
reads both services' answers alike): kind=python, path=, xfcc= (the X-Forwarded-Client-Cert the
proxy added, or -), then header:<lower-name>=<value> per request header, sorted. Prints
"READY kind=python port=<port>" once bound.
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the proxy's connection pool expects

    def do_GET(self):
        lines = ["kind=python", "path=" + self.path,
                 "xfcc=" + self.headers.get("x-forwarded-client-cert", "-")]
        lines += sorted("header:%s=%s" % (k.lower(), v) for k, v in self.headers.items())
        data = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass  # the soak counts every answer itself; a line per request would only fill the disk


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: soakbackend.py BIND_HOST PORT")
    server = ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Echo)
    server.daemon_threads = True
    print("READY kind=python port=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
