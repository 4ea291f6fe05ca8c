#!/usr/bin/env python3
"""faultserver: a small HTTP/1.1 server for the sync tests that serves a
folder on 127.0.0.1 and misbehaves on request.

    faultserver.py --root DIR --port-file FILE [--port N] [--control FILE]
                   [--counters FILE] [--log FILE]

The port (0 = any free one) is written to --port-file once the server
listens. The control file (JSON, read again on every request) maps a URL
path, or "*" for every other path, to a behaviour:

    {"mode": "ok"}                      plain static file: Range (206),
                                        ETag/Last-Modified, 304
    {"mode": "status", "code": 503}     that status, a short body
    {"mode": "stall", "rate": 1}        headers, then RATE bytes a second
    {"mode": "truncate", "after": N}    announces the whole body (Content-
                                        Length) but sends N bytes and closes;
                                        "fraction": 0.5 instead of "after"
    {"mode": "wronglen", "delta": D}    Content-Length is the body's + D
    {"mode": "extra", "bytes": N}       the file followed by N more bytes
    {"mode": "norange"}                 ignores Range: 200 and the whole file
    {"mode": "badrange"}                a Range is answered 206 from byte 0,
                                        with a Content-Range that says so
    {"mode": "nolength", "extra": N}    no Content-Length: the body (and N
                                        more bytes) ends when the server
                                        closes the connection

Modes other than ok and status honour Range like ok does (norange aside),
so a resumed request is cut again the same way.

The counters file (JSON, rewritten when a request is over) holds, per path,
{"requests": R, "bytes": B, "ranges": [...], "statuses": [...],
"sent": [...]}: body bytes actually written to the socket, in total and per
request, which is what a test asserts on for resumed downloads. A request
is counted after its last byte is written, which may be after the client
has read it: wait for "requests" to grow before reading the rest.
"""

import argparse
import email.utils
import http.server
import json
import os
import posixpath
import select
import socket
import sys
import threading
import time
import urllib.parse


class State:
    def __init__(self, args):
        self.root = os.path.realpath(args.root)
        self.control = args.control
        self.counters_path = args.counters
        self.log_path = args.log
        self.lock = threading.Lock()
        self.counters = {}

    def behaviour(self, path):
        if not self.control or not os.path.exists(self.control):
            return {"mode": "ok"}
        try:
            with open(self.control) as f:
                table = json.load(f)
        except (OSError, ValueError) as e:
            print("faultserver: bad control file: %s" % e, file=sys.stderr)
            return {"mode": "ok"}
        return table.get(path, table.get("*", {"mode": "ok"}))

    def count(self, path, sent, range_header, status):
        with self.lock:
            c = self.counters.setdefault(path, {"requests": 0, "bytes": 0, "ranges": [],
                                                "statuses": [], "sent": []})
            c["requests"] += 1
            c["bytes"] += sent
            c["ranges"].append(range_header)
            c["statuses"].append(status)
            c["sent"].append(sent)
            if self.counters_path:
                tmp = self.counters_path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump(self.counters, f, indent=1, sort_keys=True)
                os.replace(tmp, self.counters_path)
            if self.log_path:
                with open(self.log_path, "a") as f:
                    f.write("%s %s %s %d\n" % (path, range_header or "-", status, sent))


def parse_range(header, size):
    """(start, end) inclusive for "bytes=a-b" / "bytes=a-", or None."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].partition("-")
    try:
        if first == "":
            n = int(last)
            return (max(0, size - n), size - 1) if n > 0 else None
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start > end:
        return None
    return (start, min(end, size - 1))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultserver/1"

    def log_message(self, fmt, *args):
        pass

    def do_HEAD(self):
        self.serve(head=True)

    def do_GET(self):
        self.serve(head=False)

    def local_path(self, urlpath):
        rel = posixpath.normpath(urlpath).lstrip("/")
        if rel.startswith("..") or "\0" in rel:
            return None
        p = os.path.realpath(os.path.join(self.server.state.root, rel))
        if p != self.server.state.root and not p.startswith(self.server.state.root + os.sep):
            return None
        return p

    def send_simple(self, code, text):
        body = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return body

    def write_body(self, data, rate=None):
        """Write data; returns the bytes the socket took."""
        sent = 0
        try:
            if rate:
                for i in range(0, len(data), rate):
                    if self.peer_closed():
                        break
                    self.wfile.write(data[i:i + rate])
                    self.wfile.flush()
                    sent += len(data[i:i + rate])
                    time.sleep(1)
            else:
                step = 16384
                for i in range(0, len(data), step):
                    self.wfile.write(data[i:i + step])
                    sent += len(data[i:i + step])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        return sent

    def peer_closed(self):
        r, _, _ = select.select([self.connection], [], [], 0)
        try:
            return bool(r) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def serve(self, head):
        state = self.server.state
        urlpath = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        rng = self.headers.get("Range")
        b = state.behaviour(urlpath)
        mode = b.get("mode", "ok")
        sent = 0
        status = 0
        try:
            if mode == "status":
                status = int(b.get("code", 503))
                body = self.send_simple(status, "fault injected")
                if not head:
                    sent = self.write_body(body)
                return
            p = self.local_path(urlpath)
            if p is None or not os.path.isfile(p):
                status = 404
                body = self.send_simple(404, "not found")
                if not head:
                    sent = self.write_body(body)
                return
            with open(p, "rb") as f:
                data = f.read()
            st = os.stat(p)
            etag = '"%x-%x"' % (st.st_size, st.st_mtime_ns)
            lastmod = email.utils.formatdate(st.st_mtime, usegmt=True)
            if mode == "ok" and (self.headers.get("If-None-Match") == etag or
                                 self.headers.get("If-Modified-Since") == lastmod):
                status = 304
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", lastmod)
                self.end_headers()
                return
            r = None if mode == "norange" else parse_range(rng, len(data))
            if r and mode == "badrange":
                r = (0, len(data) - 1)
            if rng and r is None and mode != "norange":
                status = 416
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = data[r[0]:r[1] + 1] if r else data
            if mode == "extra":
                body = body + b"X" * int(b.get("bytes", 1000))
            if mode == "nolength":
                body = body + b"X" * int(b.get("extra", 0))
            announced = len(body)
            if mode == "wronglen":
                announced = max(0, len(body) + int(b.get("delta", 100)))
            status = 206 if r else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            if mode != "nolength":
                self.send_header("Content-Length", str(announced))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", lastmod)
            self.send_header("Accept-Ranges", "none" if mode == "norange" else "bytes")
            if r:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (r[0], r[1], len(data)))
            if mode in ("truncate", "wronglen", "stall", "nolength"):
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if head:
                return
            if mode == "truncate":
                if "after" in b:
                    n = int(b["after"])
                else:
                    n = int(len(body) * float(b.get("fraction", 0.5)))
                sent = self.write_body(body[:n])
            elif mode == "stall":
                sent = self.write_body(body, rate=max(1, int(b.get("rate", 1))))
            else:
                sent = self.write_body(body)
        finally:
            state.count(urlpath, sent, rng, status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--control")
    ap.add_argument("--counters")
    ap.add_argument("--log")
    args = ap.parse_args()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
