"""``/desk VERB …`` commands: parsing, the verb registry, and dispatch with polite errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot import messages
from bot.commands.params import TICKET, Param, ParamKind, Subcommand  # re-exported: what verbs are made of
from bot.domain import Actor, parse_ticket_id
from bot.errors import DeskError, NotAllowed, UsageError, WhichTicket
from bot.replies import Kind, Reply

if TYPE_CHECKING:
    from bot.desk import Desk

__all__ = ["TICKET", "CommandContext", "Param", "ParamKind", "Subcommand", "Verb", "VerbRegistry"]

COMMAND_PREFIX = "/desk"


@dataclass(slots=True)
class CommandContext:
    """Who runs a command, where (the ticket whose thread it is typed in), on which desk."""

    actor: Actor
    desk: Desk
    thread_ticket: str | None = None

    @property
    def service(self):
        return self.desk.service

    def split_ticket(self, verb: str, args: str, *, required: bool = True) -> tuple[str | None, str]:
        """Take a leading ticket id from ``args``, or fall back to the thread's ticket."""
        head, _, rest = args.strip().partition(" ")
        ticket_id = parse_ticket_id(head) if head else None
        if ticket_id is None and head.isdigit() and (not self.thread_ticket or not rest.strip()):
            ticket_id = parse_ticket_id(f"T-{head}")  # `show 3` means T-3 (in a thread, `note 3 …` is text)
        if ticket_id:
            return ticket_id, rest.strip()
        if self.thread_ticket:
            return self.thread_ticket, args.strip()
        if required:
            raise WhichTicket(messages.WHICH_TICKET, verb=verb)
        return None, args.strip()


Handler = Callable[[CommandContext, str], "Reply | list[Reply]"]


@dataclass(frozen=True, slots=True)
class Verb:
    """One ``/desk`` verb: how to call it, what it does, who may, and its handler."""

    name: str
    usage: str
    summary: str
    handler: Handler
    agents_only: bool = True
    help_lines: tuple[tuple[str, str], ...] = field(default=())
    params: tuple[Param, ...] = ()  # its typed arguments, in the order the text takes them
    subcommands: tuple[Subcommand, ...] = ()  # or its second words, each with arguments


class VerbRegistry:
    """The verbs a desk understands; features (knowledge base, metrics) add their own."""

    def __init__(self, verbs: Iterable[Verb] = ()) -> None:
        self._verbs: dict[str, Verb] = {}
        for verb in verbs:
            self.register(verb)

    def register(self, verb: Verb) -> None:
        """Add or replace a verb (a feature replacing its "not available yet" placeholder).

        A replacement that declares no arguments keeps those of the verb it replaces, so a
        feature's typed arguments are written once, with its placeholder.
        """
        old = self._verbs.get(verb.name)
        if old is not None and not (verb.params or verb.subcommands):
            verb = replace(verb, params=old.params, subcommands=old.subcommands)
        self._verbs[verb.name] = verb

    def get(self, name: str) -> Verb | None:
        return self._verbs.get(name.lower())

    def __iter__(self):
        return iter(self._verbs.values())

    def dispatch(self, context: CommandContext, text: str) -> list[Reply]:
        """Run ``text`` (with or without the ``/desk`` prefix); errors become polite replies."""
        body = strip_prefix(text)
        name, _, args = body.strip().partition(" ")
        if not name:
            name = "help"
        verb = self.get(name)
        if verb is None:
            return [Reply(messages.UNKNOWN_VERB.format(verb=name), kind=Kind.USAGE, private=True)]
        try:
            if verb.agents_only and not context.actor.is_agent:
                raise NotAllowed(messages.AGENTS_ONLY, verb=verb.name)
            result = verb.handler(context, args.strip())
        except UsageError as error:
            usage = messages.USAGE.format(usage=verb.usage, summary=verb.summary)
            text = error.message if error.template != messages.USAGE else usage
            lines = () if error.template == messages.USAGE else (usage,)
            kind = Kind.WHICH_TICKET if isinstance(error, WhichTicket) else Kind.USAGE
            return [Reply(text, kind=kind, private=True, lines=lines)]
        except DeskError as error:
            return [Reply.refusal(error)]
        return list(result) if isinstance(result, list) else [result]


def strip_prefix(text: str) -> str:
    """``/desk claim T-1`` → ``claim T-1``; text without the prefix is returned as is."""
    stripped = text.strip()
    if stripped.lower().startswith(COMMAND_PREFIX):
        return stripped[len(COMMAND_PREFIX):].strip()
    return stripped


def bad_usage() -> UsageError:
    """Raise this from a handler when the arguments are wrong; dispatch shows the verb's usage."""
    return UsageError(messages.USAGE)
