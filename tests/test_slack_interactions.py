"""Slack /desk, buttons, shortcuts and modals through the real Bolt app and a fake Web API."""

from __future__ import annotations

import json

import pytest

from bot.metrics.surveys import SurveyPolicy

from bot import messages
from bot.adapters.slack import SlackOutbox
from bot.domain import State
from bot.replies import Kind, Reply
from tests.slack_fake_api import (  # noqa: F401 (fixtures)
    PairingKnowledge,
    SlackHarness,
    fake,
    fixture,
    fresh_trigger,
    slack_config,
)

TS = "1763283600.000100"


@pytest.fixture
def slack(slack_config, fake, clock):
    harness = SlackHarness(slack_config, fake, clock=clock, knowledge=PairingKnowledge())
    harness.event(fixture("event_message.json"))  # T-1, from Casey, in CSUPPORT at TS
    fake.calls.clear()
    return harness


def responses(fake):
    """What was said through response_url (ephemeral answers to commands and buttons)."""
    return [c.body for c in fake.of("response_url")]


def thread_posts(fake, thread=TS):
    return [c for c in fake.of("chat.postMessage") if c.body.get("thread_ts") == thread]


# -- /desk ---------------------------------------------------------------------------------

def test_an_agent_claims_with_the_slash_command(slack, fake):
    assert slack.command("claim T-1", user="UMARIA").status == 200
    ticket = slack.store.get("T-1")
    assert ticket.state is State.CLAIMED and ticket.assignee.name == "Maria"
    [post] = thread_posts(fake)
    assert post.body["channel"] == "CSUPPORT" and "Maria claimed T-1" in post.body["text"]
    # the intake message now shows the state and owner, and still only the customer's buttons
    # (Resolve… / Add note… are on the team channel's announcement)
    [update] = fake.of("chat.update")
    assert update.body["ts"] == slack.desk.thread_link("T-1", "slack").get("intake")
    shown = update.blocks_text()
    assert "Claimed by Maria" in shown and '"chatdesk:solved"' in shown and '"chatdesk:need_help"' in shown
    assert all(agents not in shown for agents in ('"chatdesk:claim"', "chatdesk:resolve_modal", "chatdesk:note_modal"))
    # the checklist of the ticket's category goes to Maria alone
    [checklist] = responses(fake)
    assert checklist["response_type"] == "ephemeral" and "Checklist for installation" in checklist["text"]


def test_a_customer_is_refused_agent_commands_privately(slack, fake):
    slack.command("queue", user="UCASEY")
    slack.command("claim T-1", user="UCASEY")
    answers = responses(fake)
    assert len(answers) == 2 and all(a["response_type"] == "ephemeral" for a in answers)
    assert "only agents can use `/desk queue`" in answers[0]["text"]
    assert "only agents can use `/desk claim`" in answers[1]["text"]
    assert slack.store.get("T-1").state is State.OPEN
    assert fake.of("chat.postMessage") == []


def test_a_customer_may_see_their_own_ticket(slack, fake):
    slack.command("show T-1", user="UCASEY")
    [answer] = responses(fake)
    assert answer["response_type"] == "ephemeral" and "T-1: My tracker will not pair" in answer["text"]
    assert not [b for b in answer["blocks"] if b["type"] == "actions"]  # nothing of the agents'


def test_an_agents_show_carries_claim_resolve_and_note_privately(slack, fake):
    slack.command("show T-1", user="UMARIA")
    [answer] = responses(fake)
    assert answer["response_type"] == "ephemeral"
    assert [e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "chatdesk:claim", "chatdesk:resolve_modal", "chatdesk:note_modal"]
    # pressed there: Slack sends an ephemeral message's press without the message itself
    payload = fixture("block_actions.json")
    payload["user"] = {"id": "UMARIA", "username": "maria", "name": "maria", "team_id": "T0TEST"}
    payload["container"] = {"type": "message", "message_ts": "1800000000.000009", "channel_id": "CSUPPORT",
                            "is_ephemeral": True}
    payload.pop("message")
    assert slack.interact(payload).status == 200  # the fixture's action: Claim on T-1
    assert slack.store.get("T-1").assignee.user_id == "UMARIA"
    assert "Maria claimed T-1" in thread_posts(fake)[0].body["text"]


def test_a_slash_command_without_an_id_explains_the_thread_limitation(slack, fake):
    slack.command("claim", user="UMARIA")
    [answer] = responses(fake)
    assert "Which ticket?" in answer["text"] and "message shortcut" in answer["text"]


