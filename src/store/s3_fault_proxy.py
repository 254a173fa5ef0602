#!/usr/bin/env python3
"""A proxy in front of an S3 server that fails on purpose, for the s3://
store's retry tests (s3_store_test.cc). Requests go upstream byte for byte,
Host header included, so that their SigV4 signatures still hold.

  s3_fault_proxy.py UPSTREAM_PORT MODE

prints the port it listens on, then serves until killed. MODE:
  slowdown        every other request: 503 SlowDown, not sent upstream
  reset           every other request: the connection closed, no answer
  always-503      every request: 503 ServiceUnavailable
  lost-complete   the first CompleteMultipartUpload is sent upstream, but
                  its answer is dropped and the connection closed; the
                  second is answered 404 NoSuchUpload, as S3 may
  never-completed the first CompleteMultipartUpload is dropped unsent, the
                  second answered 404 NoSuchUpload: the upload is lost
  complete-error  the first CompleteMultipartUpload: 200 with an <Error>
                  body (InternalError), not sent upstream
"""

import http.client
import http.server
import sys
import threading

upstream_port = int(sys.argv[1])
mode = sys.argv[2]
lock = threading.Lock()
count = {"requests": 0, "completes": 0}

ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
    "<Message>injected by s3_fault_proxy</Message></Error>"
)


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def drop(self):
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(2)

    def forward(self, body):
        headers = {k: v for k, v in self.headers.items() if k.lower() != "expect"}
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port)
        upstream.request(self.command, self.path, body=body, headers=headers)
        return upstream.getresponse()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        with lock:
            count["requests"] += 1
            odd = count["requests"] % 2 == 1
            complete = self.command == "POST" and "uploadId=" in self.path
            if complete:
                count["completes"] += 1
            first_complete = complete and count["completes"] == 1
            second_complete = complete and count["completes"] == 2
        if mode == "slowdown" and odd:
            return self.answer(503, ERROR.format(code="SlowDown"))
        if mode == "reset" and odd:
            return self.drop()
        if mode == "always-503":
            return self.answer(503, ERROR.format(code="ServiceUnavailable"))
        if mode in ("lost-complete", "never-completed") and second_complete:
            return self.answer(404, ERROR.format(code="NoSuchUpload"))
        if mode == "never-completed" and first_complete:
            return self.drop()
        if mode == "complete-error" and first_complete:
            return self.answer(200, ERROR.format(code="InternalError"))
        response = self.forward(body)
        data = response.read()
        if mode == "lost-complete" and first_complete:
            return self.drop()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        # A HEAD answer tells the object's length, with no body.
        length = response.getheader("Content-Length") if self.command == "HEAD" else len(data)
        self.send_header("Content-Length", str(length or 0))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
