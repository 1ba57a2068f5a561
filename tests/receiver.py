"""A real HTTP peer on loopback for the connector tests: records every request, answers from a script
("500", "429", "timeout", "ok", ...), and, for webhooks, verifies the Standard Webhooks signature with the
`standardwebhooks` package and dedups by webhook-id like a careful receiver would."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, script: list[str] | None = None, secret: str | None = None):
        self.script = list(script or [])
        self.secret = secret
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}      # webhook-id -> payload, first delivery only
        self.duplicates = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                step = receiver.script.pop(0) if receiver.script else "ok"
                if step == "timeout":
                    time.sleep(1.5)
                    return self._answer(200, b"late")
                if step != "ok":
                    return self._answer(int(step), b'{"error": "on purpose"}', {"Retry-After": "0"})
                if receiver.secret is not None:
                    from standardwebhooks.webhooks import Webhook
                    try:
                        payload = Webhook(receiver.secret).verify(body, {k.lower(): v for k, v in self.headers.items()})
                    except Exception as exc:   # a bad signature: refuse, as a real receiver must
                        return self._answer(401, str(exc).encode())
                    key = self.headers["webhook-id"]
                    if key in receiver.accepted:
                        receiver.duplicates += 1
                    else:
                        receiver.accepted[key] = payload
                return self._answer(200, b"{}")

            def _answer(self, status, body, headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except BrokenPipeError:   # the client gave up waiting (the timeout case): as intended
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json_bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
