"""Reminders per team queue: a ticket in a queue is announced again naming the queue and mentioning
only that queue's agents (those on duty, else all of them); a ticket in no queue keeps the whole
team's reminder. Console through the scheduler, Slack through its outbox at the fake Web API, and
Discord through the real outbox with the recorder (hand-checked: first-response target 30 min)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.slack.outbox import SlackOutbox
from bot.clock import FakeClock
from bot.config import load_config
from bot.domain import Person, Source
from bot.replies import Kind
from bot.scheduler import Scheduler
from bot.store import TinyTicketStore
from bot.workflow.settings import QueueSection
from tests.desk_support import CUSTOMER, MARIA, Transcript, make_desk
from tests.slack_fake_api import SlackHarness, fake, slack_config  # noqa: F401 (fixtures)
from tests.test_scheduler import FakeOutbox

CONFIG = """\
first_response_minutes = 30
[console]
channels = ["support"]
agents = ["maria", "sam", "lee"]
[schedule]
weekly_post = false
[sla.urgent]
first_response_minutes = 30
resolution_minutes = 240
warn_before_minutes = 10
[[queues]]
name = "billing-team"
categories = ["billing"]
agents = ["sam", "lee"]
[[queues]]
name = "tech"
categories = ["technical"]
agents = ["maria"]
"""


@pytest.fixture
def desk(tmp_path):
    path = tmp_path / "chatdesk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    clock = FakeClock("2026-11-30T09:00:00+00:00")
    return make_desk(load_config(path, env={}), clock, store=TinyTicketStore.memory())


def open_ticket(desk, text: str, message: str, *, category: str | None = None):
    ticket = desk.service.open_ticket(CUSTOMER, text, Source("console", "support", message, message))[0]
    return desk.service.set_category(MARIA, ticket.id, category) if category else ticket


def mentioned(reply) -> list[str]:
    return [person.user_id for person in reply.mentions]


def test_an_unclaimed_reminder_names_the_queue_and_mentions_only_its_agents(desk):
    outbox = FakeOutbox()
    scheduler = Scheduler(desk, outbox)
    open_ticket(desk, "I was charged twice", "m1", category="billing")
    open_ticket(desk, "Where do I change my avatar?", "m2")  # no category, so no queue
    desk.service.clock.advance(minutes=31)
    assert scheduler.tick() == ["reminded T-1 (window 1)", "reminded T-2 (window 1)"]
    (_, queued), (_, plain) = outbox.take()
    assert queued.text.startswith("[billing-team queue] Reminder: T-1 from casey has waited 31 min with no agent")
    assert mentioned(queued) == ["sam", "lee"] and queued.kind is Kind.ANNOUNCE  # nobody on duty: all of them
    assert "For: @sam, @lee" in queued.full_text
    assert plain.text.startswith("Reminder: T-2 from casey has waited 31 min") and plain.mentions == ()


def test_with_someone_of_the_queue_on_duty_only_they_are_mentioned(desk):
    outbox = FakeOutbox()
    scheduler = Scheduler(desk, outbox)
    for who in ("maria", "lee"):  # maria is on duty too, but not in billing-team
        desk.workflow.roster.set(Person("console", who, who.title()), True)
    open_ticket(desk, "I was charged twice", "m1", category="billing")
    desk.service.clock.advance(minutes=31)
    scheduler.tick()
    [(_, reply)] = outbox.take()
    assert [(p.user_id, p.name) for p in reply.mentions] == [("lee", "Lee")]


def test_a_transferred_ticket_is_reminded_to_its_new_queue(desk):
    outbox = FakeOutbox()
    scheduler = Scheduler(desk, outbox)
    open_ticket(desk, "The app crashes on start", "m1", category="technical")
    Transcript(desk).push("/as maria")
    desk.on_command(MARIA, "transfer T-1 billing-team")
    desk.service.clock.advance(minutes=31)
    scheduler.tick()
    [(_, reply)] = outbox.take()
    assert reply.text.startswith("[billing-team queue] ") and mentioned(reply) == ["sam", "lee"]


def test_sla_warnings_and_breaches_go_to_the_queue_too(desk):
    outbox = FakeOutbox()
    scheduler = Scheduler(desk, outbox)
    ticket = open_ticket(desk, "Everything is down", "m1", category="technical")
    desk.service.set_priority(MARIA, ticket.id, "urgent")
    desk.service.clock.advance(minutes=21)  # 9 minutes before the 30-minute target
    assert scheduler.tick() == ["first response warning notice T-1"]
    [(_, warning)] = outbox.take()
    assert warning.text.startswith("[tech queue] Heads-up: T-1 (urgent) reaches its first-response target in 9 min and nobody has it yet")
    assert mentioned(warning) == ["maria"]
    desk.service.clock.advance(minutes=240)
    scheduler.tick()
    breach = [reply for _, reply in outbox.take() if "past its resolution target" in reply.text]
    assert breach and breach[0].text.startswith("[tech queue] ") and mentioned(breach[0]) == ["maria"]


def test_the_console_prints_the_queue_and_whom_a_reminder_is_for(desk):
    from bot.adapters.console import ConsoleOutbox

    transcript = Transcript(desk)
    transcript.push("I was charged twice")
    transcript.push("/as maria")
    transcript.push("/desk category T-1 billing")
    desk.service.clock.advance(minutes=31)
    start = transcript.output.tell()
    Scheduler(desk, ConsoleOutbox(transcript.console)).tick()
    printed = transcript.output.getvalue()[start:]
    assert "[billing-team queue] Reminder: T-1 from casey has waited 31 min with no agent" in printed
    assert "For: @sam, @lee" in printed


# -- on the platforms --------------------------------------------------------------------------

def test_slack_mentions_the_queues_agents_in_the_reminder(slack_config, fake, clock):
    queues = (QueueSection(name="billing-team", categories=("billing",), agents=("USAM", "ULEE")),)
    config = replace(slack_config, sections={**slack_config.sections, "queues": queues})
    slack = SlackHarness(config, fake, clock=clock)
    slack.message("I was charged twice for November")
    slack.desk.service.set_category(MARIA, "T-1", "billing")
    clock.advance(minutes=slack.desk.config.first_response_minutes + 1)
    Scheduler(slack.desk, SlackOutbox(slack.desk, slack.app.client), platform="slack").tick()
    [post] = [c for c in fake.of("chat.postMessage") if c.body["channel"] == "CTEAM" and "Reminder" in c.body["text"]]
    shown = "\n".join(b["text"]["text"] for b in post.body["blocks"] if b.get("type") == "section")
    assert shown.startswith("[billing-team queue] Reminder: T-1")
    assert "<@USAM> <@ULEE>" in shown and "UMARIA" not in shown


def test_discord_pings_only_the_queues_agents():
    from bot.adapters.discord.render import reply_body
    from bot.replies import Reply

    people = (Person("discord", "1310000000000000001", "Sam"), Person("discord", "1310000000000000002", "Lee"))
    body = reply_body(Reply("[billing-team queue] Reminder: T-1 has waited 31m", kind=Kind.ANNOUNCE,
                            mentions=people))
    assert body["content"].split("\n")[0] == "<@1310000000000000001> <@1310000000000000002>"
    assert [u.id for u in body["allowed_mentions"].users] == [1310000000000000001, 1310000000000000002]
    assert body["allowed_mentions"].everyone is False and body["allowed_mentions"].roles is False
