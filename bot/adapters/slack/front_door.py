"""The HTTP front door of ``chatdesk run --platform slack --http``: ``POST /slack/events`` to Bolt.

What reaches Bolt has been checked here first, because Bolt reads whatever it is given: the
body is at most 1 MB and is refused before it is read (413); a client that announces a body
and sends it slowly or never is cut off after ``read_timeout`` (408), so idle connections do
not pin threads, and no more than ``max_connections`` are handled at once (503 beyond); a
malformed request (bad ``Content-Length``, a body that is not UTF-8) gets 400, a missing or
non-numeric ``X-Slack-Request-Timestamp`` 401 (Bolt would answer 500); and a signed request
replayed within Slack's five-minute window is acknowledged but not run again.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest

from bot.adapters import limits

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024
READ_TIMEOUT = 10.0  # Slack sends the whole request at once and gives up on us after 3 s
MAX_CONNECTIONS = 200
DIGITS = re.compile(r"[0-9]{1,12}")
REFUSAL_503 = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class Replays:
    """Signatures of the signed requests already let in, each kept while Slack's signature check
    would still accept it (five minutes either side of its timestamp); thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.time,
                 window: float = limits.SLACK_REQUEST_MAX_AGE_SECONDS) -> None:
        self.clock = clock
        self.window = window
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, signature: str, timestamp: int) -> bool:
        """True the first time ``signature`` is seen inside the window; False for a replay."""
        now = self.clock()
        with self._lock:
            if len(self._until) > 1000:
                self._until = {key: until for key, until in self._until.items() if until > now}
            if self._until.get(signature, 0) > now:
                return False
            self._until[signature] = max(now, timestamp) + self.window
            return True

    def release(self, signature: str) -> None:
        """Forget a signature Bolt refused (a forgery must not fill the table)."""
        with self._lock:
            self._until.pop(signature, None)


class FrontDoor(ThreadingHTTPServer):
    """A threaded HTTP server that handles at most ``max_connections`` connections at once."""

    daemon_threads = True
    # The kernel's queue of connections not yet accepted: socketserver's default of 5 drops the
    # rest of a burst, and each dropped client waits a second or more before it tries again.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *,
                 max_connections: int) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("more than the allowed concurrent connections; %s answered 503", client_address[0])
            try:
                request.sendall(REFUSAL_503)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-request is routine on the internet: a line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            log.info("connection from %s ended early: %s", client_address[0], error)
            return
        log.exception("request from %s failed", client_address[0])


def http_server(app: App, *, host: str, port: int, max_body: int = MAX_BODY, read_timeout: float = READ_TIMEOUT,
                max_connections: int = MAX_CONNECTIONS, replays: Replays | None = None,
                health: Callable[[], str | None] | None = None) -> FrontDoor:
    """The front door on ``host:port`` (port 0: any free port) in front of a signed Bolt ``app``;
    ``/healthz`` answers 503 with ``health()``'s reason when that names one (inbox or store)."""
    replays = replays or Replays()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = read_timeout  # per socket read, headers included

        def do_GET(self) -> None:
            if self.path.partition("?")[0] == HEALTH_PATH:
                reason = health() if health is not None else None
                self._send(503, {}, f"not ready: {reason}") if reason else self._send(200, {}, "ok")
            else:
                self._refuse(404, "not found")

        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            if path != EVENTS_PATH:
                self._refuse(404, "not found")
                return
            body = self._body()
            if body is None:
                return
            headers = {key.lower(): [value] for key, value in self.headers.items()}
            stamp = self.headers.get("X-Slack-Request-Timestamp", "")
            signature = self.headers.get("X-Slack-Signature", "")
            if not DIGITS.fullmatch(stamp) or not signature:
                self._refuse(401, "missing or malformed X-Slack-Request-Timestamp / X-Slack-Signature",
                             close=False)
                return
            if not replays.claim(signature, int(stamp)):
                log.info("replayed request (same signature within five minutes) acknowledged, not run again")
                self._send(200, {}, "")
                return
            response = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
            if response.status == 401 or response.status >= 500:  # a forgery, or not taken: Slack retries
                replays.release(signature)
            self._send(response.status, response.headers, response.body)

        def _body(self) -> str | None:
            """The request body, or None once a refusal has been sent."""
            if self.headers.get("Transfer-Encoding"):
                self._refuse(411, "send a Content-Length, not Transfer-Encoding")
                return None
            declared = self.headers.get_all("Content-Length") or ["0"]
            if len(set(declared)) != 1 or not DIGITS.fullmatch(declared[0].strip()):
                self._refuse(400, f"bad Content-Length: {', '.join(declared)!r}")
                return None
            length = int(declared[0])
            if length > max_body:
                self._refuse(413, f"body of {length} bytes is over the {max_body}-byte limit")
                return None
            raw = self._read(length)
            if raw is None:
                return None
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self._refuse(400, f"body is not UTF-8 (byte {error.start})")
                return None

        def _read(self, length: int) -> bytes | None:
            """``length`` bytes within ``read_timeout`` in all (a trickle does not get more time)."""
            deadline = time.monotonic() + read_timeout
            chunks: list[bytes] = []
            remaining = length
            try:
                while remaining:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    self.connection.settimeout(min(left, read_timeout))
                    chunk = self.rfile.read1(min(remaining, 65536))
                    if not chunk:
                        self.close_connection = True
                        return None  # the client went away mid-body
                    chunks.append(chunk)
                    remaining -= len(chunk)
            except TimeoutError:
                self._refuse(408, f"body not received within {read_timeout:g} s")
                return None
            finally:
                self.connection.settimeout(read_timeout)
            return b"".join(chunks)

        def _refuse(self, status: int, reason: str, *, close: bool = True) -> None:
            log.info("http %s from %s: %s", status, self.client_address[0], reason)
            if close:
                self.close_connection = True
            self._send(status, {"Connection": "close"} if close else {}, reason)

        def _send(self, status: int, headers: Mapping[str, Any], body: Any) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
            try:
                self.send_response(status)
                for key, values in headers.items():
                    if key.lower() == "content-length":
                        continue
                    for value in values if isinstance(values, (list, tuple)) else [values]:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError as error:  # the client left before the answer: nothing more to do
                self.close_connection = True
                log.debug("http: could not answer %s: %s", status, error)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http: " + format, *args)

    return FrontDoor((host, port), Handler, max_connections=max_connections)
