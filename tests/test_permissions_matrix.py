"""Every verb × ticket state × role: who may do what, and that a refusal changes nothing."""

from __future__ import annotations

import pytest

from bot.domain import Person, Source, State
from bot.errors import InvalidMove, NotAllowed
from bot.service import TicketService
from bot.store import TinyTicketStore
from tests.desk_support import CUSTOMER, MARIA, OTHER_CUSTOMER, SAM

ROLES = {"requester": CUSTOMER, "stranger": OTHER_CUSTOMER, "holder": MARIA, "other_agent": SAM}
STATES = ("open", "claimed", "waiting", "resolved", "closed")

VERBS = {
    "claim": lambda s, a, t: s.claim(a, t),
    "unclaim": lambda s, a, t: s.unclaim(a, t),
    "assign": lambda s, a, t: s.assign(a, t, Person("console", "ana", "ana"), assignee_is_agent=True),
    "note": lambda s, a, t: s.note(a, t, "called the customer"),
    "wait": lambda s, a, t: s.wait(a, t),
    "resolve": lambda s, a, t: s.resolve(a, t, "fixed"),
    "reopen": lambda s, a, t: s.reopen(a, t),
    "close": lambda s, a, t: s.close(a, t),
    "priority": lambda s, a, t: s.set_priority(a, t, "high"),
    "category": lambda s, a, t: s.set_category(a, t, "billing"),
    "tag": lambda s, a, t: s.tag(a, t, add=["bluetooth"]),
    "show": lambda s, a, t: s.show(a, t),
    # buttons and forms: "This solved it" / "Still need help" are the requester's, forms are agents'
    "press_solved": lambda s, a, t: s.self_serve(a, t),
    # "This solved it" means one of the articles suggested, and nothing where none was (a stale or
    # forged press): those tickets get no suggestions (UNMATCHED)
    "press_solved_unmatched": lambda s, a, t: s.self_serve(a, t),
    "press_solved_unoffered": lambda s, a, t: s.self_serve(a, t, article="reset-your-password"),
    "press_help": lambda s, a, t: s.need_help(a, t),
    "resolve_form": lambda s, a, t: s.open_form(a, "resolve", t),
    "note_form": lambda s, a, t: s.open_form(a, "note", t),
    # the tickets a person may pick in autocomplete are the ones they may see
    "pick": lambda s, a, t: _picked(s, a, t),
    # the survey is the requester's (and only once asked, after a resolution: none was asked here)
    "survey": lambda s, a, t: s.answer_survey(a, t, 5),
    # turning someone else's message into a ticket (shortcut, menu) is for agents
    "open_for_others": lambda s, a, t: s.may_open_for_others(a),
}
READ_ONLY = {"show", "resolve_form", "note_form", "pick", "open_for_others"}
UNMATCHED = {"press_solved_unmatched"}  # verbs tried on a ticket the knowledge base had nothing for
SUGGESTED = [{"slug": "pair-a-tracker", "title": "Pair a tracker", "url": "http://help.test/pair/", "score": 0.8}]


def _picked(service: TicketService, actor, ticket_id: str) -> None:
    if ticket_id not in [t.id for t in service.pickable(actor, "")]:
        raise NotAllowed("not offered to {actor}", actor=actor.name)

