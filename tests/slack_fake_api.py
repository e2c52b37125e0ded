"""A fake Slack Web API on an ephemeral local port, and helpers to drive the real Bolt app.

Modelled on bolt-python's ``tests/mock_web_api_server/``: a real HTTP server that records every
call (method, parsed body) and answers like Slack, so calls made through any ``WebClient``
(Bolt builds a new one per request, and ``say``/``respond`` too) are seen. Failures can be
scripted per method (a 429 with ``Retry-After``, a 500, a slow answer).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.replies import Suggestion

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0TEST"
WORKSPACE_URL = "https://homing-support.slack.com/"

USERS: dict[str, dict[str, Any]] = {
    "UCASEY": {"name": "casey", "profile": {"display_name": "Casey", "real_name": "Casey Jones",
                                            "email": "casey@example.com"}},
    "UROBIN": {"name": "robin", "profile": {"display_name": "", "real_name": "Robin Park"}},
    "UMARIA": {"name": "maria", "profile": {"display_name": "Maria", "real_name": "Maria Silva"}},
    "USAM": {"name": "sam", "profile": {"display_name": "Sam", "real_name": "Sam Lee"}},
}
GROUPS: dict[str, list[str]] = {"SAGENTS": ["USAM"]}


@dataclass(frozen=True)
class Call:
    """One request the fake received."""

    method: str
    body: dict[str, Any]
    headers: Mapping[str, str]

    def blocks_text(self) -> str:
        """Every text in the call's blocks, for assertions on what people see."""
        return json.dumps(self.body.get("blocks") or (self.body.get("view") or {}).get("blocks") or [],
                          ensure_ascii=False)


@dataclass
class Script:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1  # None: always


