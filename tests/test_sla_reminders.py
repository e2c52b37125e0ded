"""SLA reminders through the scheduler: warnings before a target, notices when one passes, counted in
business hours, once each even across a restart (Europe/Berlin, Mon–Fri 09:00–17:00)."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.config import load_config
from bot.domain import Source
from bot.replies import Kind
from bot.scheduler import Scheduler
from bot.store import TinyTicketStore
from tests.desk_support import CUSTOMER, MARIA, make_desk
from tests.test_scheduler import FakeOutbox

CONFIG = """\
timezone = "Europe/Berlin"
first_response_minutes = 120
[console]
channels = ["support"]
agents = ["maria"]
[schedule]
weekly_post = false
[sla.urgent]
first_response_minutes = 30
resolution_minutes = 240
warn_before_minutes = 10
[business_hours]
days = ["monday", "tuesday", "wednesday", "thursday", "friday"]
"""


@pytest.fixture
def desk_and_scheduler(tmp_path):
    path = tmp_path / "chatdesk.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    store = TinyTicketStore.at(tmp_path / "tickets.json")
    clock = FakeClock("2026-11-27T15:30:00+00:00")  # Friday 16:30 in Berlin
    desk = make_desk(config, clock, store=store)
    outbox = FakeOutbox()
    yield desk, outbox, Scheduler(desk, outbox), clock, store, tmp_path
    store.close()


def open_urgent(desk, message="m1"):
    ticket = desk.service.open_ticket(CUSTOMER, "Everything is down", Source("console", "support", message, message))[0]
    return desk.service.set_priority(MARIA, ticket.id, "urgent")


def test_warning_before_the_first_response_target_in_business_minutes(desk_and_scheduler):
    desk, outbox, scheduler, clock, *_ = desk_and_scheduler
    open_urgent(desk)
    clock.advance(minutes=19)  # 16:49: 11 business minutes left
    assert scheduler.tick() == []
    clock.advance(minutes=2)  # 16:51: 9 left
    assert scheduler.tick() == ["first response warning notice T-1"]
    [(where, reply)] = outbox.take()
    assert where == "team" and reply.kind is Kind.ANNOUNCE
    assert reply.text.startswith("Heads-up: T-1 (urgent) reaches its first-response target in 9 min")
    clock.advance(minutes=10)  # 17:01: the 30 business minutes ran out at closing time
    assert scheduler.tick() == ["reminded T-1 (window 1)"]
    assert "first-response target 30 min" in outbox.take()[0][1].text
    # The weekend does not count: no second window until Monday 09:30.
    clock.advance(days=2, hours=16, minutes=28)  # Monday 09:29
    assert scheduler.tick() == []
    clock.advance(minutes=2)
    assert scheduler.tick() == ["reminded T-1 (window 2)"]


def test_resolution_warning_then_breach_once_each(desk_and_scheduler):
    desk, outbox, scheduler, clock, *_ = desk_and_scheduler
    ticket = open_urgent(desk)
    desk.service.claim(MARIA, ticket.id)
    # 240 business minutes from Friday 16:30: 30 on Friday, then Monday 09:00–12:30.
    clock.advance(days=2, hours=19, minutes=51)  # Monday 12:21
    assert scheduler.tick() == ["resolution warning notice T-1"]
    assert outbox.take()[0][1].text.startswith("Heads-up: T-1 (urgent, with maria) reaches its resolution target in 9 min")
    assert scheduler.tick() == []
    clock.advance(minutes=10)  # 12:31
    assert scheduler.tick() == ["resolution notice T-1"]
    assert outbox.take()[0][1].text.startswith("T-1 (urgent, with maria) is past its resolution target")
    clock.advance(hours=5)
    assert scheduler.tick() == []


def test_notices_are_sent_once_across_a_restart(desk_and_scheduler):
    desk, outbox, scheduler, clock, store, tmp_path = desk_and_scheduler
    ticket = open_urgent(desk)
    desk.service.claim(MARIA, ticket.id)
    clock.advance(days=3)  # Monday 16:30: past the resolution target
    other = TinyTicketStore.at(tmp_path / "tickets.json")
    try:
        second = Scheduler(make_desk(desk.config, clock, store=other), outbox)
        assert scheduler.tick() + second.tick() == ["resolution notice T-1"]
    finally:
        other.close()


def test_a_resolved_ticket_gets_no_notice(desk_and_scheduler):
    desk, outbox, scheduler, clock, *_ = desk_and_scheduler
    ticket = open_urgent(desk)
    desk.service.resolve(MARIA, ticket.id, "Restarted the service")
    clock.advance(days=7)
    assert scheduler.tick() == []
