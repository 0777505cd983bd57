#!/usr/bin/env python3
"""bookinfo's ratings: a plain Python HTTP server (standard library only) that knows nothing of
the mesh; scripts/demo puts mesh-proxy in front of it.

    python3 ratings.py BIND_HOST PORT

GET /ratings/<id> answers "ratings v1 (python): <id> stars 4/5"; anything else is 404. Prints
"READY ratings port=<port>" once bound.
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Ratings(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the mesh's connection pool expects

    def do_GET(self):
        if self.path.startswith("/ratings/"):
            status, body = 200, "ratings v1 (python): book %s, 4 of 5 stars\n" % self.path[9:]
        else:
            status, body = 404, "no such path: %s (try /ratings/1)\n" % self.path
        data = body.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass  # the mesh counts every request; a line each would only drown the demo's log


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: ratings.py BIND_HOST PORT")
    server = ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Ratings)
    print("READY ratings port=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
