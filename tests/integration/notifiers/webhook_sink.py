#!/usr/bin/python3
"""HTTP receiver for the webhook integration tests.

Stores every POST in OUTDIR as N.json: {"path", "headers", "body", "signature_ok", "status"}.
signature_ok compares X-Drover-Signature with "sha256=" + HMAC-SHA256(KEY, body), computed
here with Python's hmac module, independently of the code under test.

  webhook_sink.py --port P --outdir DIR [--key KEY] [--status 200] [--fail-first N]

--fail-first N answers 503 to the first N requests, then --status.
"""
import argparse
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--outdir", required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    seen = {"count": 0}

    class Handler(BaseHTTPRequestHandler):
        disable_nagle_algorithm = True

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen["count"] += 1
            status = 503 if seen["count"] <= args.fail_first else args.status
            expected = "sha256=" + hmac.new(args.key.encode(), body, hashlib.sha256).hexdigest()
            record = {"path": self.path, "headers": dict(self.headers.items()),
                      "body": body.decode("utf-8", "replace"), "status": status,
                      "signature_ok": hmac.compare_digest(
                          self.headers.get("X-Drover-Signature", ""), expected)}
            base = os.path.join(args.outdir, str(seen["count"]))
            with open(base + ".tmp", "w") as f:
                json.dump(record, f)
            os.rename(base + ".tmp", base + ".json")
            answer = b'{"ok": true}' if status < 300 else b'{"error": "test sink says no"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *unused):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