class FakeSlack:
    """The fake Web API; ``url`` is its base URL (``SLACK_API_URL``)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Condition()
        self._scripts: dict[str, list[Script]] = {}
        self._delays: dict[str, float] = {}
        self._ts = itertools.count(1)
        self.posted: dict[str, list[dict[str, Any]]] = {}  # per channel, the messages chat.postMessage made
        self._lost_answers: dict[str, int] = {}
        self.users = {k: dict(v) for k, v in USERS.items()}
        self.groups = {k: list(v) for k, v in GROUPS.items()}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    @property
    def response_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/response_url/T0TEST/123/abc"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- scripting -------------------------------------------------------------------

    def fail(self, method: str, *, status: int = 429, times: int | None = 1, retry_after: str | None = "0",
             error: str = "ratelimited") -> None:
        """Answer ``method`` with an error ``times`` times (None: always)."""
        headers = {"Retry-After": retry_after} if retry_after is not None and status == 429 else {}
        self._scripts.setdefault(method, []).append(Script(status, {"ok": False, "error": error}, headers, times))

    def answer(self, method: str, body: dict[str, Any], *, times: int | None = None) -> None:
        """Answer ``method`` with ``body`` (200) ``times`` times (None: always)."""
        self._scripts.setdefault(method, []).append(Script(200, body, {}, times))

    def delete(self, channel: str, ts: str) -> None:
        """Someone deleted a message: the history no longer has it."""
        with self._lock:
            self.posted[channel] = [m for m in self.posted.get(channel, []) if m["ts"] != ts]

    def lose_answers(self, method: str, *, times: int = 1) -> None:
        """Do what ``method`` asks, then answer 500 as if it had failed (``times`` times): the
        caller cannot tell that its message is in the channel."""
        self._lost_answers[method] = self._lost_answers.get(method, 0) + times

    def delay(self, method: str, seconds: float) -> None:
        self._delays[method] = seconds

    def recover(self, method: str) -> None:
        """Stop the scripted failures of ``method``: it answers like Slack again."""
        with self._lock:
            self._scripts.pop(method, None)

    # -- reading -----------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, *, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called at least ``count`` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} {method} call(s), got {len(found)}; calls: {seen}")
                self._lock.wait(left)

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    # -- answering ---------------------------------------------------------------------

    def _answer(self, method: str, body: dict[str, Any], headers: Mapping[str, str]) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(Call(method, body, headers))
            self._lock.notify_all()
            scripts = self._scripts.get(method) or []
            script = scripts[0] if scripts else None
            if script is not None and script.times is not None:
                script.times -= 1
                if script.times <= 0:
                    scripts.pop(0)
        if method in self._delays:
            time.sleep(self._delays[method])
        if script is not None:
            return script.status, script.body, script.headers
        if method in ("response_url", "upload"):
            return 200, {"ok": True}, {}
        if not str(headers.get("authorization", "")).startswith("Bearer xox"):
            return 200, {"ok": False, "error": "not_authed"}, {}
        answer = self._ok(method, body)
        with self._lock:
            if self._lost_answers.get(method):
                self._lost_answers[method] -= 1
                return 500, {"ok": False, "error": "internal_error"}, {}
        return 200, answer, {}

    def _ok(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": WORKSPACE_URL, "team": "Homing", "user": "chatdesk", "team_id": TEAM_ID,
                    "user_id": BOT_USER, "bot_id": BOT_ID}
        if method in ("chat.postMessage", "chat.update"):
            ts = body.get("ts") or f"1800000000.{next(self._ts):06d}"
            message = {"text": body.get("text"), "ts": ts, "bot_id": BOT_ID}
            if method == "chat.postMessage":
                self._keep(str(body.get("channel")), {**message, "thread_ts": body.get("thread_ts"),
                                                      "metadata": _json_object(body.get("metadata")),
                                                      "blocks": _json_list(body.get("blocks")) or None})
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message}
        if method in ("conversations.history", "conversations.replies"):
            return {"ok": True, "messages": self._history(method, body), "has_more": False}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1800000001.{next(self._ts):06d}"}
        if method == "users.info":
            user_id = body.get("user", "")
            user = self.users.get(user_id)
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user_id, **user}}
        if method == "usergroups.users.list":
            group = body.get("usergroup", "")
            if group not in self.groups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": self.groups[group]}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            host, port = self.server.server_address[:2]
            return {"ok": True, "file_id": file_id, "upload_url": f"http://{host}:{port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in _json_list(body.get("files"))]}
        if method == "views.open":
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **(body.get("view") or {})}}
        return {"ok": True}

    def _keep(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.posted.setdefault(channel, []).append(message)

    def _history(self, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """A channel's top level (``conversations.history``) or one thread (``.replies``), newest
        first, from ``oldest``; metadata only with ``include_all_metadata``, as Slack does."""
        oldest, latest = float(body.get("oldest") or 0), float(body.get("latest") or "inf")
        with self._lock:
            found = [m for m in self.posted.get(str(body.get("channel")), []) if oldest <= float(m["ts"]) <= latest]
        if method == "conversations.replies":
            found = [m for m in found if m.get("thread_ts") == body.get("ts")]
        else:
            found = [m for m in found if not m.get("thread_ts")]
        with_metadata = str(body.get("include_all_metadata")).lower() in ("1", "true")
        limit = int(body.get("limit") or 100)
        return [{k: v for k, v in m.items() if v is not None and (with_metadata or k != "metadata")}
                for m in reversed(found)][:limit]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                parsed = urllib.parse.urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
                if parsed.path.startswith("/response_url/"):
                    method = "response_url"
                elif parsed.path.startswith("/upload/"):
                    method = "upload"
                else:
                    method = parsed.path.rsplit("/", 1)[-1]
                body = {"size": length} if method == "upload" else _parse(raw, parsed.query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer, extra = fake._answer(method, body, headers)
                data = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except ConnectionError:  # the caller was killed mid-call (a kill-and-restart test)
                    self.close_connection = True

            do_GET = do_POST = _handle

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler


def _json_object(value: Any) -> dict[str, Any] | None:
    """A JSON field as an object, whether the SDK sent it as JSON or as a form-encoded string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _json_list(value: Any) -> list[dict[str, Any]]:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _parse(raw: str, query: str) -> dict[str, Any]:
    if raw.startswith("{"):
        return json.loads(raw)
    pairs = dict(urllib.parse.parse_qsl(raw or query))
    for key in ("blocks", "view", "attachments"):
        if key in pairs and pairs[key][:1] in "[{":
            pairs[key] = json.loads(pairs[key])
    return pairs


# -- driving the Bolt app ------------------------------------------------------------------

