"""The knowledge base as the desk sees it: suggestions with help-site links, search, drafts,
gaps, and learning from resolved tickets.

``kb/`` knows nothing of the bot; this module adapts it to the ``Knowledge`` protocol and
registers the ``/desk kb …`` verbs. Articles are reloaded (and the matcher rebuilt, which
recalibrates its refusal threshold) whenever a file in ``faq_sources/`` changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from pathlib import Path

from bot import messages
from bot.commands import CommandContext, bad_usage
from bot.config import Config
from bot.features.knowledge import KB_VERB as PLACEHOLDER_KB_VERB
from bot.kb_review import KB_REVIEW_HELP, KB_USAGE, review as _review
from bot.domain import Actor, Ticket
from bot.errors import InvalidMove, Unavailable
from bot.replies import Reply, Suggestion
from kb.articles import Article
from kb.matcher import Matcher
from kb.sources import load_articles

log = logging.getLogger(__name__)
MIN_SEARCH_SCORE = 0.05
STORE_ID_KEY = "kb:store-id"


class KnowledgeBase:
    """Published articles from ``faq_sources/`` and a matcher over them, kept fresh."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.sources = config.sources_path
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._matcher = Matcher.build((), threshold=config.kb.threshold)
        self._articles: dict[str, Article] = {}
        self.errors: tuple = ()

    # -- the Knowledge protocol ----------------------------------------------------

    def suggest(self, text: str, *, limit: int = 3) -> list[Suggestion]:
        return [self._link(s) for s in self._current().suggest(text, limit=limit)]

    def search(self, text: str, *, limit: int = 5) -> list[Suggestion]:
        return [self._link(s) for s in self._current().search(text, limit=limit)]

    def article(self, slug: str) -> tuple[str, str] | None:
        self._current()
        found = self._articles.get(slug)
        return (found.title, found.category) if found and found.published else None

    def learn(self, slug: str, wording: str, *, ticket: str = "") -> bool:
        """Propose a wording (already scrubbed) for an article; it waits for an agent's review."""
        from kb.learning import propose_phrasing

        self._current()
        article = self._articles.get(slug)
        if article is None or not article.published or article.path is None:
            return False
        return propose_phrasing(article.path, wording, ticket=ticket,
                                default_language=self.config.kb.default_language)

    def reviews(self) -> list:
        """Every wording waiting for review, with its article and ticket."""
        from kb.learning import pending_reviews

        self._current()
        return pending_reviews(self._articles.values())

    def covers(self, wording: str) -> bool:
        """Whether a published article answers ``wording`` now: the rule the bot suggests by.

        One rule for "has an article" everywhere (chat, CLI, the weekly post): a topic the bot
        would answer with a confident suggestion today is not a gap.
        """
        return bool(self._current().suggest(wording, limit=1))

    # -- helpers ---------------------------------------------------------------------

    def url(self, slug: str) -> str:
        """The help-site address of an article (other languages live under ``/<lang>/``)."""
        article = self._articles.get(slug)
        base = self.config.help_site.url.rstrip("/") + "/"
        language = article.language if article else self.config.kb.default_language
        prefix = "" if language == self.config.kb.default_language else f"{language}/"
        return f"{base}{prefix}articles/{slug}/"

    def _link(self, match) -> Suggestion:
        return Suggestion(slug=match.slug, title=match.title, url=self.url(match.slug), score=float(match.score))

    def _current(self) -> Matcher:
        signature = _signature(self.sources)
        if signature != self._signature:
            with self._lock:
                if signature != self._signature:
                    self._reload(signature)
        return self._matcher

    def _reload(self, signature: tuple) -> None:
        result = load_articles(self.sources, default_language=self.config.kb.default_language)
        for error in result.errors:
            log.warning("knowledge base: %s", error)
        self._articles = {a.slug: a for a in result.articles}
        self._matcher = Matcher.build(result.articles, threshold=self.config.kb.threshold,
                                      cache_dir=_embedding_cache_dir(self.config))
        self.errors = tuple(result.errors)
        self._signature = signature


