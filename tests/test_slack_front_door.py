"""The Slack HTTP front door with real sockets on loopback: huge, slow, malformed and replayed requests."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from bot.adapters.slack.front_door import Replays, http_server
from bot.store import TinyTicketStore
from tests.test_slack_e2e import bot_process  # noqa: F401 (fixture)
from tests.slack_fake_api import (
    SlackHarness,
    command_body,
    event_body,
    fake,  # noqa: F401 (fixture)
    fixture,
    signed_headers,
    slack_config,  # noqa: F401 (fixture)
)

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def harness(slack_config, fake, clock):
    return SlackHarness(slack_config, fake, clock=clock, inline=True)


@pytest.fixture
def door(harness):
    """The front door on a free loopback port, with short timeouts so tests stay fast."""
    servers = []

    def start(**options):
        server = http_server(harness.app, host="127.0.0.1", port=0, **{"read_timeout": 0.5, **options})
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def raw(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send ``data`` as is and return what comes back until the server closes or ``wait`` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(data)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and b"Connection: close" not in received:
                    break
        except TimeoutError:
            pass
        return received


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def post(port: int, body: str | bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", "/slack/events", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    finally:
        conn.close()


def message_body(ts: str = "1763283600.000100") -> str:
    event = fixture("event_message.json")
    event.update(ts=ts, event_ts=ts)
    return event_body(event, event_id=f"Ev{ts.replace('.', '')}")


# -- huge --------------------------------------------------------------------------------------

def test_a_50_mb_body_is_refused_before_it_is_read(door):
    port = door()
    started = time.monotonic()
    answer = raw(port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 52428800\r\n\r\n" + b"{" * 1000)
    assert status_of(answer) == 413 and b"over the 1048576-byte limit" in answer
    assert time.monotonic() - started < 2
    assert healthy(port)


def test_a_body_at_the_limit_reaches_the_signature_check(door):
    port = door(max_body=4096)
    body = "x" * 4096
    assert post(port, body, signed_headers(body, content_type=FORM, secret="forged"))[0] == 401
    assert post(port, body + "x", signed_headers(body + "x", content_type=FORM))[0] == 413


# -- slow --------------------------------------------------------------------------------------

def test_150_silent_connections_are_cut_off_and_a_real_request_still_gets_through(door, fake):
    port = door(read_timeout=1.0)
    baseline = threading.active_count()
    silent = []
    for _ in range(150):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        silent.append(conn)
    try:
        body = message_body()
        started = time.monotonic()
        status, _ = post(port, body, signed_headers(body, content_type="application/json"))
        answered = time.monotonic() - started
        assert status == 200 and answered < 3, answered
        fake.wait_for("chat.postMessage", 1)
        answers = [conn.recv(4096) for conn in silent]  # each is told 408 and closed after 1 s
        assert all(status_of(answer) == 408 for answer in answers)
    finally:
        for conn in silent:
            conn.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > baseline + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= baseline + 2  # no thread is left waiting for a body


def test_a_trickled_body_gets_no_more_time_than_a_silent_one(door):
    port = door(read_timeout=0.5)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        started = time.monotonic()
        answer = b""
        for _ in range(20):  # one byte every 0.1 s would take 10 s
            try:
                conn.sendall(b"x")
            except OSError:
                break
            conn.settimeout(0.1)
            try:
                answer += conn.recv(4096)
            except TimeoutError:
                continue
            if answer:
                break
        assert status_of(answer) == 408
        assert time.monotonic() - started < 1.5


def test_connections_past_the_limit_are_answered_503_at_once(door):
    port = door(read_timeout=5.0, max_connections=5)
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(5)]
    try:
        for conn in held:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        time.sleep(0.2)
        started = time.monotonic()
        assert status_of(raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")) == 503
        assert time.monotonic() - started < 1
    finally:
        for conn in held:
            conn.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if status_of(raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the slots were not given back")


# -- malformed ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "body", "status"), [
    (b"Content-Length: abc\r\n", b"", 400),
    (b"Content-Length: -5\r\n", b"", 400),
    (b"Content-Length: 4\r\nContent-Length: 5\r\n", b"abcde", 400),
    (b"Content-Length: 99999999999999999999\r\n", b"", 400),
    (b"Transfer-Encoding: chunked\r\n", b"4\r\nabcd\r\n0\r\n\r\n", 411),
    (b"Content-Length: 4\r\n", b"\xff\xfe\xfd\xfc", 400),
])
def test_malformed_requests_get_a_4xx_and_no_traceback(door, caplog, head, body, status):
    port = door()
    answer = raw(port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n" + body)
    assert status_of(answer) == status
    assert healthy(port)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]


def test_other_paths_are_404_without_reading_the_body(door):
    port = door()
    answer = raw(port, b"POST /other HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n")
    assert status_of(answer) == 404


# -- timestamps ----------------------------------------------------------------------------------

@pytest.mark.parametrize("stamp", ["abc", "", "1.5", "١٧٦٣٢٨٣٦٠٠", "0x10", " 123", "12345678901234567890", None])
def test_every_bad_timestamp_is_401(door, stamp):
    port = door()
    body = message_body()
    headers = signed_headers(body, content_type="application/json")
    if stamp is None:
        del headers["x-slack-request-timestamp"]
    else:
        headers["x-slack-request-timestamp"] = stamp.encode("utf-8")  # http.client sends bytes as they are
    assert post(port, body.encode("utf-8"), headers)[0] == 401


def test_an_old_timestamp_is_401(door):
    port = door()
    body = message_body()
    assert post(port, body, signed_headers(body, content_type="application/json",
                                           timestamp=int(time.time()) - 301))[0] == 401


# -- replays -----------------------------------------------------------------------------------

def test_a_signed_command_replayed_three_times_runs_once(door, harness, fake):
    port = door()
    harness.message("my tracker will not charge")
    harness.command("claim T-1", user="UMARIA")
    body = command_body("note T-1 replaced the cable", user="UMARIA", response_url=fake.response_url)
    headers = signed_headers(body, content_type=FORM)
    assert [post(port, body, headers)[0] for _ in range(3)] == [200, 200, 200]
    notes = harness.desk.service.get("T-1").notes
    assert [note.get("text") for note in notes] == ["replaced the cable"]
    fresh = command_body("note T-1 and the charger", user="UMARIA", response_url=fake.response_url)
    assert post(port, fresh, signed_headers(fresh, content_type=FORM))[0] == 200
    assert len(harness.desk.service.get("T-1").notes) == 2


def test_a_forged_request_does_not_block_the_real_one():
    replays = Replays(clock=lambda: 1000.0)
    assert replays.claim("v0=abc", 1000)
    replays.release("v0=abc")  # Bolt refused it
    assert replays.claim("v0=abc", 1000)


def test_replays_are_remembered_for_five_minutes_around_the_timestamp():
    now = [1_000.0]
    replays = Replays(clock=lambda: now[0])
    assert replays.claim("v0=one", 1_000)
    now[0] = 1_299.0
    assert not replays.claim("v0=one", 1_000)
    now[0] = 1_301.0  # Slack's own check refuses this timestamp from here on
    assert replays.claim("v0=one", 1_000)
    assert replays.claim("v0=future", 1_200)  # a clock 200 s ahead: kept until 1,500
    now[0] = 1_450.0
    assert not replays.claim("v0=future", 1_200)


# -- the real process ----------------------------------------------------------------------------

def test_the_running_desk_refuses_huge_malformed_and_replayed_requests_and_keeps_going(bot_process, fake):
    process, base, store_path = bot_process
    port = int(base.rsplit(":", 1)[1])
    huge = raw(port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\n\r\n")
    assert status_of(huge) == 413
    assert status_of(raw(port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n\xff\xff")) == 400
    body = message_body()
    headers = signed_headers(body, content_type="application/json")
    assert post(port, body, {**headers, "x-slack-request-timestamp": "soon"})[0] == 401
    assert post(port, body, headers)[0] == 200
    fake.wait_for("chat.postMessage", 1, timeout=15)
    for text in ("claim T-1", "note T-1 replaced the cable"):
        command = command_body(text, user="UMARIA", response_url=fake.response_url)
        signed = signed_headers(command, content_type=FORM)
        assert [post(port, command, signed)[0] for _ in range(3)] == [200, 200, 200]
    fake.wait_for("chat.update", 1, timeout=15)
    assert healthy(port)
    time.sleep(0.5)
    process.terminate()
    code = process.wait(timeout=10)
    errors = process.stderr.read()
    assert code == 0, errors[-3000:]
    assert "Traceback" not in errors, errors
    store = TinyTicketStore.at(store_path)
    try:
        [ticket] = store.tickets()
        assert [note.get("text") for note in ticket.notes] == ["replaced the cable"]
    finally:
        store.close()


def test_a_client_that_hangs_up_is_a_log_line_not_a_traceback(caplog):
    import socket as sockets
    import struct
    import threading

    from bot.adapters.slack.front_door import FrontDoor
    from http.server import BaseHTTPRequestHandler

    server = FrontDoor(("127.0.0.1", 0), BaseHTTPRequestHandler, max_connections=4)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with caplog.at_level("INFO", logger="bot.adapters.slack.front_door"):
            client = sockets.create_connection(server.server_address[:2])
            client.sendall(b"POST /slack/events HTTP/1.1\r\n")
            # SO_LINGER 0: close with a reset, as a client that gives up does
            client.setsockopt(sockets.SOL_SOCKET, sockets.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            deadline = 50
            while deadline and "ended early" not in caplog.text:
                threading.Event().wait(0.05)
                deadline -= 1
        assert "ended early" in caplog.text and "Traceback" not in caplog.text
    finally:
        server.shutdown()
        server.server_close()
