"""On Slack the on-duty set may come from a user group ([assignment] on_duty_group)."""

from __future__ import annotations

from dataclasses import replace

from bot.workflow.settings import AssignmentSection
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)


def test_members_of_the_on_duty_group_get_new_tickets_until_they_go_off_duty(slack_config, fake, clock):
    config = replace(slack_config, sections={**slack_config.sections,
                                             "assignment": AssignmentSection(mode="round-robin",
                                                                             on_duty_group="SONCALL")})
    fake.groups["SONCALL"] = ["USAM"]
    slack = SlackHarness(config, fake, clock=clock)
    slack.desk.group_members = slack.directory.members_of  # as the Slack runner wires it
    slack.event(fixture("event_message.json"))
    ticket = slack.store.get("T-1")
    assert ticket.assignee is not None and ticket.assignee.user_id == "USAM"
    assert "SONCALL" in [call.body["usergroup"] for call in fake.of("usergroups.users.list")]
    # Sam goes off duty: the group no longer puts him on.
    slack.command("duty off", user="USAM")
    event = dict(fixture("event_message.json"), ts="1763283700.000200", event_ts="1763283700.000200",
                 client_msg_id="another-one")
    slack.event(event)
    assert slack.store.get("T-2").assignee is None


def test_the_on_duty_group_is_read_once_per_cache_period(slack_config, fake, clock):
    config = replace(slack_config, sections={**slack_config.sections,
                                             "assignment": AssignmentSection(mode="round-robin",
                                                                             on_duty_group="SONCALL")})
    fake.groups["SONCALL"] = ["USAM"]
    slack = SlackHarness(config, fake, clock=clock)
    slack.desk.group_members = slack.directory.members_of
    for n in range(3):
        event = dict(fixture("event_message.json"), ts=f"1763283700.00030{n}", event_ts=f"1763283700.00030{n}",
                     client_msg_id=f"cached-{n}")
        slack.event(event)
    reads = [call for call in fake.of("usergroups.users.list") if call.body["usergroup"] == "SONCALL"]
    assert len(reads) == 1 and all(slack.store.get(f"T-{n}").assignee for n in (1, 2, 3))