def _embedding_cache_dir(config: Config) -> Path:
    """Embeddings survive restarts: under the data directory, else the per-user cache."""
    from kb.semantic import default_cache_dir

    return config.data_dir / "embeddings" if config.data_dir else default_cache_dir()


def _signature(directory: Path) -> tuple:
    """Names, sizes and modification times of the sources: changes when any article does."""
    signature = []
    try:
        for path in sorted(directory.rglob("*.md")):
            info = path.stat()
            signature.append((str(path.relative_to(directory)), info.st_mtime_ns, info.st_size))
    except OSError:
        return ()
    return tuple(signature)


def store_identity(store) -> str:
    """The ticket store's id, made on first use: drafts carry it, so a new store's T-1 is not the old T-1."""
    found = store.recall(STORE_ID_KEY)
    if not found:
        store.remember(STORE_ID_KEY, uuid.uuid4().hex[:16])
        found = store.recall(STORE_ID_KEY)  # whoever stored first, every process reads the same id
    return str(found)


def scrub_settings(config: Config) -> dict:
    """The team's scrub patterns and phone region, as keyword arguments for ``kb.scrub``."""
    from kb.scrub import region_for_timezone

    privacy = config.sections.get("privacy")
    region = getattr(privacy, "phone_region", "") or region_for_timezone(config.timezone)
    return {"patterns": config.scrub_patterns, "region": region}


def covered_check(config: Config):
    """``KnowledgeBase.covers`` for this config, or ``None`` when there are no articles here."""
    if not config.sources_path.is_dir():
        return None
    return KnowledgeBase(config).covers


# -- /desk kb … ----------------------------------------------------------------------------

def kb_command(ctx: CommandContext, args: str) -> Reply | list[Reply]:
    """``kb search TEXT``, ``kb draft [T-12]``, ``kb gaps``, ``kb review [accept|reject|confirm T-12]``."""
    sub, _, rest = args.strip().partition(" ")
    handler = {"search": _search, "draft": _draft, "gaps": _gaps, "review": _review}.get(sub.lower())
    if handler is None:
        raise bad_usage()
    knowledge = ctx.desk.knowledge
    if not isinstance(knowledge, KnowledgeBase):
        raise Unavailable(messages.NOT_AVAILABLE, verb=f"kb {sub}")
    return handler(ctx, knowledge, rest.strip())


def _search(ctx: CommandContext, knowledge: KnowledgeBase, text: str) -> Reply:
    if not text:
        raise bad_usage()
    # Search never refuses, but a 0% match is noise, not an answer.
    found = [s for s in knowledge.search(text, limit=5) if s.score >= MIN_SEARCH_SCORE]
    if not found:
        return Reply(messages.KB_SEARCH_NOTHING.format(text=text), private=True)
    return Reply(messages.KB_SEARCH_HEADER.format(text=text), private=True, suggestions=tuple(found))


def _draft(ctx: CommandContext, knowledge: KnowledgeBase, args: str) -> Reply:
    from kb.drafts import DraftError, draft_from_ticket

    ticket_id, rest = ctx.split_ticket("kb draft", args)
    if rest:
        raise bad_usage()
    ticket = ctx.service.show(ctx.actor, ticket_id)
    config = ctx.desk.config
    try:
        result = draft_from_ticket(ticket.to_record(), sources_dir=config.sources_path,
                                   language=config.kb.default_language, store_id=store_identity(ctx.service.store),
                                   **scrub_settings(config))
    except DraftError as error:
        raise InvalidMove(messages.KB_DRAFT_REFUSED, problem=str(error)) from None
    if result.linked:
        template = messages.KB_DRAFT_LINKED if result.proposed else messages.KB_DRAFT_LINKED_KNOWN
        return Reply(template.format(ticket_id=ticket.id, title=result.article.title), private=True)
    template = messages.KB_DRAFT_WRITTEN if result.created else messages.KB_DRAFT_UPDATED
    path = _relative(result.path, config.root)
    return Reply(template.format(ticket_id=ticket.id, path=path, slug=result.article.slug), private=True)


