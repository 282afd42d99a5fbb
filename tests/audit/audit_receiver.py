"""A real local HTTP server standing in for a SIEM or webhook receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """A real local HTTP server that records JSON bodies; ``fail`` answers 500 that many times."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.fail = 0
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                receiver.attempts += 1
                if receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(500)
                else:
                    receiver.bodies.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                """Quiet: tests read ``bodies`` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/audit"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def items(self) -> list[Any]:
        return [item for body in self.bodies for item in body["items"]]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