def test_members_of_the_agents_user_group_are_agents_and_the_group_is_cached(slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock)
    slack.command("queue", user="USAM")
    slack.command("mine", user="USAM")
    answers = responses(fake)
    assert messages.QUEUE_EMPTY in answers[0]["text"]
    assert messages.MINE_EMPTY in answers[1]["text"]
    [lookup] = fake.of("usergroups.users.list")  # once for both commands
    assert lookup.body["usergroup"] == "SAGENTS"
    fake.groups["SAGENTS"] = []  # Sam leaves the group; seen once the cache expires
    slack.directory.ttl = 0
    slack.command("queue", user="USAM")
    assert len(fake.of("usergroups.users.list")) == 2
    assert "only agents" in responses(fake)[-1]["text"]


def test_when_the_group_lookup_fails_the_configured_agents_still_work(slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock)
    fake.fail("usergroups.users.list", status=500, times=None, error="fatal_error")
    slack.command("queue", user="UMARIA")
    slack.command("queue", user="USAM")
    answers = responses(fake)
    assert messages.QUEUE_EMPTY in answers[0]["text"] and "only agents" in answers[1]["text"]


def test_assign_takes_a_slack_mention_and_checks_group_membership(slack, fake):
    slack.command("assign T-1 <@USAM|sam>", user="UMARIA")
    ticket = slack.store.get("T-1")
    assert (ticket.assignee.user_id, ticket.assignee.name) == ("USAM", "Sam")
    slack.command("assign T-1 <@UROBIN|robin>", user="UMARIA")
    assert "Robin Park is not an agent" in responses(fake)[-1]["text"]


