"""Test helpers: actors, a desk on the in-memory store, and a console transcript driver."""

from __future__ import annotations

import io

from bot.adapters.console import ConsoleDesk
from bot.app import build_desk
from bot.domain import Actor
from bot.replies import Suggestion
from bot.store import TinyTicketStore

CUSTOMER = Actor("console", "casey", "casey")
OTHER_CUSTOMER = Actor("console", "robin", "robin")
MARIA = Actor("console", "maria", "maria", is_agent=True)
SAM = Actor("console", "sam", "sam", is_agent=True)


class PairingKnowledge:
    """A one-article knowledge base: confident about pairing, silent about anything else."""

    ARTICLE = Suggestion("pair-tracker", "Pair your tracker", "http://help.test/articles/pair-tracker/", 0.9)

    def suggest(self, text, *, limit=3):
        return [self.ARTICLE] if "pair" in text.lower() else []

    def search(self, text, *, limit=5):
        return [self.ARTICLE]

    def article(self, slug):
        return ("Pair your tracker", "installation") if slug == self.ARTICLE.slug else None

    def learn(self, slug, wording, *, ticket=""):
        return False


def make_desk(config, clock, *, store=None, knowledge=False):
    return build_desk(config, store=store or TinyTicketStore.memory(), clock=clock, knowledge=knowledge)


class Transcript:
    """Errbot-style dialog driver: ``push`` a console line, get back what the desk printed."""

    def __init__(self, desk) -> None:
        self.output = io.StringIO()
        self.console = ConsoleDesk(desk, output=self.output, interactive=True)

    def push(self, line: str) -> str:
        start = self.output.tell()
        self.console.run([line])
        self.output.seek(start)
        text = self.output.read()
        self.output.seek(0, io.SEEK_END)
        return text
