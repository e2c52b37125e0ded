"""The one transition rule: the fold's current view and the state history always agree."""

from __future__ import annotations

import datetime as dt
import json

from bot.domain import DESK_ACTOR, Event, EventType, State, Ticket, acted_by_desk
from bot.events import Standing, transition

REQUESTER = {"platform": "console", "user_id": "casey", "name": "casey"}


def _event(kind: str, minute: int, actor: str = "maria", **data) -> dict:
    return {"type": kind, "at": f"2026-11-16T09:{minute:02d}:00+00:00", "actor": actor, **data}


def _ticket(*events: dict) -> Ticket:
    return Ticket.from_record({"id": "T-1", "subject": "s", "body": "b", "requester": REQUESTER,
                               "events": [_event("opened", 0, "casey"), *events]})


def test_stored_event_names_are_unchanged():
    assert {kind.value for kind in EventType} >= {
        "opened", "message", "replied", "claimed", "assigned", "unclaimed", "waiting", "noted", "resolved",
        "reopened", "closed", "priority", "category", "tagged", "suggested", "escalated", "survey",
        "survey_asked", "edited", "deleted", "reminded", "linked"}
    ticket = _ticket(_event("claimed", 1))
    assert ticket.events[1].type is EventType.CLAIMED
    assert json.loads(json.dumps(ticket.to_record()))["events"][1]["type"] == "claimed"


def test_unknown_imported_kinds_stay_history():
    ticket = _ticket(_event("migrated", 1))
    assert ticket.events[1].type == "migrated" and ticket.state is State.OPEN
    assert ticket.to_record()["events"][1]["type"] == "migrated"


def test_history_spans_follow_state_and_owner():
    ticket = _ticket(_event("claimed", 5), _event("waiting", 10), _event("message", 20, "casey"),
                     _event("assigned", 25, assignee={"user_id": "sam", "name": "Sam"}),
                     _event("resolved", 40, "sam"), _event("reopened", 50, "casey"))
    spans = ticket.history()
    assert [(s.state, s.owner.user_id if s.owner else None) for s in spans] == [
        (State.OPEN, None), (State.CLAIMED, "maria"), (State.WAITING, "maria"), (State.CLAIMED, "maria"),
        (State.CLAIMED, "sam"), (State.RESOLVED, "sam"), (State.CLAIMED, "sam")]
    assert [s.minutes() for s in spans] == [5.0, 5.0, 10.0, 5.0, 15.0, 10.0, None]
    assert (spans[-1].state, spans[-1].owner) == (ticket.state, ticket.assignee)


def test_history_until_ignores_later_events():
    ticket = _ticket(_event("claimed", 5), _event("resolved", 30))
    until = dt.datetime(2026, 11, 16, 9, 10, tzinfo=dt.timezone.utc)
    spans = ticket.history(until=until)
    assert [s.state for s in spans] == [State.OPEN, State.CLAIMED] and spans[-1].end is None


def test_transition_ignores_what_does_not_move_a_ticket():
    held = transition(Standing(State.OPEN), Event(EventType.CLAIMED, "2026-11-16T09:00:00+00:00", "maria",
                                                  "maria"), requester="casey")
    for kind in (EventType.NOTED, EventType.PRIORITY, EventType.REMINDED, "something-new"):
        assert transition(held, Event(kind, "2026-11-16T09:01:00+00:00", "maria"), requester="casey") == held
    # only the requester's answer takes a waiting ticket back to work
    waiting = Standing(State.WAITING, held.owner)
    other = Event(EventType.MESSAGE, "2026-11-16T09:02:00+00:00", "robin")
    assert transition(waiting, other, requester="casey") == waiting


def test_the_desk_actor_is_recognised_in_old_and_new_histories():
    assert acted_by_desk(Event(EventType.SUGGESTED, "2026-11-16T09:00:00+00:00", DESK_ACTOR.user_id))
    assert acted_by_desk(Event(EventType.SUGGESTED, "2026-11-16T09:00:00+00:00", "bot"))
    assert not acted_by_desk(Event(EventType.CLAIMED, "2026-11-16T09:00:00+00:00", "maria"))