def test_resolve_without_text_opens_the_resolve_modal_with_articles(slack, fake):
    slack.command("resolve T-1", user="UMARIA")
    [opened] = fake.of("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "chatdesk:resolve"
    assert json.loads(view["private_metadata"])["ticket"] == "T-1"
    select = next(b for b in view["blocks"] if b["block_id"] == "article")["element"]
    assert [o["value"] for o in select["options"]] == ["pair-tracker"]


def test_a_customer_resolving_their_own_ticket_needs_no_modal(slack, fake):
    slack.command("resolve T-1", user="UCASEY")
    assert fake.of("views.open") == []
    ticket = slack.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.self_served


# -- buttons ---------------------------------------------------------------------------------

def test_the_claim_button(slack, fake):
    slack.press("chatdesk:claim", "T-1", user="UMARIA")
    assert slack.store.get("T-1").assignee.user_id == "UMARIA"
    assert "Maria claimed T-1" in thread_posts(fake)[0].body["text"]
    assert len(fake.of("chat.update")) == 1


def test_the_claim_button_refuses_a_customer_and_a_second_agent(slack, fake):
    slack.press("chatdesk:claim", "T-1", user="UCASEY")
    slack.press("chatdesk:claim", "T-1", user="UMARIA")
    slack.press("chatdesk:claim", "T-1", user="USAM")
    answers = [a["text"] for a in responses(fake) if a["response_type"] == "ephemeral"]
    assert "only agents" in answers[0]
    assert any("already claimed by Maria" in a for a in answers)
    assert slack.store.get("T-1").assignee.user_id == "UMARIA"


def test_this_solved_it_resolves_as_self_served_and_updates_the_intake(slack, fake):
    slack.press("chatdesk:solved", "T-1", user="UCASEY")
    ticket = slack.store.get("T-1")
    assert ticket.state is State.RESOLVED and ticket.self_served and ticket.article == "pair-tracker"
    assert "Glad that helped, Casey" in thread_posts(fake)[0].body["text"]
    shown = fake.of("chat.update")[0].blocks_text()
    assert "Resolved" in shown and "chatdesk:need_help" in shown and "chatdesk:solved" not in shown


def test_only_the_requester_may_press_this_solved_it(slack, fake):
    slack.press("chatdesk:solved", "T-1", user="UROBIN")
    assert slack.store.get("T-1").state is State.OPEN
    assert "only the person who asked" in responses(fake)[0]["text"]


def test_still_need_help_flags_the_ticket_for_the_team(slack, fake):
    slack.press("chatdesk:need_help", "T-1", user="UCASEY")
    assert slack.store.get("T-1").escalated
    assert "flagged for the team" in thread_posts(fake)[0].body["text"]
    [team] = [c for c in fake.of("chat.postMessage") if c.body["channel"] == "CTEAM"]
    assert "T-1 still needs help" in team.body["text"] and "chatdesk:claim" in team.blocks_text()


# -- shortcuts -------------------------------------------------------------------------------

def test_an_agent_opens_a_ticket_from_someone_elses_message(slack, fake):
    slack.interact(fixture("message_action_open_ticket.json"))
    ticket = slack.store.get("T-2")
    assert ticket.requester.user_id == "UROBIN" and ticket.source.channel == "CGENERAL"
    assert ticket.events[0].actor == "UMARIA"
    [post] = thread_posts(fake, "1763284050.000550")
    assert post.body["channel"] == "CGENERAL" and "T-2" in post.body["text"]
    # using it again (a new invocation) says it is already a ticket, and opens nothing
    again = fixture("message_action_open_ticket.json")
    again["trigger_id"] = fresh_trigger()
    slack.interact(again)
    assert len(slack.store.tickets()) == 2
    assert "already received: T-2" in responses(fake)[-1]["text"]


def test_a_customer_cannot_use_the_open_ticket_shortcut(slack, fake):
    payload = fixture("message_action_open_ticket.json")
    payload["user"] = {"id": "UCASEY", "username": "casey", "name": "casey", "team_id": "T0TEST"}
    slack.interact(payload)
    assert len(slack.store.tickets()) == 1
    assert "only agents" in responses(fake)[0]["text"]


def test_the_thread_command_shortcut_runs_a_command_on_the_threads_ticket(slack, fake):
    payload = fixture("message_action_open_ticket.json")
    payload.update(callback_id="chatdesk:command_here", channel={"id": "CSUPPORT", "name": "support"})
    payload["message"].update(ts="1763283700.000200", thread_ts=TS, user="UCASEY")
    slack.interact(payload)
    [opened] = fake.of("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "chatdesk:command"
    submit = view_submission(view, user="UMARIA", values={"command": {"value": {"type": "plain_text_input",
                                                                                  "value": "claim"}}})
    response = slack.interact(submit)
    assert response.status == 200 and response.body == ""
    assert slack.store.get("T-1").assignee.user_id == "UMARIA"


def test_a_refused_thread_command_shows_the_reason_in_the_modal(slack, fake):
    view = {"callback_id": "chatdesk:command", "private_metadata": json.dumps({"channel": "CSUPPORT", "thread": TS})}
    response = slack.interact(view_submission(view, user="UCASEY", values={
        "command": {"value": {"type": "plain_text_input", "value": "claim"}}}))
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and "only agents" in body["errors"]["command"]


# -- modals -----------------------------------------------------------------------------------

def view_submission(view: dict, *, user: str, values: dict) -> dict:
    payload = fixture("view_submission_resolve.json")
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEST"}
    payload["view"].update(callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                           state={"values": values})
    return payload


def test_the_resolve_modal_submission_resolves_with_the_chosen_article(slack, fake):
    slack.command("claim T-1", user="UMARIA")
    fake.calls.clear()
    response = slack.interact(fixture("view_submission_resolve.json"))
    assert response.status == 200 and response.body == ""  # the modal closes
    ticket = slack.store.get("T-1")
    assert ticket.state is State.RESOLVED and not ticket.self_served
    assert ticket.article == "pair-tracker"
    assert ticket.resolution == 'Reset the tracker and re-paired it "from scratch".'  # exactly as typed
    [post] = thread_posts(fake)
    assert "resolved with the article “Pair your tracker <fast>”" in post.body["text"].replace("&lt;", "<").replace(
        "&gt;", ">")
    assert "Resolved" in fake.of("chat.update")[0].blocks_text()


def test_a_resolve_modal_without_resolution_or_article_keeps_the_modal_open(slack, fake):
    payload = fixture("view_submission_resolve.json")
    payload["view"]["state"]["values"] = {"resolution": {"value": {"type": "plain_text_input", "value": None}}}
    response = slack.interact(payload)
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and "Please say how T-1 was resolved" in body["errors"]["resolution"]
    assert slack.store.get("T-1").state is State.OPEN


def test_the_note_button_opens_a_modal_and_its_submission_records_the_note(slack, fake):
    slack.press("chatdesk:note_modal", "T-1", user="UMARIA")
    [opened] = fake.of("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == "chatdesk:note"
    slack.interact(view_submission(view, user="UMARIA", values={
        "note": {"value": {"type": "plain_text_input", "value": "Checked the logs:\nfirmware 1.2 bug"}}}))
    ticket = slack.store.get("T-1")
    assert ticket.notes[0].get("text") == "Checked the logs:\nfirmware 1.2 bug"
    [ephemeral] = fake.of("chat.postEphemeral")
    assert ephemeral.body["user"] == "UMARIA" and "Noted on T-1" in ephemeral.body["text"]


def test_the_resolve_and_note_buttons_open_no_form_for_a_customer(slack, fake):
    for button in ("chatdesk:resolve_modal", "chatdesk:note_modal"):
        slack.press(button, "T-1", user="UCASEY")
    assert fake.of("views.open") == []  # forms are for agents, as on Discord
    refusals = [e.body["text"] for e in fake.of("chat.postEphemeral")] + [r["text"] for r in responses(fake)]
    assert messages.FORM_AGENTS_ONLY.format(form="resolve", ticket_id="T-1") in refusals
    assert messages.FORM_AGENTS_ONLY.format(form="note", ticket_id="T-1") in refusals
    assert slack.store.get("T-1").state is State.OPEN


def test_this_solved_it_pressed_by_an_agent_is_refused(slack, fake):
    slack.press("chatdesk:solved", "T-1", user="UMARIA")
    assert slack.store.get("T-1").state is State.OPEN  # only the requester may say it solved it


# -- surveys ----------------------------------------------------------------------------------

def test_the_survey_asks_with_five_buttons_and_records_score_and_comment(slack, fake):
    slack.desk.survey_policy = SurveyPolicy(slack.desk.service.store, slack.desk.service.clock, rate=1.0)
    slack.press("chatdesk:solved", "T-1", user="UCASEY")
    survey = next(c for c in thread_posts(fake) if "how satisfied" in c.body["text"])
    buttons = next(b for b in survey.body["blocks"] if b["type"] == "actions")["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(f"chatdesk:survey:{n}", "T-1") for n in range(1, 6)]
    slack.press("chatdesk:survey:4", "T-1", user="UCASEY")
    view = fake.of("views.open")[0].body["view"]
    assert view["callback_id"] == "chatdesk:survey" and view["notify_on_close"]
    slack.interact(view_submission(view, user="UCASEY", values={
        "comment": {"value": {"type": "plain_text_input", "value": "Quick and friendly"}}}))
    assert slack.store.get("T-1").survey["score"] == 4
    assert slack.store.get("T-1").survey["comment"] == "Quick and friendly"


def test_closing_the_survey_comment_modal_still_records_the_score(slack, fake):
    slack.desk.survey_policy = SurveyPolicy(slack.desk.service.store, slack.desk.service.clock, rate=1.0)
    slack.press("chatdesk:solved", "T-1", user="UCASEY")
    slack.press("chatdesk:survey:5", "T-1", user="UCASEY")
    view = fake.of("views.open")[0].body["view"]
    closed = view_submission(view, user="UCASEY", values={})
    closed["type"] = "view_closed"
    closed["is_cleared"] = False
    slack.interact(closed)
    assert slack.store.get("T-1").survey["score"] == 5


# -- the Outbox the scheduler uses ---------------------------------------------------------

def test_the_outbox_posts_to_the_team_channel_and_into_a_tickets_thread(slack, fake):
    outbox = SlackOutbox(slack.desk, slack.app.client)
    ticket = slack.store.get("T-1")
    outbox.to_team(Reply("Weekly numbers are in", kind=Kind.ANNOUNCE))
    outbox.to_thread(ticket, Reply("Still there? We are waiting on you.", kind=Kind.INFO, ticket=ticket))
    team, thread = fake.of("chat.postMessage")
    assert team.body["channel"] == "CTEAM" and "thread_ts" not in team.body
    assert (thread.body["channel"], thread.body["thread_ts"]) == ("CSUPPORT", TS)


def test_a_ticket_opened_from_a_thread_reply_lives_in_that_thread(slack, fake):
    payload = fixture("message_action_open_ticket.json")
    payload["message"].update(ts="1763284060.000560", thread_ts="1763284000.000001")
    slack.interact(payload)
    [post] = [c for c in fake.of("chat.postMessage") if c.body["channel"] == "CGENERAL"]
    assert post.body["thread_ts"] == "1763284000.000001"
    slack.message("Here is my invoice number", user="UROBIN", channel="CGENERAL", ts="1763284070.000570",
                  thread_ts="1763284000.000001")
    assert slack.store.get("T-2").conversation[-1].text == "Here is my invoice number"


def test_a_reply_with_a_chart_uploads_it_under_the_message(slack, fake, tmp_path):
    chart = tmp_path / "week-47.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    SlackOutbox(slack.desk, slack.app.client).to_team(
        Reply("Weekly numbers", kind=Kind.ANNOUNCE, attachments=(str(chart),)))
    [upload] = fake.of("upload")
    assert upload.body["size"] > 1000
    [complete] = fake.of("files.completeUploadExternal")
    assert complete.body["channel_id"] == "CTEAM"


# -- buttons per audience: the customer's under the intake, the agents' on the team's post -----------

def press_in_team_channel(slack, action_id: str, ticket_id: str, *, user: str):
    """A button on the team channel's announcement (a top-level message there, no thread)."""
    payload = fixture("block_actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEST"}
    payload["actions"][0].update(action_id=action_id, value=ticket_id)
    payload["container"] = {"type": "message", "message_ts": "1800000000.000002", "channel_id": "CTEAM",
                            "is_ephemeral": False}
    payload["channel"] = {"id": "CTEAM", "name": "support-team"}
    payload["message"].pop("thread_ts")
    payload["message"].pop("parent_user_id")
    return slack.interact(payload)


def buttons(post) -> list[str]:
    return [e["action_id"] for b in post.body["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_matched_request_offers_this_solved_it_and_the_team_post_carries_the_agents_buttons(
        slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock, knowledge=PairingKnowledge())
    slack.event(fixture("event_message.json"))
    [intake] = thread_posts(fake)
    assert buttons(intake) == ["chatdesk:solved", "chatdesk:need_help"]
    [team] = [c for c in fake.of("chat.postMessage") if c.body["channel"] == "CTEAM"]
    assert buttons(team) == ["chatdesk:claim", "chatdesk:resolve_modal", "chatdesk:note_modal"]


def test_an_unmatched_request_offers_no_solved_button_and_a_forged_press_is_refused(slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock, knowledge=PairingKnowledge())
    slack.message("asdf qwer zxcv uiop")
    [intake] = thread_posts(fake)
    assert "An agent will be with you" in intake.body["text"] and buttons(intake) == ["chatdesk:need_help"]
    fake.calls.clear()
    assert slack.press("chatdesk:solved", "T-1", user="UCASEY").status == 200  # an old message's button
    ticket = slack.store.get("T-1")
    assert ticket.state is State.OPEN and not ticket.self_served
    [answer] = responses(fake)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == messages.SOLVED_NOTHING_SUGGESTED.format(ticket_id="T-1")
    assert fake.of("chat.postMessage") == [] and fake.of("chat.update") == []  # nothing said, nothing changed


def test_the_team_posts_claim_resolve_and_note_work_from_the_team_channel(slack_config, fake, clock):
    slack = SlackHarness(slack_config, fake, clock=clock, knowledge=PairingKnowledge())
    slack.event(fixture("event_message.json"))
    [team] = [c for c in fake.of("chat.postMessage") if c.body["channel"] == "CTEAM"]
    claim, resolve_form, note_form = buttons(team)  # pressed as posted, value and all
    assert team.body["blocks"][-1]["elements"][0]["value"] == "T-1"
    fake.calls.clear()
    press_in_team_channel(slack, claim, "T-1", user="UMARIA")
    assert slack.store.get("T-1").assignee.user_id == "UMARIA"
    assert "Maria claimed T-1" in thread_posts(fake)[0].body["text"]  # said where the customer sees it
    press_in_team_channel(slack, note_form, "T-1", user="USAM")
    press_in_team_channel(slack, resolve_form, "T-1", user="UMARIA")
    note, resolve = (o.body["view"] for o in fake.of("views.open"))
    assert (note["callback_id"], resolve["callback_id"]) == ("chatdesk:note", "chatdesk:resolve")
    slack.interact(view_submission(note, user="USAM", values={
        "note": {"value": {"type": "plain_text_input", "value": "Asked for the phone model"}}}))
    assert slack.store.get("T-1").notes[0].get("text") == "Asked for the phone model"
    fake.calls.clear()
    slack.interact(view_submission(resolve, user="UMARIA", values={
        "resolution": {"value": {"type": "plain_text_input", "value": "Re-paired after the update"}}}))
    ticket = slack.store.get("T-1")
    assert ticket.state is State.RESOLVED and not ticket.self_served
    assert "T-1 is resolved" in thread_posts(fake)[0].body["text"]
    [update] = fake.of("chat.update")  # the intake message: the customer's one button left
    assert [e["action_id"] for b in update.body["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "chatdesk:need_help"]
