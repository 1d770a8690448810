#!/usr/bin/env python3
"""A small HTTP server for the deploy hook tests (standard library only).

Usage: http_sink.py HOOK_FILE

Serves on 127.0.0.1 on a free port and prints that port as the first line of its stdout.
  GET  /status/NNN  answers NNN
  GET  /ok          answers 200 with the body "ready"
  GET  /after/N     answers 503 to its first N requests, then 200 (counted per path)
  POST /hook        appends the request body as one line to HOOK_FILE, answers 200
  POST /fail        answers 500
Anything else answers 404. Runs until it is killed.
"""

import http.server
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    hook_file = ""
    counts = {}
    lock = threading.Lock()

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "status" and parts[1].isdigit():
            self.answer(int(parts[1]), b"status " + parts[1].encode())
        elif parts == ["ok"]:
            self.answer(200, b"ready")
        elif len(parts) == 2 and parts[0] == "after" and parts[1].isdigit():
            with self.lock:
                seen = self.counts.get(self.path, 0)
                self.counts[self.path] = seen + 1
            self.answer(503 if seen < int(parts[1]) else 200, b"after")
        else:
            self.answer(404)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/hook":
            with self.lock, open(self.hook_file, "ab") as out:
                out.write(body + b"\n")
            self.answer(200, b"ok")
        elif self.path == "/fail":
            self.answer(500, b"failed on purpose")
        else:
            self.answer(404)

    def log_message(self, format, *args):
        pass  # the tests read the hook file, not a request log


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: http_sink.py HOOK_FILE")
    Handler.hook_file = sys.argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