# One row per verb and role; columns follow STATES. ok = allowed, move = InvalidMove, deny = NotAllowed.
# Closed is for good: a requester can neither reopen it nor press "Still need help" there.
EXPECTED = """
verb      role         open  claimed waiting resolved closed
claim     holder       ok    move    move    move     move
claim     other_agent  ok    move    move    move     move
claim     requester    deny  deny    deny    deny     deny
claim     stranger     deny  deny    deny    deny     deny
unclaim   holder       move  ok      ok      move     move
unclaim   other_agent  move  move    move    move     move
unclaim   requester    deny  deny    deny    deny     deny
assign    holder       ok    ok      ok      move     move
assign    other_agent  ok    ok      ok      move     move
assign    requester    deny  deny    deny    deny     deny
note      holder       ok    ok      ok      ok       ok
note      other_agent  ok    ok      ok      ok       ok
note      requester    deny  deny    deny    deny     deny
wait      holder       move  ok      move    move     move
wait      other_agent  move  ok      move    move     move
wait      requester    deny  deny    deny    deny     deny
resolve   holder       ok    ok      ok      move     move
resolve   other_agent  ok    ok      ok      move     move
resolve   requester    ok    ok      ok      move     move
resolve   stranger     deny  deny    deny    deny     deny
reopen    holder       move  move    move    ok       ok
reopen    other_agent  move  move    move    ok       ok
reopen    requester    move  move    move    ok       deny
reopen    stranger     deny  deny    deny    deny     deny
close     holder       ok    ok      ok      ok       move
close     requester    deny  deny    deny    deny     deny
priority  other_agent  ok    ok      ok      ok       move
priority  stranger     deny  deny    deny    deny     deny
category  holder       ok    ok      ok      ok       move
category  requester    deny  deny    deny    deny     deny
tag       other_agent  ok    ok      ok      ok       move
tag       stranger     deny  deny    deny    deny     deny
show      holder       ok    ok      ok      ok       ok
show      requester    ok    ok      ok      ok       ok
show      stranger     deny  deny    deny    deny     deny
press_solved requester ok    ok      ok      move     move
press_solved holder    deny  deny    deny    deny     deny
press_solved stranger  deny  deny    deny    deny     deny
press_solved_unmatched requester move move move    move     move
press_solved_unmatched holder deny  deny    deny    deny     deny
press_solved_unmatched stranger deny deny   deny    deny     deny
press_solved_unoffered requester move move move    move     move
press_help requester   ok    ok      ok      ok       deny
press_help holder      deny  deny    deny    deny     deny
press_help other_agent deny  deny    deny    deny     deny
press_help stranger    deny  deny    deny    deny     deny
resolve_form holder    ok    ok      ok      ok       ok
resolve_form other_agent ok  ok      ok      ok       ok
resolve_form requester deny  deny    deny    deny     deny
resolve_form stranger  deny  deny    deny    deny     deny
note_form holder       ok    ok      ok      ok       ok
note_form requester    deny  deny    deny    deny     deny
pick      holder       ok    ok      ok      ok       ok
pick      requester    ok    ok      ok      ok       ok
pick      stranger     deny  deny    deny    deny     deny
survey    requester    move  move    move    move     move
survey    holder       deny  deny    deny    deny     deny
survey    stranger     deny  deny    deny    deny     deny
open_for_others holder ok    ok      ok      ok       ok
open_for_others requester deny deny  deny    deny     deny
"""


def _cases():
    rows = [line.split() for line in EXPECTED.strip().splitlines()[1:]]
    for verb, role, *outcomes in rows:
        for state, outcome in zip(STATES, outcomes, strict=True):
            yield pytest.param(verb, role, state, outcome, id=f"{verb}-{role}-{state}")


def ticket_in(service: TicketService, state: str, *, suggested: bool = True) -> str:
    ticket, _ = service.open_ticket(CUSTOMER, "My tracker will not pair", Source("console", "support", "m1", "m1"))
    service.record_suggestions(ticket.id, SUGGESTED if suggested else [], confident=suggested)
    if state in ("claimed", "waiting", "resolved", "closed"):
        service.claim(MARIA, ticket.id)
    if state == "waiting":
        service.wait(MARIA, ticket.id)
    if state in ("resolved", "closed"):
        service.resolve(MARIA, ticket.id, "re-paired")
    if state == "closed":
        service.close(MARIA, ticket.id)
    assert service.get(ticket.id).state is State(state)
    return ticket.id


def test_the_matrix_names_every_verb():
    assert {line.split()[0] for line in EXPECTED.strip().splitlines()[1:]} == set(VERBS)


@pytest.mark.parametrize(("verb", "role", "state", "outcome"), list(_cases()))
def test_verb_by_role_in_state(config, clock, verb, role, state, outcome):
    service = TicketService(TinyTicketStore.memory(), config, clock=clock)
    ticket_id = ticket_in(service, state, suggested=verb not in UNMATCHED)
    before = service.get(ticket_id)
    clock.advance(minutes=5)
    act = lambda: VERBS[verb](service, ROLES[role], ticket_id)  # noqa: E731
    if outcome == "ok":
        act()
        if verb not in READ_ONLY:
            assert service.get(ticket_id).version > before.version
    else:
        with pytest.raises(InvalidMove if outcome == "move" else NotAllowed) as refused:
            act()
        assert refused.value.message  # a sentence for the person, not a code
        assert service.get(ticket_id).events == before.events  # nothing changed
