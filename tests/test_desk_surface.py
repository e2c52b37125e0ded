"""The Desk's surface for adapters: routing, thread links, edits, forms and the intake view."""

from __future__ import annotations

import pytest

from bot.desk import Action, Destination, Form, Inbound, Kind, Reply, plan, route
from bot.desk_platform import team_actions
from bot.domain import Source, thread_key
from tests.desk_support import CUSTOMER, MARIA, OTHER_CUSTOMER, PairingKnowledge, make_desk


def opened(desk, text="My tracker will not pair with my phone"):
    ticket, _ = desk.service.open_ticket(CUSTOMER, text, Source("console", "support", "m1", "m1"))
    return ticket


@pytest.mark.parametrize(("kind", "private", "with_ticket", "where"), [
    (Kind.ANNOUNCE, False, True, Destination.TEAM),
    (Kind.REFUSED, True, True, Destination.INVOKER),
    (Kind.INFO, True, False, Destination.INVOKER),
    (Kind.INTAKE, False, True, Destination.THREAD),
    (Kind.CHANGED, False, True, Destination.THREAD),
    (Kind.SURVEY, False, True, Destination.THREAD),
    (Kind.NOTICE, False, True, Destination.THREAD),
    (Kind.CHANGED, False, False, Destination.HERE),
    (Kind.INFO, False, True, Destination.HERE),
])
def test_one_rule_routes_every_reply(config, clock, kind, private, with_ticket, where):
    ticket = opened(make_desk(config, clock)) if with_ticket else None
    assert route(Reply("x", kind=kind, private=private, ticket=ticket)) is where


def test_a_plan_refreshes_each_changed_ticket_once_after_posting(config, clock):
    ticket = opened(make_desk(config, clock))
    routed = plan([Reply("a", kind=Kind.CHANGED, ticket=ticket), Reply("b", kind=Kind.CHANGED, ticket=ticket),
                   Reply("c", kind=Kind.INFO, ticket=ticket)])
    assert [d for d, _ in routed.steps] == [Destination.THREAD, Destination.THREAD, Destination.HERE]
    assert routed.refresh == (ticket.id,)


def test_linking_a_thread_is_one_event_and_its_key_in_the_same_write(config, clock):
    desk = make_desk(config, clock)
    ticket = opened(desk)
    desk.link_thread(ticket.id, platform="console", channel="support", thread="th-9", intake="m2")
    desk.link_thread(ticket.id, platform="console", channel="support", thread="th-9", intake="m2")  # retried
    stored = desk.find(ticket.id)
    assert [e.type for e in stored.events].count("linked") == 1
    assert desk.ticket_in_thread("console", "support", "th-9") == ticket.id
    link = desk.thread_link(ticket.id, "console")
    assert (link.channel, link.thread, link.get("intake")) == ("support", "th-9", "m2")


def test_a_thread_that_is_another_tickets_keeps_routing_there(config, clock):
    desk = make_desk(config, clock)
    first = opened(desk)
    second, _ = desk.service.open_ticket(OTHER_CUSTOMER, "Charged twice", Source("console", "support", "m5", "m5"))
    desk.link_thread(second.id, platform="console", channel="support", thread="m1")  # first's own thread
    assert desk.service.store.find(thread_key("console", "support", "m1")).id == first.id
    assert desk.thread_link(second.id, "console").thread == "m1"  # second's posts still go there
    assert not desk.owns_thread(second.id, "console", "support", "m1")


def test_an_edit_is_recorded_once_however_often_it_is_delivered(config, clock):
    desk = make_desk(config, clock)
    ticket = opened(desk)
    for _ in range(3):
        desk.on_edit(CUSTOMER, channel="support", thread=None, message_id="m1", text="Tracker won't pair",
                     change_id="support:e1")
    desk.on_edit(CUSTOMER, channel="support", thread=None, message_id="m1", text="Tracker won't pair",
                 change_id="support:e2")  # an unfurl: a new change that changes no words
    desk.on_edit(CUSTOMER, channel="support", thread=None, message_id="m1", text=None, change_id="support:d1")
    types = [e.type for e in desk.find(ticket.id).events]
    assert types.count("edited") == 1 and types.count("deleted") == 1
    assert desk.on_edit(CUSTOMER, channel="support", thread=None, message_id="nope", text="x") is None


def test_forms_open_for_agents_only_with_the_articles_to_offer(config, clock):
    desk = make_desk(config, clock)
    ticket = opened(desk)
    form = desk.open_form(MARIA, "resolve", ticket.id)
    assert isinstance(form, Form) and form.ticket.id == ticket.id
    refused = desk.open_form(CUSTOMER, "resolve", ticket.id)
    assert isinstance(refused, Reply) and refused.refused and refused.private
    assert desk.form_for(MARIA, f"resolve {ticket.id}") is not None
    assert desk.form_for(CUSTOMER, f"resolve {ticket.id}") is None  # the verb answers them instead
    assert desk.form_for(MARIA, f"resolve {ticket.id} fixed it") is None  # text given: no form
    assert desk.form_for(MARIA, "resolve T-99") is None  # the verb says there is no such ticket


def test_the_intake_view_is_rebuilt_from_the_stored_suggestions(config, clock):
    desk = make_desk(config, clock)
    ticket = opened(desk)
    desk.service.record_suggestions(ticket.id, [{"slug": "pair", "title": "Pair it", "url": "u", "score": 0.9}],
                                    confident=True)
    view = desk.intake_view(ticket.id)
    assert view.kind is Kind.INTAKE and [s.slug for s in view.suggestions] == ["pair"]
    assert view.suggestions[0].confidence == "90%"
    assert desk.intake_view("T-404") is None


