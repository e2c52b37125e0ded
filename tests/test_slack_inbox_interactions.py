"""Commands, button presses, shortcuts and modal submissions through the durable inbox, via the
real Bolt app: recorded before the acknowledgement, handled after, handled at start when the last
process did not; a replay changes no ticket twice, answers where Slack still lets it, and a
replayed request within five minutes runs once, across processes sharing the inbox too."""

from __future__ import annotations

import json

import pytest

from bot.delivery import STAMP
from bot.domain import State
from bot.errors import StoreError
from bot.file_inbox import FileInbox
from bot.inbox import InboxError, MemoryInbox, Receiver
from bot.store import TinyTicketStore
from tests.slack_fake_api import (  # noqa: F401 (fixtures)
    SlackHarness,
    command_body,
    fake,
    fixture,
    fresh_action_ts,
    fresh_trigger,
    interaction_body,
    slack_config,
)

TS = "1763283600.000100"
FORM = "application/x-www-form-urlencoded"


class Clock:
    def __init__(self) -> None:
        self.now = 1_763_290_000.0

    def __call__(self) -> float:
        return self.now


class Crashing(MemoryInbox):
    """An inbox whose process 'dies' after handling and before the mark: ``done`` never lands."""

    def done(self, entry_id: str) -> None:
        pass


@pytest.fixture
def store():
    return TinyTicketStore.memory()


def desk(slack_config, fake, clock, store, inbox, wall=None):
    """A Slack desk over ``store`` and ``inbox``, as one process; catches up as it starts."""
    receiver = Receiver(inbox, clock=wall or Clock())
    return SlackHarness(slack_config, fake, clock=clock, store=store, receiver=receiver)


def opened(slack_config, fake, clock, store):
    """T-1 from Casey, then a clean slate of calls."""
    first = desk(slack_config, fake, clock, store, MemoryInbox())
    first.event(fixture("event_message.json"))
    fake.calls.clear()
    return first


def said(fake) -> list[str]:
    """The Web API calls that speak (not the token checks each app makes as it starts)."""
    return [m for m in fake.methods() if m != "auth.test"]


def notes(ticket) -> list[str]:
    return [e.get("text") for e in ticket.events if e.type == "noted"]


def command(text: str, *, user: str = "UMARIA", trigger: str | None = None, response_url: str = "") -> str:
    return command_body(text, user=user, trigger_id=trigger or fresh_trigger(), response_url=response_url)


def press(action_id: str, value: str, *, user: str, action_ts: str | None = None) -> str:
    payload = fixture("block_actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEST"}
    payload["actions"][0].update(action_id=action_id, value=value, action_ts=action_ts or fresh_action_ts())
    payload["trigger_id"] = fresh_trigger()
    return interaction_body(payload)


def resolve_submission(ticket_id: str, text: str, *, view_id: str = "V0RESOLVE") -> str:
    payload = fixture("view_submission_resolve.json")
    payload["user"] = {"id": "UMARIA", "username": "maria", "name": "maria", "team_id": "T0TEST"}
    payload["view"].update(id=view_id, private_metadata=json.dumps({"ticket": ticket_id, "channel": "CSUPPORT",
                                                                     "thread": TS}),
                           state={"values": {"resolution": {"value": {"type": "plain_text_input", "value": text}}}})
    return interaction_body(payload)


def test_a_command_is_recorded_before_its_ack_and_forgotten_once_handled(slack_config, fake, clock, store):
    opened(slack_config, fake, clock, store)
    inbox = MemoryInbox()
    recorded = []
    original = inbox.record
    inbox.record = lambda payload, key=None: recorded.append((payload["kind"], key)) or original(payload, key=key)
    slack = desk(slack_config, fake, clock, store, inbox)
    assert slack.dispatch(command("note T-1 rebooted the hub", trigger="TR1"), content_type=FORM).status == 200
    assert recorded == [("command", "slack:command:TR1")]
    assert inbox.pending() == [] and notes(store.get("T-1")) == ["rebooted the hub"]


@pytest.mark.parametrize("kind", ["command", "press", "view"])
def test_a_request_the_inbox_cannot_take_gets_503_and_changes_nothing(slack_config, fake, clock, store, kind):
    opened(slack_config, fake, clock, store)
    inbox = MemoryInbox()
    inbox.broken = "disk full"
    slack = desk(slack_config, fake, clock, store, inbox)
    body = {"command": command("claim T-1"), "press": press("chatdesk:claim", "T-1", user="UMARIA"),
            "view": resolve_submission("T-1", "Re-paired it")}[kind]
    response = slack.dispatch(body, content_type=FORM)
    assert response.status == 503 and "disk full" in response.body
    assert store.get("T-1").state is State.OPEN and said(fake) == []