def _gaps(ctx: CommandContext, knowledge: KnowledgeBase, args: str) -> Reply:
    from kb.gaps import find_gaps

    if args:
        raise bad_usage()
    since = gap_window_start(ctx.service.clock.now(), ctx.desk.config)
    topics = find_gaps(gap_records(ctx.service.store, since), since=since, patterns=ctx.desk.config.scrub_patterns,
                       covered=knowledge.covers)
    if not topics:
        return Reply(messages.KB_GAPS_NONE, private=True)
    lines = tuple(
        f"  {topic.count}× “{topic.label}”{f' · {topic.category}' if topic.category else ''}"
        f" (e.g. {', '.join(topic.ticket_ids[:3])})"
        for topic in topics[:10]
    )
    return Reply(messages.KB_GAPS_HEADER.format(count=len(topics)), private=True, lines=lines)


def gap_window_start(now: dt.datetime, config: Config) -> dt.datetime:
    """Where recurring topics are mined from: this week and the three before, as the weekly post does."""
    from bot.metrics.report import GAP_WEEKS
    from bot.metrics.weeks import Week

    return Week.containing(now, config.tz).previous(GAP_WEEKS - 1).start


def gap_records(store, since: dt.datetime) -> list[dict]:
    """The tickets gap mining needs: those with an event since ``since`` (a store query, never every ticket).

    A ticket resolved since then has its ``resolved`` event in the window, so this is a superset of
    what ``kb.gaps.missed(ticket, since=since)`` keeps: the topics are those over every ticket.
    """
    return [ticket.to_record() for ticket in store.touched(since)]


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def propose_from_ticket(knowledge: KnowledgeBase, ticket: Ticket) -> bool:
    """Propose the requester's opening wording (scrubbed) for the ticket's linked article."""
    from kb.drafts import ticket_scrubber

    clean = ticket_scrubber(ticket.to_record(), **scrub_settings(knowledge.config))
    wording = clean(ticket.body).strip()
    return bool(wording) and knowledge.learn(ticket.article or "", wording, ticket=ticket.id)


def learn_from_resolution(knowledge: KnowledgeBase):
    """A resolved hook: an agent's resolution with an article proposes the wording for review.

    A requester's own resolve ("This solved it", or ``resolve --article``) records the link
    and teaches nothing: otherwise anyone could rewrite the public site and the matcher.
    """

    def hook(ticket: Ticket, actor: Actor) -> None:
        if not ticket.article or not actor.is_agent:
            return
        try:
            if propose_from_ticket(knowledge, ticket):
                log.info("proposed a phrasing for %s from %s (pending review)", ticket.article, ticket.id)
        except Exception:  # learning is a bonus: it must never undo or fail a resolution
            log.exception("could not propose a phrasing for %s from %s", ticket.article, ticket.id)

    return hook


# The placeholder's typed subcommands (Discord builds /desk kb search|draft|gaps|review from them).
KB_VERB = dataclasses.replace(
    PLACEHOLDER_KB_VERB, usage=KB_USAGE, handler=kb_command,
    help_lines=(("kb search TEXT", "search the knowledge base"),
                ("kb draft [T-12]", "draft an article from a solved ticket (scrubbed; never published by itself)"),
                ("kb gaps", "recurring questions that have no article yet"),
                *KB_REVIEW_HELP),
)


def install(desk) -> None:
    """Register ``/desk kb`` and learning from resolutions when the desk has a knowledge base."""
    desk.verbs.register(KB_VERB)
    if isinstance(desk.knowledge, KnowledgeBase):
        desk.service.resolved_hooks.append(learn_from_resolution(desk.knowledge))