def test_every_store_links_a_threads_key_with_its_linked_event(store, config, clock):
    desk = make_desk(config, clock, store=store)
    first = opened(desk)
    second, _ = desk.service.open_ticket(OTHER_CUSTOMER, "Charged twice", Source("console", "support", "m5", "m5"))
    desk.link_thread(first.id, platform="console", channel="support", thread="th-1")
    desk.link_thread(second.id, platform="console", channel="support", thread="th-1")  # taken: stays first's
    assert store.find(thread_key("console", "support", "th-1")).id == first.id
    assert [e.type for e in store.get(second.id).events].count("linked") == 1


PAIRING = [{"slug": "pair", "title": "Pair it", "url": "u", "score": 0.9}]


def test_the_core_decides_the_intake_messages_buttons_by_state(config, clock):
    """The intake message is the customer's: their buttons only, "This solved it" only where
    articles were suggested; it is refreshed after every change, so each state is checked."""
    desk = make_desk(config, clock)
    ticket = opened(desk)
    desk.service.record_suggestions(ticket.id, PAIRING, confident=True)
    actions = lambda: desk.intake_view(ticket.id).actions  # noqa: E731
    assert actions() == (Action.SOLVED, Action.NEED_HELP)
    desk.service.claim(MARIA, ticket.id)
    assert actions() == (Action.SOLVED, Action.NEED_HELP)  # the forms are on the team's post now
    desk.service.need_help(CUSTOMER, ticket.id)
    assert actions() == (Action.SOLVED,)  # flagged once; an article may still turn out to solve it
    desk.service.resolve(MARIA, ticket.id, "re-paired")
    assert actions() == (Action.NEED_HELP,)  # to reopen it
    desk.service.reopen(MARIA, ticket.id)
    assert actions() == (Action.SOLVED,)
    desk.service.close(MARIA, ticket.id)
    assert actions() == ()  # closed is for good: no button that could only be refused


def test_an_unmatched_request_offers_the_customer_no_solved_button_in_any_state(config, clock):
    desk = make_desk(config, clock)
    ticket = opened(desk, "asdf qwer zxcv")
    desk.service.record_suggestions(ticket.id, [], confident=False)
    actions = lambda: desk.intake_view(ticket.id).actions  # noqa: E731
    assert actions() == (Action.NEED_HELP,)  # nothing to mark as solved; they can flag it as waiting
    desk.service.claim(MARIA, ticket.id)
    assert actions() == (Action.NEED_HELP,)
    desk.service.need_help(CUSTOMER, ticket.id)
    assert actions() == ()  # flagged once: nothing left to press
    desk.service.resolve(MARIA, ticket.id, "answered in the thread")
    assert actions() == (Action.NEED_HELP,)  # to reopen it
    desk.service.close(MARIA, ticket.id)
    assert actions() == ()


def test_agents_buttons_are_on_the_team_announcement_never_on_the_customers_message(config, clock):
    desk = make_desk(config, clock)
    outcome = desk.on_message(Inbound(actor=CUSTOMER, text="My tracker will not pair", channel="support",
                                      message_id="m1"))
    intake, announcement = outcome.replies
    assert route(intake) is Destination.THREAD and not any(a.for_agents for a in intake.actions)
    assert route(announcement) is Destination.TEAM
    assert announcement.actions == (Action.CLAIM, Action.RESOLVE_FORM, Action.NOTE_FORM)
    desk.service.claim(MARIA, outcome.ticket.id)
    assert team_actions(desk.find(outcome.ticket.id)) == (Action.RESOLVE_FORM, Action.NOTE_FORM)
    desk.service.resolve(MARIA, outcome.ticket.id, "re-paired")
    assert team_actions(desk.find(outcome.ticket.id)) == ()


def test_an_agents_show_carries_the_agents_buttons_privately_a_customers_none(config, clock):
    desk = make_desk(config, clock)
    ticket = opened(desk)
    [agent] = desk.on_command(MARIA, f"show {ticket.id}")
    assert agent.private and agent.actions == (Action.CLAIM, Action.RESOLVE_FORM, Action.NOTE_FORM)
    [customer] = desk.on_command(CUSTOMER, f"show {ticket.id}")
    assert customer.private and customer.actions == ()


def test_a_follow_up_ticket_gets_the_same_buttons_per_audience(config, clock):
    desk = make_desk(config, clock, knowledge=PairingKnowledge())
    first = desk.on_message(Inbound(actor=CUSTOMER, text="asdf qwer zxcv", channel="support", message_id="m1")).ticket
    desk.service.close(MARIA, first.id, "spam")
    said = lambda text, message_id: desk.on_message(Inbound(  # noqa: E731
        actor=CUSTOMER, text=text, channel="support", message_id=message_id, thread="m1")).replies
    intake, announcement = said("still nothing here, qwer", "m2")[:2]
    assert intake.kind is Kind.INTAKE and "it follows T-1" in intake.text and intake.actions == (Action.NEED_HELP,)
    assert announcement.actions == (Action.CLAIM, Action.RESOLVE_FORM, Action.NOTE_FORM)
    desk.service.close(MARIA, intake.ticket.id, "spam again")
    matched, _ = said("now my tracker will not pair", "m3")[:2]
    assert matched.suggestions and matched.actions == (Action.SOLVED, Action.NEED_HELP)