class InlineExecutor(Executor):
    """Runs Bolt's after-ack work inline, so a test sees every Web API call when dispatch returns."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - the future carries it, as a pool would
            future.set_exception(error)
        return future


def fixture(name: str) -> dict[str, Any]:
    """A recorded payload from ``tests/fixtures/slack``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def signed_headers(body: str, *, content_type: str, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   retry: int | None = None) -> dict[str, str]:
    """Headers Slack would send: a v0 signature over ``v0:timestamp:body``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
    }
    if retry is not None:
        headers["x-slack-retry-num"] = str(retry)
        headers["x-slack-retry-reason"] = "http_timeout"
    return headers


def event_body(event: dict[str, Any], *, event_id: str = "Ev001") -> str:
    """An Events API envelope around ``event``."""
    envelope = fixture("event_callback.json")
    envelope["event"] = event
    envelope["event_id"] = event_id
    return json.dumps(envelope)


# Slack gives every invocation and press ids of its own (a replay repeats them; nothing else does).
_INVOCATIONS = itertools.count(1)


def fresh_trigger() -> str:
    return f"13345224609.738474920.{next(_INVOCATIONS):019d}"


def fresh_action_ts() -> str:
    return f"1763284000.{next(_INVOCATIONS):06d}"


def command_body(text: str, *, user: str, channel: str = "CSUPPORT", response_url: str = "",
                 user_name: str | None = None, trigger_id: str | None = None) -> str:
    payload = fixture("command_desk.json")
    payload.update(text=text, user_id=user, user_name=user_name or user.lower(), channel_id=channel,
                   response_url=response_url or payload["response_url"], trigger_id=trigger_id or fresh_trigger())
    return urllib.parse.urlencode(payload)


def interaction_body(payload: dict[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


class PairingKnowledge:
    """A one-article knowledge base: confident about pairing, silent otherwise."""

    ARTICLE = Suggestion("pair-tracker", "Pair your tracker <fast>", "http://help.test/pair-tracker/", 0.91)

    def suggest(self, text, *, limit=3):
        return [self.ARTICLE] if "pair" in text.lower() else []

    def search(self, text, *, limit=5):
        return [self.ARTICLE]

    def article(self, slug):
        return ("Pair your tracker <fast>", "installation") if slug == "pair-tracker" else None

    def learn(self, slug, wording):
        return True


class SlackHarness:
    """The real Bolt app around a desk, its Web API at the fake; requests go in signed."""

    def __init__(self, config, fake: FakeSlack, *, clock, store=None, knowledge=False, inline: bool = True,
                 receiver=None, outbox=None, outbox_clock=None) -> None:
        from bot.adapters.slack import SlackDirectory, create_app
        from bot.app import build_desk
        from bot.store import TinyTicketStore

        self.fake = fake
        self.directory = SlackDirectory(config)
        self.desk = build_desk(config, store=store or TinyTicketStore.memory(), clock=clock, knowledge=knowledge,
                               people=self.directory.lookup)
        self.desk.survey_policy = None  # surveys only where a test asks for them (the real policy samples)
        self.courier = None
        if outbox is not None:  # the durable outbox, its courier driven by the test (deliver_due)
            from slack_sdk import WebClient

            from bot.adapters.slack.sender import SlackSender
            from bot.courier import Courier

            sender = SlackSender(self.desk, WebClient(token=BOT_TOKEN, base_url=fake.url, retry_handlers=[]))
            self.courier = Courier(outbox, sender, store=self.desk.service.store, platform="slack",
                                   clock=outbox_clock or time.time)
        self.app = create_app(self.desk, token=BOT_TOKEN, signing_secret=SIGNING_SECRET, base_url=fake.url,
                              directory=self.directory, executor=InlineExecutor() if inline else None,
                              receiver=receiver, courier=self.courier)

    @property
    def store(self):
        return self.desk.service.store

    def dispatch(self, body: str, *, content_type: str, retry: int | None = None, secret: str = SIGNING_SECRET,
                 timestamp: int | None = None):
        from slack_bolt import BoltRequest

        headers = signed_headers(body, content_type=content_type, secret=secret, timestamp=timestamp, retry=retry)
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def event(self, event: dict[str, Any], *, retry: int | None = None, event_id: str = "Ev001"):
        return self.dispatch(event_body(event, event_id=event_id), content_type="application/json", retry=retry)

    def message(self, text: str, *, user: str = "UCASEY", ts: str = "1763283600.000100", channel: str = "CSUPPORT",
                thread_ts: str | None = None, retry: int | None = None):
        event = fixture("event_message.json")
        event.update(text=text, user=user, ts=ts, event_ts=ts, channel=channel)
        event.pop("blocks", None)
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, retry=retry, event_id=f"Ev{ts.replace('.', '')}")

    def command(self, text: str, *, user: str, channel: str = "CSUPPORT"):
        body = command_body(text, user=user, channel=channel, response_url=self.fake.response_url)
        return self.dispatch(body, content_type="application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]):
        payload = json.loads(json.dumps(payload))
        if "response_url" in payload:
            payload["response_url"] = self.fake.response_url
        return self.dispatch(interaction_body(payload), content_type="application/x-www-form-urlencoded")

    def press(self, action_id: str, value: str, *, user: str, thread_ts: str = "1763283600.000100"):
        payload = fixture("block_actions.json")
        payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}
        payload["actions"][0].update(action_id=action_id, value=value, action_ts=fresh_action_ts())
        payload["trigger_id"] = fresh_trigger()
        payload["container"]["thread_ts"] = thread_ts
        payload["message"]["thread_ts"] = thread_ts
        return self.interact(payload)


# -- pytest fixtures (imported by the test_slack* modules) -------------------------------------

@pytest.fixture
def fake():
    """A running fake Web API, stopped after the test."""
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def slack_config(config):
    """The demo team on Slack: support channel CSUPPORT, agents UMARIA and the SAGENTS group, team channel CTEAM."""
    from dataclasses import replace

    from bot.config import PlatformConfig

    slack = PlatformConfig(channels=("CSUPPORT",), agents=("UMARIA", "SAGENTS"), team_channel="CTEAM")
    return replace(config, platforms={**config.platforms, "slack": slack})
