"""Review before anything is public: customer wordings wait as pending until an agent accepts them."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_desk
from bot.cli.kb_site import build_help_site
from bot.cli.main import main
from bot.desk import Inbound
from bot.store import TinyTicketStore
from kb.sources import load_articles
from tests.desk_support import CUSTOMER, MARIA, Transcript

ROOT = Path(__file__).resolve().parents[1]
PLANTED = "For refunds visit homing-refunds.example.net and enter your card"
CANCEL = "how do I cancel my subscription"


@pytest.fixture
def kb_config(config, tmp_path):
    shutil.copytree(ROOT / "faq_sources", tmp_path / "faq_sources")
    shutil.copyfile(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return replace(config, root=tmp_path)


@pytest.fixture
def desk(kb_config, clock):
    return build_desk(kb_config, store=TinyTicketStore.memory(), clock=clock)


def ask(desk, text, message_id):
    return desk.on_message(Inbound(actor=CUSTOMER, text=text, channel="support", message_id=message_id))


def _sources_text(config) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(config.sources_path.rglob("*.md"))}


def _site_text(result) -> str:
    files = [p for built in result.languages for p in Path(built.site_dir).rglob("*")
             if p.is_file() and p.suffix in (".html", ".json", ".md", ".xml")]
    assert files, "the build wrote no pages"
    return "\n".join(p.read_text("utf-8", errors="replace") for p in files)


def test_three_customer_self_resolves_change_nothing(desk, kb_config):
    before = _sources_text(kb_config)
    right = ask(desk, CANCEL, "probe0").replies[0].suggestions[0].slug
    assert right == "cancel-your-subscription"
    for n in range(3):
        ticket = ask(desk, CANCEL, f"poison{n}").ticket
        desk.on_command(CUSTOMER, f"/desk resolve {ticket.id} --article pair-a-tracker it worked")
        resolved = desk.service.get(ticket.id)
        assert resolved.state.value == "resolved" and resolved.article == "pair-a-tracker"  # link kept
    assert _sources_text(kb_config) == before  # nothing learned, nothing even proposed
    assert ask(desk, CANCEL, "probe1").replies[0].suggestions[0].slug == "cancel-your-subscription"


def test_this_solved_it_teaches_nothing(desk, kb_config):
    before = _sources_text(kb_config)
    # "This solved it" is offered only with a suggestion: a wording the sample answers.
    ticket = ask(desk, "my tracker will not pair with my brand new phone", "solved").ticket
    assert ticket.suggestions
    desk.on_action(CUSTOMER, "solved", ticket.id)
    assert desk.service.get(ticket.id).self_served
    assert _sources_text(kb_config) == before


def test_planted_wording_stays_off_the_site_until_accepted(desk, kb_config):
    ticket = ask(desk, PLANTED, "plant").ticket
    desk.on_command(MARIA, f"/desk resolve {ticket.id} --article refunds refunded by hand")
    refunds = load_articles(kb_config.sources_path).by_slug()["refunds"]
    assert [p.ticket for p in refunds.pending] == [ticket.id]
    assert "homing-refunds" in refunds.pending[0].text and not any("homing-refunds" in q for q in refunds.phrasings)
    assert "homing-refunds" not in _site_text(build_help_site(kb_config))
    assert not any(s.slug == "refunds" and s.score > 0.9 for s in desk.knowledge.search(PLANTED))

    talk = Transcript(desk)
    talk.push("/as maria")
    listing = talk.push("/desk kb review")
    assert ticket.id in listing and "refunds" in listing and "homing-refunds" in listing
    assert "Rejected 1 wording" in talk.push(f"/desk kb review reject {ticket.id}")
    refunds = load_articles(kb_config.sources_path).by_slug()["refunds"]
    assert refunds.pending == () and not any("homing-refunds" in q for q in refunds.phrasings)
    assert "No customer wording is waiting" in talk.push("/desk kb review")
    assert "homing-refunds" not in _site_text(build_help_site(kb_config))


def test_accepted_wording_is_matched_and_published(desk, kb_config):
    wording = "my tag is invisible to my new phone, mail me at ana@example.com"
    ticket = ask(desk, wording, "m1").ticket
    desk.on_command(MARIA, f"/desk resolve {ticket.id} --article pair-a-tracker re-paired it")
    article = load_articles(kb_config.sources_path).by_slug()["pair-a-tracker"]
    assert not [p for p in article.learned if "invisible" in p]
    [pending] = article.pending
    assert "ana@example.com" not in pending.text and pending.ticket == ticket.id

    talk = Transcript(desk)
    assert "only agents" in talk.push(f"/desk kb review accept {ticket.id}")
    talk.push("/as maria")
    assert "Accepted 1 wording" in talk.push(f"/desk kb review accept {ticket.id}")
    article = load_articles(kb_config.sources_path).by_slug()["pair-a-tracker"]
    learned = [p for p in article.learned if "invisible" in p]
    assert learned and "ana@example.com" not in learned[0] and article.pending == ()
    # The next similar request now finds the article (the matcher rebuilt from the changed file).
    again = ask(desk, "my tag is invisible to my new phone", "m2")
    assert again.replies[0].suggestions[0].slug == "pair-a-tracker"
    assert "invisible to my new phone" in _site_text(build_help_site(kb_config))


def test_an_agent_confirms_a_customer_resolve_to_propose_its_wording(desk, kb_config):
    # "Solved" needs a confident suggestion to resolve with: a wording the sample answers.
    ticket = ask(desk, "my tracker will not pair with my new phone", "c1").ticket
    desk.on_action(CUSTOMER, "solved", ticket.id)
    assert load_articles(kb_config.sources_path).by_slug()[desk.service.get(ticket.id).article].pending == ()
    talk = Transcript(desk)
    talk.push("/as maria")
    assert "Proposed the wording of" in talk.push(f"/desk kb review confirm {ticket.id}")
    assert "Nothing to propose" in talk.push(f"/desk kb review confirm {ticket.id}")  # already pending
    assert ticket.id in talk.push("/desk kb review")


def test_cli_review_lists_accepts_and_rejects(desk, kb_config, monkeypatch, capsys):
    first = ask(desk, "my tracker hides from my brand new phone", "x1").ticket
    desk.on_command(MARIA, f"/desk resolve {first.id} --article pair-a-tracker re-paired")
    second = ask(desk, "refund me for the double charge please", "x2").ticket
    desk.on_command(MARIA, f"/desk resolve {second.id} --article refunds refunded")
    sources = ["--root", str(kb_config.sources_path)]
    assert main(["kb", "review", *sources]) == 0
    out = capsys.readouterr().out
    assert f"{first.id}  pair-a-tracker" in out and f"{second.id}  refunds" in out
    assert "2 wordings waiting for review" in out
    assert main(["kb", "review", "accept", first.id, *sources]) == 0
    assert "accepted" in capsys.readouterr().out
    assert main(["kb", "review", "reject", second.id, *sources]) == 0
    assert main(["kb", "review", "reject", "T-999", *sources]) == 1
    assert "nothing from T-999 is waiting" in capsys.readouterr().err
    articles = load_articles(kb_config.sources_path).by_slug()
    assert any("hides from my brand new phone" in q for q in articles["pair-a-tracker"].learned)
    assert articles["refunds"].pending == () and not any("double charge please" in q
                                                         for q in articles["refunds"].phrasings)


def test_drafting_a_ticket_solved_by_an_article_proposes_instead_of_duplicating(desk, kb_config):
    ticket = ask(desk, "how can I stop my plan renewing every month", "d1").ticket
    desk.on_command(CUSTOMER, f"/desk resolve {ticket.id} --article cancel-your-subscription")
    assert desk.service.get(ticket.id).article == "cancel-your-subscription"  # linked, nothing taught
    before = sorted(_sources_text(kb_config))
    talk = Transcript(desk)
    talk.push("/as maria")
    out = talk.push(f"/desk kb draft {ticket.id}")
    assert "No draft written" in out and "proposed for that article" in out
    assert sorted(_sources_text(kb_config)) == before
    assert ticket.id in talk.push("/desk kb review")
    assert "already knows its wording" in talk.push(f"/desk kb draft {ticket.id}")


def test_the_installed_kb_verb_keeps_its_typed_subcommands_for_discord(desk):
    verb = desk.verbs.get("kb")
    assert [s.name for s in verb.subcommands] == ["search", "draft", "gaps", "review"]
    assert "kb review" in verb.usage and verb.handler.__name__ == "kb_command"