def test_a_press_recorded_by_a_process_that_died_is_handled_at_start(slack_config, fake, clock, store):
    opened(slack_config, fake, clock, store)
    inbox = MemoryInbox()
    inbox.record({"kind": "button", "body": json.loads(_payload(press("chatdesk:claim", "T-1", user="UMARIA")))},
                 key="slack:action:UMARIA:chatdesk:claim:1")
    desk(slack_config, fake, clock, store, inbox)  # starting catches up
    assert store.get("T-1").state is State.CLAIMED and inbox.pending() == []
    assert any("Maria claimed T-1" in c.body.get("text", "") for c in fake.of("chat.postMessage"))


def _payload(body: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(body)["payload"][0]


@pytest.mark.parametrize("request_kind", ["command", "press", "view"])
def test_handled_again_after_a_crash_before_the_mark_changes_nothing_twice(slack_config, fake, clock, store,
                                                                           request_kind):
    """The process handled the request (the ticket changed) and died before the inbox heard: the
    next start handles it again; the change is made once and the answer given again."""
    opened(slack_config, fake, clock, store)
    inbox = Crashing()
    first = desk(slack_config, fake, clock, store, inbox)
    body = {"command": command("note T-1 rebooted the hub", response_url=fake.response_url),
            "press": press("chatdesk:need_help", "T-1", user="UCASEY"),
            "view": resolve_submission("T-1", "Re-paired the tracker")}[request_kind]
    assert first.dispatch(body, content_type=FORM).status == 200
    after_first = store.get("T-1")
    assert len(inbox.pending()) == 1
    answers = len(said(fake))

    inbox.done = MemoryInbox.done.__get__(inbox)  # the next process marks what it handles
    desk(slack_config, fake, clock, store, inbox)
    ticket = store.get("T-1")
    assert [e.to_record() for e in ticket.events] == [e.to_record() for e in after_first.events]
    assert inbox.pending() == [] and len(said(fake)) > answers  # answered again
    stamps = [e.get(STAMP) for e in ticket.events if e.get(STAMP)]
    assert stamps and len(stamps) == len(set(stamps))


def test_a_note_typed_twice_is_two_notes_but_one_request_replayed_is_one(slack_config, fake, clock, store):
    slack = opened(slack_config, fake, clock, store)
    body = command("note T-1 checked the cable")
    assert slack.dispatch(body, content_type=FORM).status == 200
    assert slack.dispatch(body, content_type=FORM).status == 200  # the same request again: acknowledged
    assert slack.dispatch(command("note T-1 checked the cable"), content_type=FORM).status == 200  # typed again
    assert notes(store.get("T-1")) == ["checked the cable", "checked the cable"]


def test_a_replayed_command_runs_once_across_two_processes_sharing_the_inbox(slack_config, fake, clock, store,
                                                                           tmp_path):
    opened(slack_config, fake, clock, store)
    one = desk(slack_config, fake, clock, store, FileInbox(tmp_path / "inbox"))
    two = desk(slack_config, fake, clock, store, FileInbox(tmp_path / "inbox"))
    body = command("note T-1 swapped the battery")
    assert one.dispatch(body, content_type=FORM).status == 200
    assert two.dispatch(body, content_type=FORM).status == 200
    press_body = press("chatdesk:claim", "T-1", user="UMARIA")
    assert two.dispatch(press_body, content_type=FORM).status == 200
    assert one.dispatch(press_body, content_type=FORM).status == 200
    ticket = store.get("T-1")
    assert notes(ticket) == ["swapped the battery"]
    assert [e.type for e in ticket.events].count("claimed") == 1
    assert len([c for c in fake.of("chat.postMessage") if "claimed T-1" in c.body.get("text", "")]) == 1


def test_a_refused_modal_corrected_and_submitted_again_is_taken(slack_config, fake, clock, store):
    slack = opened(slack_config, fake, clock, store)
    refused = json.loads(slack.dispatch(resolve_submission("T-1", " "), content_type=FORM).body)
    assert refused["response_action"] == "errors"
    assert slack.dispatch(resolve_submission("T-1", "Re-paired it"), content_type=FORM).status == 200
    assert store.get("T-1").state is State.RESOLVED and store.get("T-1").resolution == "Re-paired it"


def test_a_replay_past_the_response_url_lifetime_answers_through_the_web_api(slack_config, fake, clock, store):
    opened(slack_config, fake, clock, store)
    wall = Clock()
    inbox = MemoryInbox(clock=wall)
    inbox.record({"kind": "command", "body": _command_payload("queue", fake.response_url)}, key="slack:command:T9")
    wall.now += 31 * 60  # the desk was down for half an hour
    desk(slack_config, fake, clock, store, inbox, wall=wall)
    assert fake.of("response_url") == []
    [ephemeral] = fake.of("chat.postEphemeral")
    assert ephemeral.body["user"] == "UMARIA" and ephemeral.body["channel"] == "CSUPPORT"
    assert "T-1" in ephemeral.body["text"]


def test_a_replay_within_the_response_url_lifetime_answers_through_it(slack_config, fake, clock, store):
    opened(slack_config, fake, clock, store)
    wall = Clock()
    inbox = MemoryInbox(clock=wall)
    inbox.record({"kind": "command", "body": _command_payload("queue", fake.response_url)}, key="slack:command:T9")
    wall.now += 60
    desk(slack_config, fake, clock, store, inbox, wall=wall)
    [answer] = fake.of("response_url")
    assert "T-1" in answer.body["text"] and fake.of("chat.postEphemeral") == []


def test_a_form_whose_trigger_expired_is_explained_and_changes_nothing(slack_config, fake, clock, store):
    opened(slack_config, fake, clock, store)
    wall = Clock()
    inbox = MemoryInbox(clock=wall)
    inbox.record({"kind": "command", "body": _command_payload("resolve T-1", fake.response_url)},
                 key="slack:command:T9")
    wall.now += 10  # past the trigger's 3 s
    desk(slack_config, fake, clock, store, inbox, wall=wall)
    assert fake.of("views.open") == []
    [answer] = fake.of("response_url")
    assert "restarted before the resolve form for T-1 could open" in answer.body["text"]
    assert store.get("T-1").state is State.OPEN


def test_a_survey_press_replayed_after_its_trigger_expired_records_the_score(slack_config, fake, clock, store):
    first = opened(slack_config, fake, clock, store)
    first.dispatch(command("resolve T-1 Re-paired it"), content_type=FORM)
    first.desk.service.store.mutate("T-1", lambda t: [_asked(t)])
    fake.calls.clear()
    wall = Clock()
    inbox = MemoryInbox(clock=wall)
    body = json.loads(_payload(press("chatdesk:survey:4", "T-1", user="UCASEY")))
    inbox.record({"kind": "survey_button", "body": body}, key="slack:action:UCASEY:survey:1")
    wall.now += 60
    desk(slack_config, fake, clock, store, inbox, wall=wall)
    assert fake.of("views.open") == []
    assert store.get("T-1").survey["score"] == 4


def _asked(ticket):
    from bot.events import Event, EventType

    return Event(EventType.SURVEY_ASKED, ticket.events[-1].at, "desk", "desk")


def _command_payload(text: str, response_url: str) -> dict:
    payload = fixture("command_desk.json")
    payload.update(text=text, user_id="UMARIA", user_name="maria", trigger_id="T9", response_url=response_url)
    return payload


def test_file_inbox_markers_expire_and_a_failed_record_leaves_none(tmp_path, monkeypatch):
    wall = Clock()
    inbox = FileInbox(tmp_path / "inbox", clock=wall)
    assert inbox.record({"n": 1}, key="k") is not None
    assert FileInbox(tmp_path / "inbox", clock=wall).record({"n": 1}, key="k") is None  # another process
    wall.now += 301
    assert inbox.record({"n": 1}, key="k") is not None  # five minutes on: Slack refuses such a replay anyway
    wall.now += 400
    inbox.record({"n": 3}, key="other")  # sweeps the expired markers
    assert len(list((tmp_path / "inbox" / "seen").iterdir())) == 1

    def full(name, data):
        raise InboxError("disk full")

    monkeypatch.setattr(inbox, "_write", full)
    with pytest.raises(InboxError):
        inbox.record({"n": 2}, key="j")
    monkeypatch.undo()
    assert inbox.record({"n": 2}, key="j") is not None  # the failed attempt left no marker behind


def test_a_press_the_store_refuses_stays_in_the_inbox_and_makes_the_desk_not_ready(slack_config, fake, clock,
                                                                                  store, monkeypatch):
    opened(slack_config, fake, clock, store)
    inbox = MemoryInbox()
    receiver = Receiver(inbox)
    slack = SlackHarness(slack_config, fake, clock=clock, store=store, receiver=receiver)

    def read_only(ticket_id, decide):
        raise StoreError("the store at {location} is read-only", location="memory")

    monkeypatch.setattr(store, "mutate", read_only)
    assert slack.dispatch(press("chatdesk:claim", "T-1", user="UMARIA"), content_type=FORM).status == 200
    assert len(inbox.pending()) == 1 and "read-only" in receiver.health()
