"""Wiring: configuration → store → service → knowledge → desk, shared by every entry point."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable

from bot import registry
from bot.clock import Clock
from bot.config import Config
from bot.delivery import once_per_delivery
from bot.desk import Desk, PersonLookup
from bot.knowledge import Knowledge
from bot.service import TicketService
from bot.store import TicketStore, store_for

log = logging.getLogger(__name__)


def scratch_store() -> TicketStore:
    """An empty in-memory store, for commands that need a desk but no tickets (``discord sync``)."""
    from bot.store import TinyTicketStore

    return TinyTicketStore.memory()


def load_knowledge(config: Config) -> Knowledge | None:
    """The knowledge base from ``faq_sources/``, or ``None`` when it is not set up here."""
    try:
        from bot.kb_bridge import KnowledgeBase
    except ImportError:
        return None
    if not config.sources_path.is_dir():
        return None
    return KnowledgeBase(config)


def build_desk(
    config: Config,
    *,
    store: TicketStore | None = None,
    clock: Clock | None = None,
    knowledge: Knowledge | None | bool = True,
    people: PersonLookup | None = None,
    verbs: Iterable = (),
) -> Desk:
    """A ready desk; pass ``knowledge=False`` for none, or an object to inject one."""
    store = store if store is not None else store_for(config)
    # A request handled again after a crash (the inbox replays it) changes no ticket twice.
    service = TicketService(once_per_delivery(store), config, clock=clock)
    kb = load_knowledge(config) if knowledge is True else (knowledge or None)
    desk = Desk(service, knowledge=kb, people=people, verbs=verbs)
    for install in registry.installers():  # each feature registers its verbs and hooks
        install(desk)
    return desk


def leave(code: int, *, threads_ended: bool) -> int:
    """The runner's exit status, or an immediate exit when a worker thread outlived its join.

    A daemon thread still running at interpreter shutdown is ended by the interpreter mid-call;
    inside native code (matplotlib drawing the weekly chart, say) that unwinding aborts the whole
    process (SIGABRT, "terminate called without an active exception"), so a clean stop would look
    like a crash to the service manager. Nothing is lost by leaving at once: every acknowledged
    event is in the inbox and every owed post in the outbox, and the scheduler repeats an
    unfinished tick at the next start. So flush the logs and exit without finalizing.
    """
    if threads_ended:
        return code
    logging.getLogger(__name__).warning("leaving with a worker thread still busy; the next start finishes its work")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
