"""Long replies through the real Bolt app and the fake Web API: posted whole, every message within
Slack's per-message budget; and the chart of a slash-command '/desk metrics' goes up too."""

from __future__ import annotations

import pytest

from bot.adapters.slack import blocks as kit
from tests.slack_fake_api import SlackHarness, fake, fixture, slack_config  # noqa: F401 (fixtures)
from tests.test_platform_limits import WORDS, assert_slack_message, paragraph, slack_words

TS = "1763283600.000100"


@pytest.fixture
def slack(slack_config, fake, clock):
    harness = SlackHarness(slack_config, fake, clock=clock)
    harness.event(fixture("event_message.json"))  # T-1, from Casey, in CSUPPORT at TS
    return harness


@pytest.mark.parametrize("language", ["en", "th", "fa"])
def test_show_of_a_40_message_ticket_is_answered_whole(slack, fake, language):
    for n in range(39):
        slack.message(f"#{n} {paragraph(language, 600)}", user="UMARIA" if n % 2 else "UCASEY",
                      ts=f"1763283700.{n:06d}", thread_ts=TS)
    fake.calls.clear()
    assert slack.command("show T-1", user="UMARIA").status == 200
    answers = [c.body for c in fake.of("response_url")]
    assert len(answers) >= 3  # about 24,000 characters: three messages of at most 12,000
    for answer in answers:
        assert answer["response_type"] == "ephemeral"
        assert_slack_message(answer["blocks"], answer["text"])
    shown = slack_words([answer["blocks"] for answer in answers])
    for n in range(39):
        assert f"#{n} {kit.escape(WORDS[language][:40])}" in shown
    assert "more lines not shown" not in shown


def test_a_long_public_reply_is_several_thread_posts(slack, fake):
    from bot.adapters.slack import SlackOutbox
    from bot.replies import Kind, Reply

    ticket = slack.store.get("T-1")
    long = Reply("Update", kind=Kind.CHANGED, ticket=ticket,
                 lines=tuple(f"{n}: {paragraph('de', 700)}" for n in range(30)))
    fake.calls.clear()
    SlackOutbox(slack.desk, slack.app.client).to_thread(ticket, long)
    posts = [c.body for c in fake.of("chat.postMessage")]
    assert len(posts) >= 2 and all(p["thread_ts"] == TS for p in posts)
    for post in posts:
        assert_slack_message(post["blocks"], post["text"])
    assert "29: " in slack_words([post["blocks"] for post in posts])


def test_the_metrics_chart_goes_up_for_the_slash_command(slack, fake):
    fake.calls.clear()
    slack.command("metrics", user="UMARIA")
    [answer] = [c.body for c in fake.of("response_url")]
    assert "Support metrics" in answer["text"]
    [done] = fake.of("files.completeUploadExternal")
    assert done.body["channel_id"] == "CSUPPORT" and "metrics-" in done.body["files"]
